/**
 * Merchant notifications end to end (SPEC §6): a real local merchant server receives the notify,
 * webhooks and retries; every signature is recomputed here from the spec's formulas.
 */
import {
  createExecutionContext,
  createMessageBatch,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  SELF,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { Job } from '../../src/jobs';
import {
  admin,
  BASE,
  eventually,
  expectWithin,
  gatepay,
  hmac,
  loopbackUrl,
  md5,
  merchantLog,
  merchantUrl,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  specSign,
  orderTables,
} from '../helpers';

let n = 0;
const key = (label: string) => `${label}-${Date.now()}-${++n}`;

async function paidOrder(
  app: Record<string, unknown>,
  opts: { mode?: 'sandbox' | 'live'; price?: string; custom?: string } = {},
) {
  const m = await setupMerchant({ sessions: 1, mode: opts.mode ?? 'live', app });
  const created = await gatepay(
    'create',
    await signedCreate(m.app, {
      price: opts.price ?? '10.00',
      out_order_id: key('o'),
      custom: opts.custom ?? 'buyer@example.com',
    }),
  );
  expect(created.code).toBe(100);
  const paidAt = Date.now();
  expect((await pay(m.sessions[0], created.data.realprice, { paid_at: paidAt })).body.matched).toBe(true);
  return { ...m, order: created.data, paidAt };
}

const deliveriesOf = async (orderId: number) => (await ok('GET', `/orders/${orderId}/deliveries`, undefined, 200)).data;

describe('async notify', () => {
  it('posts the spec form with a sign the merchant can verify, and stops at "success"', async () => {
    const k = key('notify');
    const { app, order, paidAt } = await paidOrder({ notify_url: merchantUrl('success', k) }, { custom: 'a b&c=d' });
    const [req] = await eventually(async () => {
      const log = await merchantLog(k);
      expect(log).toHaveLength(1);
      return log;
    });
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const f = Object.fromEntries(new URLSearchParams(req.body));
    expect(Object.keys(f)).toEqual([
      'order_id',
      'out_order_id',
      'price',
      'realprice',
      'type',
      'paytime',
      'extend',
      'sign',
    ]);
    expect(f).toMatchObject({
      order_id: String(order.order_id),
      out_order_id: order.out_order_id,
      price: '10.00',
      realprice: order.realprice,
      type: 'alipay',
      paytime: String(Math.floor(paidAt / 1000)),
      extend: 'a b&c=d',
    });
    expect(f.sign).toBe(
      await specSign(
        [app.appkey, f.order_id, f.out_order_id, f.price, f.realprice, f.type, f.paytime, f.extend],
        app.appsecret,
      ),
    );
    await eventually(async () =>
      expect((await deliveriesOf(order.order_id))[0]).toMatchObject({
        kind: 'notify',
        status: 'delivered',
        attempts: 1,
      }),
    );
  });

  it('a sandbox app notifies its sandbox URL, even on loopback', async () => {
    const k = key('sandbox');
    const { order } = await paidOrder(
      { notify_url: merchantUrl('fail', `never-${k}`), sandbox_notify_url: loopbackUrl('success', k) },
      { mode: 'sandbox' },
    );
    await eventually(async () => expect(await merchantLog(k)).toHaveLength(1));
    expect(await merchantLog(`never-${k}`)).toHaveLength(0);
    expect(Object.fromEntries(new URLSearchParams((await merchantLog(k))[0].body)).order_id).toBe(
      String(order.order_id),
    );
  });

  it('a live app falls back to its backup URL within the same attempt', async () => {
    const [k1, k2] = [key('primary'), key('backup')];
    const { order } = await paidOrder({
      notify_url: merchantUrl('s500', k1),
      backup_notify_url: merchantUrl('success', k2),
    });
    await eventually(async () => expect((await deliveriesOf(order.order_id))[0].status).toBe('delivered'));
    const [d] = await deliveriesOf(order.order_id);
    expect(d.attempts).toBe(1);
    expect(d.log.map((a: any) => [a.attempt, a.url, a.status, a.ok])).toEqual([
      [1, merchantUrl('s500', k1), 500, false],
      [1, merchantUrl('success', k2), 200, true],
    ]);
  });

  it('"fail" twice then "success": exactly 3 attempts, then nothing more', async () => {
    const k = key('fail2');
    const { order } = await paidOrder({ notify_url: merchantUrl('fail2', k) });
    await eventually(async () => expect((await deliveriesOf(order.order_id))[0].status).toBe('delivered'), 30_000);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await merchantLog(k)).toHaveLength(3);
    const [d] = await deliveriesOf(order.order_id);
    expect(d.attempts).toBe(3);
    expect(d.log.map((a: any) => [a.attempt, a.ok, a.response])).toEqual([
      [1, false, 'fail'],
      [2, false, 'fail'],
      [3, true, '  success\n'],
    ]);
  }, 45_000);

  it('after the 11th failure the delivery is failed, kept, and nothing more is sent', async () => {
    const k = key('fail');
    const { order } = await paidOrder({ notify_url: merchantUrl('fail', k) });
    await eventually(async () => expect((await deliveriesOf(order.order_id))[0].status).toBe('failed'), 60_000);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await merchantLog(k)).toHaveLength(11);
    const [d] = await deliveriesOf(order.order_id);
    expect(d.attempts).toBe(11);
    expect(d.log).toHaveLength(11);
    expect(d.log.every((a: any) => a.error === 'HTTP 200: not acknowledged (the body must be exactly "success")')).toBe(
      true,
    );
  }, 90_000);

  it.each([
    ['a redirect', 'redirect', 302, /redirects are not followed|not followed/],
    ['a 500 saying success', 's500', 500, /not acknowledged/],
    ['a 10 MB body', 'huge', 200, /not acknowledged/],
  ])('%s is a failed attempt, logged', async (_name, behaviour, status, error) => {
    const k = key(behaviour);
    const { order } = await paidOrder({ notify_url: merchantUrl(behaviour, k) });
    const [d] = await eventually(async () => {
      const rows = await deliveriesOf(order.order_id);
      expect(rows[0].log.length).toBeGreaterThan(0);
      return rows;
    });
    const a = d.log[0];
    expect(a).toMatchObject({ attempt: 1, ok: false, status });
    expect(a.error).toMatch(error);
    expect((a.response ?? '').length).toBeLessThanOrEqual(1024);
    expect(await merchantLog(`/success/${k}`)).toHaveLength(0);
  });

  it('the same queue message delivered twice sends once', async () => {
    const k = key('dup');
    const { order } = await paidOrder({ notify_url: merchantUrl('fail', k) });
    const [d] = await eventually(async () => {
      const rows = await deliveriesOf(order.order_id);
      expect(rows[0].attempts).toBeGreaterThanOrEqual(1);
      return rows;
    });
    // Stop the scheduled chain, then deliver one "attempt N+1" message twice at once.
    await orderTables.prepare(`UPDATE deliveries SET attempts = 20, status = 'pending' WHERE id = ?`).bind(d.id).run();
    const job: Job = { kind: 'deliver', deliveryId: d.id, attempt: 21, dueMs: 0 };
    const batch = createMessageBatch<Job>('huipay-jobs', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: job },
      { id: 'm2', timestamp: new Date(), attempts: 1, body: job },
    ]);
    await worker.queue!(batch, env, createExecutionContext());
    // Every request is logged with its attempt number (a request of the stopped chain may still land
    // at the merchant meanwhile, so its log proves nothing): attempt 21 was sent once.
    const [after] = await deliveriesOf(order.order_id);
    expect(after.log.filter((a: any) => a.attempt === 21).map((a: any) => a.url)).toEqual([merchantUrl('fail', k)]);
  });
});

