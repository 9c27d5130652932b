/**
 * Hostile input on every public route (SPEC §3, §4.2, §9, §10). Each row is one request; for each:
 * (1) no 500, a JSON body, no HTML and no stack trace or source path;
 * (2) gatepay: HTTP 200 `{code, msg, time, data: null}` with a code other than 100 and 199;
 *     admin, monitor and /qrcode: a 4xx `{error: {code, message, request_id}}`;
 * (3) where a field is bad, the message names it;
 * (4) nothing is written: every D1 table, and the holds, reports and outbox of both merchants'
 *     Collectors, have the same rows (count and content) before and after.
 */
import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  BASE,
  count,
  eventually,
  gatepay,
  hmac,
  MERCHANT,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  signedLookup,
  specSign,
  type TestApp,
  type TestSession,
} from '../helpers';

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────

/** Merchant A (the one attacked) and merchant B (whose ids A must not reach). */
interface Ctx {
  mA: number;
  mB: number;
  app: TestApp;
  appB: TestApp;
  s: TestSession;
  sB: TestSession;
  ruleA: number;
  ruleB: number;
  orderA: number;
  outA: string;
  orderB: number;
  outB: string;
  payA: string;
  webhookA: number;
}
let x: Ctx;

beforeAll(async () => {
  const A = await setupMerchant({ sessions: 1 });
  const B = await setupMerchant({ sessions: 1 });
  const ruleA = await ok('POST', `/merchants/${A.merchant.id}/rules`, { name: 'A rule' });
  const ruleB = await ok('POST', `/merchants/${B.merchant.id}/rules`, { name: 'B rule' });
  const oA = await gatepay('create', await signedCreate(A.app, { price: '3.00', out_order_id: 'keepA' }));
  const oB = await gatepay('create', await signedCreate(B.app, { price: '3.00', out_order_id: 'keepB' }));
  expect([oA.code, oB.code]).toEqual([100, 100]);
  const wh = await ok('POST', `/apps/${A.app.appkey}/webhooks`, { url: `${MERCHANT}/success/bad-input`, mode: 'test' });
  const stray = await pay(A.sessions[0], '77.77');
  expect(stray.body.matched).toBe(false);
  await eventually(async () => expect(await count('payments')).toBe(1));
  x = {
    mA: A.merchant.id,
    mB: B.merchant.id,
    app: A.app,
    appB: B.app,
    s: A.sessions[0],
    sB: B.sessions[0],
    ruleA: ruleA.id,
    ruleB: ruleB.id,
    orderA: oA.data.order_id,
    outA: 'keepA',
    orderB: oB.data.order_id,
    outB: 'keepB',
    payA: stray.body.payment_id,
    webhookA: wh.id,
  };
}, 60_000);

// ── request builders ─────────────────────────────────────────────────────────────────────────

type Req = {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | ReadableStream;
};
type Build = (x: Ctx) => Req | Promise<Req>;
type Row = [name: string, build: Build, field?: RegExp];
type Val = string | null | ((x: Ctx) => string);
const val = (v: Val | undefined, d: string | null): string | null =>
  v === undefined ? d : typeof v === 'function' ? v(x) : v;

const FORM = 'application/x-www-form-urlencoded';
const JSON_CT = 'application/json';
const enc = new TextEncoder();
const KB100 = 'k'.repeat(100_000);
const MB1 = 'm'.repeat(1 << 20);
let seq = 0;
const uniq = () => `bad${Date.now().toString(36)}${seq++}`;
/** Text with raw (invalid UTF-8) bytes in the middle. */
const bytes = (head: string, raw: number[], tail: string) =>
  new Uint8Array([...enc.encode(head), ...raw, ...enc.encode(tail)]);
/** A body streamed in 16 kB chunks: no content-length, as a chunked HTTP upload. */
const chunked = (data: string | Uint8Array) => {
  const all = typeof data === 'string' ? enc.encode(data) : data;
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      for (let i = 0; i < all.length; i += 16_384) ctl.enqueue(all.slice(i, i + 16_384));
      ctl.close();
    },
  });
};
const form = (p: Record<string, string>) => new URLSearchParams(p).toString();
const multipart = (fields: Record<string, string>) =>
  `${Object.entries(fields)
    .map(([k, v]) => `--B0UND\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('')}--B0UND--\r\n`;
/** `{"k":<raw JSON literal>,...}`; an undefined value leaves the key out. */
const rawJson = (lit: Record<string, string | undefined>) =>
  `{${Object.entries(lit)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
/** The source text of a raw JSON literal, as the gateway signs it. */
const src = (lit: string | undefined) => (lit === undefined ? '' : lit.startsWith('"') ? JSON.parse(lit) : lit);

// gatepay
const gp = (op: string, body?: Req['body'], ct: string | null = FORM, method = 'POST'): Req => ({
  method,
  path: `/api/cloudpay/${op}`,
  headers: ct ? { 'content-type': ct } : {},
  body,
});
type Mut = (p: Record<string, string>, x: Ctx) => void;
/** A correctly signed form create with `over`, then `mut` applied after signing. */
const c =
  (over: Record<string, string> = {}, mut?: Mut): Build =>
  async (x) => {
    const p = await signedCreate(x.app, { price: '5.00', out_order_id: uniq(), custom: '', ...over });
    mut?.(p, x);
    return gp('create', form(p));
  };
const withMethod =
  (build: Build, method: string): Build =>
  async (x) => ({ ...(await build(x)), method });
const drop =
  (f: string): Mut =>
  (p) =>
    void delete p[f];
/** A JSON create whose values are raw JSON literals, signed over their source text. */
const cj =
  (over: Record<string, string>): Build =>
  async (x) => {
    const lit: Record<string, string> = {
      appkey: JSON.stringify(x.app.appkey),
      price: '"5.00"',
      type: '"alipay"',
      out_order_id: JSON.stringify(uniq()),
      custom: '""',
      ...over,
    };
    const sign = await specSign(
      ['appkey', 'price', 'type', 'out_order_id', 'custom'].map((f) => src(lit[f])),
      x.app.appsecret,
    );
    return gp('create', rawJson({ ...lit, sign: JSON.stringify(sign) }), JSON_CT);
  };
/** A correctly signed form create with `key` sent a second time, valued `value(params)`. */
const dupForm =
  (key: string, value: (p: Record<string, string>) => string): Build =>
  async (x) => {
    const p = await signedCreate(x.app, { price: '5.00', out_order_id: uniq(), custom: '' });
    return gp('create', `${form(p)}&${form({ [key]: value(p) })}`);
  };
/** A correctly signed JSON create with `key` sent a second time as the raw literal `lit`. */
const dupJson =
  (key: string, lit: string): Build =>
  async (x) => {
    const p = await signedCreate(x.app, { price: '5.00', out_order_id: uniq(), custom: '' });
    return gp('create', `${JSON.stringify(p).slice(0, -1)},"${key}":${lit}}`, JSON_CT);
  };
/** A correctly signed form query/close, then `mut`. */
const look =
  (op: string, id: Val, out: Val, mut?: Mut): Build =>
  async (x) => {
    const p = await signedLookup(x.app, val(id, '')!, val(out, '')!);
    mut?.(p, x);
    return gp(op, form(p));
  };
/** A JSON query/close with raw literals, signed over their source text. */
const lj =
  (op: string, over: Record<string, string>): Build =>
  async (x) => {
    const lit: Record<string, string> = {
      appkey: JSON.stringify(x.app.appkey),
      order_id: '""',
      out_order_id: '""',
      ...over,
    };
    const sign = await specSign(
      ['appkey', 'order_id', 'out_order_id'].map((f) => src(lit[f])),
      x.app.appsecret,
    );
    return gp(op, rawJson({ ...lit, sign: JSON.stringify(sign) }), JSON_CT);
  };

// monitor
async function hmacBytes(secret: string, prefix: string, body: Uint8Array) {
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const sig = await crypto.subtle.sign('HMAC', key, new Uint8Array([...enc.encode(prefix), ...body]));
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
interface MonOpts {
  sid?: Val;
  ts?: Val;
  sig?: Val;
  secret?: Val;
  ct?: string | null;
  method?: string;
  signBody?: string;
  chunked?: boolean;
}
/** A monitor request signed like an agent (HMAC over timestamp + "." + the raw body bytes), then `o` applied. */
const mon =
  (path: 'heartbeat' | 'payments', body: string | Uint8Array | (() => string), o: MonOpts = {}): Build =>
  async (x) => {
    const raw = typeof body === 'function' ? body() : body;
    const ts = val(o.ts, String(Date.now()));
    const secret = val(o.secret, x.s.secret)!;
    const signed = o.signBody ?? raw;
    const sig =
      o.sig !== undefined
        ? val(o.sig, null)
        : typeof signed === 'string'
          ? await hmac(secret, `${ts}.${signed}`)
          : await hmacBytes(secret, `${ts}.`, signed);
    const headers: Record<string, string> = {};
    const sid = val(o.sid, String(x.s.id));
    if (sid !== null) headers['x-huipay-session'] = sid;
    if (ts !== null) headers['x-huipay-timestamp'] = ts;
    if (sig !== null) headers['x-huipay-signature'] = sig;
    const ct = o.ct === undefined ? JSON_CT : o.ct;
    if (ct) headers['content-type'] = ct;
    const method = o.method ?? 'POST';
    return {
      method,
      path: `/monitor/v1/${path}`,
      headers,
      body: method === 'GET' ? undefined : o.chunked ? chunked(raw) : raw,
    };
  };
/** A payment report body built at send time; values are raw JSON literals, undefined drops the key. */
const report =
  (over: Record<string, string | undefined> = {}) =>
  () =>
    rawJson({ type: '"alipay"', amount: '"1.23"', paid_at: String(Date.now()), ...over });
const rep = (over: Record<string, string | undefined>) => mon('payments', report(over));

// admin
interface AdmOpts {
  ct?: string | null;
  auth?: string | null;
}
const adm = (method: string, path: string, body?: unknown, o: AdmOpts = {}): Req => {
  const headers: Record<string, string> = {};
  const auth = o.auth === undefined ? `Bearer ${ADMIN_TOKEN}` : o.auth;
  if (auth !== null) headers.authorization = auth;
  const ct = o.ct === undefined ? (body === undefined ? null : JSON_CT) : o.ct;
  if (ct) headers['content-type'] = ct;
  const raw =
    body === undefined
      ? undefined
      : typeof body === 'string' || body instanceof Uint8Array
        ? body
        : JSON.stringify(body);
  return { method, path: `/admin/v1${path}`, headers, body: raw };
};
/** A route with a path built from the fixtures: `A(method, x => path)(body, opts)`. */
const route =
  (method: string, path: (x: Ctx) => string) =>
  (body?: unknown, o?: AdmOpts): Build =>
  (x) =>
    adm(method, path(x), body, o);

// ── the check every row goes through ──────────────────────────────────────────────────────────

const TABLES = [
  'merchants',
  'apps',
  'rules',
  'sessions',
  'orders',
  'payments',
  'webhooks',
  'deliveries',
  'delivery_attempts',
];
/** The Collector tables a request could write to: amount holds, payment reports, the outbox. */
const COLLECTOR_TABLES = ['holds', 'reports', 'outbox'];

/** One merchant's live Collector: the rows of its holds, reports and outbox. */
function collectorRows(merchantId: number) {
  const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchantId}:live`));
  return runInDurableObject(stub, (_c, state) =>
    COLLECTOR_TABLES.map((t) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM ${t} ORDER BY rowid`).toArray())),
  );
}

