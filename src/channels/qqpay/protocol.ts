/**
 * The QQ Wallet (QQ钱包) merchant API as pure functions:
 *
 * - Requests and answers are XML `<xml><k>v</k>…</xml>` (parsed with fast-xml-parser, every value
 *   kept as text; a tag sent twice is refused). `sign` = uppercase hex MD5 of the non-empty fields
 *   except `sign`, sorted by name, joined as `k=v` with `&`, followed by `&key=<API key>` — the
 *   WeChat Pay v2 rule. Answers carry `return_code` (the call) and `result_code` (the business),
 *   with `err_code` on failure; a successful answer is signed the same way.
 * - Notify: the same XML, answered `<xml><return_code>SUCCESS</return_code></xml>`.
 * - App payments: the App SDK's PayApi takes appId, bargainorId (mch_id), tokenId (prepay_id),
 *   pubAcc, nonce, timeStamp, sigType `HMAC-SHA1` and sig = base64 HMAC-SHA1(key = App key + "&",
 *   `appId=…&bargainorId=…&nonce=…&pubAcc=…&tokenId=…`).
 * - Money: `total_fee`, `refund_fee` in fen; times `yyyyMMddHHmmss` China time.
 */
import { randomToken } from '../../domain/ids';
import { XMLParser } from 'fast-xml-parser';
import { md5Hex, safeEqual } from '../../domain/sign';

export const DEFAULT_BASE = 'https://qpay.qq.com';
/** QQ Wallet takes refunds on its own host, with the merchant's client certificate. */
export const DEFAULT_REFUND_BASE = 'https://api.qpay.qq.com';

export const PATH = {
  unifiedOrder: '/cgi-bin/pay/qpay_unified_order.cgi',
  query: '/cgi-bin/pay/qpay_order_query.cgi',
  close: '/cgi-bin/pay/qpay_close_order.cgi',
  refund: '/cgi-bin/pay/qpay_refund.cgi',
  refundQuery: '/cgi-bin/pay/qpay_refund_query.cgi',
} as const;

export type Fields = Record<string, string>;

/** QQ Wallet names trade states in WeChat Pay's words (`trade_state`). */
export { TRADE_STATES } from '../wechat/protocol';

/** The text the MD5 is taken of: non-empty fields but `sign`, sorted, `k=v&…&key=<key>`. */
export function signText(fields: Fields, key: string): string {
  const pairs = Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '' && fields[k] !== undefined)
    .sort()
    .map((k) => `${k}=${fields[k]}`);
  return `${pairs.join('&')}&key=${key}`;
}

/** `sign` of `fields`: uppercase hex MD5. */
export const sign = async (fields: Fields, key: string) => (await md5Hex(signText(fields, key))).toUpperCase();

/** True when `fields.sign` is exactly the sign of the other fields (uppercase, as QQ Wallet writes it). */
export async function verify(fields: Fields, key: string): Promise<boolean> {
  return typeof fields.sign === 'string' && safeEqual(fields.sign, await sign(fields, key));
}

/** `fields` signed. */
export const signed = async (fields: Fields, key: string): Promise<Fields> => ({
  ...fields,
  sign: await sign(fields, key),
});

const cdata = (v: string) => `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** `<xml>` of the fields, each value as CDATA. */
export const toXml = (fields: Fields) =>
  `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${cdata(v)}</${k}>`)
    .join('')}</xml>`;

const parser = new XMLParser({
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

/** The fields of an `<xml>` document (values as text), or why it is not one. */
export function fromXml(text: string): { ok: true; fields: Fields } | { ok: false; why: string } {
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch (err) {
    return {
      ok: false,
      why: `not well-formed XML (${err instanceof Error ? err.message.split('\n')[0] : 'parse error'})`,
    };
  }
  const root = (doc as Record<string, unknown> | null)?.xml;
  if (typeof root !== 'object' || root === null || Array.isArray(root))
    return { ok: false, why: 'no <xml> root element' };
  const fields: Fields = {};
  for (const [k, v] of Object.entries(root)) {
    if (Array.isArray(v)) return { ok: false, why: `<${k}> is sent twice` };
    if (typeof v === 'object' && v !== null) return { ok: false, why: `<${k}> is not a plain value` };
    fields[k] = v === null || v === undefined ? '' : String(v);
  }
  return { ok: true, fields };
}

/** A 32-character nonce of letters and digits. */
export const nonceStr = (length = 32): string => randomToken(length);

/** Fen from a QQ Wallet amount field (digits only), or null. */
export const fenOf = (v: string | undefined) => (v !== undefined && /^\d{1,12}$/.test(v) ? Number(v) : null);

/** Error codes after which the same request may succeed: unknown, never a refusal. */
const RETRY_CODES = new Set(['SYSTEMERROR', 'SYSTEM_ERROR', 'BANKERROR', 'USERPAYING', 'FREQUENCY_LIMITED']);

/** How a verified answer reads: success, a definite refusal (err_code), or unknown. */
export function classify(f: Fields): 'ok' | 'refused' | 'unknown' {
  if (f.return_code !== 'SUCCESS') return 'unknown';
  if (f.result_code === 'SUCCESS') return 'ok';
  if (RETRY_CODES.has(f.err_code ?? '') || !f.err_code) return 'unknown';
  return 'refused';
}

/** `err_code: err_code_des` (or the return message) of an answer. */
export const describe = (f: Fields) =>
  f.return_code !== 'SUCCESS'
    ? `return_code ${f.return_code ?? '(none)'}: ${f.return_msg ?? f.retmsg ?? ''}`.trim()
    : f.result_code === 'SUCCESS'
      ? 'SUCCESS'
      : `${f.err_code ?? 'FAIL'}: ${f.err_code_des ?? f.err_code_desc ?? ''}`.trim();

/** The text App payments are signed over: the PayApi fields, sorted, `k=v&`. */
export const appSignText = (p: {
  appId: string;
  bargainorId: string;
  nonce: string;
  pubAcc: string;
  tokenId: string;
}) => `appId=${p.appId}&bargainorId=${p.bargainorId}&nonce=${p.nonce}&pubAcc=${p.pubAcc}&tokenId=${p.tokenId}`;

/** base64 HMAC-SHA1 with key `appKey&`, as the App SDK's sig. */
export async function appSig(appKey: string, text: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(`${appKey}&`), { name: 'HMAC', hash: 'SHA-1' }, false, [
    'sign',
  ]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(text)))));
}

/** The answer a notify gets. */
export const NOTIFY_OK = '<xml><return_code>SUCCESS</return_code></xml>';
export const notifyFail = (msg: string) => toXml({ return_code: 'FAIL', return_msg: msg.slice(0, 128) });
