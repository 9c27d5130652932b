/**
 * gatepay-style MD5 signatures and the monitor HMAC, computed over the exact strings received.
 *
 *   create: md5( md5(appkey + price + type + out_order_id + custom) + appsecret )
 *   query/close: md5( md5(appkey + order_id + out_order_id) + appsecret )
 *   notify: md5( md5(appkey + order_id + out_order_id + price + realprice + type + paytime + extend) + appsecret )
 *   return: md5( md5(appkey + price + type + product_id + order_id + out_order_id) + appsecret )
 *   refund: md5( md5("amount=" + amount + "&appkey=" + appkey + "&order_id=" + order_id
 *                    + "&out_order_id=" + out_order_id + "&out_refund_no=" + out_refund_no) + appsecret )
 *   refund_query: md5( md5(appkey + out_refund_no) + appsecret )
 *   monitor: hex HMAC-SHA256(session secret, timestamp + "." + raw body)
 */
const enc = new TextEncoder();

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

export async function md5Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('MD5', enc.encode(text)));
}

/** The gatepay double MD5: md5(md5(parts joined) + secret), lowercase hex. */
export async function gatepaySign(parts: readonly string[], secret: string): Promise<string> {
  return md5Hex((await md5Hex(parts.join(''))) + secret);
}

export const SIGN_FIELDS = {
  create: ['appkey', 'price', 'type', 'out_order_id', 'custom'],
  query: ['appkey', 'order_id', 'out_order_id'],
  notify: ['appkey', 'order_id', 'out_order_id', 'price', 'realprice', 'type', 'paytime', 'extend'],
  return: ['appkey', 'price', 'type', 'product_id', 'order_id', 'out_order_id'],
  refund: ['amount', 'appkey', 'order_id', 'out_order_id', 'out_refund_no'],
  refund_query: ['appkey', 'out_refund_no'],
} as const;
export type SignKind = keyof typeof SIGN_FIELDS;

/**
 * Signs over `k=v` pairs joined by `&` (every key, empty values kept; SPEC §11.4), so no character
 * can move between two fields: a bare `out_refund_no + amount` signed for RF…001 / 1.00 also held
 * for RF…00 / 11.00.
 */
const KEYED: ReadonlySet<SignKind> = new Set(['refund']);

/** The text a gatepay sign hashes inside: `kind`'s raw values concatenated, or its keyed pairs. */
export function signText(kind: SignKind, p: Record<string, string | undefined>): string {
  const fields: readonly string[] = SIGN_FIELDS[kind];
  if (!KEYED.has(kind)) return fields.map((f) => p[f] ?? '').join('');
  return fields.map((f) => `${f}=${p[f] ?? ''}`).join('&');
}

/** The formula as text, for error messages. */
export function signFormula(kind: SignKind): string {
  const fields: readonly string[] = SIGN_FIELDS[kind];
  const inner = KEYED.has(kind) ? fields.map((f, i) => `"${i ? '&' : ''}${f}="+${f}`) : fields;
  return `md5(md5(${inner.join('+')})+appsecret)`;
}

/** Hex HMAC-SHA256 of `message`, or of `message` followed by `tail` (raw bytes, signed as received). */
export async function hmacSha256Hex(secret: string, message: string, tail?: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const head = enc.encode(message);
  let data = head;
  if (tail) {
    data = new Uint8Array(head.byteLength + tail.byteLength);
    data.set(head);
    data.set(tail, head.byteLength);
  }
  return hex(await crypto.subtle.sign('HMAC', key, data));
}

/** Constant-time string comparison (false on different lengths without leaking where). */
export function safeEqual(a: string, b: string): boolean {
  const x = enc.encode(a);
  const y = enc.encode(b);
  if (x.byteLength !== y.byteLength) {
    crypto.subtle.timingSafeEqual(x, x);
    return false;
  }
  return crypto.subtle.timingSafeEqual(x, y);
}

/**
 * A monitor request's signature (SPEC §4.2): hex HMAC-SHA256(session secret, timestamp + "." +
 * raw body), compared in constant time; any case of hex is accepted.
 */
export async function monitorSignatureValid(secret: string, timestamp: string, signature: string, body: Uint8Array) {
  return safeEqual(signature.toLowerCase(), await hmacSha256Hex(secret, `${timestamp}.`, body));
}