describe('retry schedule', () => {
  it('the default follows the spec and long waits hop at most 12 h', async () => {
    const { retryDelays, delayBefore, hops } = await import('../../src/domain/schedule');
    const delays = retryDelays(undefined);
    expect(Array.from({ length: 12 }, (_, i) => delayBefore(i + 1, delays))).toEqual([
      null,
      60,
      300,
      600,
      1800,
      3600,
      7200,
      14400,
      28800,
      57600,
      86400,
      null,
    ]);
    expect(delays.reduce((a, b) => a + b, 0) / 3600).toBeGreaterThan(48);
    expect(hops(57600)).toEqual([43200, 14400]);
    expect(hops(86400)).toEqual([43200, 43200]);
    expect(hops(60)).toEqual([60]);
    expect(retryDelays('1,2,3')).toEqual([1, 2, 3]);
    expect(retryDelays('1,x')).toEqual(delays);
  });

  it('a message that arrives early waits another hop instead of attempting', async () => {
    const k = key('early');
    const { order } = await paidOrder({ notify_url: merchantUrl('fail', k) });
    const [d] = await eventually(async () => {
      const rows = await deliveriesOf(order.order_id);
      expect(rows[0].attempts).toBeGreaterThanOrEqual(1);
      return rows;
    });
    await orderTables.prepare(`UPDATE deliveries SET attempts = 30 WHERE id = ?`).bind(d.id).run();
    const batch = createMessageBatch<Job>('huipay-jobs', [
      {
        id: 'e1',
        timestamp: new Date(),
        attempts: 1,
        body: { kind: 'deliver', deliveryId: d.id, attempt: 31, dueMs: Date.now() + 16 * 3600_000 },
      },
    ]);
    await worker.queue!(batch, env, createExecutionContext());
    // Not attempted: attempt 31 is neither logged nor claimed (the stopped chain's own requests prove nothing).
    const [after] = await deliveriesOf(order.order_id);
    expect(after.attempts).toBe(30);
    expect(after.log.filter((a: any) => a.attempt === 31)).toEqual([]);
  });
});