/** Every row of every D1 table (one round trip) and of both merchants' Collectors: counts and exact contents. */
async function snapshot() {
  const res = await env.DB.batch(TABLES.map((t) => env.DB.prepare(`SELECT * FROM ${t} ORDER BY rowid`)));
  const [a, b] = await Promise.all([collectorRows(x.mA), collectorRows(x.mB)]);
  return {
    counts: Object.fromEntries(TABLES.map((t, i) => [t, res[i].results.length])),
    rows: {
      ...Object.fromEntries(TABLES.map((t, i) => [t, JSON.stringify(res[i].results)])),
      ...Object.fromEntries(
        COLLECTOR_TABLES.flatMap((t, i) => [
          [`A.${t}`, a[i]],
          [`B.${t}`, b[i]],
        ]),
      ),
    },
  };
}
/** A stack frame, a source path, a thrown error naming a file, or an HTML page. */
const LEAKS = [
  /\bat \S+ \(\S+:\d+:\d+\)/,
  /\bat \S+:\d+:\d+/,
  /node_modules/,
  /\bsrc\//,
  /Error: [^"]*\.(?:ts|js|mjs)\b/,
  /<!doctype|<html/i,
];

async function run(build: Build, field?: RegExp) {
  const req = await build(x);
  const before = await snapshot();
  const res = await SELF.fetch(`${BASE}${req.path}`, {
    method: req.method ?? 'GET',
    headers: req.headers,
    body: req.body,
  });
  const text = await res.text();
  const where = `${req.method ?? 'GET'} ${req.path.slice(0, 160)} → ${res.status} ${text.slice(0, 400)}`;

  if (req.path.startsWith('/monitor/v1/payments') && res.ok) {
    // A wrongly accepted report reaches D1 from the queue: wait for it so this row, not a later one, sees the write.
    await eventually(async () => expect(await count('payments')).toBeGreaterThan(before.counts.payments), 3000).catch(
      () => undefined,
    );
  }

  expect.soft(res.status, where).toBeLessThan(500);
  expect.soft(res.headers.get('content-type') ?? '', where).toMatch(/^application\/json/);
  for (const leak of LEAKS) expect.soft(text, where).not.toMatch(leak);
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    expect.soft(false, `body is not JSON: ${where}`).toBe(true);
  }
  let message = '';
  if (req.path.startsWith('/api/cloudpay/')) {
    expect.soft(res.status, where).toBe(200);
    expect.soft(body && Object.keys(body).sort(), where).toEqual(['code', 'data', 'msg', 'time']);
    expect.soft(body?.data, where).toBeNull();
    expect.soft(typeof body?.code, where).toBe('number');
    expect.soft([100, 199], where).not.toContain(body?.code);
    expect.soft(body?.time, where).toMatch(/^\d{10}$/);
    message = typeof body?.msg === 'string' ? body.msg : '';
  } else {
    expect.soft(res.status, where).toBeGreaterThanOrEqual(400);
    expect.soft(res.status, where).toBeLessThan(500);
    expect
      .soft(body?.error, where)
      .toEqual({ code: expect.any(String), message: expect.any(String), request_id: expect.any(String) });
    message = typeof body?.error?.message === 'string' ? body.error.message : '';
  }
  if (field) expect.soft(message, `message should name the field: ${where}`).toMatch(field);

  const after = await snapshot();
  expect.soft(after.counts, `row counts changed: ${where}`).toEqual(before.counts);
  for (const t of Object.keys(before.rows))
    expect.soft(after.rows[t], `${t} rows changed: ${where}`).toBe(before.rows[t]);
}

const suite = (rows: Row[]) => it.each(rows)('%s', async (_name, build, field) => run(build, field));

// ── gatepay: POST /api/cloudpay/create ─────────────────────────────────────────────────────────

