/**
 * The operator API `/admin/v1` (SPEC §9, §10): happy paths and semantics, resource by resource,
 * plus `/openapi.json`, `/docs` and `/healthz`. Hostile input is covered elsewhere.
 */
import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  admin,
  BASE,
  eventually,
  expectWithin,
  gatepay,
  MERCHANT,
  monitor,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  signedLookup,
  type TestApp,
  type TestSession,
  orderTables,
} from '../helpers';

let seq = 0;
const uniq = (p = 'adm') => `${p}${++seq}-${Date.now()}`;
const nowS = () => Math.floor(Date.now() / 1000);

async function create(app: TestApp, price: string, extra: Record<string, string> = {}) {
  return gatepay('create', await signedCreate(app, { price, out_order_id: uniq('o'), ...extra }));
}

/** Asserts an admin error envelope and returns its message. */
function expectError(r: { status: number; body: any }, status: number, code: string): string {
  expect(r.status).toBe(status);
  expect(r.body).toEqual({ error: { code, message: expect.any(String), request_id: expect.any(String) } });
  expect(r.body.error.request_id).not.toBe('');
  return r.body.error.message;
}

const MERCHANT_DEFAULTS = {
  timezone: 'Asia/Shanghai',
  rotation: 'smart_random',
  max_offset: '0.10',
  offset_direction: 'down',
  default_rule_id: null,
  enabled: true,
  points: 0,
  onboarding_fee: 100,
  order_fee_points: 0,
  order_fee_permille: 0,
  monthly_quota: null,
  collector_shards: 1,
};
const appBody = (over: Record<string, unknown> = {}) => ({
  name: 'shop',
  mode: 'live',
  notify_url: `${MERCHANT}/success/${uniq('n')}`,
  return_url: `${MERCHANT}/return`,
  ...over,
});
const sessionBody = (over: Record<string, unknown> = {}) => ({
  type: 'alipay',
  label: 'wallet',
  qr_payload: 'https://qr.alipay.com/adm',
  ...over,
});

const collectorOf = (merchantId: number, mode = 'live') =>
  env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchantId}:${mode}`));

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('auth', () => {
  it.each([
    ['no Authorization header', undefined],
    ['a wrong bearer token', 'Bearer wrong-token'],
    ['an empty bearer token', 'Bearer '],
    ['the right token without the Bearer scheme', ADMIN_TOKEN],
    ['the right token under the Basic scheme', `Basic ${ADMIN_TOKEN}`],
    ['the right token with a suffix', `Bearer ${ADMIN_TOKEN}x`],
  ])('401 with %s, in the error envelope', async (_name, authorization) => {
    const res = await SELF.fetch(`${BASE}/admin/v1/merchants`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as any;
    expect(body).toEqual({
      error: { code: 'unauthorized', message: expect.any(String), request_id: expect.any(String) },
    });
    expect(body.error.message).toMatch(/Bearer/);
    expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('a refused write creates nothing', async () => {
    const name = uniq('unauthorised shop ');
    const r = await admin('POST', '/merchants', { name }, 'wrong-token');
    expectError(r, 401, 'unauthorized');
    const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM merchants WHERE name = ?')
      .bind(name)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it('401 on every resource, not only merchants', async () => {
    for (const [method, path] of [
      ['GET', '/apps/ak_x'],
      ['PATCH', '/sessions/1'],
      ['GET', '/orders/1'],
      ['POST', '/payments/pay_x/assign'],
    ] as const) {
      expectError(await admin(method, path, method === 'GET' ? undefined : {}, 'nope'), 401, 'unauthorized');
    }
  });

  it('200 with "Bearer <ADMIN_TOKEN>"', async () => {
    const res = await SELF.fetch(`${BASE}/admin/v1/merchants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(Array.isArray(body.data)).toBe(true);
    expect(body.next_cursor).toBeNull();
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('merchants', () => {
  it('create applies the defaults; get returns the same object', async () => {
    const t0 = nowS();
    const r = await admin('POST', '/merchants', { name: 'Shop A' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(Number),
      name: 'Shop A',
      ...MERCHANT_DEFAULTS,
      // The first merchant of this file's fresh databases: all stores tie, DB comes first.
      store: 'DB',
      created: expect.any(Number),
    });
    expect(r.body.created).toBeGreaterThanOrEqual(t0);
    expect(r.body.created).toBeLessThanOrEqual(nowS());
    expect(await ok('GET', `/merchants/${r.body.id}`)).toEqual(r.body);
  });

  it('create with a time zone keeps it', async () => {
    const m = await ok('POST', '/merchants', { name: 'Berlin shop', timezone: 'Europe/Berlin' });
    expect(m).toMatchObject({
      name: 'Berlin shop',
      timezone: 'Europe/Berlin',
      rotation: 'smart_random',
      store: expect.stringMatching(/^(DB|ORDERS_[12])$/),
      max_offset: '0.10',
    });
  });

  it('list: newest first, includes the new merchants, one page', async () => {
    const a = await ok('POST', '/merchants', { name: uniq('list a ') });
    const b = await ok('POST', '/merchants', { name: uniq('list b ') });
    const list = await ok('GET', '/merchants');
    expect(list.next_cursor).toBeNull();
    const ids = list.data.map((m: any) => m.id);
    expect(ids).toEqual([...ids].sort((x: number, y: number) => y - x));
    expect(list.data).toContainEqual(a);
    expect(list.data).toContainEqual(b);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
  });

  it('get of an unknown merchant is 404', async () => {
    expect(expectError(await admin('GET', '/merchants/987654321'), 404, 'not_found')).toMatch(/987654321/);
  });
});

