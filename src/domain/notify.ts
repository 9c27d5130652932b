/**
 * What huipay sends merchants (SPEC §6), as pure builders:
 * - gatepay async notify (form): order_id, out_order_id, price, realprice, type, paytime, extend, sign;
 * - sync return query: price, type, product_id, order_id, out_order_id, sign;
 * - webhook event (JSON) whose `sign` = md5(appid + appsecret + timestamp), plus the header
 *   `Huipay-Signature: t=<unix s>,v1=<hex HMAC-SHA256(appsecret, t + "." + raw body)>`;
 * - for an order a compatibility facade made (SPEC §12), that facade's own GET notify and return
 *   query instead of the gatepay ones (`facadeNotify`, `signedReturnUrl`).
 */
import { type EpayFields, epayNotifyFields } from './epay';
import { formatFen } from './money';
import { gatepaySign, hmacSha256Hex, md5Hex, SIGN_FIELDS } from './sign';
import type { DeliveryKind, Facade } from './vocab';
import { type VmqFields, vmqNotifyFields } from './vmq';

export interface PaidOrder {
  id: number;
  outOrderId: string;
  priceFen: number;
  realpriceFen: number;
  type: string;
  custom: string;
  productId: string;
  paidMs: number;
}

const sec = (ms: number) => Math.floor(ms / 1000);

/** Where an app's async notifications go: a sandbox app's sandbox URL if set, else its notify URL. */
export function notifyTarget(app: {
  mode: string;
  notifyUrl: string | null;
  sandboxNotifyUrl: string | null;
}): string | null {
  return app.mode === 'sandbox' ? (app.sandboxNotifyUrl ?? app.notifyUrl) : app.notifyUrl;
}

/** The notify form body, fields in the spec's order. */
export async function notifyBody(o: PaidOrder, appkey: string, secret: string): Promise<string> {
  const f: Record<string, string> = {
    order_id: String(o.id),
    out_order_id: o.outOrderId,
    price: formatFen(o.priceFen),
    realprice: formatFen(o.realpriceFen),
    type: o.type,
    paytime: String(sec(o.paidMs)),
    extend: o.custom,
  };
  f.sign = await gatepaySign(
    SIGN_FIELDS.notify.map((k) => (k === 'appkey' ? appkey : f[k])),
    secret,
  );
  return new URLSearchParams(f).toString();
}

/** The return URL with its signed query appended (existing query kept). */
export async function returnUrl(
  base: string,
  o: Omit<PaidOrder, 'paidMs' | 'custom' | 'realpriceFen'>,
  appkey: string,
  secret: string,
): Promise<string> {
  const f: Record<string, string> = {
    price: formatFen(o.priceFen),
    type: o.type,
    product_id: o.productId,
    order_id: String(o.id),
    out_order_id: o.outOrderId,
  };
  f.sign = await gatepaySign(
    SIGN_FIELDS.return.map((k) => (k === 'appkey' ? appkey : f[k])),
    secret,
  );
  const u = new URL(base);
  for (const [k, v] of Object.entries(f)) u.searchParams.set(k, v);
  return u.toString();
}

export interface EventInput {
  id: string;
  type: string;
  createdMs: number;
  livemode: boolean;
  appkey: string;
  data: Record<string, unknown>;
}

/** The webhook JSON body. */
export async function eventBody(e: EventInput, secret: string): Promise<string> {
  const timestamp = String(sec(e.createdMs));
  return JSON.stringify({
    id: e.id,
    type: e.type,
    created: sec(e.createdMs),
    livemode: e.livemode,
    appid: e.appkey,
    timestamp,
    sign: await md5Hex(e.appkey + secret + timestamp),
    data: e.data,
  });
}

/** The `Huipay-Signature` header value for a body sent at `nowMs`. */
export async function signatureHeader(body: string, secret: string, nowMs: number): Promise<string> {
  const t = sec(nowMs);
  return `t=${t},v1=${await hmacSha256Hex(secret, `${t}.${body}`)}`;
}

/** An order as its notify and return are built from it. */
export interface NotifiedOrder extends PaidOrder {
  appId: number;
  facade: Facade | null;
  facadeFields: EpayFields | VmqFields | null;
}

/** `url` with `query` appended: after `&` when it has a query already, else after `?` (a fragment stays last). */
export function appendQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const [head, tail] = hash === -1 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const sep = !head.includes('?') ? '?' : head.endsWith('?') || head.endsWith('&') ? '' : '&';
  return `${head}${sep}${query}${tail}`;
}

/** The fields of a facade order's notify (and return), signed with the app's secret. */
async function facadeFields(o: Omit<NotifiedOrder, 'paidMs'>, secret: string): Promise<Record<string, string>> {
  if (o.facade === 'epay') return epayNotifyFields({ ...o, fields: o.facadeFields as EpayFields }, secret);
  return vmqNotifyFields({ ...o, fields: o.facadeFields as VmqFields }, secret);
}

/**
 * The async notify an order owes: its kind and body. The gatepay notify is a form body POSTed;
 * a facade's is a query string the delivery appends to the notify URL and GETs.
 */
export async function orderNotify(
  o: NotifiedOrder,
  appkey: string,
  secret: string,
): Promise<{ kind: DeliveryKind; body: string }> {
  if (o.facade === null || o.facadeFields === null)
    return { kind: 'notify', body: await notifyBody(o, appkey, secret) };
  const query = new URLSearchParams(await facadeFields(o, secret)).toString();
  return { kind: o.facade === 'epay' ? 'epay_notify' : 'vmq_notify', body: query };
}

/** HTTP method of a delivery kind. */
export const deliveryMethod = (kind: DeliveryKind) =>
  kind === 'epay_notify' || kind === 'vmq_notify' ? 'GET' : 'POST';

/**
 * Whether a merchant's answer acknowledges a delivery (always a 2xx first): the gatepay notify
 * when the trimmed body is `success`; epay's when the body contains `success` in any case, as epay
 * servers accept; V免签's only when the body is exactly `success`; a webhook by its status alone.
 */
export function deliveryAccepted(kind: DeliveryKind, status: number | null, text: string | null): boolean {
  if (status === null || status < 200 || status >= 300) return false;
  if (kind === 'notify') return text?.trim() === 'success';
  if (kind === 'epay_notify') return /success/i.test(text ?? '');
  if (kind === 'vmq_notify') return text === 'success';
  return true;
}

/** What the merchant must answer, for the attempt log. */
export const ACK_RULES: Record<DeliveryKind, string> = {
  notify: 'the body must be exactly "success"',
  epay_notify: 'the body must contain "success"',
  vmq_notify: 'the body must be exactly "success", nothing around it',
  webhook: 'a 2xx status',
};

/** The return URL of a paid order with its signed query, in the protocol of whoever made the order. */
export async function signedReturnUrl(
  base: string,
  o: Omit<NotifiedOrder, 'paidMs' | 'realpriceFen'> & { realpriceFen: number },
  appkey: string,
  secret: string,
): Promise<string> {
  if (o.facade === null || o.facadeFields === null) return returnUrl(base, o, appkey, secret);
  return appendQuery(base, new URLSearchParams(await facadeFields(o, secret)).toString());
}
