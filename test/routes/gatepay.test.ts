/** The gatepay merchant API: sign formulas and every create / query / close code (SPEC §3). */
import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  BASE,
  count,
  eventually,
  gatepay,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  signedLookup,
  specSign,
  type TestApp,
  type TestSession,
  orderTables,
} from '../helpers';

describe('sign formulas, worked by hand (node:crypto) for appkey ak_vector / appsecret sk_vector_secret', () => {
  it.each([
    ['create', ['ak_vector', '10.00', 'alipay', 'V1', 'u42'], 'a1893949dc1e0e8bc0af9892ed593dc7'],
    ['query by order_id', ['ak_vector', '123', ''], 'b4b1822827b1713ffdb93f07d29fd22e'],
    ['close by out_order_id', ['ak_vector', '', 'V1'], '847fd848589f1732c3d6e133e72a70b6'],
  ])('%s', async (_name, values, expected) => {
    expect(await specSign(values, 'sk_vector_secret')).toBe(expected);
  });
});

describe('create codes', () => {
  let app: TestApp;
  let merchantId: number;
  let session: TestSession;
  beforeAll(async () => {
    const m = await setupMerchant({ sessions: 1, settings: { max_offset: '0.01' } });
    app = m.app;
    merchantId = m.merchant.id;
    session = m.sessions[0];
  });

  const valid = (over: Record<string, string> = {}) =>
    signedCreate(app, { price: '5.00', out_order_id: `o${Math.random().toString(36).slice(2)}`, custom: 'c', ...over });
  const without = async (field: string) => {
    const p = await valid();
    delete p[field];
    return p;
  };

  it('100 on success, with every documented field', async () => {
    const p = await valid({ product_id: 'sku-1' });
    const r = await gatepay('create', p);
    expect(r.code).toBe(100);
    expect(r.msg).toBe('success');
    expect(r.time).toMatch(/^\d{10}$/);
    expect(Object.keys(r.data).sort()).toEqual(
      [
        'channel',
        'method',
        'refunded',
        'created',
        'custom',
        'expires',
        'expires_at',
        'order_id',
        'out_order_id',
        'params',
        'pay_url',
        'paytime',
        'price',
        'product_id',
        'qrcode_url',
        'realprice',
        'status',
        'type',
      ].sort(),
    );
    expect(r.data).toMatchObject({
      out_order_id: p.out_order_id,
      price: '5.00',
      realprice: '5.00',
      type: 'alipay',
      status: 'pending',
      params: p,
    });
    expect(r.data.expires_at - r.data.created).toBe(600);
    expect(r.data.qrcode_url).toBe(`${BASE}/qrcode?text=${encodeURIComponent('https://qr.alipay.com/test0')}`);
  });

  it('accepts a JSON body and signs over the number exactly as sent', async () => {
    const out = `json${Date.now()}`;
    const sign = await specSign([app.appkey, '6.5', 'alipay', out, ''], app.appsecret);
    const res = await SELF.fetch(`${BASE}/api/cloudpay/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"appkey":"${app.appkey}","price":6.5,"type":"alipay","out_order_id":"${out}","custom":"","sign":"${sign}"}`,
    });
    const r = (await res.json()) as any;
    expect(r.code).toBe(100);
    expect(r.data.price).toBe('6.50');
  });

  it.each([
    ['101 appkey missing', async () => without('appkey'), 101, /appkey/],
    ['103 sign missing', async () => without('sign'), 103, /sign/],
    ['105 price missing', async () => without('price'), 105, /price/],
    ['105 custom missing', async () => without('custom'), 105, /custom/],
    ['105 out_order_id malformed', async () => valid({ out_order_id: 'has space' }), 105, /out_order_id/],
    ['102 appkey invalid', async () => ({ ...(await valid()), appkey: 'ak_nope' }), 102, /appkey/],
    [
      '104 sign invalid',
      async () => ({ ...(await valid()), sign: '0'.repeat(32) }),
      104,
      /md5\(md5\(appkey\+price\+type\+out_order_id\+custom\)\+appsecret\)/,
    ],
    [
      '104 sign over a re-formatted price',
      async () => ({ ...(await valid({ price: '5.00' })), price: '5' }),
      104,
      /sign/,
    ],
    ['106 URL override not allowed', async () => valid({ notify_url: 'https://evil.test/n' }), 106, /notify_url/],
    ['201 price 0', async () => valid({ price: '0' }), 201, /price/],
    ['201 price 1e2', async () => valid({ price: '1e2' }), 201, /price/],
    ['201 price -1', async () => valid({ price: '-1' }), 201, /price/],
    ['201 price 1.234', async () => valid({ price: '1.234' }), 201, /price/],
    ['201 price " 1"', async () => valid({ price: ' 1' }), 201, /price/],
    ['201 price "1."', async () => valid({ price: '1.' }), 201, /price/],
    ['201 price over the maximum', async () => valid({ price: '50000.01' }), 201, /at most 50000.00/],
    ['202 type invalid', async () => valid({ type: 'bitcoin' }), 202, /type/],
    ['203 type closed (no channel for qqpay)', async () => valid({ type: 'qqpay' }), 203, /qqpay/],
    ['204 no wechat session online', async () => valid({ type: 'wechat' }), 204, /no payment method/],
  ])('%s', async (_name, make, code, msg) => {
    const before = await count('orders');
    const r = await gatepay('create', await make());
    expect(r.code).toBe(code);
    expect(r.msg).toMatch(msg);
    expect(r.data).toBeNull();
    expect(await count('orders')).toBe(before);
  });

  it('107 when the app is disabled, 108/109 when URLs are missing', async () => {
    const m = await setupMerchant({ sessions: 1, app: { notify_url: null, return_url: null } });
    const p = await signedCreate(m.app, { price: '1.00', out_order_id: 'x1' });
    expect((await gatepay('create', p)).code).toBe(108);
    await ok('PATCH', `/apps/${m.app.appkey}`, { return_url: 'https://merchant.test/r' }, 200);
    expect((await gatepay('create', p)).code).toBe(109);
    await ok('PATCH', `/apps/${m.app.appkey}`, { notify_url: 'https://merchant.test/n', enabled: false }, 200);
    expect((await gatepay('create', p)).code).toBe(107);
    await ok('PATCH', `/apps/${m.app.appkey}`, { enabled: true }, 200);
    expect((await gatepay('create', p)).code).toBe(100);
  });

  it('idempotency: same order again → 100 with the same order; other params → 211; paid or closed → 212', async () => {
    const p = await valid({ price: '7.00' });
    const first = await gatepay('create', p);
    const again = await gatepay('create', p);
    expect(again.code).toBe(100);
    expect(again.data.order_id).toBe(first.data.order_id);
    expect(again.data.realprice).toBe(first.data.realprice);
    const changed = await signedCreate(app, { price: '7.01', out_order_id: p.out_order_id, custom: 'c' });
    expect((await gatepay('create', changed)).code).toBe(211);
    const otherCustom = await signedCreate(app, { price: '7.00', out_order_id: p.out_order_id, custom: 'd' });
    expect((await gatepay('create', otherCustom)).code).toBe(211);
    expect((await pay(session, first.data.realprice)).body.matched).toBe(true);
    await eventually(async () => expect((await gatepay('create', p)).code).toBe(212));
    const toClose = await valid({ price: '8.00' });
    const created = await gatepay('create', toClose);
    expect((await gatepay('close', await signedLookup(app, String(created.data.order_id), ''))).code).toBe(100);
    const r = await gatepay('create', toClose);
    expect(r.code).toBe(212);
    expect(r.msg).toMatch(/closed/);
  });

  it('212, not 204, for a repeat of a finished order when no session could take a new one', async () => {
    const m = await setupMerchant({ sessions: 1 });
    const p = await signedCreate(m.app, { price: '6.00', out_order_id: `gone-${Date.now()}` });
    const first = await gatepay('create', p);
    expect((await gatepay('close', await signedLookup(m.app, String(first.data.order_id), ''))).code).toBe(100);
    await ok('PATCH', `/sessions/${m.sessions[0].id}`, { enabled: false }, 200);
    const r = await gatepay('create', p);
    expect(r.code).toBe(212);
    expect(r.msg).toMatch(/closed/);
    const fresh = await gatepay(
      'create',
      await signedCreate(m.app, { price: '6.00', out_order_id: `new-${Date.now()}` }),
    );
    expect(fresh.code).toBe(204);
  });

  it('204 when every amount slot is taken; close frees one', async () => {
    const a = await gatepay('create', await valid({ price: '3.00' }));
    const b = await gatepay('create', await valid({ price: '3.00' }));
    expect([a.data.realprice, b.data.realprice]).toEqual(['3.00', '2.99']);
    const full = await gatepay('create', await valid({ price: '3.00' }));
    expect(full.code).toBe(204);
    expect(full.msg).toMatch(/slot/);
    expect((await gatepay('close', await signedLookup(app, '', a.data.out_order_id))).code).toBe(100);
    const c = await gatepay('create', await valid({ price: '3.00' }));
    expect(c.data.realprice).toBe('3.00');
  });

  it('per-order URL overrides are accepted when the app allows them', async () => {
    await ok('PATCH', `/apps/${app.appkey}`, { allow_url_override: true }, 200);
    expect((await gatepay('create', await valid({ notify_url: 'https://other.test/n' }))).code).toBe(100);
    expect((await gatepay('create', await valid({ notify_url: 'ftp://x' }))).code).toBe(106);
    await ok('PATCH', `/apps/${app.appkey}`, { allow_url_override: false }, 200);
  });

  it('query and close: by either id, signed over the raw pair', async () => {
    const p = await valid({ price: '9.00' });
    const c = await gatepay('create', p);
    const byId = await gatepay('query', await signedLookup(app, String(c.data.order_id), ''));
    const byOut = await gatepay('query', await signedLookup(app, '', p.out_order_id));
    expect(byId.code).toBe(100);
    expect(byOut.data).toEqual(byId.data);
    expect(byId.data).toMatchObject({
      status: 'pending',
      price: '9.00',
      realprice: '9.00',
      type: 'alipay',
      paytime: 0,
    });
    const bad = { ...(await signedLookup(app, String(c.data.order_id), '')), sign: 'f'.repeat(32) };
    expect((await gatepay('query', bad)).code).toBe(104);
    expect((await gatepay('query', await signedLookup(app, '', ''))).code).toBe(105);
    expect((await gatepay('query', await signedLookup(app, '99999999', ''))).code).toBe(105);
    const closed = await gatepay('close', await signedLookup(app, String(c.data.order_id), ''));
    expect(closed.data.status).toBe('closed');
    expect((await gatepay('close', await signedLookup(app, String(c.data.order_id), ''))).code).toBe(100);
  });

  it('query and close with both order_id and out_order_id set → 105 naming them, even when they agree (SPEC §3.2)', async () => {
    const p = await valid({ price: '9.50' });
    const c = await gatepay('create', p);
    for (const path of ['query', 'close'] as const)
      expect(await gatepay(path, await signedLookup(app, String(c.data.order_id), p.out_order_id))).toMatchObject({
        code: 105,
        msg: 'order_id and out_order_id are both set: give exactly one of them, the other empty or absent',
        data: null,
      });
    expect((await gatepay('query', await signedLookup(app, String(c.data.order_id), ''))).data.status).toBe('pending');
  });

  it('closing a paid order fails with 212', async () => {
    const c = await gatepay('create', await valid({ price: '11.00' }));
    await pay(session, c.data.realprice);
    const r = await gatepay('close', await signedLookup(app, String(c.data.order_id), ''));
    expect(r.code).toBe(212);
    expect(r.msg).toMatch(/paid/);
  });

  it("one app cannot see another app's order", async () => {
    const other = await setupMerchant({ sessions: 1 });
    const c = await gatepay('create', await valid({ price: '12.00' }));
    expect((await gatepay('query', await signedLookup(other.app, String(c.data.order_id), ''))).code).toBe(105);
    expect(merchantId).not.toBe(other.merchant.id);
    expect((await admin('GET', `/merchants/${merchantId}/orders`)).status).toBe(200);
  });
});

