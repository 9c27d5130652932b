/**
 * The Alipay Open Platform protocol (OpenAPI v2, `gateway.do`), as pure functions:
 *
 * - Request: the common parameters `app_id, method, format=JSON, charset=utf-8, sign_type=RSA2,
 *   timestamp (China time "yyyy-MM-dd HH:mm:ss"), version=1.0`, optional `notify_url`,
 *   `return_url`, and `biz_content` (JSON). `sign` = base64 SHA256withRSA(app private key,
 *   every non-empty parameter except `sign`, sorted by name, joined as `k=v` with `&`, raw values).
 * - Response: `{"<method with _ for .>_response": {...}, "sign": "..."}`; the signature covers the
 *   exact text of the `*_response` value as received (or of `error_response`), verified with the
 *   Alipay public key. `code` 10000 success, 20000 service unavailable (unknown), 40004 business
 *   failure with `sub_code`, 4000x request problems.
 * - Notify and sync return: form fields signed by Alipay over every non-empty field except `sign`
 *   and `sign_type`, sorted, `k=v&`.
 * - Money: yuan strings with two decimals; times: China time (UTC+8, no daylight saving).
 */
import { formatFen } from '../../domain/money';

export const API = {
  qr: 'alipay.trade.precreate',
  wap: 'alipay.trade.wap.pay',
  page: 'alipay.trade.page.pay',
  app: 'alipay.trade.app.pay',
  query: 'alipay.trade.query',
  close: 'alipay.trade.close',
  refund: 'alipay.trade.refund',
  refundQuery: 'alipay.trade.fastpay.refund.query',
} as const;

/** The product code each payment method signs up for. */
export const PRODUCT_CODE = {
  qr: 'FACE_TO_FACE_PAYMENT',
  wap: 'QUICK_WAP_WAY',
  page: 'FAST_INSTANT_TRADE_PAY',
  app: 'QUICK_MSECURITY_PAY',
} as const;

export type Params = Record<string, string>;

// ── money and time ─────────────────────────────────────────────────────────────────────────

/** Fen → Alipay's yuan string with two decimals. */
export const yuan = (fen: number) => formatFen(fen);

/** An Alipay amount ("0.10", "12", "3.5") → fen, or null when it is not one. */
export function fenOf(amount: string | undefined): number | null {
  if (amount === undefined || !/^\d{1,9}(\.\d{1,2})?$/.test(amount)) return null;
  const [whole, frac = ''] = amount.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** A UTC instant as China time, `yyyy-MM-dd HH:mm:ss`. */
export function chinaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000 + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** China time `yyyy-MM-dd HH:mm:ss` → UTC instant in ms, or null when it is not one. */
export function parseChinaTime(text: string | undefined): number | null {
  const m = text?.match(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/);
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - CHINA_OFFSET_MS;
  return Number.isNaN(ms) || chinaTime(ms) !== text ? null : ms;
}

// ── signing strings ────────────────────────────────────────────────────────────────────────

/** The text Alipay signs: non-empty fields except `exclude`, sorted by name, `k=v` joined by `&`. */
export function signContent(params: Params, exclude: readonly string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** What a notify or a sync return is signed over: everything but `sign` and `sign_type`. */
export const notifyContent = (fields: Params) => signContent(fields, ['sign', 'sign_type']);

/** The common parameters of a request (unsigned). */
export function commonParams(appId: string, method: string, nowMs: number, extra: Params = {}): Params {
  return {
    app_id: appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: chinaTime(nowMs),
    version: '1.0',
    ...extra,
  };
}

/** Parameters the SDKs put in the gateway URL; the rest (biz_content) goes in the form body. */
const URL_PARAMS = new Set([
  'app_id',
  'method',
  'format',
  'charset',
  'sign_type',
  'sign',
  'timestamp',
  'version',
  'notify_url',
  'return_url',
  'app_auth_token',
]);

/** Splits signed parameters into the gateway URL's query and the form body, as the SDKs send them. */
export function gatewayRequest(gateway: string, signed: Params): { url: string; body: string } {
  const url = new URL(gateway, 'http://relative.invalid');
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(signed)) (URL_PARAMS.has(k) ? url.searchParams : body).set(k, v);
  const href = gateway.startsWith('/') ? `${url.pathname}${url.search}` : url.toString();
  return { url: href, body: body.toString() };
}

/** A browser (GET) URL carrying every signed parameter: the wap/page redirect. */
export function gatewayUrl(gateway: string, signed: Params): string {
  const q = new URLSearchParams(signed).toString();
  return `${gateway}${gateway.includes('?') ? '&' : '?'}${q}`;
}

/** The App SDK's order string: every signed parameter URL-encoded, `k=v&`. */
export function orderString(signed: Params): string {
  return Object.entries(signed)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
}

// ── responses ──────────────────────────────────────────────────────────────────────────────

/**
 * The exact source text of each top-level member of a JSON object, by key, or null when `text`
 * is not a JSON object. Only strings and nesting are tracked: the values are returned unparsed.
 */
export function topLevelMembers(text: string): Map<string, string> | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const skipString = () => {
    if (text[i] !== '"') return false;
    for (i++; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') {
        i++;
        return true;
      }
    }
    return false;
  };
  const skipValue = (): boolean => {
    ws();
    if (text[i] === '"') return skipString();
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0;
      while (i < text.length) {
        const ch = text[i];
        if (ch === '"') {
          if (!skipString()) return false;
          continue;
        }
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') depth--;
        i++;
        if (depth === 0) return true;
      }
      return false;
    }
    const start = i;
    while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
    return i > start;
  };
  const out = new Map<string, string>();
  ws();
  if (text[i] !== '{') return null;
  i++;
  ws();
  if (text[i] === '}') return out;
  for (;;) {
    ws();
    const keyStart = i;
    if (!skipString()) return null;
    let key: string;
    try {
      key = JSON.parse(text.slice(keyStart, i)) as string;
    } catch {
      return null;
    }
    ws();
    if (text[i] !== ':') return null;
    i++;
    ws();
    const valueStart = i;
    if (!skipValue()) return null;
    out.set(key, text.slice(valueStart, i));
    ws();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') {
      i++;
      ws();
      return i === text.length ? out : null;
    }
    return null;
  }
}