describe('POST /api/cloudpay/create', () => {
  suite([
    ['empty form body', () => gp('create', ''), /appkey/],
    ['no body, no content-type', () => gp('create', undefined, null), /appkey/],
    ['empty JSON body', () => gp('create', '', JSON_CT), /JSON/],
    ['malformed JSON', () => gp('create', '{"appkey":', JSON_CT), /JSON/],
    ['JSON null', () => gp('create', 'null', JSON_CT), /object/],
    ['JSON array', () => gp('create', '[1,2]', JSON_CT), /object/],
    ['JSON string', () => gp('create', '"appkey"', JSON_CT), /object/],
    ['JSON with a form body', () => gp('create', 'appkey=x&price=1', JSON_CT), /JSON/],
    ['price as an array', cj({ price: '["5.00"]' }), /price/],
    ['price as an object', cj({ price: '{"v":"5.00"}' }), /price/],
    ['price null', cj({ price: 'null' }), /price/],
    ['price as the number 1e2', cj({ price: '1e2' }), /price/],
    ['price as the number -1', cj({ price: '-1' }), /price/],
    ['price as the number 0', cj({ price: '0' }), /price/],
    ['price as the number 1.234', cj({ price: '1.234' }), /price/],
    ['type as a number', cj({ type: '1' }), /type/],
    ['type as true', cj({ type: 'true' }), /type/],
    ['appkey as a number', cj({ appkey: '12345' }), /appkey/],
    ['custom as an array', cj({ custom: '[]' }), /custom/],
    ['out_order_id as an object', cj({ out_order_id: '{}' }), /out_order_id/],
    ...(['appkey', 'sign', 'price', 'type', 'out_order_id', 'custom'].map((f) => [
      `${f} missing`,
      c({}, drop(f)),
      new RegExp(f),
    ]) as Row[]),
    ...([
      '',
      '0',
      '-1',
      '1e2',
      '1.234',
      ' 1',
      '1.',
      'abc',
      '0x10',
      'Infinity',
      'NaN',
      '99999999999999999999',
      '50000.01',
      '１０',
      '1,00',
      '5.00\u0000',
      '5.00\n',
    ].map((p) => [`price ${JSON.stringify(p)}`, c({ price: p }), /price/]) as Row[]),
    ...(['', 'bitcoin', 'ALIPAY', 'alipay ', 'qqpay', 'alipay\u0000'].map((t) => [
      `type ${JSON.stringify(t)}`,
      c({ type: t }),
      /type/,
    ]) as Row[]),
    ...([
      '',
      '../../etc/passwd',
      'a\u0000b',
      'a\nb',
      '订单1',
      'x'.repeat(65),
      'a b',
      '<script>',
      '%00',
      '\u202eevil',
    ].map((o) => [
      `out_order_id ${JSON.stringify(o.slice(0, 20))}${o.length > 20 ? '…' : ''}`,
      c({ out_order_id: o }),
      /out_order_id/,
    ]) as Row[]),
    ['custom of 256 characters', c({ custom: 'c'.repeat(256) }), /custom/],
    ['custom of 100 kB', c({ custom: KB100 }), /larger|bytes/],
    ['product_id of 65 characters', c({ product_id: 'p'.repeat(65) }), /product_id/],
    ['notify_url override the app does not allow', c({ notify_url: 'https://evil.example/n' }), /notify_url/],
    ['price sent twice, same value', dupForm('price', () => '5.00'), /price: sent more than once/],
    ['sign sent twice', dupForm('sign', (p) => p.sign), /sign: sent more than once/],
    ['price twice in JSON', dupJson('price', '"9.00"'), /price: sent more than once/],
    ['appkey twice in JSON, escaped', dupJson('\\u0061ppkey', '"ak_other"'), /appkey: sent more than once/],
    ['return_url javascript:', c({ return_url: 'javascript:alert(1)' }), /return_url/],
    ['payer_region garbage', c({ payer_region: '<script>' }), /payer_region/],
    ['payer_region of 1000 characters', c({ payer_region: `CN-${'G'.repeat(1000)}` }), /payer_region/],
    ['sign garbage', c({}, (p) => void (p.sign = 'zz')), /sign/],
    ['sign of 100 kB', c({}, (p) => void (p.sign = 'a'.repeat(60_000))), /sign/],
    ["appkey of merchant B, signed with A's secret", c({}, (p, x) => void (p.appkey = x.appB.appkey)), /sign/],
    ['appkey unknown', c({}, (p) => void (p.appkey = 'ak_nope')), /appkey/],
    ['appkey unicode', c({}, (p) => void (p.appkey = 'ak_😀\u202e')), /appkey/],
    ['appkey control characters', c({}, (p) => void (p.appkey = '\u0000\u0001')), /appkey/],
    ['appkey path traversal', c({}, (p) => void (p.appkey = '../../admin/v1/merchants')), /appkey/],
    ['appkey of 10 kB', c({}, (p) => void (p.appkey = 'a'.repeat(10_000))), /appkey/],
    ['content-type text/xml', () => gp('create', '<xml><appkey>x</appkey></xml>', 'text/xml'), /content-type/],
    [
      'content-type multipart/form-data',
      () => gp('create', multipart({ appkey: 'x', price: '1' }), 'multipart/form-data; boundary=B0UND'),
      /content-type/,
    ],
    ['body of 1 MB', () => gp('create', `custom=${MB1}`), /larger|bytes/],
    ['body of 1 MB, chunked (no content-length)', () => gp('create', chunked(`custom=${MB1}`)), /larger|bytes/],
    ['invalid UTF-8 in a form body', () => gp('create', bytes('appkey=', [0xff, 0xfe], '&price=1')), /UTF-8/],
    ['invalid UTF-8 in a JSON body', () => gp('create', bytes('{"appkey":"', [0xc3, 0x28], '"}'), JSON_CT), /UTF-8/],
    ['method GET', () => gp('create', undefined, null, 'GET')],
    ['method DELETE', () => gp('create', undefined, null, 'DELETE')],
    ['method PUT with a valid signed form', withMethod(c(), 'PUT')],
  ]);
});

// ── gatepay: POST /api/cloudpay/query and /close ───────────────────────────────────────────────

describe.each(['query', 'close'])('POST /api/cloudpay/%s', (op) => {
  suite([
    ['empty form body', () => gp(op, ''), /appkey/],
    ['malformed JSON', () => gp(op, '{"order_id":1', JSON_CT), /JSON/],
    ['JSON array', () => gp(op, '[]', JSON_CT), /object/],
    ['JSON null', () => gp(op, 'null', JSON_CT), /object/],
    ['order_id as an array', lj(op, { order_id: '[1]' }), /order_id/],
    ['order_id as an object', lj(op, { order_id: '{"$gt":0}' }), /order_id/],
    ['order_id as the number -1', lj(op, { order_id: '-1' }), /order_id/],
    ['order_id as the number 1.5', lj(op, { order_id: '1.5' }), /order_id/],
    ['order_id as the number 1e3', lj(op, { order_id: '1e3' }), /order_id/],
    ['order_id as the number 99999999999999999999', lj(op, { order_id: '99999999999999999999' }), /order_id/],
    ...(['abc', '-1', '1.5', '0x1f', '１', '99999999999999999999', '1 ', '../1', '1;DROP TABLE orders', '1\u0000'].map(
      (id) => [`order_id ${JSON.stringify(id)}`, look(op, id, ''), /order_id/],
    ) as Row[]),
    ['order_id and out_order_id both empty', look(op, '', ''), /order_id/],
    [
      'neither order_id nor out_order_id sent',
      look(op, '', '', (p) => {
        delete p.order_id;
        delete p.out_order_id;
      }),
      /order_id/,
    ],
    ['out_order_id path traversal', look(op, '', '../../etc/passwd'), /order_id/],
    ['out_order_id with a NUL', look(op, '', 'keepA\u0000'), /order_id/],
    ['out_order_id with a % wildcard', look(op, '', 'keep%'), /order_id/],
    ['out_order_id of 10 kB', look(op, '', 'o'.repeat(10_000)), /order_id/],
    ["order_id of merchant B's order", look(op, (x) => String(x.orderB), ''), /order_id/],
    ["out_order_id of merchant B's order", look(op, '', (x) => x.outB), /order_id/],
    ['order_id with a mismatched out_order_id', look(op, (x) => String(x.orderA), 'other'), /order_id/],
    ['sign missing', look(op, (x) => String(x.orderA), '', drop('sign')), /sign/],
    [
      'sign garbage',
      look(
        op,
        (x) => String(x.orderA),
        '',
        (p) => void (p.sign = 'f'.repeat(32)),
      ),
      /sign/,
    ],
    ['appkey missing', look(op, (x) => String(x.orderA), '', drop('appkey')), /appkey/],
    [
      'appkey unknown',
      look(
        op,
        (x) => String(x.orderA),
        '',
        (p) => void (p.appkey = 'ak_nope'),
      ),
      /appkey/,
    ],
    [
      "appkey of merchant B's app",
      look(
        op,
        (x) => String(x.orderA),
        '',
        (p, x) => void (p.appkey = x.appB.appkey),
      ),
      /sign/,
    ],
    ['content-type text/xml', () => gp(op, '<q><order_id>1</order_id></q>', 'text/xml'), /content-type/],
    [
      'content-type multipart/form-data',
      () => gp(op, multipart({ order_id: '1' }), 'multipart/form-data; boundary=B0UND'),
      /content-type/,
    ],
    ['body of 1 MB', () => gp(op, `order_id=${'9'.repeat(1 << 20)}`), /larger|bytes/],
    ['invalid UTF-8 bytes', () => gp(op, bytes('order_id=', [0xff], '')), /UTF-8/],
    ['method GET', () => gp(op, undefined, null, 'GET')],
    ['method DELETE', () => gp(op, undefined, null, 'DELETE')],
  ]);
});

// ── monitor protocol ──────────────────────────────────────────────────────────────────────────

const monitorAuthRows = (path: 'heartbeat' | 'payments'): Row[] => {
  const body = path === 'heartbeat' ? '{}' : report();
  return [
    ['no monitor headers', mon(path, body, { sid: null, ts: null, sig: null }), /X-Huipay-Session/],
    ...(['', 'abc', '-1', '0', '99999999999999999999', '1.5', '../1', '¹', '1 2', '0x1'].map((sid) => [
      `session id ${JSON.stringify(sid)}`,
      mon(path, body, { sid }),
      /session/i,
    ]) as Row[]),
    ['unknown session id', mon(path, body, { sid: '999999' }), /session/i],
    ["merchant B's session id, signed with A's secret", mon(path, body, { sid: (x) => String(x.sB.id) }), /Signature/],
    ['timestamp missing', mon(path, body, { ts: null }), /Timestamp/],
    ...(['abc', '-1', '1e12', '99999999999999999999', '¹'].map((ts) => [
      `timestamp ${JSON.stringify(ts)}`,
      mon(path, body, { ts }),
      /Timestamp/,
    ]) as Row[]),
    ['timestamp in seconds', mon(path, body, { ts: () => String(Math.floor(Date.now() / 1000)) }), /Timestamp/],
    // A future offset shrinks while the request travels (the gateway reads its clock later), so ahead
    // is tested well past the limit; the 301 s edge is tested in the past (collection.test.ts), where it grows.
    ['timestamp 330 s ahead', mon(path, body, { ts: () => String(Date.now() + 330_000) }), /Timestamp/],
    ['signature missing', mon(path, body, { sig: null }), /Signature/],
    ['signature garbage', mon(path, body, { sig: 'zz' }), /Signature/],
    ['signature of 64 hex zeros', mon(path, body, { sig: '0'.repeat(64) }), /Signature/],
    ['signature over another body', mon(path, body, { signBody: '{"other":true}' }), /Signature/],
    ['signature with a wrong secret', mon(path, body, { secret: 'not-the-secret' }), /Signature/],
    ['method GET', mon(path, '', { method: 'GET', ct: null })],
    ['method DELETE', mon(path, body, { method: 'DELETE' })],
    ['method PUT', mon(path, body, { method: 'PUT' })],
  ];
};

