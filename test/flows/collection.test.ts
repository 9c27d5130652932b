/** Rotation strategies, collection rules and session states through the real API (SPEC §4.1, §4.3, §4.4). */
import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, eventually, gatepay, monitor, ok, pay, setupMerchant, signedCreate, type TestApp } from '../helpers';

let seq = 0;
const nextId = () => `r${++seq}-${Date.now()}`;

async function orderSession(orderId: number): Promise<number> {
  return (await ok('GET', `/orders/${orderId}`, undefined, 200)).session_id;
}

async function create(app: TestApp, price: string, extra: Record<string, string> = {}) {
  return gatepay('create', await signedCreate(app, { price, out_order_id: nextId(), ...extra }));
}

describe('rotation', () => {
  it('smart_random never picks the session of the last paid order while another is eligible', async () => {
    const { app, sessions } = await setupMerchant({ sessions: 3, settings: { rotation: 'smart_random' } });
    const byId = new Map(sessions.map((s) => [s.id, s]));
    let lastPaid: number | null = null;
    for (let i = 0; i < 15; i++) {
      const o = await create(app, `${40 + i}.00`);
      const sid = await orderSession(o.data.order_id);
      if (lastPaid !== null) expect(sid).not.toBe(lastPaid);
      expect((await pay(byId.get(sid)!, o.data.realprice)).body.matched).toBe(true);
      lastPaid = sid;
    }
  });

  it('uniform never picks the top collector of today while another is eligible', async () => {
    const { app, sessions } = await setupMerchant({ sessions: 3, settings: { rotation: 'uniform' } });
    await pay(sessions[1], '500.00', { ref: 'big' });
    const picked = new Set<number>();
    for (let i = 0; i < 20; i++) picked.add(await orderSession((await create(app, `${60 + i}.00`)).data.order_id));
    expect(picked.has(sessions[1].id)).toBe(false);
    expect(picked).toEqual(new Set([sessions[0].id, sessions[2].id]));
  });

  it('random reaches every session', async () => {
    const { app, sessions } = await setupMerchant({ sessions: 3, settings: { rotation: 'random' } });
    const picked = new Set<number>();
    for (let i = 0; i < 40 && picked.size < 3; i++)
      picked.add(await orderSession((await create(app, `${80 + i}.00`)).data.order_id));
    expect(picked).toEqual(new Set(sessions.map((s) => s.id)));
  });

  it('falls through to another session when the pick has no free slot', async () => {
    const { app } = await setupMerchant({ sessions: 2, settings: { rotation: 'random', max_offset: '0.00' } });
    const a = await create(app, '5.00');
    const b = await create(app, '5.00');
    expect([a.code, b.code]).toEqual([100, 100]);
    expect(await orderSession(a.data.order_id)).not.toBe(await orderSession(b.data.order_id));
    expect((await create(app, '5.00')).code).toBe(204);
  });
});

/** Local minutes-of-day now in a zone, as HH:MM shifted by `delta` minutes. */
function hhmm(zone: string, delta: number) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(Date.now());
  const m =
    (Number(parts.find((p) => p.type === 'hour')!.value) * 60 +
      Number(parts.find((p) => p.type === 'minute')!.value) +
      delta +
      2880) %
    1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

