/**
 * Helpers for channel tests: sandbox apps with no setup (orders go to the built-in Alipay
 * simulator), the simulator's payer actions as a browser would do them, and an independent
 * Alipay signer/verifier written here from the protocol text (RSA2 over the sorted `k=v&`).
 */
import { SELF } from 'cloudflare:test';
import { BASE, MERCHANT, ok, type TestApp, orderTables } from '../helpers';

/** A sandbox merchant and app with no sessions and no channel config: alipay orders go to the simulator. */
export async function zeroSetupApp(app: Record<string, unknown> = {}) {
  const merchant = await ok('POST', '/merchants', { name: 'Channel shop' });
  const a = await ok('POST', `/merchants/${merchant.id}/apps`, {
    name: 'official',
    mode: 'sandbox',
    notify_url: `${MERCHANT}/success/ch${Date.now()}${Math.random()}`,
    return_url: `${MERCHANT}/return`,
    ...app,
  });
  return { merchant, app: { appkey: a.appkey, appsecret: a.appsecret, id: a.id }, raw: a };
}

/** Opens a precreate QR (a scan) and pays on the simulator's payer page; the page's answer. */
export async function scanAndPay(qrCode: string, opts: { skipNotify?: boolean } = {}) {
  const scan = await SELF.fetch(qrCode, { redirect: 'manual' });
  if (scan.status !== 302) throw new Error(`scan → ${scan.status}`);
  const page = new URL(scan.headers.get('location')!, qrCode).toString();
  return payOn(page, opts);
}