describe('POST /monitor/v1/heartbeat', () => {
  suite([
    ...monitorAuthRows('heartbeat'),
    ['malformed JSON (signed)', mon('heartbeat', '{"agent":'), /JSON|body/],
    ['empty body (signed)', mon('heartbeat', ''), /JSON|body/],
    ['JSON array (signed)', mon('heartbeat', '[1]'), /JSON|body|object/],
    ['JSON number (signed)', mon('heartbeat', '42'), /JSON|body|object/],
    ['content-type text/xml (signed)', mon('heartbeat', '<heartbeat/>', { ct: 'text/xml' }), /JSON|body|content-type/],
    ['body of 1 MB (signed)', mon('heartbeat', JSON.stringify({ pad: MB1 })), /bytes|large/],
    [
      'body of 1 MB, chunked (signed, no content-length)',
      mon('heartbeat', JSON.stringify({ pad: MB1 }), { chunked: true }),
      /bytes|large/,
    ],
    ['invalid UTF-8 bytes (signed over the bytes)', mon('heartbeat', bytes('{"agent":"', [0xff, 0xfe], '"}'))],
  ]);
});

describe('POST /monitor/v1/payments', () => {
  suite([
    ...monitorAuthRows('payments'),
    ['malformed JSON', mon('payments', '{"type":"alipay",'), /JSON/],
    ['empty body', mon('payments', ''), /JSON|body/],
    ['JSON null', mon('payments', 'null'), /body/],
    ['JSON array', mon('payments', '[{"type":"alipay"}]'), /body/],
    ['JSON string', mon('payments', '"9.99"'), /body/],
    ['type missing', rep({ type: undefined }), /type/],
    ['type bitcoin', rep({ type: '"bitcoin"' }), /type/],
    ['type wechat on an alipay session', rep({ type: '"wechat"' }), /type/],
    ['type as a number', rep({ type: '1' }), /type/],
    ['type null', rep({ type: 'null' }), /type/],
    ['amount missing', rep({ amount: undefined }), /amount/],
    ...(['', '0', '-1', '1e2', '1.234', ' 1', '1.', 'abc', '99999999999999999999', '１', '1,00', '100000.01'].map(
      (a) => [`amount ${JSON.stringify(a)}`, rep({ amount: JSON.stringify(a) }), /amount/],
    ) as Row[]),
    ['amount as the number 1e2', rep({ amount: '1e2' }), /amount/],
    ['amount as the number -5', rep({ amount: '-5' }), /amount/],
    ['amount as the number 1.234', rep({ amount: '1.234' }), /amount/],
    ['amount as an array', rep({ amount: '["1.00"]' }), /amount/],
    ['amount as an object', rep({ amount: '{"yuan":1}' }), /amount/],
    ['amount null', rep({ amount: 'null' }), /amount/],
    ['amount true', rep({ amount: 'true' }), /amount/],
    ['paid_at missing', rep({ paid_at: undefined }), /paid_at/],
    ['paid_at as a string', rep({ paid_at: JSON.stringify(String(Date.now())) }), /paid_at/],
    ['paid_at -1', rep({ paid_at: '-1' }), /paid_at/],
    ['paid_at 0', rep({ paid_at: '0' }), /paid_at/],
    ['paid_at 1.5', rep({ paid_at: '1.5' }), /paid_at/],
    ['paid_at 1e20', rep({ paid_at: '1e20' }), /paid_at/],
    ['paid_at a day ahead', rep({ paid_at: String(Date.now() + 86_400_000) }), /paid_at/],
    ['paid_at in unix seconds', rep({ paid_at: String(Math.floor(Date.now() / 1000)) }), /paid_at/],
    ['ref empty', rep({ ref: '""' }), /ref/],
    ['ref of 129 characters', rep({ ref: JSON.stringify('r'.repeat(129)) }), /ref/],
    ['ref as a number', rep({ ref: '5' }), /ref/],
    ['ref as an object', rep({ ref: '{}' }), /ref/],
    ['payer of 129 characters', rep({ payer: JSON.stringify('p'.repeat(129)) }), /payer/],
    ['payer as an array', rep({ payer: '["x"]' }), /payer/],
    ['payer of 100 kB', rep({ payer: JSON.stringify(KB100) }), /bytes|large|payer/],
    ['body of 1 MB', rep({ payer: JSON.stringify(MB1) }), /bytes|large|payer/],
    [
      'body of 1 MB, chunked (no content-length)',
      mon('payments', report({ payer: JSON.stringify(MB1) }), { chunked: true }),
      /bytes|large|payer/,
    ],
    [
      'invalid UTF-8 bytes (signed over the bytes)',
      mon('payments', bytes(`{"type":"alipay","amount":"1.23","paid_at":${Date.now()},"payer":"`, [0xff, 0xfe], '"}')),
    ],
    [
      'content-type text/xml',
      mon('payments', '<report><amount>1.00</amount></report>', { ct: 'text/xml' }),
      /JSON|content-type/,
    ],
    [
      'content-type multipart/form-data',
      mon('payments', multipart({ type: 'alipay', amount: '1.00' }), { ct: 'multipart/form-data; boundary=B0UND' }),
      /JSON|content-type/,
    ],
  ]);
});

// ── GET /qrcode ───────────────────────────────────────────────────────────────────────────────

const qr =
  (query: string, method = 'GET'): Build =>
  () => ({ method, path: `/qrcode${query}` });
describe('GET /qrcode', () => {
  suite([
    ['text missing', qr(''), /text/],
    ['text empty', qr('?text='), /text/],
    ['text of 1025 characters', qr(`?text=${'t'.repeat(1025)}`), /text/],
    ['text of 100 kB', qr(`?text=${KB100}`), /text/],
    ['text of invalid UTF-8 (%FF)', qr('?text=%FF%FE'), /text/],
    ...([
      'abc',
      '-1',
      '0',
      '63',
      '1025',
      '1.5',
      '99999999999999999999',
      '0x100',
      '1e3',
      '%EF%BC%92%EF%BC%95%EF%BC%96',
      '',
      '%20256',
    ].map((s) => [`size ${JSON.stringify(decodeURIComponent(s))}`, qr(`?text=hello&size=${s}`), /size/]) as Row[]),
    ['method POST', qr('?text=hello', 'POST')],
    ['method DELETE', qr('?text=hello', 'DELETE')],
    ['path traversal', qr('/..%2F..%2Fadmin%2Fv1%2Fmerchants')],
  ]);
});

// ── /admin/v1: authorization on every route ───────────────────────────────────────────────────

const ROUTES: [string, Build][] = [
  ['POST /merchants', (_x) => adm('POST', '/merchants', { name: 'n' })],
  ['GET /merchants', (_x) => adm('GET', '/merchants')],
  ['GET /merchants/:id', (x) => adm('GET', `/merchants/${x.mA}`)],
  ['PUT /merchants/:id/settings', (x) => adm('PUT', `/merchants/${x.mA}/settings`, { rotation: 'uniform' })],
  ['POST /merchants/:id/rules', (x) => adm('POST', `/merchants/${x.mA}/rules`, { name: 'r' })],
  ['GET /merchants/:id/rules', (x) => adm('GET', `/merchants/${x.mA}/rules`)],
  ['POST /merchants/:id/apps', (x) => adm('POST', `/merchants/${x.mA}/apps`, { name: 'a', mode: 'live' })],
  ['GET /merchants/:id/apps', (x) => adm('GET', `/merchants/${x.mA}/apps`)],
  ['GET /apps/:appkey', (x) => adm('GET', `/apps/${x.app.appkey}`)],
  ['PATCH /apps/:appkey', (x) => adm('PATCH', `/apps/${x.app.appkey}`, { enabled: false })],
  ['POST /apps/:appkey/rotate-secret', (x) => adm('POST', `/apps/${x.app.appkey}/rotate-secret`)],
  [
    'POST /merchants/:id/sessions',
    (x) => adm('POST', `/merchants/${x.mA}/sessions`, { type: 'alipay', label: 'l', qr_payload: 'q' }),
  ],
  ['GET /merchants/:id/sessions', (x) => adm('GET', `/merchants/${x.mA}/sessions`)],
  ['PATCH /sessions/:id', (x) => adm('PATCH', `/sessions/${x.s.id}`, { enabled: false })],
  ['POST /sessions/:id/rotate-secret', (x) => adm('POST', `/sessions/${x.s.id}/rotate-secret`)],
  ['GET /merchants/:id/orders', (x) => adm('GET', `/merchants/${x.mA}/orders`)],
  ['GET /orders/:id', (x) => adm('GET', `/orders/${x.orderA}`)],
  ['GET /merchants/:id/payments', (x) => adm('GET', `/merchants/${x.mA}/payments?matched=false`)],
  ['POST /payments/:id/assign', (x) => adm('POST', `/payments/${x.payA}/assign`, { order_id: x.orderA })],
  [
    'POST /apps/:appkey/webhooks',
    (x) => adm('POST', `/apps/${x.app.appkey}/webhooks`, { url: `${MERCHANT}/success/w`, mode: 'test' }),
  ],
  ['GET /apps/:appkey/webhooks', (x) => adm('GET', `/apps/${x.app.appkey}/webhooks`)],
  ['PATCH /webhooks/:id', (x) => adm('PATCH', `/webhooks/${x.webhookA}`, { enabled: false })],
  ['DELETE /webhooks/:id', (x) => adm('DELETE', `/webhooks/${x.webhookA}`)],
  ['POST /webhooks/:id/test', (x) => adm('POST', `/webhooks/${x.webhookA}/test`)],
  ['GET /orders/:id/deliveries', (x) => adm('GET', `/orders/${x.orderA}/deliveries`)],
  ['POST /deliveries/:id/resend', (_x) => adm('POST', '/deliveries/1/resend')],
];
const withAuth =
  (build: Build, auth: string | null): Build =>
  async (x) => {
    const r = await build(x);
    const headers = { ...r.headers };
    delete headers.authorization;
    if (auth !== null) headers.authorization = auth;
    return { ...r, headers };
  };