describe('collection rules', () => {
  const SH = 'Asia/Shanghai';
  const NY = 'America/New_York';
  const cases: [string, Record<string, unknown>, string, Record<string, string>, number][] = [
    ['window containing now', { start_time: hhmm(SH, -30), end_time: hhmm(SH, 30) }, '1.00', {}, 100],
    ['window that ended a minute ago', { start_time: hhmm(SH, -60), end_time: hhmm(SH, -1) }, '1.00', {}, 204],
    ['window starting in an hour', { start_time: hhmm(SH, 60), end_time: hhmm(SH, 120) }, '1.00', {}, 204],
    [
      'wrapping window that excludes only the next hour',
      { start_time: hhmm(SH, 120), end_time: hhmm(SH, 60) },
      '1.00',
      {},
      100,
    ],
    ['all day (start = end)', { start_time: '00:00', end_time: '00:00' }, '1.00', {}, 100],
    [
      "window in the rule's own zone (New York, now)",
      { start_time: hhmm(NY, -30), end_time: hhmm(NY, 30), timezone: NY },
      '1.00',
      {},
      100,
    ],
    [
      'New York window read in Shanghai',
      { start_time: hhmm(NY, -30), end_time: hhmm(NY, 30), timezone: SH },
      '1.00',
      {},
      204,
    ],
    ['below the minimum', { min_amount: '10.00' }, '9.99', {}, 204],
    ['at the minimum', { min_amount: '10.00' }, '10.00', {}, 100],
    ['at the maximum', { max_amount: '20.00' }, '20.00', {}, 100],
    ['above the maximum', { max_amount: '20.00' }, '20.01', {}, 204],
    ['province allowed', { regions: ['CN-GD'] }, '1.00', { payer_region: 'CN-GD' }, 100],
    ['other province', { regions: ['CN-GD'] }, '1.00', { payer_region: 'CN-BJ' }, 204],
    ['country allowed', { regions: ['cn'] }, '1.00', { payer_region: 'CN-SH' }, 100],
    ['unknown region refused by a region rule', { regions: ['CN'] }, '1.00', {}, 204],
    ['empty regions: anywhere', { regions: [] }, '1.00', { payer_region: 'US' }, 100],
  ];

  it.each(cases)('%s', async (_name, rule, price, extra, code) => {
    const { app, merchant, sessions } = await setupMerchant({ sessions: 1 });
    const r = await ok('POST', `/merchants/${merchant.id}/rules`, { name: 'r', ...rule });
    await ok('PATCH', `/sessions/${sessions[0].id}`, { rule_id: r.id }, 200);
    const res = await create(app, price, extra);
    expect(res.code, res.msg).toBe(code);
  });

  it('uses the region Cloudflare reports for the request', async () => {
    const { app, merchant, sessions } = await setupMerchant({ sessions: 1 });
    const r = await ok('POST', `/merchants/${merchant.id}/rules`, { name: 'gd only', regions: ['CN-GD'] });
    await ok('PATCH', `/sessions/${sessions[0].id}`, { rule_id: r.id }, 200);
    const send = async (cf: Record<string, string>) =>
      (
        (await (
          await SELF.fetch(`${BASE}/api/cloudpay/create`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(await signedCreate(app, { price: '2.00', out_order_id: nextId() })).toString(),
            cf,
          } as RequestInit)
        ).json()) as { code: number }
      ).code;
    expect(await send({ country: 'CN', regionCode: 'GD' })).toBe(100);
    expect(await send({ country: 'CN', regionCode: 'BJ' })).toBe(204);
  });

  it('daily cap: collected today + the order must stay within the cap', async () => {
    const { app, merchant, sessions } = await setupMerchant({ sessions: 1 });
    const r = await ok('POST', `/merchants/${merchant.id}/rules`, { name: 'cap', daily_cap: '15.00' });
    await ok('PATCH', `/sessions/${sessions[0].id}`, { rule_id: r.id }, 200);
    const first = await create(app, '10.00');
    expect(first.code).toBe(100);
    await pay(sessions[0], first.data.realprice);
    expect((await create(app, '5.01')).code).toBe(204);
    expect((await create(app, '5.00')).code).toBe(100);
  });

  it("new sessions get the merchant's default rule; a session may be given another", async () => {
    const { merchant } = await setupMerchant({ sessions: 0 });
    const rule = await ok('POST', `/merchants/${merchant.id}/rules`, { name: 'default', max_amount: '100.00' });
    await ok('PUT', `/merchants/${merchant.id}/settings`, { default_rule_id: rule.id }, 200);
    const s = await ok('POST', `/merchants/${merchant.id}/sessions`, {
      type: 'wechat',
      label: 'w',
      qr_payload: 'wxp://x',
    });
    expect(s.rule_id).toBe(rule.id);
    const other = await ok('POST', `/merchants/${merchant.id}/rules`, { name: 'other' });
    expect((await ok('PATCH', `/sessions/${s.id}`, { rule_id: other.id }, 200)).rule_id).toBe(other.id);
    expect((await ok('PATCH', `/sessions/${s.id}`, { rule_id: null }, 200)).rule_id).toBeNull();
  });
});

