import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, gatepay, md5, ok, setupMerchant, signedCreate, type TestApp, orderTables } from '../helpers';
import { javaDouble, vmqApk } from './clients';
import { send, uniq } from './helpers';

const paymentsOf = async (sessionId: number) =>
  (
    await orderTables
      .prepare('SELECT * FROM payments WHERE session_id = ? ORDER BY received_ms')
      .bind(sessionId)
      .all<any>()
  ).results;

let app: TestApp;
let merchantId: number;
let created: any;
let config: { host: string; key: string };

beforeAll(async () => {
  const m = await setupMerchant({ sessions: 0, settings: { max_offset: '0.03' } });
  app = m.app;
  merchantId = m.merchant.id;
  created = await ok('POST', `/merchants/${merchantId}/sessions`, {
    type: 'alipay',
    label: 'vmq phone',
    qr_payload: 'https://qr.alipay.com/vmqphone',
  });
  config = vmqApk.readConfig(created.vmq_config);
});

describe('the session view', () => {
  it('shows the host always, and the config string host/key with its QR code with the secret only', async () => {
    expect(created.vmq_host).toMatch(/^[a-z0-9]{12}\.vmq\.test$/);
    expect(created.vmq_config).toBe(`${created.vmq_host}/${created.secret}`);
    expect(config).toEqual({ host: created.vmq_host, key: created.secret });
    expect(created.vmq_config_qr).toMatch(/^<svg[^>]*>.*<\/svg>$/s);
    const listed = (await ok('GET', `/merchants/${merchantId}/sessions`, undefined, 200)).data[0];
    expect(listed.vmq_host).toBe(created.vmq_host);
    expect(listed).not.toHaveProperty('vmq_config');
    const rotated = await ok('POST', `/sessions/${created.id}/rotate-secret`, undefined, 200);
    expect(rotated.vmq_config).toBe(`${created.vmq_host}/${rotated.secret}`);
    created.secret = rotated.secret;
    config = vmqApk.readConfig(rotated.vmq_config);
  });
});

describe('appHeart', () => {
  it('brings a new session online, as the native heartbeat does', async () => {
    const before = (await ok('GET', `/merchants/${merchantId}/sessions`, undefined, 200)).data[0];
    expect(before.state).toBe('new');
    const res = await send(await vmqApk.appHeart(config.host, config.key));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ code: 1, msg: '成功', data: null });
    const after = (await ok('GET', `/merchants/${merchantId}/sessions`, undefined, 200)).data[0];
    expect(after.state).toBe('online');
  });

  it('answers on the forks’ path and over POST too', async () => {
    const t = String(Date.now());
    const sign = await md5(t + config.key);
    expect((await send(`http://${config.host}/api/monitor/heart?t=${t}&sign=${sign}`)).json()).toMatchObject({
      code: 1,
    });
    expect((await send(`http://${config.host}/appHeart`, { form: `t=${t}&sign=${sign}` })).json()).toMatchObject({
      code: 1,
    });
  });

  it.each([
    ['a wrong key', async () => vmqApk.appHeart(config.host, 'wrong'), /^签名校验不通过/],
    [
      'a t five minutes off',
      async () => vmqApk.appHeart(config.host, config.key, String(Date.now() - 301_000)),
      /^客户端时间错误/,
    ],
    [
      'a t in seconds',
      async () => vmqApk.appHeart(config.host, config.key, String(Math.floor(Date.now() / 1000))),
      /^客户端时间错误/,
    ],
  ])('%s is refused', async (_n, url, msg) => {
    const res = await send(await url());
    expect(res.json()).toEqual({ code: -1, msg: expect.stringMatching(msg) });
  });

  it('for a disabled session: recorded, but answered that the session does not collect', async () => {
    const s = await ok('POST', `/merchants/${merchantId}/sessions`, { type: 'alipay', label: 'off', qr_payload: 'x' });
    await ok('PATCH', `/sessions/${s.id}`, { enabled: false }, 200);
    const res = await send(await vmqApk.appHeart(s.vmq_host, s.secret));
    expect(res.json()).toEqual({ code: -1, msg: expect.stringMatching(/^该收款会话已停用/) });
    const view = (await ok('GET', `/merchants/${merchantId}/sessions`, undefined, 200)).data.find(
      (x: any) => x.id === s.id,
    );
    expect(view).toMatchObject({ state: 'disabled', last_heartbeat: expect.any(Number) });
  });

  it('a host of no session, an unknown path, a host outside the monitor domain', async () => {
    const none = await send(await vmqApk.appHeart('zzzzzzzzzzzz.vmq.test', config.key));
    expect(none.status).toBe(404);
    expect(none.json()).toEqual({ code: -1, msg: expect.stringMatching(/^没有这个收款会话/) });
    const path = await send(`http://${config.host}/admin/v1/merchants`);
    expect(path.status).toBe(404);
    expect(path.json()).toMatchObject({ code: -1 });
    // The gateway's own host does not serve the monitor paths.
    expect((await send(await vmqApk.appHeart('gw.test', config.key))).status).toBe(404);
    // A session's host serves nothing else of the gateway (no admin API on it).
    expect((await send(`http://${config.host}/healthz`)).status).toBe(404);
  });
});

