/**
 * Test helpers: drive the worker through its real HTTP surface (admin API, gatepay API,
 * monitor protocol). Signatures are computed here from the spec's formulas, independently of
 * the code under test.
 */
import { env, SELF } from 'cloudflare:test';
import { expect, inject } from 'vitest';

export const ADMIN_TOKEN = 'test-admin-token';
export const BASE = 'http://gw.test';
/** A public-looking merchant host; test/setup.ts routes it to the local merchant server. */
export const MERCHANT = 'https://merchant.example';
const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

export const md5 = async (s: string) => hex(await crypto.subtle.digest('MD5', enc.encode(s)));
/** md5( md5(concatenated values) + secret ) */
export const specSign = async (values: string[], secret: string) => md5((await md5(values.join(''))) + secret);
export async function hmac(secret: string, msg: string) {
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return hex(await crypto.subtle.sign('HMAC', key, enc.encode(msg)));
}

export async function admin<T = any>(
  method: string,
  path: string,
  body?: unknown,
  token = ADMIN_TOKEN,
): Promise<{ status: number; body: T }> {
  const res = await SELF.fetch(`${BASE}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Calls admin and expects the status; returns the body. */
export async function ok<T = any>(
  method: string,
  path: string,
  body?: unknown,
  status = method === 'POST' ? 201 : 200,
): Promise<T> {
  const r = await admin<T>(method, path, body);
  if (r.status !== status) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function gatepay(
  path: 'create' | 'query' | 'close',
  params: Record<string, string>,
  init: RequestInit & { cf?: unknown } = {},
) {
  const res = await SELF.fetch(`${BASE}/api/cloudpay/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
    ...init,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { code: number; msg: string; time: string; data: any };
}

export interface TestApp {
  appkey: string;
  appsecret: string;
  id: number;
}

export async function signedCreate(
  app: TestApp,
  p: { price: string; type?: string; out_order_id: string; custom?: string; [k: string]: string | undefined },
) {
  const params: Record<string, string> = {
    appkey: app.appkey,
    type: 'alipay',
    custom: '',
    ...(p as Record<string, string>),
  };
  params.sign = await specSign(
    [params.appkey, params.price, params.type, params.out_order_id, params.custom],
    app.appsecret,
  );
  return params;
}

export async function signedLookup(app: TestApp, orderId: string, outOrderId: string) {
  return {
    appkey: app.appkey,
    order_id: orderId,
    out_order_id: outOrderId,
    sign: await specSign([app.appkey, orderId, outOrderId], app.appsecret),
  };
}

/**
 * A refund request signed by SPEC §11.4, its text written out here:
 * md5( md5("amount=…&appkey=…&order_id=…&out_order_id=…&out_refund_no=…") + appsecret ).
 */
export async function signedRefund(
  app: TestApp,
  p: {
    out_refund_no: string;
    amount: string;
    order_id?: string;
    out_order_id?: string;
    [k: string]: string | undefined;
  },
) {
  const q = { appkey: app.appkey, order_id: '', out_order_id: '', ...p } as Record<string, string>;
  const text = `amount=${q.amount}&appkey=${q.appkey}&order_id=${q.order_id}&out_order_id=${q.out_order_id}&out_refund_no=${q.out_refund_no}`;
  q.sign = await md5((await md5(text)) + app.appsecret);
  return q;
}

export interface TestSession {
  id: number;
  secret: string;
  type: string;
}

export async function monitor(
  session: TestSession,
  path: 'heartbeat' | 'payments',
  body: unknown,
  opts: { ts?: number; sign?: string } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const ts = String(opts.ts ?? Date.now());
  const res = await SELF.fetch(`${BASE}/monitor/v1/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-huipay-session': String(session.id),
      'x-huipay-timestamp': ts,
      'x-huipay-signature': opts.sign ?? (await hmac(session.secret, `${ts}.${raw}`)),
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any };
}

export const pay = (s: TestSession, amount: string, extra: Record<string, unknown> = {}) =>
  monitor(s, 'payments', { type: s.type, amount, paid_at: Date.now(), ...extra });

/** A merchant with one app and `sessions` online sessions of one type, ready to take orders. */
export async function setupMerchant(
  opts: {
    sessions?: number;
    type?: 'alipay' | 'wechat';
    mode?: 'sandbox' | 'live';
    app?: Record<string, unknown>;
    settings?: Record<string, unknown>;
    online?: boolean;
    /** The merchant's order store (default: the one with the fewest merchants). */
    store?: 'DB' | 'ORDERS_1' | 'ORDERS_2';
  } = {},
) {
  const mode = opts.mode ?? 'live';
  const merchant = await ok('POST', '/merchants', { name: 'Test shop', store: opts.store });
  // Live sessions are charged the onboarding fee when they come online (SPEC §7).
  if (mode === 'live') await ok('POST', `/merchants/${merchant.id}/points`, { delta: 1_000_000, reason: 'recharge' });
  if (opts.settings) await ok('PUT', `/merchants/${merchant.id}/settings`, opts.settings, 200);
  const app = await ok('POST', `/merchants/${merchant.id}/apps`, {
    name: 'shop',
    mode,
    notify_url: `${MERCHANT}/success/m${Date.now()}${Math.random()}`,
    return_url: `${MERCHANT}/return`,
    ...opts.app,
  });
  const sessions: TestSession[] = [];
  for (let i = 0; i < (opts.sessions ?? 1); i++) {
    const s = await ok('POST', `/merchants/${merchant.id}/sessions`, {
      type: opts.type ?? 'alipay',
      label: `wallet ${i}`,
      qr_payload: `https://qr.alipay.com/test${i}`,
      mode,
    });
    sessions.push({ id: s.id, secret: s.secret, type: s.type });
    if (opts.online !== false) expect((await monitor(sessions[i], 'heartbeat', {})).status).toBe(200);
  }
  return { merchant, app: { appkey: app.appkey, appsecret: app.appsecret, id: app.id } as TestApp, sessions };
}