describe('session states', () => {
  it('new → online on heartbeat → offline after the timeout (no new orders) → online again; disabled gets none', async () => {
    const { app, merchant, sessions } = await setupMerchant({ sessions: 1, online: false });
    const s = sessions[0];
    const state = async () => (await ok('GET', `/merchants/${merchant.id}/sessions`, undefined, 200)).data[0];
    expect((await state()).state).toBe('new');
    expect((await create(app, '1.00')).code).toBe(204);
    expect((await monitor(s, 'heartbeat', {})).status).toBe(200);
    expect((await state()).state).toBe('online');
    expect((await create(app, '1.00')).code).toBe(100);
    // 91 s pass without a heartbeat.
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchant.id}:live`));
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec(`UPDATE sessions SET last_seen_ms = last_seen_ms - 91000`);
    });
    expect((await state()).state).toBe('offline');
    expect((await create(app, '1.00')).code).toBe(204);
    await monitor(s, 'heartbeat', {});
    expect((await state()).state).toBe('online');
    expect((await create(app, '1.00')).code).toBe(100);
    await ok('PATCH', `/sessions/${s.id}`, { enabled: false }, 200);
    expect((await state()).state).toBe('disabled');
    expect((await create(app, '1.00')).code).toBe(204);
  });

  it('refuses monitor requests signed wrong, from the wrong clock, or for another type', async () => {
    const { sessions } = await setupMerchant({ sessions: 1 });
    const s = sessions[0];
    expect((await monitor(s, 'heartbeat', {}, { sign: 'ab'.repeat(32) })).status).toBe(401);
    const stale = await monitor(s, 'heartbeat', {}, { ts: Date.now() - 301_000 });
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toMatch(/300 s/);
    expect((await monitor(s, 'heartbeat', {}, { ts: Date.now() - 290_000 })).status).toBe(200);
    expect(
      (await monitor({ ...s, secret: 'wrong' }, 'payments', { type: 'alipay', amount: '1.00', paid_at: Date.now() }))
        .status,
    ).toBe(401);
    const wrongType = await monitor(s, 'payments', { type: 'wechat', amount: '1.00', paid_at: Date.now() });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toMatch(/^type:/);
  });

  it('sandbox and live sessions never share slots or counters', async () => {
    const { merchant, app: liveApp } = await setupMerchant({ sessions: 1, settings: { max_offset: '0.00' } });
    const sandboxApp = await ok('POST', `/merchants/${merchant.id}/apps`, {
      name: 'sb',
      mode: 'sandbox',
      notify_url: 'http://127.0.0.1:9/n',
      return_url: 'http://127.0.0.1:9/r',
    });
    const sbApp = { appkey: sandboxApp.appkey, appsecret: sandboxApp.appsecret, id: sandboxApp.id };
    // No sandbox session yet: a sandbox app needs no setup, the Alipay simulator takes the order (SPEC §11.6).
    expect((await create(sbApp, '3.00')).data).toMatchObject({ channel: 'alipay', realprice: '3.00' });
    const sb = await ok('POST', `/merchants/${merchant.id}/sessions`, {
      type: 'alipay',
      label: 'sim',
      qr_payload: 'sim://1',
      mode: 'sandbox',
    });
    await monitor({ id: sb.id, secret: sb.secret, type: 'alipay' }, 'heartbeat', {});
    const live = await create(liveApp, '3.00');
    const sandbox = await create(sbApp, '3.00');
    expect([live.code, sandbox.code]).toEqual([100, 100]);
    expect(live.data.realprice).toBe('3.00');
    expect(sandbox.data.realprice).toBe('3.00');
    expect(await orderSession(sandbox.data.order_id)).toBe(sb.id);
    const paid = await pay({ id: sb.id, secret: sb.secret, type: 'alipay' }, '3.00');
    expect(paid.body.out_order_id).toBe(sandbox.data.out_order_id);
    await eventually(async () =>
      expect((await ok('GET', `/orders/${live.data.order_id}`, undefined, 200)).status).toBe('pending'),
    );
    const list = (await ok('GET', `/merchants/${merchant.id}/sessions`, undefined, 200)).data;
    const today = Object.fromEntries(list.map((x: any) => [x.mode, x.today.collected]));
    expect(today).toEqual({ live: '0.00', sandbox: '3.00' });
  });
});