/** Presses "pay" on a simulator payer page. */
export async function payOn(pageUrl: string, opts: { skipNotify?: boolean } = {}) {
  const form = new URLSearchParams({ action: 'pay', ...(opts.skipNotify ? { notify: 'skip' } : {}) });
  return SELF.fetch(pageUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}

export const gw = (path: string) => `${BASE}${path}`;

const enc = new TextEncoder();
const b64 = (b: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const RSA2 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** A test key pair (what an Alipay app, or Alipay itself, would hold). */
export async function keyPair() {
  const pair = (await crypto.subtle.generateKey(
    { ...RSA2, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const pkcs8 = b64((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
  const spki = b64((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer);
  return { pkcs8, spki, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** Alipay's sign string, written from the docs: non-empty fields except `omit`, sorted, `k=v` joined by `&`. */
export function signString(fields: Record<string, string>, omit: string[]) {
  return Object.keys(fields)
    .filter((k) => !omit.includes(k) && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

export async function rsaSign(privateKey: CryptoKey, text: string) {
  return b64(await crypto.subtle.sign(RSA2, privateKey, enc.encode(text)));
}

export async function rsaVerify(spkiB64: string, text: string, sig: string) {
  const key = await crypto.subtle.importKey('spki', unb64(spkiB64), RSA2, false, ['verify']);
  return crypto.subtle.verify(RSA2, key, unb64(sig), enc.encode(text));
}

/** Posts a notify body to huipay's notify endpoint for a config; the answer text. */
export async function postNotify(configId: number, fields: Record<string, string>) {
  const res = await SELF.fetch(gw(`/channels/alipay/notify/${configId}`), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text() };
}

/** Creates an order through the channel (method as given) and answers its create data. */
export async function createVia(app: TestApp, price: string, outOrderId: string, extra: Record<string, string> = {}) {
  const { gatepay, signedCreate } = await import('../helpers');
  const r = await gatepay('create', { ...(await signedCreate(app, { price, out_order_id: outOrderId })), ...extra });
  if (r.code !== 100) throw new Error(`create → ${r.code} ${r.msg}`);
  return r.data;
}

/** A qr order paid at the simulator (scan, pay), once huipay shows it paid. */
export async function paidOrder(app: TestApp, price: string, outOrderId: string) {
  const { eventually, ok } = await import('../helpers');
  const created = await createVia(app, price, outOrderId, { method: 'qr' });
  const qr = new URL(created.qrcode_url).searchParams.get('text')!;
  await scanAndPay(qr);
  return eventually(async () => {
    const o = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    if (o.status !== 'paid') throw new Error(`order ${o.id} is ${o.status}`);
    return { ...created, order: o };
  });
}

/** Runs the cron sweep at `nowMs` (as the scheduled handler does). */
export async function sweepAt(nowMs = Date.now()) {
  const { env } = await import('cloudflare:test');
  const { sweep } = await import('../../src/queues/sweeper');
  await sweep(env, nowMs);
}

/** Moves an order's next channel query (and optionally its expiry) into the past. */
export async function dueNow(orderId: number, opts: { expire?: boolean } = {}) {
  const past = Date.now() - 1000;
  await orderTables
    .prepare(
      `UPDATE orders SET next_query_ms = CASE WHEN next_query_ms IS NULL THEN NULL ELSE ?1 END,
       expires_ms = CASE WHEN ?2 THEN ?1 ELSE expires_ms END WHERE id = ?3`,
    )
    .bind(past, opts.expire ? 1 : 0, orderId)
    .run();
}

/** The simulator's trade for an order (what Alipay would hold). */
export async function simTrade(providerTradeNo: string) {
  const { env } = await import('cloudflare:test');
  return env.DB.prepare('SELECT * FROM sim_trades WHERE out_trade_no = ?').bind(providerTradeNo).first<any>();
}

/** Creates an order of pay type `type` (signed with it) and answers its create data. */
export async function createAs(
  app: TestApp,
  type: string,
  price: string,
  outOrderId: string,
  extra: Record<string, string> = {},
) {
  const { gatepay, signedCreate } = await import('../helpers');
  const r = await gatepay('create', {
    ...(await signedCreate(app, { price, type, out_order_id: outOrderId })),
    ...extra,
  });
  if (r.code !== 100) throw new Error(`create → ${r.code} ${r.msg}`);
  return r.data;
}

/** SPKI DER (base64) of a PEM public key. */
export const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

export const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
export const PC_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36';
export const WECHAT_UA = `${PHONE_UA} MicroMessenger/8.0.50(0x18003231) NetType/WIFI Language/zh_CN`;

/** Waits until huipay shows the order `status`. */
export async function orderBecomes(orderId: number, status: string) {
  const { eventually, ok } = await import('../helpers');
  return eventually(async () => {
    const o = await ok('GET', `/orders/${orderId}`, undefined, 200);
    if (o.status !== status) throw new Error(`order ${orderId} is ${o.status}, not ${status}`);
    return o;
  });
}

/** A live merchant app (no channel, no session). */
export async function liveApp() {
  const m = await ok('POST', '/merchants', { name: 'Live shop' });
  return ok('POST', `/merchants/${m.id}/apps`, {
    name: 'live',
    mode: 'live',
    notify_url: 'https://shop.example.com/n',
  });
}

/** `POST /api/cloudpay/refund` of an order by its order_id, signed from the spec's formula. */
export async function refundOrder(app: TestApp, orderId: number | string, outRefundNo: string, amount: string) {
  const { signedRefund } = await import('../helpers');
  const p = await signedRefund(app, { order_id: String(orderId), out_refund_no: outRefundNo, amount });
  const res = await SELF.fetch(gw('/api/cloudpay/refund'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(p).toString(),
  });
  return (await res.json()) as { code: number; msg: string; data: any };
}

/** The hidden fields of an auto-submitting form page (UnionPay's front consume, its answer), unescaped. */
export const formFields = (html: string) =>
  Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)].map((m) => [
      m[1],
      m[2]
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    ]),
  );
/** Where an auto-submitting form page posts. */
export const formAction = (html: string) =>
  html.match(/<form id="go" method="post" action="([^"]+)"/)![1].replace(/&amp;/g, '&');

/** POSTs `fields` as a form, redirects not followed. */
export async function postForm(url: string, fields: Record<string, string>) {
  return SELF.fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/**
 * Pays a channel order as a PC payer does, from its cashier page: the provider's QR scanned and
 * paid on the simulator's payer page, or (UnionPay) the page's form posted to the simulator and
 * paid there. The payer page's answer.
 */
export async function payFromCashier(token: string) {
  const page = await SELF.fetch(gw(`/pay/${token}`), { headers: { 'user-agent': PC_UA } });
  if (page.status !== 200) throw new Error(`cashier → ${page.status}`);
  const html = await page.text();
  const row = await orderTables
    .prepare('SELECT qr_payload FROM orders WHERE pay_token = ?')
    .bind(token)
    .first<{ qr_payload: string }>();
  if (row?.qr_payload) return scanAndPay(row.qr_payload);
  const opened = await postForm(formAction(html), formFields(html));
  if (opened.status !== 302) throw new Error(`provider page → ${opened.status}`);
  return payOn(new URL(opened.headers.get('location')!, gw('/')).toString());
}