/**
 * Polls until `fn` stops throwing (queue consumers run asynchronously). A bound, not a claim: it
 * returns as soon as `fn` passes, and under load (2 shared cores) one 1-s queue retry took 14 s.
 */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Asserts lo ≤ value ≤ hi: a time the code read while the test's two reads of the clock bracketed
 * it. Never compare such a time with one later read: under load the two are seconds apart.
 */
export function expectWithin(value: number, lo: number, hi: number) {
  expect(value).toBeGreaterThanOrEqual(lo);
  expect(value).toBeLessThanOrEqual(hi);
}

let seq = 0;
/** A label made unique per test run (time + a counter): out_order_ids, merchant-log keys, bill refs. */
export const uniqueKey = (label: string) => `${label}${Date.now()}${++seq}`;

export const db = () => env.DB;

/** The order stores the test pool binds (vitest.config.ts), in binding order: DB, ORDERS_1, ORDERS_2. */
export const storeBindings = () => [env.DB, env.ORDERS_1, env.ORDERS_2];

/** The D1 a merchant's orders live on (its `store`, read from the control plane). */
export async function merchantDb(merchantId: number): Promise<D1Database> {
  const row = await env.DB.prepare('SELECT store FROM merchants WHERE id = ?')
    .bind(merchantId)
    .first<{ store: string }>();
  return (env as unknown as Record<string, D1Database>)[row?.store ?? 'DB'];
}

/**
 * The order tables of every store read (and written) as one, for tests that look at rows whatever
 * store their merchant landed on: `first()` gives the first store's row that has one (a
 * `SELECT COUNT(*)` or `COALESCE(SUM(x), 0)` adds up the stores'), `all()` the rows of all, `run()` runs on each.
 */
export const orderTables = {
  prepare(sql: string) {
    const on = (binds: unknown[]) => storeBindings().map((d1) => d1.prepare(sql).bind(...binds));
    const statement = (binds: unknown[]) => ({
      bind: (...more: unknown[]) => statement([...binds, ...more]),
      async first<T = any>(column?: string): Promise<T | null> {
        const rows = await Promise.all(on(binds).map((st) => st.first<Record<string, unknown>>()));
        const total = /^\s*SELECT\s+(?:COUNT\(\*\)|COALESCE\(SUM\(\w+\),\s*0\))\s+AS\s+(\w+)\s+FROM/i.exec(sql);
        if (total && rows.every((r) => r)) {
          const name = total[1];
          const sum = { [name]: rows.reduce((n, r) => n + Number(r![name]), 0) };
          return (column ? sum[column] : sum) as T;
        }
        const row = rows.find((r) => r !== null) ?? null;
        return (column ? (row?.[column] ?? null) : row) as T | null;
      },
      async all<T = any>(): Promise<{ results: T[] }> {
        const parts = await Promise.all(on(binds).map((st) => st.all<T>()));
        return { results: parts.flatMap((p) => p.results) };
      },
      async run() {
        const parts = await Promise.all(on(binds).map((st) => st.run()));
        return { meta: { changes: parts.reduce((n, p) => n + p.meta.changes, 0) } };
      },
    });
    return statement([]);
  },
};
const ORDER_TABLES = [
  'orders',
  'payments',
  'deliveries',
  'delivery_attempts',
  'refunds',
  'channel_log',
  'points_ledger',
  'books',
];
export const count = async (table: string) =>
  (
    await (ORDER_TABLES.includes(table) ? orderTables : env.DB)
      .prepare(`SELECT COUNT(*) AS n FROM ${table}`)
      .first<{ n: number }>()
  )?.n ?? 0;

/** The requests the local merchant server received under `key`. */
export async function merchantLog(
  key: string,
): Promise<{ method: string; path: string; headers: Record<string, string>; body: string; at: number }[]> {
  return (await fetch(`http://127.0.0.1:${inject('merchantPort')}/_log/${key}`)).json();
}

export const merchantUrl = (behaviour: string, key: string) => `${MERCHANT}/${behaviour}/${key}`;
export const loopbackUrl = (behaviour: string, key: string) =>
  `http://127.0.0.1:${inject('merchantPort')}/${behaviour}/${key}`;
