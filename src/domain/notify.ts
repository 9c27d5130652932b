/**
 * What huipay sends merchants (SPEC §6), as pure builders:
 * - gatepay async notify (form): order_id, out_order_id, price, realprice, type, paytime, extend, sign;
 * - sync return query: price, type, product_id, order_id, out_order_id, sign;
 * - webhook event (JSON) whose `sign` = md5(appid + appsecret + timestamp), plus the header
 *   `Huipay-Signature: t=<unix s>,v1=<hex HMAC-SHA256(appsecret, t + "." + raw body)>`.
 */
import { formatFen } from './money';
import { gatepaySign, hmacSha256Hex, md5Hex, SIGN_FIELDS } from './sign';

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