/** On every route. */
const AUTHS: [string, string | null][] = [
  ['no Authorization', null],
  ['a wrong bearer token', 'Bearer wrong-token'],
  ['Basic auth with the token as password', `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`],
];
/** On one read and one destructive route (SELF.fetch slows down with every request, so not on all). */
const MORE_AUTHS: [string, string | null][] = [
  ['the bare token without a scheme', ADMIN_TOKEN],
  ['the token with a suffix', `Bearer ${ADMIN_TOKEN}x`],
  ['a prefix of the token', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
  ['Bearer and nothing', 'Bearer '],
  ['a Latin-1 token', 'Bearer tëst-ädmin-tökén'],
  ['a token of 10 kB', `Bearer ${'t'.repeat(10_000)}`],
];

describe('/admin/v1 authorization', () => {
  describe.each(ROUTES)('%s', (name, build) => {
    const auths = name === 'GET /merchants' || name === 'DELETE /webhooks/:id' ? [...AUTHS, ...MORE_AUTHS] : AUTHS;
    suite(auths.map(([what, auth]) => [`with ${what}`, withAuth(build, auth), /Authorization/] as Row));
  });
});

// ── /admin/v1: bodies, ids and query strings, route by route ──────────────────────────────────

/** Path ids that are not ids: words, signs, fractions, hex, exponent, overflow, traversal, NUL, fullwidth digit, space, SQL. */
const BAD_IDS = [
  'abc',
  '-1',
  '1.5',
  '0x10',
  '1e3',
  '99999999999999999999',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '%EF%BC%91',
  '%201',
  '1%3B%20DROP%20TABLE%20merchants',
];
const BAD_PAYMENT_IDS = [
  'abc',
  '1',
  'pay_',
  `pay_${'a'.repeat(41)}`,
  'pay_..%2F..%2Fetc',
  'pay_%00',
  'pay_%F0%9F%98%80',
  'PAY_abc',
];
const BAD_APPKEYS = [
  'ak_nope',
  '..%2F..%2Fmerchants',
  'a'.repeat(65),
  '%00',
  '%F0%9F%98%80',
  '%FF',
  'ak_%27%20OR%201%3D1--',
];
const idRows = (path: (id: string) => string, method: string, body?: unknown): Row[] =>
  BAD_IDS.map((id) => [`id ${decodeURIComponent(id)}`, () => adm(method, path(id), body), /\bid\b/] as Row);
const missing = (method: string, path: (x: Ctx) => string, body?: unknown): Row => [
  'a merchant/resource that does not exist',
  () => adm(method, path(x).replace(/\/\d+(\/|$)/, '/999999$1'), body),
  /999999/,
];

const merchantsPost = route('POST', () => '/merchants');
const settings = route('PUT', (x) => `/merchants/${x.mA}/settings`);
const rules = route('POST', (x) => `/merchants/${x.mA}/rules`);
const apps = route('POST', (x) => `/merchants/${x.mA}/apps`);
const appPatch = route('PATCH', (x) => `/apps/${x.app.appkey}`);
const sessions = route('POST', (x) => `/merchants/${x.mA}/sessions`);
const sessionPatch = route('PATCH', (x) => `/sessions/${x.s.id}`);
const assign = route('POST', (x) => `/payments/${x.payA}/assign`);
const webhooks = route('POST', (x) => `/apps/${x.app.appkey}/webhooks`);
const webhookPatch = route('PATCH', (x) => `/webhooks/${x.webhookA}`);
const orders =
  (q: string): Build =>
  (x) =>
    adm('GET', `/merchants/${x.mA}/orders${q}`);
const paymentsList =
  (q: string): Build =>
  (x) =>
    adm('GET', `/merchants/${x.mA}/payments${q}`);
const APP = { name: 'a', mode: 'live' };
const SESSION = { type: 'alipay', label: 'l', qr_payload: 'https://qr.alipay.com/x' };
const WEBHOOK = { url: `${MERCHANT}/success/w`, mode: 'test' };
/** Body-level hostile rows every JSON-body route shares. */
const bodyRows = (r: (body?: unknown, o?: AdmOpts) => Build, valid: Record<string, unknown>): Row[] => [
  ['malformed JSON', r('{"name":'), undefined],
  ['empty body with content-type JSON', r(''), undefined],
  ['JSON null', r('null'), undefined],
  ['JSON array', r([valid]), undefined],
  ['JSON string', r('"x"'), undefined],
  ['JSON number', r('42'), undefined],
  ['an unknown extra field', r({ ...valid, is_admin: true }), /is_admin/],
  ['a __proto__ field', r(`${JSON.stringify(valid).slice(0, -1)},"__proto__":{"is_admin":true}}`), /__proto__/],
  ['content-type text/xml', r('<x/>', { ct: 'text/xml' }), undefined],
  ['content-type text/plain with a JSON body', r(JSON.stringify(valid), { ct: 'text/plain' }), undefined],
  [
    'content-type multipart/form-data',
    r(multipart({ name: 'x' }), { ct: 'multipart/form-data; boundary=B0UND' }),
    undefined,
  ],
  ['content-type form-urlencoded', r(form({ name: 'x' }), { ct: FORM }), undefined],
  ['a JSON body without content-type', r(JSON.stringify(valid), { ct: null }), undefined],
];

const ADMIN: Record<string, Row[]> = {
  'POST /merchants': [
    ...bodyRows(merchantsPost, { name: 'n' }),
    ['no body, no content-type', merchantsPost(), /name/],
    ['{}', merchantsPost({}), /name/],
    ['name as a number', merchantsPost({ name: 123 }), /name/],
    ['name null', merchantsPost({ name: null }), /name/],
    ['name as an array', merchantsPost({ name: ['n'] }), /name/],
    ['name as an object', merchantsPost({ name: { first: 'n' } }), /name/],
    ['name empty', merchantsPost({ name: '' }), /name/],
    ['name only spaces', merchantsPost({ name: '   ' }), /name/],
    ['name only control characters', merchantsPost({ name: '\u0000\u0007\u001b' }), /name/],
    ['name with DEL (U+007F)', merchantsPost({ name: 'shop\u007f' }), /name/],
    ['name with a C1 control (U+0085)', merchantsPost({ name: 'shop\u0085' }), /name/],
    ['name with a C1 control (U+009F)', merchantsPost({ name: 'shop\u009f' }), /name/],
    ['name of 101 characters', merchantsPost({ name: 'n'.repeat(101) }), /name/],
    ['name of 100 kB', merchantsPost({ name: KB100 }), /name/],
    ['body of 1 MB', merchantsPost({ name: MB1 }), /bytes/],
    [
      'body of 1 MB, chunked (no content-length)',
      (_x) => ({ ...adm('POST', '/merchants', ''), body: chunked(JSON.stringify({ name: MB1 })) }),
      /bytes/,
    ],
    ['name with invalid UTF-8 bytes', merchantsPost(bytes('{"name":"shop', [0xff, 0xfe], '"}'))],
    ['timezone Mars/Olympus', merchantsPost({ name: 'n', timezone: 'Mars/Olympus' }), /timezone/],
    ['timezone path traversal', merchantsPost({ name: 'n', timezone: '../../etc/localtime' }), /timezone/],
    ['timezone as a number', merchantsPost({ name: 'n', timezone: 8 }), /timezone/],
    ['points in the body', merchantsPost({ name: 'n', points: 1e9 }), /points/],
    ['id in the body', merchantsPost({ name: 'n', id: 1 }), /id/],
    ['method PUT', () => adm('PUT', '/merchants', { name: 'n' })],
    ['method DELETE', () => adm('DELETE', '/merchants')],
  ],
  'GET /merchants/:id': [
    ...idRows((id) => `/merchants/${id}`, 'GET'),
    missing('GET', (x) => `/merchants/${x.mA}`),
    ['method DELETE', (x) => adm('DELETE', `/merchants/${x.mA}`)],
    ['method PUT', (x) => adm('PUT', `/merchants/${x.mA}`, { name: 'n' })],
    ['PATCH with points in the body', (x) => adm('PATCH', `/merchants/${x.mA}`, { points: 1e9 }), /points/],
  ],
  'PUT /merchants/:id/settings': [
    ...bodyRows(settings, { rotation: 'uniform' }),
    ...idRows((id) => `/merchants/${id}/settings`, 'PUT', { rotation: 'uniform' }),
    missing('PUT', (x) => `/merchants/${x.mA}/settings`, { rotation: 'uniform' }),
    ['rotation foo', settings({ rotation: 'foo' }), /rotation/],
    ['rotation as a number', settings({ rotation: 1 }), /rotation/],
    ['rotation null', settings({ rotation: null }), /rotation/],
    ['max_offset 1.01 (over 1.00)', settings({ max_offset: '1.01' }), /max_offset/],
    ['max_offset -0.01', settings({ max_offset: '-0.01' }), /max_offset/],
    ['max_offset 1e-1', settings({ max_offset: '1e-1' }), /max_offset/],
    ['max_offset as the number 0.5', settings({ max_offset: 0.5 }), /max_offset/],
    ['max_offset 99999999999999999999', settings({ max_offset: '99999999999999999999' }), /max_offset/],
    ['offset_direction sideways', settings({ offset_direction: 'sideways' }), /offset_direction/],
    ['default_rule_id -1', settings({ default_rule_id: -1 }), /default_rule_id/],
    ['default_rule_id 0', settings({ default_rule_id: 0 }), /default_rule_id/],
    ['default_rule_id as a string', settings({ default_rule_id: '1' }), /default_rule_id/],
    ['default_rule_id 1.5', settings({ default_rule_id: 1.5 }), /default_rule_id/],
    ['default_rule_id 99999999999999999999', settings('{"default_rule_id":99999999999999999999}'), /default_rule_id/],
    ['default_rule_id that does not exist', settings({ default_rule_id: 999999 }), /default_rule_id/],
    ["default_rule_id of merchant B's rule", (x) => settings({ default_rule_id: x.ruleB })(x), /default_rule_id/],
    ['timezone Asia/Nowhere', settings({ timezone: 'Asia/Nowhere' }), /timezone/],
    ['timezone with invalid UTF-8', settings(bytes('{"timezone":"Asia/', [0xff], '"}')), /UTF-8/],
    ['config_version in the body', settings({ config_version: 0 }), /config_version/],
    ['method POST', (x) => adm('POST', `/merchants/${x.mA}/settings`, { rotation: 'uniform' })],
  ],
  'POST /merchants/:id/rules': [
    ...bodyRows(rules, { name: 'r' }),
    ...idRows((id) => `/merchants/${id}/rules`, 'POST', { name: 'r' }),
    missing('POST', (x) => `/merchants/${x.mA}/rules`, { name: 'r' }),
    ['{}', rules({}), /name/],
    ['name as a number', rules({ name: 123 }), /name/],
    ['name of 100 kB', rules({ name: KB100 }), /name/],
    ['name with invalid UTF-8 bytes', rules(bytes('{"name":"r', [0xc3, 0x28], '"}'))],
    ['start_time 24:00', rules({ name: 'r', start_time: '24:00' }), /start_time/],
    ['start_time 9:00', rules({ name: 'r', start_time: '9:00' }), /start_time/],
    ['start_time as a number', rules({ name: 'r', start_time: 900 }), /start_time/],
    ['end_time 12:60', rules({ name: 'r', end_time: '12:60' }), /end_time/],
    ['timezone Mars/Olympus', rules({ name: 'r', timezone: 'Mars/Olympus' }), /timezone/],
    ['min_amount -1', rules({ name: 'r', min_amount: '-1' }), /min_amount/],
    ['min_amount 1e2', rules({ name: 'r', min_amount: '1e2' }), /min_amount/],
    ['min_amount 0', rules({ name: 'r', min_amount: '0' }), /min_amount/],
    ['min_amount as the number 5', rules({ name: 'r', min_amount: 5 }), /min_amount/],
    ['max_amount below min_amount', rules({ name: 'r', min_amount: '10.00', max_amount: '5.00' }), /max_amount/],
    ['max_amount 1.234', rules({ name: 'r', max_amount: '1.234' }), /max_amount/],
    ['daily_cap 0.001', rules({ name: 'r', daily_cap: '0.001' }), /daily_cap/],
    ['daily_cap as an object', rules({ name: 'r', daily_cap: { yuan: 1 } }), /daily_cap/],
    ['regions as a string', rules({ name: 'r', regions: 'CN' }), /regions/],
    ['regions ["中国"]', rules({ name: 'r', regions: ['中国'] }), /regions/],
    ['regions ["../etc"]', rules({ name: 'r', regions: ['../etc'] }), /regions/],
    ['regions [null]', rules({ name: 'r', regions: [null] }), /regions/],
    ['regions of 101 entries', rules({ name: 'r', regions: Array(101).fill('CN') }), /regions/],
    ['merchant_id of merchant B in the body', (x) => rules({ name: 'r', merchant_id: x.mB })(x), /merchant_id/],
    ['method DELETE', (x) => adm('DELETE', `/merchants/${x.mA}/rules`)],
  ],
  'GET /merchants/:id/rules': [
    ...idRows((id) => `/merchants/${id}/rules`, 'GET'),
    missing('GET', (x) => `/merchants/${x.mA}/rules`),
  ],
  'POST /merchants/:id/apps': [
    ...bodyRows(apps, APP),
    ...idRows((id) => `/merchants/${id}/apps`, 'POST', APP),
    missing('POST', (x) => `/merchants/${x.mA}/apps`, APP),
    ['{}', apps({}), /name|mode/],
    ['mode missing', apps({ name: 'a' }), /mode/],
    ['mode prod', apps({ ...APP, mode: 'prod' }), /mode/],
    ['name of 100 kB', apps({ ...APP, name: KB100 }), /name/],
    ['name with invalid UTF-8 bytes', apps(bytes('{"mode":"live","name":"a', [0xff], '"}'))],
    ['notify_url javascript:', apps({ ...APP, notify_url: 'javascript:alert(1)' }), /notify_url/],
    ['notify_url ftp:', apps({ ...APP, notify_url: 'ftp://example.com/n' }), /notify_url/],
    ['notify_url with credentials', apps({ ...APP, notify_url: 'https://u:p@example.com/n' }), /notify_url/],
    ['notify_url with CR LF', apps({ ...APP, notify_url: 'https://example.com/n\r\nX: 1' }), /notify_url/],
    ['return_url with a tab', apps({ ...APP, return_url: 'https://example.com/\tr' }), /return_url/],
    ['notify_url loopback (live)', apps({ ...APP, notify_url: 'http://127.0.0.1/n' }), /notify_url/],
    [
      'notify_url cloud metadata (live)',
      apps({ ...APP, notify_url: 'http://169.254.169.254/latest/meta-data' }),
      /notify_url/,
    ],
    [
      'notify_url of 2000 characters',
      apps({ ...APP, notify_url: `https://example.com/${'u'.repeat(2000)}` }),
      /notify_url/,
    ],
    [
      'backup_notify_url loopback (live)',
      apps({ ...APP, backup_notify_url: 'http://localhost/n' }),
      /backup_notify_url/,
    ],
    ['return_url as a number', apps({ ...APP, return_url: 123 }), /return_url/],
    ['timeout_url relative', apps({ ...APP, timeout_url: '/timeout' }), /timeout_url/],
    ['order_ttl_seconds 59', apps({ ...APP, order_ttl_seconds: 59 }), /order_ttl_seconds/],
    ['order_ttl_seconds 86401', apps({ ...APP, order_ttl_seconds: 86401 }), /order_ttl_seconds/],
    ['order_ttl_seconds as a string', apps({ ...APP, order_ttl_seconds: '600' }), /order_ttl_seconds/],
    ['order_ttl_seconds -1', apps({ ...APP, order_ttl_seconds: -1 }), /order_ttl_seconds/],
    ['order_ttl_seconds 600.5', apps({ ...APP, order_ttl_seconds: 600.5 }), /order_ttl_seconds/],
    ['allow_url_override "true"', apps({ ...APP, allow_url_override: 'true' }), /allow_url_override/],
    ['pay_types []', apps({ ...APP, pay_types: [] }), /pay_types/],
    ['pay_types ["bitcoin"]', apps({ ...APP, pay_types: ['bitcoin'] }), /pay_types/],
    ['pay_types as a string', apps({ ...APP, pay_types: 'alipay' }), /pay_types/],
    ['enabled "yes"', apps({ ...APP, enabled: 'yes' }), /enabled/],
    ['appkey chosen by the client', apps({ ...APP, appkey: 'ak_mine' }), /appkey/],
    ['appsecret chosen by the client', apps({ ...APP, appsecret: 'secret' }), /appsecret/],
    ['merchant_id of merchant B in the body', (x) => apps({ ...APP, merchant_id: x.mB })(x), /merchant_id/],
  ],
  'GET /merchants/:id/apps': [
    ...idRows((id) => `/merchants/${id}/apps`, 'GET'),
    missing('GET', (x) => `/merchants/${x.mA}/apps`),
  ],
  'GET /apps/:appkey': BAD_APPKEYS.map(
    (k) =>
      [
        `appkey ${decodeURIComponent(k.replace('%FF', '%25FF')).slice(0, 30)}`,
        () => adm('GET', `/apps/${k}`),
        /app/,
      ] as Row,
  ),
  'PATCH /apps/:appkey': [
    ...bodyRows(appPatch, { name: 'a' }),
    ...BAD_APPKEYS.map(
      (k) =>
        [
          `appkey ${decodeURIComponent(k.replace('%FF', '%25FF')).slice(0, 30)}`,
          () => adm('PATCH', `/apps/${k}`, { name: 'a' }),
          /app/,
        ] as Row,
    ),
    ['mode (cannot change)', appPatch({ mode: 'sandbox' }), /mode/],
    ['appkey (cannot change)', appPatch({ appkey: 'ak_mine' }), /appkey/],
    ['merchant_id of merchant B (move the app)', (x) => appPatch({ merchant_id: x.mB })(x), /merchant_id/],
    ['name empty', appPatch({ name: '' }), /name/],
    ['name of 100 kB', appPatch({ name: KB100 }), /name/],
    ['notify_url not a URL', appPatch({ notify_url: 'not a url' }), /notify_url/],
    ['notify_url private network (live)', appPatch({ notify_url: 'http://10.0.0.1/n' }), /notify_url/],
    ['notify_url IPv4-mapped loopback (live)', appPatch({ notify_url: 'http://[::ffff:127.0.0.1]/n' }), /notify_url/],
    ['order_ttl_seconds 0', appPatch({ order_ttl_seconds: 0 }), /order_ttl_seconds/],
    ['pay_types with a number', appPatch({ pay_types: ['alipay', 1] }), /pay_types/],
    ['enabled null', appPatch({ enabled: null }), /enabled/],
    ['enabled 0', appPatch({ enabled: 0 }), /enabled/],
  ],
  'POST /apps/:appkey/rotate-secret': [
    ...BAD_APPKEYS.map(
      (k) =>
        [
          `appkey ${decodeURIComponent(k.replace('%FF', '%25FF')).slice(0, 30)}`,
          () => adm('POST', `/apps/${k}/rotate-secret`),
          /app/,
        ] as Row,
    ),
    ['method GET', (x) => adm('GET', `/apps/${x.app.appkey}/rotate-secret`)],
    ['method PUT', (x) => adm('PUT', `/apps/${x.app.appkey}/rotate-secret`)],
  ],
  'POST /merchants/:id/sessions': [
    ...bodyRows(sessions, SESSION),
    ...idRows((id) => `/merchants/${id}/sessions`, 'POST', SESSION),
    missing('POST', (x) => `/merchants/${x.mA}/sessions`, SESSION),
    ['{}', sessions({}), /type|label|qr_payload/],
    ['type qqpay (no wallet session)', sessions({ ...SESSION, type: 'qqpay' }), /type/],
    ['type unionpay', sessions({ ...SESSION, type: 'unionpay' }), /type/],
    ['type as a number', sessions({ ...SESSION, type: 1 }), /type/],
    ['label empty', sessions({ ...SESSION, label: '' }), /label/],
    ['label of 100 kB', sessions({ ...SESSION, label: KB100 }), /label/],
    ['label with invalid UTF-8 bytes', sessions(bytes('{"type":"alipay","qr_payload":"q","label":"', [0xff], '"}'))],
    ['qr_payload empty', sessions({ ...SESSION, qr_payload: '' }), /qr_payload/],
    ['qr_payload of 1025 characters', sessions({ ...SESSION, qr_payload: 'q'.repeat(1025) }), /qr_payload/],
    ['qr_payload as a number', sessions({ ...SESSION, qr_payload: 123 }), /qr_payload/],
    ['mode prod', sessions({ ...SESSION, mode: 'prod' }), /mode/],
    ['rule_id -1', sessions({ ...SESSION, rule_id: -1 }), /rule_id/],
    ['rule_id as a string', sessions({ ...SESSION, rule_id: '1' }), /rule_id/],
    ['rule_id that does not exist', sessions({ ...SESSION, rule_id: 999999 }), /rule_id/],
    ["rule_id of merchant B's rule", (x) => sessions({ ...SESSION, rule_id: x.ruleB })(x), /rule_id/],
    [
      'rule_id 99999999999999999999',
      sessions(`${JSON.stringify(SESSION).slice(0, -1)},"rule_id":99999999999999999999}`),
      /rule_id/,
    ],
    ['amount_qr as an object', sessions({ ...SESSION, amount_qr: { '1.00': 'x' } }), /amount_qr/],
    ['amount_qr amount 1e2', sessions({ ...SESSION, amount_qr: [{ amount: '1e2', payload: 'x' }] }), /amount_qr/],
    ['amount_qr amount 0', sessions({ ...SESSION, amount_qr: [{ amount: '0', payload: 'x' }] }), /amount_qr/],
    ['amount_qr payload empty', sessions({ ...SESSION, amount_qr: [{ amount: '1.00', payload: '' }] }), /amount_qr/],
    [
      'amount_qr of 201 entries',
      sessions({
        ...SESSION,
        amount_qr: Array.from({ length: 201 }, (_, i) => ({ amount: `${i + 1}.00`, payload: 'x' })),
      }),
      /amount_qr/,
    ],
    ['secret chosen by the client', sessions({ ...SESSION, secret: 'mine' }), /secret/],
    ['enabled (not a create field)', sessions({ ...SESSION, enabled: false }), /enabled/],
    ['merchant_id of merchant B in the body', (x) => sessions({ ...SESSION, merchant_id: x.mB })(x), /merchant_id/],
  ],
  'GET /merchants/:id/sessions': [
    ...idRows((id) => `/merchants/${id}/sessions`, 'GET'),
    missing('GET', (x) => `/merchants/${x.mA}/sessions`),
  ],
  'PATCH /sessions/:id': [
    ...bodyRows(sessionPatch, { label: 'l' }),
    ...idRows((id) => `/sessions/${id}`, 'PATCH', { label: 'l' }),
    missing('PATCH', (x) => `/sessions/${x.s.id}`, { label: 'l' }),
    ['enabled "false"', sessionPatch({ enabled: 'false' }), /enabled/],
    ['enabled 0', sessionPatch({ enabled: 0 }), /enabled/],
    ['rule_id 0', sessionPatch({ rule_id: 0 }), /rule_id/],
    ['rule_id that does not exist', sessionPatch({ rule_id: 999999 }), /rule_id/],
    ["rule_id of merchant B's rule", (x) => sessionPatch({ rule_id: x.ruleB })(x), /rule_id/],
    ['label empty', sessionPatch({ label: '' }), /label/],
    ['label of 100 kB', sessionPatch({ label: KB100 }), /label/],
    ['label with invalid UTF-8 bytes', sessionPatch(bytes('{"label":"', [0xff, 0xfe], '"}'))],
    ['qr_payload of 1025 characters', sessionPatch({ qr_payload: 'q'.repeat(1025) }), /qr_payload/],
    ['amount_qr amount -1', sessionPatch({ amount_qr: [{ amount: '-1', payload: 'x' }] }), /amount_qr/],
    ['type (cannot change)', sessionPatch({ type: 'wechat' }), /type/],
    ['mode (cannot change)', sessionPatch({ mode: 'sandbox' }), /mode/],
    ['merchant_id of merchant B (move the session)', (x) => sessionPatch({ merchant_id: x.mB })(x), /merchant_id/],
    ['secret (cannot set)', sessionPatch({ secret: 'mine' }), /secret/],
  ],
  'POST /sessions/:id/rotate-secret': [
    ...idRows((id) => `/sessions/${id}/rotate-secret`, 'POST'),
    missing('POST', (x) => `/sessions/${x.s.id}/rotate-secret`),
    ['method GET', (x) => adm('GET', `/sessions/${x.s.id}/rotate-secret`)],
  ],
  'GET /merchants/:id/orders': [
    ...idRows((id) => `/merchants/${id}/orders`, 'GET'),
    missing('GET', (x) => `/merchants/${x.mA}/orders`),
    ['status bogus', orders('?status=bogus'), /status/],
    ['status SQL', orders(`?status=${encodeURIComponent("pending' OR 1=1--")}`), /status/],
    ['type bitcoin', orders('?type=bitcoin'), /type/],
    ['mode prod', orders('?mode=prod'), /mode/],
    ['range 1y', orders('?range=1y'), /range/],
    ['range and from together', orders('?range=7d&from=1'), /range/],
    ['from abc', orders('?from=abc'), /from/],
    ['from -1', orders('?from=-1'), /from/],
    ['from 1.5', orders('?from=1.5'), /from/],
    ['from 99999999999999999999', orders('?from=99999999999999999999'), /from/],
    ['from fullwidth digits', orders('?from=%EF%BC%91%EF%BC%92'), /from/],
    ['to before from', orders('?from=2000&to=1000'), /^to\b/],
    ['cursor abc', orders('?cursor=abc'), /cursor/],
    ['cursor 99999999999999999999', orders('?cursor=99999999999999999999'), /cursor/],
    ['limit 0', orders('?limit=0'), /limit/],
    ['limit 201', orders('?limit=201'), /limit/],
    ['limit -1', orders('?limit=-1'), /limit/],
    ['limit abc', orders('?limit=abc'), /limit/],
    ['an unknown query parameter', orders('?merchant_id=1'), /merchant_id/],
  ],
  'GET /orders/:id': [
    ...idRows((id) => `/orders/${id}`, 'GET'),
    missing('GET', (x) => `/orders/${x.orderA}`),
    ['method DELETE', (x) => adm('DELETE', `/orders/${x.orderA}`)],
  ],
  'GET /merchants/:id/payments': [
    ...idRows((id) => `/merchants/${id}/payments`, 'GET'),
    missing('GET', (x) => `/merchants/${x.mA}/payments`),
    ['matched yes', paymentsList('?matched=yes'), /matched/],
    ['matched TRUE', paymentsList('?matched=TRUE'), /matched/],
    ['cursor x', paymentsList('?cursor=x'), /cursor/],
    ['limit 1000', paymentsList('?limit=1000'), /limit/],
    ['an unknown query parameter', paymentsList('?q=1'), /\bq\b/],
  ],
  'POST /payments/:id/assign': [
    ...bodyRows(assign, { order_id: 1 }),
    ...BAD_PAYMENT_IDS.map(
      (id) =>
        [
          `payment id ${decodeURIComponent(id).slice(0, 30)}`,
          (x: Ctx) => adm('POST', `/payments/${id}/assign`, { order_id: x.orderA }),
          /\bid\b/,
        ] as Row,
    ),
    [
      'payment that does not exist',
      (x) => adm('POST', '/payments/pay_doesnotexist/assign', { order_id: x.orderA }),
      /pay_doesnotexist/,
    ],
    ['{}', assign({}), /order_id/],
    ['order_id as a string', (x) => assign({ order_id: String(x.orderA) })(x), /order_id/],
    ['order_id -1', assign({ order_id: -1 }), /order_id/],
    ['order_id 0', assign({ order_id: 0 }), /order_id/],
    ['order_id 1.5', assign({ order_id: 1.5 }), /order_id/],
    ['order_id 99999999999999999999', assign('{"order_id":99999999999999999999}'), /order_id/],
    ['order_id null', assign({ order_id: null }), /order_id/],
    ['order_id as an array', (x) => assign({ order_id: [x.orderA] })(x), /order_id/],
    ['order_id that does not exist', assign({ order_id: 999999 }), /order_id/],
    ["order_id of merchant B's order", (x) => assign({ order_id: x.orderB })(x), /order_id/],
    ['an extra force field', (x) => assign({ order_id: x.orderA, force: true })(x), /force/],
    ['method GET', (x) => adm('GET', `/payments/${x.payA}/assign`)],
  ],
  'POST /apps/:appkey/webhooks': [
    ...bodyRows(webhooks, WEBHOOK),
    ...BAD_APPKEYS.map(
      (k) =>
        [
          `appkey ${decodeURIComponent(k.replace('%FF', '%25FF')).slice(0, 30)}`,
          () => adm('POST', `/apps/${k}/webhooks`, WEBHOOK),
          /app/,
        ] as Row,
    ),
    ['{}', webhooks({}), /url|mode/],
    ['url javascript:', webhooks({ ...WEBHOOK, url: 'javascript:alert(1)' }), /url/],
    ['url loopback (live)', webhooks({ ...WEBHOOK, mode: 'live', url: 'http://127.0.0.1:8787/x' }), /url/],
    ['url of 100 kB', webhooks({ ...WEBHOOK, url: `https://example.com/${KB100}` }), /url/],
    ['mode prod', webhooks({ ...WEBHOOK, mode: 'prod' }), /mode/],
    ['events []', webhooks({ ...WEBHOOK, events: [] }), /events/],
    ['events ["order.deleted"]', webhooks({ ...WEBHOOK, events: ['order.deleted'] }), /events/],
    ['headers with Content-Type', webhooks({ ...WEBHOOK, headers: { 'Content-Type': 'text/plain' } }), /headers/],
    ['headers with a CRLF value', webhooks({ ...WEBHOOK, headers: { 'X-A': 'a\r\nX-B: b' } }), /headers/],
    ['headers with a NUL in a value', webhooks({ ...WEBHOOK, headers: { 'X-Nul': 'a\u0000b' } }), /^headers\.X-Nul: /],
    [
      'headers with an ESC in a value',
      webhooks({ ...WEBHOOK, headers: { 'X-Esc': '\u001b[31m' } }),
      /^headers\.X-Esc: /,
    ],
    ['headers with a DEL in a value', webhooks({ ...WEBHOOK, headers: { 'X-Del': 'a\u007f' } }), /^headers\.X-Del: /],
    ['headers with a value beyond ASCII', webhooks({ ...WEBHOOK, headers: { 'X-Zh': '中文' } }), /^headers\.X-Zh: /],
    ['headers with a bad name', webhooks({ ...WEBHOOK, headers: { 'bad name': 'x' } }), /headers/],
    [
      'headers with 21 entries',
      webhooks({ ...WEBHOOK, headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])) }),
      /headers/,
    ],
    ['headers as an array', webhooks({ ...WEBHOOK, headers: ['X-A: b'] }), /headers/],
    [
      'header value with invalid UTF-8 bytes',
      webhooks(bytes(`{"url":"${MERCHANT}/success/w","mode":"test","headers":{"X-A":"`, [0xff], '"}}')),
    ],
    ['enabled "yes"', webhooks({ ...WEBHOOK, enabled: 'yes' }), /enabled/],
  ],
  'GET /apps/:appkey/webhooks': BAD_APPKEYS.map(
    (k) =>
      [
        `appkey ${decodeURIComponent(k.replace('%FF', '%25FF')).slice(0, 30)}`,
        () => adm('GET', `/apps/${k}/webhooks`),
        /app/,
      ] as Row,
  ),
  'PATCH /webhooks/:id': [
    ...bodyRows(webhookPatch, { enabled: true }),
    ...idRows((id) => `/webhooks/${id}`, 'PATCH', { enabled: true }),
    missing('PATCH', (x) => `/webhooks/${x.webhookA}`, { enabled: true }),
    ['url not a URL', webhookPatch({ url: 'not a url' }), /url/],
    ['headers with a NUL in a value', webhookPatch({ headers: { 'X-Nul': '\u0000' } }), /^headers\.X-Nul: /],
    ['mode live with a loopback url', webhookPatch({ mode: 'live', url: 'http://[::1]/x' }), /url/],
    ['events ["*"]', webhookPatch({ events: ['*'] }), /events/],
    ["appkey of merchant B's app (move the endpoint)", (x) => webhookPatch({ appkey: x.appB.appkey })(x), /appkey/],
    ['app_id in the body', webhookPatch({ app_id: 1 }), /app_id/],
  ],
  'DELETE /webhooks/:id': [
    ...idRows((id) => `/webhooks/${id}`, 'DELETE'),
    missing('DELETE', (x) => `/webhooks/${x.webhookA}`),
  ],
  'POST /webhooks/:id/test': [
    ...idRows((id) => `/webhooks/${id}/test`, 'POST'),
    missing('POST', (x) => `/webhooks/${x.webhookA}/test`),
  ],
  'GET /orders/:id/deliveries': [
    ...idRows((id) => `/orders/${id}/deliveries`, 'GET'),
    missing('GET', (x) => `/orders/${x.orderA}/deliveries`),
  ],
  'POST /deliveries/:id/resend': [
    ...idRows((id) => `/deliveries/${id}/resend`, 'POST'),
    ['a delivery that does not exist', () => adm('POST', '/deliveries/999999/resend'), /999999/],
    ['method GET', () => adm('GET', '/deliveries/1/resend')],
  ],
  'unknown /admin/v1 paths': [
    ['GET /admin/v1', () => adm('GET', '')],
    ['GET /admin/v1/nope', () => adm('GET', '/nope')],
    ['GET /admin/v1/merchants/1/../../etc (encoded)', () => adm('GET', '/merchants/1%2F..%2F..%2Fetc')],
    [
      'POST /admin/v1/merchants/:id/points (not yet a route)',
      (x) => adm('POST', `/merchants/${x.mA}/points/..%2F..%2F`, { delta: 1 }),
    ],
  ],
};

describe.each(Object.entries(ADMIN))('/admin/v1 %s', (_route, rows) => suite(rows));