/** A gateway answer read for verification: the signed text, the signature, the parsed body. */
export interface GatewayAnswer {
  /** The exact text of the `*_response` (or `error_response`) value. */
  signed: string;
  sign: string | null;
  body: Record<string, unknown>;
}

/** Reads a gateway answer to `method`, or says why it is not one. */
export function readAnswer(
  text: string,
  method: string,
): { ok: true; value: GatewayAnswer } | { ok: false; why: string } {
  const members = topLevelMembers(text);
  if (!members) return { ok: false, why: 'the answer is not a JSON object' };
  const key = `${method.replaceAll('.', '_')}_response`;
  const signed = members.get(key) ?? members.get('error_response');
  if (signed === undefined) return { ok: false, why: `the answer has no ${key}` };
  let body: unknown;
  let sign: unknown = null;
  try {
    body = JSON.parse(signed);
    if (members.has('sign')) sign = JSON.parse(members.get('sign')!);
  } catch {
    return { ok: false, why: 'the answer is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, why: `${key} is not an object` };
  return {
    ok: true,
    value: { signed, sign: typeof sign === 'string' ? sign : null, body: body as Record<string, unknown> },
  };
}

/** A string field of an answer body (numbers as written are kept as text). */
export function field(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** Sub-codes that mean "try again": Alipay's own advice for them is to repeat the request. */
const RETRY_SUB_CODES = new Set(['ACQ.SYSTEM_ERROR', 'isp.unknow-error', 'aop.ACQ.SYSTEM_ERROR']);

/** How an answer's code reads: success, a definite refusal, or unknown (retry). */
export function classify(body: Record<string, unknown>): 'ok' | 'refused' | 'unknown' {
  const code = field(body, 'code');
  if (code === '10000') return 'ok';
  if (RETRY_SUB_CODES.has(field(body, 'sub_code') ?? '')) return 'unknown';
  if (code === '40004' || code === '40001' || code === '40002' || code === '40003' || code === '20001')
    return 'refused';
  return 'unknown';
}

/** `code sub_code: sub_msg` of an answer, for messages. */
export function describe(body: Record<string, unknown>): string {
  const parts = [field(body, 'code'), field(body, 'sub_code')].filter(Boolean).join(' ');
  const msg = field(body, 'sub_msg') ?? field(body, 'msg') ?? '';
  return msg ? `${parts}: ${msg}` : parts;
}

/** The JSON text of a signed answer: `{"<key>":<body>,"sign":"..."}`, with the body as it was signed. */
export function answerText(method: string, bodyText: string, sign: string): string {
  return `{"${method.replaceAll('.', '_')}_response":${bodyText},"sign":${JSON.stringify(sign)}}`;
}