describe('webhooks', () => {
  async function withEndpoint(events: string[], behaviour = 'ok200', mode: 'live' | 'sandbox' = 'live') {
    const k = key('wh');
    const m = await setupMerchant({ sessions: 1, mode });
    const url = mode === 'live' ? merchantUrl(behaviour, k) : loopbackUrl(behaviour, k);
    const w = await ok('POST', `/apps/${m.app.appkey}/webhooks`, {
      url,
      mode: mode === 'live' ? 'live' : 'test',
      events,
      headers: { 'X-Shop': 'abc' },
    });
    return { ...m, k, w };
  }

  it('payment.succeeded carries both signatures, verifiable by the spec formulas', async () => {
    const { app, sessions, k, w } = await withEndpoint(['payment.succeeded']);
    const created = await gatepay('create', await signedCreate(app, { price: '15.50', out_order_id: key('w') }));
    const t0 = Math.floor(Date.now() / 1000);
    await pay(sessions[0], created.data.realprice);
    const [req] = await eventually(async () => {
      const log = await merchantLog(k);
      expect(log).toHaveLength(1);
      return log;
    });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-shop']).toBe('abc');
    const ev = JSON.parse(req.body);
    expect(Object.keys(ev)).toEqual(['id', 'type', 'created', 'livemode', 'appid', 'timestamp', 'sign', 'data']);
    expect(ev).toMatchObject({ type: 'payment.succeeded', livemode: true, appid: app.appkey });
    expect(ev.id).toMatch(/^evt_/);
    expect(ev.data.order).toMatchObject({ order_id: created.data.order_id, status: 'paid', price: '15.50' });
    expect(ev.sign).toBe(await md5(app.appkey + app.appsecret + ev.timestamp));
    const sig = req.headers['huipay-signature'];
    const [, t, v1] = sig.match(/^t=(\d+),v1=([0-9a-f]{64})$/)!;
    expect(v1).toBe(await hmac(app.appsecret, `${t}.${req.body}`));
    expectWithin(Number(t), t0, Math.floor(Date.now() / 1000)); // signed when sent
    expect(w.events).toEqual(['payment.succeeded']);
  });

  it('payment.unmatched goes to subscribed endpoints; unsubscribed events are not sent', async () => {
    const { sessions, k } = await withEndpoint(['payment.unmatched']);
    const stray = await pay(sessions[0], '77.77', { ref: key('stray') });
    expect(stray.body.matched).toBe(false);
    const [req] = await eventually(async () => {
      const log = await merchantLog(k);
      expect(log).toHaveLength(1);
      return log;
    });
    expect(JSON.parse(req.body)).toMatchObject({
      type: 'payment.unmatched',
      data: { payment: { id: stray.body.payment_id, amount: '77.77' } },
    });
  });

  it('test send returns the exact request and response; resend makes a new attempt', async () => {
    const { w, k, app, sessions } = await withEndpoint(['payment.succeeded']);
    const t = await ok('POST', `/webhooks/${w.id}/test`, undefined, 200);
    expect(t.response).toEqual({ status: 200, body: 'ok' });
    expect(t.delivered).toBe(true);
    const [seen] = await merchantLog(k);
    expect(seen.body).toBe(t.request.body);
    expect(seen.headers['huipay-signature']).toBe(t.request.headers['huipay-signature']);
    const created = await gatepay('create', await signedCreate(app, { price: '3.30', out_order_id: key('r') }));
    await pay(sessions[0], created.data.realprice);
    const d = await eventually(async () => {
      const rows = await deliveriesOf(created.data.order_id);
      const wh = rows.find((r: any) => r.kind === 'webhook');
      expect(wh.status).toBe('delivered');
      return wh;
    });
    const again = await ok('POST', `/deliveries/${d.id}/resend`, undefined, 200);
    expect(again.attempts).toBe(2);
    expect(again.log.map((a: any) => [a.attempt, a.manual, a.ok])).toEqual([
      [1, false, true],
      [2, true, true],
    ]);
    expect(await merchantLog(k)).toHaveLength(3);
  });

  it('admin: list, update, delete endpoints', async () => {
    const { w, app } = await withEndpoint(['payment.succeeded']);
    const list = await ok('GET', `/apps/${app.appkey}/webhooks`, undefined, 200);
    expect(list.data.map((x: any) => x.id)).toEqual([w.id]);
    expect(await ok('PATCH', `/webhooks/${w.id}`, { events: ['order.expired'], enabled: false }, 200)).toMatchObject({
      events: ['order.expired'],
      enabled: false,
    });
    expect(await ok('DELETE', `/webhooks/${w.id}`, undefined, 200)).toEqual({ id: w.id, deleted: true });
    expect((await admin('DELETE', `/webhooks/${w.id}`)).status).toBe(404);
  });

  it('orders expire at their TTL: slot reusable, order.expired delivered, payer sent to the timeout URL', async () => {
    const { app, merchant, k } = await withEndpoint(['order.expired']);
    await ok('PUT', `/merchants/${merchant.id}/settings`, { max_offset: '0.00' }, 200);
    await ok('PATCH', `/apps/${app.appkey}`, { timeout_url: 'https://merchant.example/timeout' }, 200);
    const first = await gatepay('create', await signedCreate(app, { price: '4.00', out_order_id: key('e') }));
    const token = first.data.pay_url.split('/').pop();
    expect((await gatepay('create', await signedCreate(app, { price: '4.00', out_order_id: key('e') }))).code).toBe(
      204,
    );
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchant.id}:live`));
    await runInDurableObject(stub, (_c, state) => {
      state.storage.sql.exec(
        `UPDATE holds SET expires_ms = ? WHERE out_order_id = ?`,
        Date.now() - 61_000,
        first.data.out_order_id,
      );
    });
    await orderTables
      .prepare(`UPDATE orders SET expires_ms = ? WHERE id = ?`)
      .bind(Date.now() - 61_000, first.data.order_id)
      .run();
    await runDurableObjectAlarm(stub);
    const [req] = await eventually(async () => {
      const log = await merchantLog(k);
      expect(log).toHaveLength(1);
      return log;
    });
    expect(JSON.parse(req.body)).toMatchObject({
      type: 'order.expired',
      data: { order: { order_id: first.data.order_id, status: 'expired' } },
    });
    expect(
      (await gatepay('create', await signedCreate(app, { price: '4.00', out_order_id: key('e') }))).data.realprice,
    ).toBe('4.00');
    const status = await (await SELF.fetch(`${BASE}/pay/${token}/status`)).json();
    expect(status).toMatchObject({
      status: 'expired',
      timeout_url: 'https://merchant.example/timeout',
      return_url: null,
    });
  });
});

describe('sync return and the status the cashier polls', () => {
  it('gives a signed return URL once paid and says when the merchant acknowledged the notify', async () => {
    const k = key('ret');
    const m = await setupMerchant({
      sessions: 1,
      app: { notify_url: merchantUrl('success', k), return_url: 'https://merchant.example/done?from=huipay' },
    });
    const created = await gatepay(
      'create',
      await signedCreate(m.app, { price: '21.00', out_order_id: key('ret'), product_id: 'sku-9' }),
    );
    const token = created.data.pay_url.split('/').pop();
    const poll = async () => (await SELF.fetch(`${BASE}/pay/${token}/status`)).json() as Promise<any>;
    expect(await poll()).toMatchObject({
      status: 'pending',
      acknowledged: false,
      return_url: null,
      realprice: '21.00',
    });
    await pay(m.sessions[0], '21.00');
    const s = await eventually(async () => {
      const r = await poll();
      expect(r.acknowledged).toBe(true);
      return r;
    });
    const u = new URL(s.return_url);
    expect(u.origin + u.pathname).toBe('https://merchant.example/done');
    const q = Object.fromEntries(u.searchParams);
    expect(q).toMatchObject({
      from: 'huipay',
      price: '21.00',
      type: 'alipay',
      product_id: 'sku-9',
      order_id: String(created.data.order_id),
      out_order_id: created.data.out_order_id,
    });
    expect(q.sign).toBe(
      await specSign([m.app.appkey, q.price, q.type, q.product_id, q.order_id, q.out_order_id], m.app.appsecret),
    );
    expect((await SELF.fetch(`${BASE}/pay/${'x'.repeat(24)}/status`)).status).toBe(404);
  });
});

describe('outbound safety', () => {
  const internal = [
    'http://127.0.0.1/n',
    'http://localhost/n',
    'http://foo.localhost/n',
    'http://10.1.2.3/n',
    'http://172.16.0.1/n',
    'http://192.168.1.1/n',
    'http://169.254.169.254/latest',
    'http://0.0.0.0/n',
    'http://2130706433/n',
    'http://0x7f.1/n',
    'http://[::1]/n',
    'http://[::]/n',
    'http://[::ffff:127.0.0.1]/n',
    'http://[fd00::1]/n',
    'http://[fe80::1]/n',
    'http://100.64.0.1/n',
    'http://metadata.google.internal/n',
    'http://intranet/n',
  ];

  it.each(internal)('live refuses %s when saved, sandbox accepts it', async (url) => {
    const { merchant } = await setupMerchant({ sessions: 0 });
    const live = await admin('POST', `/merchants/${merchant.id}/apps`, { name: 'l', mode: 'live', notify_url: url });
    expect(live.status).toBe(400);
    expect(live.body.error.message).toMatch(/^notify_url: .*refused in live mode/);
    expect(
      (await admin('POST', `/merchants/${merchant.id}/apps`, { name: 's', mode: 'sandbox', notify_url: url })).status,
    ).toBe(201);
  });

  it.each([
    'https://shop.example.com/n',
    'http://8.8.8.8/n',
    'http://[2606:4700::1111]/n',
    'http://[::ffff:8.8.8.8]/n',
  ])('live accepts the public %s', async (url) => {
    const { merchant } = await setupMerchant({ sessions: 0 });
    expect(
      (await admin('POST', `/merchants/${merchant.id}/apps`, { name: 'l', mode: 'live', notify_url: url })).status,
    ).toBe(201);
  });

  it('live webhooks and per-order notify overrides are guarded too', async () => {
    const { app } = await setupMerchant({ sessions: 1, app: { allow_url_override: true } });
    const w = await admin('POST', `/apps/${app.appkey}/webhooks`, {
      url: 'http://192.168.0.10/hook',
      mode: 'live',
      events: ['payment.succeeded'],
    });
    expect(w.status).toBe(400);
    expect(w.body.error.message).toMatch(/^url:/);
    expect(
      (
        await admin('POST', `/apps/${app.appkey}/webhooks`, {
          url: 'http://192.168.0.10/hook',
          mode: 'test',
          events: ['payment.succeeded'],
        })
      ).status,
    ).toBe(201);
    const r = await gatepay(
      'create',
      await signedCreate(app, { price: '1.00', out_order_id: key('ssrf'), notify_url: 'http://[::1]:8080/x' }),
    );
    expect(r.code).toBe(106);
    expect(r.msg).toMatch(/^notify_url:/);
  });
});

describe('what counts as acknowledged (SPEC §6.1: the body, trimmed, is "success")', () => {
  const said = (text: string, k: string) => `${merchantUrl('say', k)}?text=${encodeURIComponent(text)}`;

  it.each(['successful', 'SUCCESS', 'success: no', '<html>success</html>', 'fail', ''])(
    'a 200 answering %j is a failed attempt, retried',
    async (text) => {
      const k = key('say');
      const { order } = await paidOrder({ notify_url: said(text, k) });
      const [d] = await eventually(async () => {
        const rows = await deliveriesOf(order.order_id);
        expect(rows[0].log.length).toBeGreaterThanOrEqual(2);
        return rows;
      });
      expect(d.status).toBe('pending');
      expect(d.log[0]).toMatchObject({ ok: false, status: 200, response: text });
      expect(d.log[0].error).toMatch(/exactly "success"/);
    },
  );

  it.each(['success', ' success\n'])('a 200 answering %j is delivered, once', async (text) => {
    const k = key('say');
    const { order } = await paidOrder({ notify_url: said(text, k) });
    await eventually(async () => expect((await deliveriesOf(order.order_id))[0].status).toBe('delivered'));
    await new Promise((r) => setTimeout(r, 1500)); // a retry would have come by now (1 s schedule)
    expect(await merchantLog(k)).toHaveLength(1);
  });
});

describe('outbound safety at send time', () => {
  it('a live delivery whose URL was changed in D1 to loopback is refused and nothing reaches it', async () => {
    const k = key('rebound');
    const { order } = await paidOrder({ notify_url: merchantUrl('fail', k) });
    const [d] = await eventually(async () => {
      const rows = await deliveriesOf(order.order_id);
      expect(rows[0].log.length).toBeGreaterThanOrEqual(1);
      return rows;
    });
    const inside = key('inside');
    await orderTables
      .prepare(`UPDATE deliveries SET url = ? WHERE id = ?`)
      .bind(loopbackUrl('success', inside), d.id)
      .run();
    const later = await eventually(async () => {
      const rows = await deliveriesOf(order.order_id);
      const refused = rows[0].log.find((a: { url: string }) => a.url.startsWith('http://127.0.0.1'));
      expect(refused).toBeDefined();
      return refused;
    });
    expect(later).toMatchObject({ ok: false, status: null });
    expect(later.error).toMatch(/loopback, private or internal address/);
    expect(await merchantLog(inside)).toEqual([]);
  });
});

describe('sandbox events', () => {
  it('carry livemode: false (the notify goes to the sandbox URL, webhooks in test mode)', async () => {
    const k = key('sbx');
    const m = await setupMerchant({ sessions: 1, mode: 'sandbox' });
    await ok('POST', `/apps/${m.app.appkey}/webhooks`, {
      url: merchantUrl('ok200', k),
      mode: 'test',
      events: ['payment.succeeded'],
    });
    const created = await gatepay('create', await signedCreate(m.app, { price: '3.30', out_order_id: key('o') }));
    expect((await pay(m.sessions[0], created.data.realprice)).body.matched).toBe(true);
    const [hook] = await eventually(async () => {
      const seen = await merchantLog(k);
      expect(seen).toHaveLength(1);
      return seen;
    });
    const event = JSON.parse(hook.body);
    expect(event).toMatchObject({ type: 'payment.succeeded', livemode: false, appid: m.app.appkey });
    expect(event.data.order.order_id).toBe(created.data.order_id);
  });
});