describe('merchant settings', () => {
  it.each([
    [{ rotation: 'uniform' }, { rotation: 'uniform' }],
    [{ rotation: 'random' }, { rotation: 'random' }],
    [{ rotation: 'smart_random' }, { rotation: 'smart_random' }],
    [{ max_offset: '0.05' }, { max_offset: '0.05' }],
    [{ max_offset: '0.5' }, { max_offset: '0.50' }],
    [{ max_offset: '0' }, { max_offset: '0.00' }],
    [{ max_offset: '0.00' }, { max_offset: '0.00' }],
    [{ max_offset: '1.00' }, { max_offset: '1.00' }],
    [{ max_offset: '1' }, { max_offset: '1.00' }],
    [{ offset_direction: 'up' }, { offset_direction: 'up' }],
    [{ offset_direction: 'down' }, { offset_direction: 'down' }],
    [{ timezone: 'America/New_York' }, { timezone: 'America/New_York' }],
    [{}, {}],
    [
      { rotation: 'random', max_offset: '0.20', offset_direction: 'up', timezone: 'UTC' },
      { rotation: 'random', max_offset: '0.20', offset_direction: 'up', timezone: 'UTC' },
    ],
  ])('PUT %j changes only that and returns %j', async (input, expected) => {
    const m = await ok('POST', '/merchants', { name: 'settings shop' });
    const updated = await ok('PUT', `/merchants/${m.id}/settings`, input, 200);
    expect(updated).toEqual({ ...m, ...expected });
    expect(await ok('GET', `/merchants/${m.id}`)).toEqual(updated);
  });

  it('successive partial updates accumulate', async () => {
    const m = await ok('POST', '/merchants', { name: 'accumulate' });
    await ok('PUT', `/merchants/${m.id}/settings`, { rotation: 'uniform' }, 200);
    await ok('PUT', `/merchants/${m.id}/settings`, { max_offset: '0.30' }, 200);
    const last = await ok('PUT', `/merchants/${m.id}/settings`, { offset_direction: 'up' }, 200);
    expect(last).toEqual({ ...m, rotation: 'uniform', max_offset: '0.30', offset_direction: 'up' });
  });

  it('default_rule_id: an own rule is set, null clears it; new sessions take the default rule', async () => {
    const m = await ok('POST', '/merchants', { name: 'rules shop' });
    const rule = await ok('POST', `/merchants/${m.id}/rules`, { name: 'default' });
    expect(await ok('PUT', `/merchants/${m.id}/settings`, { default_rule_id: rule.id }, 200)).toEqual({
      ...m,
      default_rule_id: rule.id,
    });
    expect((await ok('POST', `/merchants/${m.id}/sessions`, sessionBody())).rule_id).toBe(rule.id);
    expect(await ok('PUT', `/merchants/${m.id}/settings`, { default_rule_id: null }, 200)).toEqual({
      ...m,
      default_rule_id: null,
    });
    expect((await ok('POST', `/merchants/${m.id}/sessions`, sessionBody())).rule_id).toBeNull();
  });

  it("default_rule_id of another merchant's rule is refused with 400 naming default_rule_id, and changes nothing", async () => {
    const mine = await ok('POST', '/merchants', { name: 'mine' });
    const theirs = await ok('POST', '/merchants', { name: 'theirs' });
    const foreign = await ok('POST', `/merchants/${theirs.id}/rules`, { name: 'theirs' });
    const r = await admin('PUT', `/merchants/${mine.id}/settings`, { default_rule_id: foreign.id, rotation: 'random' });
    expect(expectError(r, 400, 'bad_request')).toMatch(/^default_rule_id/);
    expect(await ok('GET', `/merchants/${mine.id}`)).toEqual(mine);
  });

  it.each(['1.01', '2', '2.00', '100'])(
    'max_offset %s (above 1.00) is refused naming max_offset, and changes nothing',
    async (max_offset) => {
      const m = await ok('POST', '/merchants', { name: 'offset shop' });
      const r = await admin('PUT', `/merchants/${m.id}/settings`, { max_offset });
      expect(expectError(r, 400, 'bad_request')).toMatch(/^max_offset/);
      expect(await ok('GET', `/merchants/${m.id}`)).toEqual(m);
    },
  );

  it('settings of an unknown merchant: 404', async () => {
    expectError(await admin('PUT', '/merchants/987654321/settings', { rotation: 'random' }), 404, 'not_found');
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('apps', () => {
  let merchantId: number;
  beforeAll(async () => {
    merchantId = (await ok('POST', '/merchants', { name: 'apps shop' })).id;
  });

  it('create returns appkey and appsecret with the defaults', async () => {
    const t0 = nowS();
    const body = appBody();
    const app = await ok('POST', `/merchants/${merchantId}/apps`, body);
    expect(app).toEqual({
      id: expect.any(Number),
      merchant_id: merchantId,
      appkey: expect.stringMatching(/^ak_[A-Za-z0-9]+$/),
      epay_pid: expect.any(Number),
      appsecret: expect.any(String),
      name: 'shop',
      mode: 'live',
      notify_url: body.notify_url,
      return_url: `${MERCHANT}/return`,
      timeout_url: null,
      sandbox_notify_url: null,
      backup_notify_url: null,
      order_ttl_seconds: 600,
      allow_url_override: false,
      pay_types: ['alipay', 'wechat', 'qqpay', 'unionpay'],
      enabled: true,
      routing: {
        alipay: 'official_then_personal',
        wechat: 'official_then_personal',
        qqpay: 'official_then_personal',
        unionpay: 'official_then_personal',
      },
      created: expect.any(Number),
    });
    expect(app.appsecret.length).toBeGreaterThanOrEqual(16);
    expect(app.created).toBeGreaterThanOrEqual(t0);
    expect(app.epay_pid).toBe(app.id);
  });

  it('create with every optional field', async () => {
    const body = appBody({
      mode: 'sandbox',
      timeout_url: `${MERCHANT}/timeout`,
      sandbox_notify_url: `${MERCHANT}/sandbox`,
      backup_notify_url: `${MERCHANT}/backup`,
      order_ttl_seconds: 900,
      allow_url_override: true,
      pay_types: ['wechat'],
      enabled: false,
    });
    const app = await ok('POST', `/merchants/${merchantId}/apps`, body);
    const {
      name,
      mode,
      notify_url,
      return_url,
      timeout_url,
      sandbox_notify_url,
      backup_notify_url,
      order_ttl_seconds,
      allow_url_override,
      pay_types,
      enabled,
    } = app;
    expect({
      name,
      mode,
      notify_url,
      return_url,
      timeout_url,
      sandbox_notify_url,
      backup_notify_url,
      order_ttl_seconds,
      allow_url_override,
      pay_types,
      enabled,
    }).toEqual(body);
  });

  it('GET app and the list never include appsecret', async () => {
    const created = await ok('POST', `/merchants/${merchantId}/apps`, appBody({ name: 'no secret' }));
    const { appsecret, ...rest } = created;
    const res = await SELF.fetch(`${BASE}/admin/v1/apps/${created.appkey}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(appsecret);
    expect(JSON.parse(text)).toEqual(rest);
    const listRes = await SELF.fetch(`${BASE}/admin/v1/merchants/${merchantId}/apps`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const listText = await listRes.text();
    expect(listText).not.toContain(appsecret);
    expect(listText).not.toContain('appsecret');
    const list = JSON.parse(listText);
    expect(list.next_cursor).toBeNull();
    expect(list.data).toContainEqual(rest);
    for (const a of list.data) expect(a.merchant_id).toBe(merchantId);
  });

  it('D1 stores the secret sealed, never the plaintext', async () => {
    const app = await ok('POST', `/merchants/${merchantId}/apps`, appBody({ name: 'sealed' }));
    const row = await env.DB.prepare('SELECT secret_enc FROM apps WHERE appkey = ?')
      .bind(app.appkey)
      .first<{ secret_enc: string }>();
    expect(row).not.toBeNull();
    expect(row!.secret_enc).not.toContain(app.appsecret);
    expect(row!.secret_enc).not.toContain(btoa(app.appsecret));
    const rowText = JSON.stringify(
      await env.DB.prepare('SELECT * FROM apps WHERE appkey = ?').bind(app.appkey).first(),
    );
    expect(rowText).not.toContain(app.appsecret);
  });

  it('get of an unknown appkey: 404', async () => {
    expectError(await admin('GET', '/apps/ak_doesnotexist'), 404, 'not_found');
    expectError(await admin('POST', '/apps/ak_doesnotexist/rotate-secret'), 404, 'not_found');
  });

  it('rotate-secret returns a new secret; the old one then signs nothing (104), the new one works (100)', async () => {
    const { app } = await setupMerchant({ sessions: 1 });
    expect((await create(app, '1.00')).code).toBe(100);
    const rotated = await ok('POST', `/apps/${app.appkey}/rotate-secret`, undefined, 200);
    expect(rotated).toMatchObject({ id: app.id, appkey: app.appkey, appsecret: expect.any(String) });
    expect(rotated.appsecret).not.toBe(app.appsecret);
    expect((await ok('GET', `/apps/${app.appkey}`)).appsecret).toBeUndefined();
    const old = await create(app, '1.00');
    expect(old.code).toBe(104);
    expect(old.data).toBeNull();
    const fresh = await create({ ...app, appsecret: rotated.appsecret }, '1.00');
    expect(fresh.code).toBe(100);
    const row = await env.DB.prepare('SELECT secret_enc FROM apps WHERE appkey = ?')
      .bind(app.appkey)
      .first<{ secret_enc: string }>();
    expect(row!.secret_enc).not.toContain(rotated.appsecret);
  });

  it.each([
    ['name', 'renamed'],
    ['notify_url', `${MERCHANT}/notify2`],
    ['return_url', `${MERCHANT}/return2`],
    ['timeout_url', `${MERCHANT}/timeout2`],
    ['sandbox_notify_url', `${MERCHANT}/sandbox2`],
    ['backup_notify_url', `${MERCHANT}/backup2`],
    ['timeout_url', null],
    ['return_url', null],
    ['order_ttl_seconds', 1800],
    ['allow_url_override', true],
    ['pay_types', ['alipay']],
    ['pay_types', ['alipay', 'wechat', 'qqpay', 'unionpay']],
    ['enabled', false],
  ])('PATCH %s → %j changes only that field', async (field, value) => {
    const created = await ok('POST', `/merchants/${merchantId}/apps`, appBody({ timeout_url: `${MERCHANT}/t` }));
    const { appsecret: _s, ...before } = created;
    const patched = await ok('PATCH', `/apps/${created.appkey}`, { [field]: value }, 200);
    expect(patched).toEqual({ ...before, [field]: value });
    expect(await ok('GET', `/apps/${created.appkey}`)).toEqual(patched);
  });

  it.each([
    [59, 400],
    [60, 201],
    [86400, 201],
    [86401, 400],
  ])('create with order_ttl_seconds %i → %i', async (ttl, status) => {
    const r = await admin('POST', `/merchants/${merchantId}/apps`, appBody({ order_ttl_seconds: ttl }));
    if (status === 201) {
      expect(r.status).toBe(201);
      expect(r.body.order_ttl_seconds).toBe(ttl);
    } else {
      expect(expectError(r, 400, 'bad_request')).toMatch(/^order_ttl_seconds/);
    }
  });

  it.each([
    [59, 400],
    [60, 200],
    [86400, 200],
    [86401, 400],
  ])('PATCH order_ttl_seconds %i → %i', async (ttl, status) => {
    const app = await ok('POST', `/merchants/${merchantId}/apps`, appBody());
    const r = await admin('PATCH', `/apps/${app.appkey}`, { order_ttl_seconds: ttl });
    if (status === 200) {
      expect(r.status).toBe(200);
      expect(r.body.order_ttl_seconds).toBe(ttl);
    } else {
      expect(expectError(r, 400, 'bad_request')).toMatch(/^order_ttl_seconds/);
      expect((await ok('GET', `/apps/${app.appkey}`)).order_ttl_seconds).toBe(600);
    }
  });

  it("the app's TTL shows in the create answer (expires_at − created), also after a PATCH", async () => {
    const { app } = await setupMerchant({ sessions: 1, app: { order_ttl_seconds: 120 } });
    const a = await create(app, '2.00');
    expect(a.code).toBe(100);
    expect(a.data.expires_at - a.data.created).toBe(120);
    const view = await ok('GET', `/orders/${a.data.order_id}`);
    expect(view.expires - view.created).toBe(120);
    await ok('PATCH', `/apps/${app.appkey}`, { order_ttl_seconds: 3600 }, 200);
    const b = await create(app, '3.00');
    expect(b.data.expires_at - b.data.created).toBe(3600);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('sessions', () => {
  it('create returns secret and monitor_config; the rest of the view is exact', async () => {
    const m = await ok('POST', '/merchants', { name: 'session shop' });
    const t0 = nowS();
    const s = await ok(
      'POST',
      `/merchants/${m.id}/sessions`,
      sessionBody({ label: 'Alice wallet', qr_payload: 'https://qr.alipay.com/alice' }),
    );
    expect(s).toEqual({
      id: expect.any(Number),
      merchant_id: m.id,
      mode: 'live',
      type: 'alipay',
      label: 'Alice wallet',
      qr_payload: 'https://qr.alipay.com/alice',
      amount_qr: [],
      rule_id: null,
      enabled: true,
      state: 'new',
      last_heartbeat: null,
      today: { collected: '0.00', payments: 0 },
      held_slots: 0,
      shard: 0,
      vmq_host: expect.stringMatching(/^[a-z0-9]{12}\.vmq\.test$/),
      offline_reason: null,
      created: expect.any(Number),
      secret: expect.any(String),
      monitor_config: expect.any(String),
      vmq_config: `${s.vmq_host}/${s.secret}`,
      vmq_config_qr: expect.stringMatching(/^<svg/),
    });
    expect(s.created).toBeGreaterThanOrEqual(t0);
    expect(s.secret.length).toBeGreaterThanOrEqual(16);
    const config = JSON.parse(s.monitor_config);
    expect(config).toEqual({
      v: 1,
      endpoint: expect.stringMatching(/\/monitor\/v1$/),
      session: s.id,
      secret: s.secret,
    });
    expect(config.endpoint).toBe(`${BASE}/monitor/v1`);
  });

  it('create with mode, fixed-amount codes and an own rule', async () => {
    const m = await ok('POST', '/merchants', { name: 'session shop 2' });
    const rule = await ok('POST', `/merchants/${m.id}/rules`, { name: 'r' });
    const s = await ok(
      'POST',
      `/merchants/${m.id}/sessions`,
      sessionBody({
        type: 'wechat',
        mode: 'sandbox',
        rule_id: rule.id,
        amount_qr: [
          { amount: '10', payload: 'wxp://ten' },
          { amount: '0.5', payload: 'wxp://half' },
        ],
      }),
    );
    expect(s).toMatchObject({ type: 'wechat', mode: 'sandbox', rule_id: rule.id, state: 'new' });
    expect(new Set(s.amount_qr.map((e: any) => JSON.stringify(e)))).toEqual(
      new Set([
        JSON.stringify({ amount: '10.00', payload: 'wxp://ten' }),
        JSON.stringify({ amount: '0.50', payload: 'wxp://half' }),
      ]),
    );
  });

  it("create with another merchant's rule is refused naming rule_id", async () => {
    const mine = await ok('POST', '/merchants', { name: 'mine' });
    const theirs = await ok('POST', '/merchants', { name: 'theirs' });
    const foreign = await ok('POST', `/merchants/${theirs.id}/rules`, { name: 'theirs' });
    const r = await admin('POST', `/merchants/${mine.id}/sessions`, sessionBody({ rule_id: foreign.id }));
    expect(expectError(r, 400, 'bad_request')).toMatch(/^rule_id/);
    expect((await ok('GET', `/merchants/${mine.id}/sessions`)).data).toEqual([]);
  });

  it('D1 stores the session secret sealed, never the plaintext', async () => {
    const m = await ok('POST', '/merchants', { name: 'sealed sessions' });
    const s = await ok('POST', `/merchants/${m.id}/sessions`, sessionBody());
    const row = await env.DB.prepare('SELECT * FROM sessions WHERE id = ?').bind(s.id).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    expect(String(row!.secret_enc)).not.toContain(s.secret);
    expect(String(row!.secret_enc)).not.toContain(btoa(s.secret));
    expect(JSON.stringify(row)).not.toContain(s.secret);
  });

  it('list shows new / online / offline / disabled and today totals; never the secret', async () => {
    const t0 = nowS();
    const { merchant, app, sessions } = await setupMerchant({ sessions: 1 });
    const online = sessions[0];
    const add = async (label: string) => {
      const s = await ok('POST', `/merchants/${merchant.id}/sessions`, sessionBody({ label }));
      return { id: s.id, secret: s.secret, type: s.type } as TestSession;
    };
    const fresh = await add('new one');
    const gone = await add('offline one');
    const off = await add('disabled one');
    expect((await monitor(gone, 'heartbeat', {})).status).toBe(200);
    expect((await monitor(off, 'heartbeat', {})).status).toBe(200);
    await runInDurableObject(collectorOf(merchant.id), (_obj, state) => {
      state.storage.sql.exec('UPDATE sessions SET last_seen_ms = last_seen_ms - 91000 WHERE id = ?', gone.id);
    });
    expect((await ok('PATCH', `/sessions/${off.id}`, { enabled: false }, 200)).state).toBe('disabled');

    const order = await create(app, '5.00');
    expect(order.code).toBe(100);
    expect(order.data.realprice).toBe('5.00');
    expect((await ok('GET', `/orders/${order.data.order_id}`)).session_id).toBe(online.id);
    expect((await pay(online, '5.00')).body.matched).toBe(true);
    expect((await create(app, '6.00')).code).toBe(100); // left pending: its amount stays held

    const res = await SELF.fetch(`${BASE}/admin/v1/merchants/${merchant.id}/sessions`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const text = await res.text();
    for (const s of [online, fresh, gone, off]) expect(text).not.toContain(s.secret);
    expect(text).not.toContain('monitor_config');
    const list = JSON.parse(text);
    expect(list.next_cursor).toBeNull();
    const byId = new Map<number, any>(list.data.map((s: any) => [s.id, s]));
    expect(list.data.map((s: any) => s.id)).toEqual([online.id, fresh.id, gone.id, off.id]);
    expect(byId.get(online.id)).toMatchObject({
      state: 'online',
      enabled: true,
      today: { collected: '5.00', payments: 1 },
      held_slots: 1,
    });
    expectWithin(byId.get(online.id).last_heartbeat, t0, nowS());
    expect(byId.get(fresh.id)).toMatchObject({
      state: 'new',
      last_heartbeat: null,
      today: { collected: '0.00', payments: 0 },
      held_slots: 0,
    });
    expect(byId.get(gone.id)).toMatchObject({
      state: 'offline',
      enabled: true,
      today: { collected: '0.00', payments: 0 },
    });
    expect(byId.get(gone.id).last_heartbeat).toBeLessThanOrEqual(nowS() - 90);
    expect(byId.get(off.id)).toMatchObject({ state: 'disabled', enabled: false });
  });

  it('today totals add up over several payments', async () => {
    const { merchant, app, sessions } = await setupMerchant({ sessions: 1 });
    for (const price of ['1.10', '2.20', '3.30']) {
      const o = await create(app, price);
      expect((await pay(sessions[0], o.data.realprice)).body.matched).toBe(true);
    }
    const [s] = (await ok('GET', `/merchants/${merchant.id}/sessions`)).data;
    expect(s.today).toEqual({ collected: '6.60', payments: 3 });
  });

  it("rotate-secret: the old secret's heartbeat gets 401, the new one 200", async () => {
    const { sessions } = await setupMerchant({ sessions: 1 });
    const s = sessions[0];
    const rotated = await ok('POST', `/sessions/${s.id}/rotate-secret`, undefined, 200);
    expect(rotated).toMatchObject({ id: s.id, secret: expect.any(String), monitor_config: expect.any(String) });
    expect(rotated.secret).not.toBe(s.secret);
    expect(JSON.parse(rotated.monitor_config)).toEqual({
      v: 1,
      endpoint: `${BASE}/monitor/v1`,
      session: s.id,
      secret: rotated.secret,
    });
    const old = await monitor(s, 'heartbeat', {});
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('unauthorized');
    expect((await monitor({ ...s, secret: rotated.secret }, 'heartbeat', {})).status).toBe(200);
    expectError(await admin('POST', '/sessions/987654321/rotate-secret'), 404, 'not_found');
  });

  it('PATCH label, qr_payload, rule, enabled', async () => {
    const { merchant, sessions } = await setupMerchant({ sessions: 1 });
    const s = sessions[0];
    const rule = await ok('POST', `/merchants/${merchant.id}/rules`, { name: 'own' });
    const patched = await ok(
      'PATCH',
      `/sessions/${s.id}`,
      { label: 'relabelled', qr_payload: 'https://qr.alipay.com/new', rule_id: rule.id },
      200,
    );
    expect(patched).toMatchObject({
      id: s.id,
      label: 'relabelled',
      qr_payload: 'https://qr.alipay.com/new',
      rule_id: rule.id,
      enabled: true,
      state: 'online',
    });
    expect(patched.secret).toBeUndefined();
    expect(patched.monitor_config).toBeUndefined();
    expect(await ok('PATCH', `/sessions/${s.id}`, { enabled: false }, 200)).toMatchObject({
      enabled: false,
      state: 'disabled',
      rule_id: rule.id,
    });
    expect(await ok('PATCH', `/sessions/${s.id}`, { enabled: true, rule_id: null }, 200)).toMatchObject({
      enabled: true,
      state: 'online',
      rule_id: null,
    });
  });

  it("PATCH with another merchant's rule is refused naming rule_id, and changes nothing", async () => {
    const { merchant, sessions } = await setupMerchant({ sessions: 1 });
    const other = await ok('POST', '/merchants', { name: 'other' });
    const foreign = await ok('POST', `/merchants/${other.id}/rules`, { name: 'foreign' });
    const r = await admin('PATCH', `/sessions/${sessions[0].id}`, { rule_id: foreign.id, label: 'should not stick' });
    expect(expectError(r, 400, 'bad_request')).toMatch(/^rule_id/);
    const [s] = (await ok('GET', `/merchants/${merchant.id}/sessions`)).data;
    expect(s).toMatchObject({ rule_id: null, label: 'wallet 0' });
  });

  it('PATCH of an unknown session: 404', async () => {
    expectError(await admin('PATCH', '/sessions/987654321', { enabled: false }), 404, 'not_found');
  });

  it.each([
    ['up', ['5.00', '5.01', '5.02']],
    ['down', ['5.00', '4.99', '4.98']],
  ])('offset_direction %s: same-price orders on one session get %j', async (offset_direction, expected) => {
    const { app, sessions } = await setupMerchant({ sessions: 1, settings: { offset_direction } });
    const got: string[] = [];
    for (let i = 0; i < expected.length; i++) {
      const o = await create(app, '5.00');
      expect(o.code).toBe(100);
      expect(o.data.price).toBe('5.00');
      expect((await ok('GET', `/orders/${o.data.order_id}`)).session_id).toBe(sessions[0].id);
      got.push(o.data.realprice);
    }
    expect(got).toEqual(expected);
  });

  it('offset up stops at max_offset (204 when every slot is taken)', async () => {
    const { app } = await setupMerchant({ sessions: 1, settings: { offset_direction: 'up', max_offset: '0.01' } });
    expect((await create(app, '7.00')).data.realprice).toBe('7.00');
    expect((await create(app, '7.00')).data.realprice).toBe('7.01');
    expect((await create(app, '7.00')).code).toBe(204);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('rules', () => {
  let merchantId: number;
  beforeAll(async () => {
    merchantId = (await ok('POST', '/merchants', { name: 'rules shop' })).id;
  });

  it('create with only a name applies the defaults', async () => {
    const t0 = nowS();
    const r = await ok('POST', `/merchants/${merchantId}/rules`, { name: 'anywhere, any time' });
    expect(r).toEqual({
      id: expect.any(Number),
      merchant_id: merchantId,
      name: 'anywhere, any time',
      start_time: '00:00',
      end_time: '00:00',
      timezone: null,
      min_amount: null,
      max_amount: null,
      regions: [],
      daily_cap: null,
      created: expect.any(Number),
    });
    expect(r.created).toBeGreaterThanOrEqual(t0);
  });

  it('create with every field; amounts come back with two decimals', async () => {
    const r = await ok('POST', `/merchants/${merchantId}/rules`, {
      name: 'night',
      start_time: '22:00',
      end_time: '06:30',
      timezone: 'Asia/Tokyo',
      min_amount: '1',
      max_amount: '500.5',
      regions: ['CN', 'HK'],
      daily_cap: '10000',
    });
    expect(r).toMatchObject({
      name: 'night',
      start_time: '22:00',
      end_time: '06:30',
      timezone: 'Asia/Tokyo',
      min_amount: '1.00',
      max_amount: '500.50',
      regions: ['CN', 'HK'],
      daily_cap: '10000.00',
    });
  });

  it.each([
    [['cn'], ['CN']],
    [
      ['cn-gd', 'us'],
      ['CN-GD', 'US'],
    ],
    [
      ['Cn-Bj', 'hK'],
      ['CN-BJ', 'HK'],
    ],
  ])('regions %j are upper-cased to %j', async (regions, expected) => {
    const r = await ok('POST', `/merchants/${merchantId}/rules`, { name: 'regions', regions });
    expect(r.regions).toEqual(expected);
  });

  it('min_amount equal to max_amount is fine', async () => {
    const r = await ok('POST', `/merchants/${merchantId}/rules`, {
      name: 'exact',
      min_amount: '9.90',
      max_amount: '9.9',
    });
    expect([r.min_amount, r.max_amount]).toEqual(['9.90', '9.90']);
  });

  it('min_amount above max_amount is refused naming the field, and creates nothing', async () => {
    const name = uniq('inverted ');
    const r = await admin('POST', `/merchants/${merchantId}/rules`, { name, min_amount: '10.00', max_amount: '9.99' });
    expect(expectError(r, 400, 'bad_request')).toMatch(/^(max_amount|min_amount)/);
    const list = await ok('GET', `/merchants/${merchantId}/rules`);
    expect(list.data.some((x: any) => x.name === name)).toBe(false);
  });

  it("list: the merchant's rules in creation order, one page, no other merchant's", async () => {
    const m = await ok('POST', '/merchants', { name: 'list rules' });
    const other = await ok('POST', '/merchants', { name: 'other rules' });
    const a = await ok('POST', `/merchants/${m.id}/rules`, { name: 'a' });
    await ok('POST', `/merchants/${other.id}/rules`, { name: 'foreign' });
    const b = await ok('POST', `/merchants/${m.id}/rules`, { name: 'b', regions: ['jp'] });
    expect(await ok('GET', `/merchants/${m.id}/rules`)).toEqual({ data: [a, b], next_cursor: null });
    expectError(await admin('GET', '/merchants/987654321/rules'), 404, 'not_found');
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('orders list', () => {
  let merchantId: number;
  let liveApp: TestApp;
  let alipay: TestSession;
  let t0: number;
  /** o1 alipay pending · o2 alipay closed · o3 alipay paid · o4 wechat pending · o5 sandbox alipay pending */
  const o: Record<string, any> = {};

  beforeAll(async () => {
    t0 = nowS();
    const m = await setupMerchant({ sessions: 1 });
    merchantId = m.merchant.id;
    liveApp = m.app;
    alipay = m.sessions[0];
    const w = await ok(
      'POST',
      `/merchants/${merchantId}/sessions`,
      sessionBody({ type: 'wechat', label: 'wx', qr_payload: 'wxp://adm' }),
    );
    expect((await monitor({ id: w.id, secret: w.secret, type: 'wechat' }, 'heartbeat', {})).status).toBe(200);
    const sbApp = await ok('POST', `/merchants/${merchantId}/apps`, appBody({ mode: 'sandbox', name: 'sandbox' }));
    const sbSession = await ok(
      'POST',
      `/merchants/${merchantId}/sessions`,
      sessionBody({ mode: 'sandbox', label: 'sb' }),
    );
    expect(
      (await monitor({ id: sbSession.id, secret: sbSession.secret, type: 'alipay' }, 'heartbeat', {})).status,
    ).toBe(200);

    o.o1 = (await create(liveApp, '1.00')).data;
    o.o2 = (await create(liveApp, '2.00')).data;
    o.o3 = (await create(liveApp, '3.00')).data;
    o.o4 = (await create(liveApp, '4.00', { type: 'wechat' })).data;
    o.o5 = (await create({ appkey: sbApp.appkey, appsecret: sbApp.appsecret, id: sbApp.id }, '5.00')).data;
    for (const k of ['o1', 'o2', 'o3', 'o4', 'o5']) expect(o[k]?.order_id, k).toEqual(expect.any(Number));
    expect((await gatepay('close', await signedLookup(liveApp, String(o.o2.order_id), ''))).code).toBe(100);
    o.pay3 = (await pay(alipay, '3.00')).body;
    expect(o.pay3.matched).toBe(true);
    await eventually(async () => expect((await ok('GET', `/orders/${o.o3.order_id}`)).status).toBe('paid'));
  });

  const ids = (...keys: string[]) => keys.map((k) => o[k].order_id);
  const listIds = async (query: string) =>
    (await ok('GET', `/merchants/${merchantId}/orders${query}`)).data.map((x: any) => x.id);

  it.each([
    ['', ['o5', 'o4', 'o3', 'o2', 'o1']],
    ['?status=pending', ['o5', 'o4', 'o1']],
    ['?status=closed', ['o2']],
    ['?status=paid', ['o3']],
    ['?status=expired', []],
    ['?type=wechat', ['o4']],
    ['?type=alipay', ['o5', 'o3', 'o2', 'o1']],
    ['?type=qqpay', []],
    ['?mode=sandbox', ['o5']],
    ['?mode=live', ['o4', 'o3', 'o2', 'o1']],
    ['?status=pending&type=alipay&mode=live', ['o1']],
    ['?range=today', ['o5', 'o4', 'o3', 'o2', 'o1']],
    ['?range=7d', ['o5', 'o4', 'o3', 'o2', 'o1']],
    ['?range=60d&status=paid', ['o3']],
  ])('GET orders%s → %j, newest first', async (query, keys) => {
    const page = await ok('GET', `/merchants/${merchantId}/orders${query}`);
    expect(page.data.map((x: any) => x.id)).toEqual(ids(...keys));
    expect(page.next_cursor).toBeNull();
  });

  it('from/to are unix seconds: from inclusive, to exclusive; a window in the future or the past is empty', async () => {
    const all = ids('o5', 'o4', 'o3', 'o2', 'o1');
    expect(await listIds(`?from=${t0 - 5}`)).toEqual(all);
    expect(await listIds(`?from=${t0 - 5}&to=${nowS() + 60}`)).toEqual(all);
    expect(await listIds(`?to=${nowS() + 60}`)).toEqual(all);
    expect(await listIds(`?from=${nowS() + 3600}`)).toEqual([]);
    expect(await listIds(`?to=${t0 - 3600}`)).toEqual([]);
    expect(await listIds(`?from=${t0 - 7200}&to=${t0 - 3600}`)).toEqual([]);
    const o1 = await ok('GET', `/orders/${o.o1.order_id}`);
    expect(await listIds(`?from=${o1.created}&to=${o1.created + 1}&status=pending&mode=live&type=alipay`)).toEqual(
      ids('o1'),
    );
  });

  it.each([['range=today&from=0'], ['range=7d&to=9999999999']])(
    '%s: range together with from/to is a 400 naming range',
    async (query) => {
      expect(expectError(await admin('GET', `/merchants/${merchantId}/orders?${query}`), 400, 'bad_request')).toMatch(
        /^range/,
      );
    },
  );

  it('cursor pagination with limit=2 returns each order exactly once, newest first, then next_cursor null', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    const pages: number[] = [];
    do {
      const page: any = await ok('GET', `/merchants/${merchantId}/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page.data.length);
      seen.push(...page.data.map((x: any) => x.id));
      cursor = page.next_cursor;
      if (cursor !== null) expect(cursor).toEqual(expect.any(String));
    } while (cursor !== null && pages.length < 10);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(ids('o5', 'o4', 'o3', 'o2', 'o1'));
    expect(new Set(seen).size).toBe(5);
  });

  it('cursor pagination composes with a filter', async () => {
    const first = await ok('GET', `/merchants/${merchantId}/orders?status=pending&limit=2`);
    expect(first.data.map((x: any) => x.id)).toEqual(ids('o5', 'o4'));
    expect(first.next_cursor).not.toBeNull();
    const second = await ok(
      'GET',
      `/merchants/${merchantId}/orders?status=pending&limit=2&cursor=${first.next_cursor}`,
    );
    expect(second.data.map((x: any) => x.id)).toEqual(ids('o1'));
    expect(second.next_cursor).toBeNull();
  });

  it("one merchant's list never shows another's orders", async () => {
    const other = await setupMerchant({ sessions: 1 });
    const theirs = await create(other.app, '1.00');
    expect(theirs.code).toBe(100);
    const mine = await listIds('');
    expect(mine).not.toContain(theirs.data.order_id);
    const theirList = await ok('GET', `/merchants/${other.merchant.id}/orders`);
    expect(theirList.data.map((x: any) => x.id)).toEqual([theirs.data.order_id]);
    for (const x of theirList.data) expect(x.app_id).toBe(other.app.id);
  });

  it('orders of an unknown merchant: 404', async () => {
    expectError(await admin('GET', '/merchants/987654321/orders'), 404, 'not_found');
  });

  it('GET /orders/:id is the exact admin view', async () => {
    const v1 = await ok('GET', `/orders/${o.o1.order_id}`);
    expect(v1).toEqual({
      id: o.o1.order_id,
      app_id: liveApp.id,
      out_order_id: o.o1.out_order_id,
      session_id: alipay.id,
      status: 'pending',
      price: '1.00',
      realprice: '1.00',
      type: 'alipay',
      mode: 'live',
      custom: '',
      product_id: '',
      payment_id: null,
      facade: null,
      facade_fields: null,
      created: o.o1.created,
      expires: o.o1.expires_at,
      paid_at: null,
      closed_at: null,
      channel: null,
      method: null,
      provider_trade_no: null,
      provider_txn_id: null,
      refunded: '0.00',
    });
    expect(v1.created).toBeGreaterThanOrEqual(t0);
    expect(v1.expires - v1.created).toBe(600);

    const v2 = await ok('GET', `/orders/${o.o2.order_id}`);
    expect(v2).toMatchObject({ status: 'closed', payment_id: null, paid_at: null });
    expect(v2.closed_at).toBeGreaterThanOrEqual(v2.created);

    const v3 = await ok('GET', `/orders/${o.o3.order_id}`);
    expect(v3).toMatchObject({
      status: 'paid',
      price: '3.00',
      realprice: '3.00',
      payment_id: o.pay3.payment_id,
      closed_at: null,
    });
    expect(v3.paid_at).toBeGreaterThanOrEqual(v3.created);

    expect(await ok('GET', `/orders/${o.o4.order_id}`)).toMatchObject({
      type: 'wechat',
      mode: 'live',
      status: 'pending',
    });
    expect(await ok('GET', `/orders/${o.o5.order_id}`)).toMatchObject({
      type: 'alipay',
      mode: 'sandbox',
      status: 'pending',
    });
    // The list carries the same views.
    const listed = (await ok('GET', `/merchants/${merchantId}/orders`)).data.find((x: any) => x.id === o.o1.order_id);
    expect(listed).toEqual(v1);
  });

  it('GET /orders/:id of an unknown order: 404', async () => {
    expectError(await admin('GET', '/orders/987654321'), 404, 'not_found');
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('payments', () => {
  let merchantId: number;
  let app: TestApp;
  let session: TestSession;
  let matchedOrder: any;
  let matchedPayment: string;
  const unmatched: { id: string; amount: string; paidMs: number; ref: string | null; payer: string | null }[] = [];

  beforeAll(async () => {
    const m = await setupMerchant({ sessions: 1 });
    merchantId = m.merchant.id;
    app = m.app;
    session = m.sessions[0];
    matchedOrder = (await create(app, '6.00')).data;
    const matched = await pay(session, '6.00');
    expect(matched.body.matched).toBe(true);
    matchedPayment = matched.body.payment_id;
    for (const [amount, ref, payer] of [
      ['7.77', 'bill-777', 'Zhang San'],
      ['8.88', null, null],
      ['9.99', 'bill-999', null],
    ] as const) {
      const paidMs = Date.now() - 1000;
      const r = await pay(session, amount, { paid_at: paidMs, ...(ref ? { ref } : {}), ...(payer ? { payer } : {}) });
      expect(r.status).toBe(200);
      expect(r.body.matched).toBe(false);
      unmatched.push({ id: r.body.payment_id, amount, paidMs, ref, payer });
    }
    await eventually(async () => expect((await ok('GET', `/merchants/${merchantId}/payments`)).data).toHaveLength(4));
  });

  /** The merchant's payment ids newest first, straight from D1. */
  const d1Order = async (where = '') =>
    (
      await orderTables
        .prepare(`SELECT id FROM payments WHERE merchant_id = ? ${where} ORDER BY rowid DESC`)
        .bind(merchantId)
        .all<{ id: string }>()
    ).results.map((r) => r.id);

  it('matched=false is the unmatched inbox, with the exact view', async () => {
    const page = await ok('GET', `/merchants/${merchantId}/payments?matched=false`);
    expect(page.next_cursor).toBeNull();
    expect(page.data.map((p: any) => p.id)).toEqual(await d1Order('AND order_id IS NULL'));
    expect(new Set(page.data.map((p: any) => p.id))).toEqual(new Set(unmatched.map((u) => u.id)));
    for (const u of unmatched) {
      const p = page.data.find((x: any) => x.id === u.id);
      expect(p).toEqual({
        id: u.id,
        session_id: session.id,
        mode: 'live',
        type: 'alipay',
        amount: u.amount,
        paid_at: Math.floor(u.paidMs / 1000),
        ref: u.ref,
        payer: u.payer,
        order_id: null,
        matched_by: null,
        received: expect.any(Number),
        channel: null,
        note: null,
      });
    }
  });

  it('matched=true shows the auto-matched payment with its order', async () => {
    const page = await ok('GET', `/merchants/${merchantId}/payments?matched=true`);
    expect(page.next_cursor).toBeNull();
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      id: matchedPayment,
      amount: '6.00',
      order_id: matchedOrder.order_id,
      matched_by: 'auto',
      session_id: session.id,
    });
  });

  it('no filter lists everything, newest first', async () => {
    const page = await ok('GET', `/merchants/${merchantId}/payments`);
    expect(page.data.map((p: any) => p.id)).toEqual(await d1Order());
    expect(new Set(page.data.map((p: any) => p.id))).toEqual(new Set([matchedPayment, ...unmatched.map((u) => u.id)]));
  });

  it.each([
    ['', 1, 4],
    ['matched=false&', 1, 3],
    ['matched=false&', 2, 3],
    ['', 3, 4],
  ])('pagination (%s limit=%i) returns each of %i payments exactly once', async (filter, limit, total) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await ok(
        'GET',
        `/merchants/${merchantId}/payments?${filter}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.data.length).toBeLessThanOrEqual(limit);
      seen.push(...page.data.map((p: any) => p.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(Math.ceil(total / limit));
    expect(seen).toEqual(await d1Order(filter ? 'AND order_id IS NULL' : ''));
    expect(new Set(seen).size).toBe(total);
  });

  it("another merchant's payments list does not show these", async () => {
    const other = await ok('POST', '/merchants', { name: 'no payments' });
    expect(await ok('GET', `/merchants/${other.id}/payments`)).toEqual({ data: [], next_cursor: null });
  });

  describe('assign', () => {
    it('unknown payment: 404', async () => {
      const pending = (await create(app, '10.00')).data;
      const r = await admin('POST', '/payments/pay_doesnotexist0000/assign', { order_id: pending.order_id });
      expect(expectError(r, 404, 'not_found')).toMatch(/pay_doesnotexist0000/);
    });

    it('order of another merchant: 404, nothing changes', async () => {
      const other = await setupMerchant({ sessions: 1 });
      const theirs = (await create(other.app, '7.77')).data;
      const r = await admin('POST', `/payments/${unmatched[0].id}/assign`, { order_id: theirs.order_id });
      expect(expectError(r, 404, 'not_found')).toMatch(/order_id/);
      expect((await ok('GET', `/orders/${theirs.order_id}`)).status).toBe('pending');
      const inbox = await ok('GET', `/merchants/${merchantId}/payments?matched=false`);
      expect(inbox.data.map((p: any) => p.id)).toContain(unmatched[0].id);
    });

    it('unknown order: 404', async () => {
      expectError(
        await admin('POST', `/payments/${unmatched[0].id}/assign`, { order_id: 987654321 }),
        404,
        'not_found',
      );
    });

    it('paid order: 409, nothing changes', async () => {
      const r = await admin('POST', `/payments/${unmatched[1].id}/assign`, { order_id: matchedOrder.order_id });
      expect(expectError(r, 409, 'conflict')).toMatch(/paid|pending/);
      expect(await ok('GET', `/orders/${matchedOrder.order_id}`)).toMatchObject({
        status: 'paid',
        payment_id: matchedPayment,
      });
      const inbox = await ok('GET', `/merchants/${merchantId}/payments?matched=false`);
      expect(inbox.data.map((p: any) => p.id)).toContain(unmatched[1].id);
    });

    it('already-matched payment: 409, the pending order stays pending', async () => {
      const pending = (await create(app, '11.00')).data;
      const r = await admin('POST', `/payments/${matchedPayment}/assign`, { order_id: pending.order_id });
      expect(expectError(r, 409, 'conflict')).toMatch(/already matched/);
      expect((await ok('GET', `/orders/${pending.order_id}`)).status).toBe('pending');
    });

    it('assigns an unmatched payment to a pending order; it then leaves the inbox and cannot be assigned again', async () => {
      const pending = (await create(app, '12.00')).data;
      const target = unmatched[2];
      const r = await ok('POST', `/payments/${target.id}/assign`, { order_id: pending.order_id }, 200);
      expect(r.payment).toMatchObject({
        id: target.id,
        amount: target.amount,
        order_id: pending.order_id,
        matched_by: 'manual',
      });
      expect(r.order).toMatchObject({ id: pending.order_id, status: 'paid', payment_id: target.id, price: '12.00' });
      expect(r.order.paid_at).toEqual(expect.any(Number));
      const inbox = await ok('GET', `/merchants/${merchantId}/payments?matched=false`);
      expect(inbox.data.map((p: any) => p.id)).not.toContain(target.id);
      const matched = await ok('GET', `/merchants/${merchantId}/payments?matched=true`);
      expect(matched.data.find((p: any) => p.id === target.id)).toMatchObject({
        order_id: pending.order_id,
        matched_by: 'manual',
      });
      const another = (await create(app, '13.00')).data;
      expectError(
        await admin('POST', `/payments/${target.id}/assign`, { order_id: another.order_id }),
        409,
        'conflict',
      );
      expect((await ok('GET', `/orders/${another.order_id}`)).status).toBe('pending');
    });
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────

describe('openapi, docs, healthz', () => {
  const PATHS = ['/admin/v1/merchants', '/admin/v1/merchants/{id}/orders', '/admin/v1/payments/{id}/assign'];

  it('/openapi.json is an OpenAPI 3.1.0 document with the admin paths and a bearer scheme', async () => {
    const res = await SELF.fetch(`${BASE}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = JSON.parse(await res.text());
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    for (const p of PATHS) expect(Object.keys(doc.paths)).toContain(p);
    expect(doc.paths['/admin/v1/merchants']).toHaveProperty('post');
    expect(doc.paths['/admin/v1/merchants']).toHaveProperty('get');
    expect(doc.paths['/admin/v1/merchants/{id}/orders']).toHaveProperty('get');
    expect(doc.paths['/admin/v1/payments/{id}/assign']).toHaveProperty('post');
    const schemes = doc.components.securitySchemes;
    const bearer = Object.values(schemes).find((s: any) => s.type === 'http' && s.scheme === 'bearer');
    expect(bearer).toBeDefined();
    const bearerName = Object.keys(schemes).find((k) => schemes[k] === bearer)!;
    expect(doc.paths['/admin/v1/payments/{id}/assign'].post.security).toEqual([{ [bearerName]: [] }]);
    const orderParams = doc.paths['/admin/v1/merchants/{id}/orders'].get.parameters.map(
      (p: any) => `${p.in}:${p.name}`,
    );
    for (const q of [
      'path:id',
      'query:status',
      'query:type',
      'query:mode',
      'query:range',
      'query:from',
      'query:to',
      'query:cursor',
    ])
      expect(orderParams).toContain(q);
  });

  it('/docs is the interactive reference over /openapi.json, with its bundle served by the worker (no external URL)', async () => {
    const res = await SELF.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html.toLowerCase().startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('/openapi.json');
    expect(html).toContain('<script src="/docs/scalar.js"');
    expect(html.match(/https?:\/\//g)).toBeNull();
    const nonce = html.match(/nonce="([^"]+)"/)![1];
    expect(res.headers.get('content-security-policy')).toContain(`script-src 'self' 'nonce-${nonce}'`);
    const bundle = await SELF.fetch(`${BASE}/docs/scalar.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });

  it('/openapi.json also documents the merchant API, the monitor protocol and the cashier status route', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    for (const p of [
      '/api/cloudpay/create',
      '/api/cloudpay/query',
      '/api/cloudpay/close',
      '/monitor/v1/heartbeat',
      '/monitor/v1/payments',
      '/pay/{token}/status',
      '/admin/v1/merchants/{id}/points',
    ])
      expect(Object.keys(doc.paths), p).toContain(p);
    const create = doc.paths['/api/cloudpay/create'].post;
    expect(Object.keys(create.requestBody.content)).toContain('application/x-www-form-urlencoded');
    for (const code of [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 199, 201, 202, 203, 204, 211, 212])
      expect(create.responses['200'].description).toContain(`| ${code} |`);
    const hb = doc.paths['/monitor/v1/heartbeat'].post;
    expect(hb.parameters.map((p: any) => p.name)).toEqual([
      'X-Huipay-Session',
      'X-Huipay-Timestamp',
      'X-Huipay-Signature',
    ]);
  });

  it('/healthz answers ok', async () => {
    const res = await SELF.fetch(`${BASE}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });
});