describe('appPush', () => {
  it('is a payment report: the order of that amount is paid; a replay gets the same answer and pays nothing twice', async () => {
    const order = await gatepay('create', await signedCreate(app, { price: '10.50', out_order_id: uniq('G') }));
    expect(order.code).toBe(100);
    const t = String(Date.now());
    const url = await vmqApk.appPush(config.host, config.key, 2, Number(order.data.realprice), t);
    expect(url).toContain(`price=${javaDouble(Number(order.data.realprice))}&`);
    const first = await send(url);
    expect(first.json()).toEqual({ code: 1, msg: '成功', data: null });
    await eventually(async () => {
      const o = await ok('GET', `/orders/${order.data.order_id}`, undefined, 200);
      expect(o).toMatchObject({ status: 'paid', paid_at: Math.floor(Number(t) / 1000) });
    });
    const replay = await send(url);
    expect(replay.json()).toEqual({ code: 1, msg: '成功', data: null });
    const pays = await paymentsOf(created.id);
    expect(pays.filter((p: any) => p.paid_ms === Number(t))).toHaveLength(1);
  });

  it('a Java-printed whole amount (1.0) and the fork path /api/monitor/push', async () => {
    const order = await gatepay('create', await signedCreate(app, { price: '1.00', out_order_id: uniq('G') }));
    const price = javaDouble(Number(order.data.realprice));
    const t = String(Date.now());
    const sign = await md5(`2${price}${t}${config.key}`);
    const res = await send(`http://${config.host}/api/monitor/push?t=${t}&type=2&price=${price}&sign=${sign}`);
    expect(res.json()).toMatchObject({ code: 1 });
    await eventually(async () =>
      expect((await ok('GET', `/orders/${order.data.order_id}`, undefined, 200)).status).toBe('paid'),
    );
  });

  it.each([['a valid sign for WeChat on an Alipay session', 1 as const, 2.0, /^type 1（微信）与该收款会话不符/]])(
    '%s is refused and records nothing',
    async (_n, type, amount, msg) => {
      const before = (await paymentsOf(created.id)).length;
      const res = await send(await vmqApk.appPush(config.host, config.key, type, amount));
      expect(res.json()).toEqual({ code: -1, msg: expect.stringMatching(msg) });
      await new Promise((r) => setTimeout(r, 200));
      expect((await paymentsOf(created.id)).length).toBe(before);
    },
  );

  it.each(['.5', '1E7', 'NaN', '-1.0', '0.001', '1,00'])(
    'price %j is refused (sign valid over the raw string)',
    async (price) => {
      const t = String(Date.now());
      const sign = await md5(`2${price}${t}${config.key}`);
      const res = await send(
        `http://${config.host}/appPush?t=${t}&type=2&price=${encodeURIComponent(price)}&sign=${sign}`,
      );
      expect(res.json()).toEqual({ code: -1, msg: expect.stringMatching(/^price .* 无效/) });
    },
  );

  it('the sign is over the raw price: 1.0 signed as 1.00 is refused', async () => {
    const t = String(Date.now());
    const sign = await md5(`21.00${t}${config.key}`);
    const res = await send(`http://${config.host}/appPush?t=${t}&type=2&price=1.0&sign=${sign}`);
    expect(res.json()).toEqual({ code: -1, msg: expect.stringMatching(/^签名校验不通过/) });
  });

  it('an amount nobody ordered lands in the unmatched inbox', async () => {
    const t = String(Date.now());
    const res = await send(await vmqApk.appPush(config.host, config.key, 2, 7.77, t));
    expect(res.json()).toMatchObject({ code: 1 });
    await eventually(async () => {
      const inbox = (await ok('GET', `/merchants/${merchantId}/payments?matched=false`, undefined, 200)).data;
      expect(inbox.some((p: any) => p.amount === '7.77' && p.paid_at === Math.floor(Number(t) / 1000))).toBe(true);
    });
  });
});