const collectorRows = async (merchantId: number) => {
  const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchantId}:live`));
  return runInDurableObject(stub, (_c, state) =>
    ['holds', 'reports', 'outbox'].map((t) => state.storage.sql.exec(`SELECT * FROM ${t}`).toArray()),
  );
};

describe('a parameter sent twice is refused (SPEC §10), and nothing is written', () => {
  it.each([
    [
      'form',
      (p: Record<string, string>) => ({
        type: 'application/x-www-form-urlencoded',
        body: `${new URLSearchParams(p)}&price=2.00`,
      }),
    ],
    [
      'JSON',
      (p: Record<string, string>) => ({
        type: 'application/json',
        body: `${JSON.stringify(p).slice(0, -1)},"price":"2.00"}`,
      }),
    ],
  ])('duplicate price in a %s body → 105 naming price', async (_kind, build) => {
    const m = await setupMerchant({ sessions: 1 });
    const p = await signedCreate(m.app, { price: '1.00', out_order_id: `dup-${Date.now()}` });
    const before = [await count('orders'), await collectorRows(m.merchant.id)];
    const { type, body } = build(p);
    const res = await SELF.fetch(`${BASE}/api/cloudpay/create`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    const r = (await res.json()) as { code: number; msg: string };
    expect(r.code).toBe(105);
    expect(r.msg).toMatch(/^price: sent more than once/);
    expect([await count('orders'), await collectorRows(m.merchant.id)]).toEqual(before);
  });

  it('the admin API refuses a duplicate JSON key or query parameter with 400', async () => {
    const m = await setupMerchant({ sessions: 0 });
    const dupBody = await admin('POST', `/merchants/${m.merchant.id}/rules`, '{"name":"a","name":"b"}');
    expect(dupBody.status).toBe(400);
    expect(dupBody.body.error.message).toMatch(/^name: sent more than once/);
    const dupQuery = await admin('GET', `/merchants/${m.merchant.id}/orders?status=paid&status=pending`);
    expect(dupQuery.status).toBe(400);
    expect(dupQuery.body.error.message).toMatch(/^status: sent more than once/);
  });
});

describe('percent-encoding that is not UTF-8 is refused with the field`s own code (issue 20 item 8)', () => {
  /** The form of `p` with `field` sent as the raw text `encoded`. */
  const rawForm = (p: Record<string, string>, field: string, encoded: string) =>
    Object.entries(p)
      .map(([k, v]) => `${k}=${k === field ? encoded : encodeURIComponent(v)}`)
      .join('&');
  const post = async (path: string, body: string) =>
    (await (
      await SELF.fetch(`${BASE}/api/cloudpay/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })
    ).json()) as { code: number; msg: string; data: unknown };
  const bad = (field: string) => `${field}: not valid UTF-8 percent-encoding (send a literal % as %25)`;

  it('custom=%FF signed over U+FFFD (what a lenient decoder reads) → 105 naming custom, no order', async () => {
    const m = await setupMerchant({ sessions: 1 });
    const p = await signedCreate(m.app, { price: '1.00', out_order_id: `pct-${Date.now()}`, custom: '\uFFFD' });
    const before = [await count('orders'), await collectorRows(m.merchant.id)];
    expect(await post('create', rawForm(p, 'custom', '%FF'))).toMatchObject({
      code: 105,
      msg: bad('custom'),
      data: null,
    });
    expect([await count('orders'), await collectorRows(m.merchant.id)]).toEqual(before);
  });

  it.each([
    ['price', '%FF', 201],
    ['type', '%E4%BC', 202],
    ['appkey', '%', 102],
    ['sign', '%zz', 104],
    ['out_order_id', '%C3%28', 105],
    ['product_id', '%ED%A0%80', 105],
  ])('create with %s=%s → %i naming the field', async (field, encoded, code) => {
    const m = await setupMerchant({ sessions: 1 });
    const p = await signedCreate(m.app, { price: '1.00', out_order_id: `pct-${Date.now()}`, product_id: 'sku' });
    const before = await count('orders');
    expect(await post('create', rawForm(p, field, encoded))).toMatchObject({ code, msg: bad(field), data: null });
    expect(await count('orders')).toBe(before);
  });

  it('query and close with order_id=%FF → 105 naming order_id', async () => {
    const m = await setupMerchant({ sessions: 0 });
    for (const path of ['query', 'close'])
      expect(await post(path, rawForm(await signedLookup(m.app, '1', ''), 'order_id', '%FF'))).toMatchObject({
        code: 105,
        msg: bad('order_id'),
      });
  });

  it('the admin API refuses a query parameter that does not decode with 400 naming it', async () => {
    const m = await setupMerchant({ sessions: 0 });
    const r = await admin('GET', `/merchants/${m.merchant.id}/orders?status=%FF`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe(bad('status'));
  });
});

describe('fixed-amount receive codes', () => {
  it('realprice 9.99 on a session with a 9.99 code gets that payload; 9.98 gets the default', async () => {
    const m = await setupMerchant({ sessions: 1, settings: { max_offset: '0.01' } });
    await ok(
      'PATCH',
      `/sessions/${m.sessions[0].id}`,
      { amount_qr: [{ amount: '9.99', payload: 'https://qr.alipay.com/fixed999' }] },
      200,
    );
    const a = await gatepay('create', await signedCreate(m.app, { price: '9.99', out_order_id: `fx-a-${Date.now()}` }));
    const b = await gatepay('create', await signedCreate(m.app, { price: '9.99', out_order_id: `fx-b-${Date.now()}` }));
    expect([a.data.realprice, b.data.realprice]).toEqual(['9.99', '9.98']);
    const text = (u: string) => new URL(u).searchParams.get('text');
    expect(text(a.data.qrcode_url)).toBe('https://qr.alipay.com/fixed999');
    expect(text(b.data.qrcode_url)).toBe('https://qr.alipay.com/test0');
  });
});

describe('callback URLs are stored normalised; credentials, control characters and other schemes are refused', () => {
  it.each([
    ['https://user:pw@shop.example/n', /credentials/],
    ['https://shop.example/n\r\nX-Injected: 1', /control characters/],
    ['https://shop.example/n\t', /control characters/],
    [' https://shop.example/n', /white space/],
    ['javascript:alert(1)', /http\(s\)/],
    ['ftp://shop.example/n', /http\(s\)/],
    ['//shop.example/n', /http\(s\)/],
  ])('%j → 400 (admin) and 106 (per-order override)', async (url, why) => {
    const m = await setupMerchant({ sessions: 1, app: { allow_url_override: true } });
    const r = await admin('PATCH', `/apps/${m.app.appkey}`, { notify_url: url });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(why);
    const hook = await admin('POST', `/apps/${m.app.appkey}/webhooks`, {
      url,
      mode: 'test',
      events: ['payment.succeeded'],
    });
    expect(hook.status).toBe(400);
    const c = await gatepay(
      'create',
      await signedCreate(m.app, { price: '1.00', out_order_id: `u-${Date.now()}`, notify_url: url }),
    );
    expect(c.code).toBe(106);
    expect(c.msg).toMatch(why);
  });

  it('stores the normalised form: scheme and host lower-cased, default port dropped, dot segments resolved', async () => {
    const m = await setupMerchant({ sessions: 1, app: { allow_url_override: true } });
    const app = await ok(
      'PATCH',
      `/apps/${m.app.appkey}`,
      { notify_url: 'HTTPS://Shop.Example:443/a/../pay/notify?x=1' },
      200,
    );
    expect(app.notify_url).toBe('https://shop.example/pay/notify?x=1');
    const c = await gatepay(
      'create',
      await signedCreate(m.app, {
        price: '1.00',
        out_order_id: `n-${Date.now()}`,
        return_url: 'HTTP://Shop.Example:80/r/./done',
      }),
    );
    expect(c.code).toBe(100);
    const row = await orderTables.prepare(`SELECT return_url FROM orders WHERE id = ?`).bind(c.data.order_id).first();
    expect(row).toEqual({ return_url: 'http://shop.example/r/done' });
  });
});
