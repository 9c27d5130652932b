/**
 * WeChat Pay API v3 as pure functions (the "WeChat Pay public key" verification mode):
 *
 * - Request: JSON over HTTPS; header `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",
 *   nonce_str="…",signature="…",timestamp="…",serial_no="…"` where `signature` = base64
 *   SHA256withRSA(merchant private key, `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`), URL being the
 *   path with its query, BODY the exact JSON text sent ('' for GET).
 * - Response and notify: headers `Wechatpay-Timestamp`, `-Nonce`, `-Signature`, `-Serial`; the
 *   signature is SHA256withRSA over `TIMESTAMP\nNONCE\nBODY\n` with the WeChat Pay public key whose
 *   id is `Wechatpay-Serial`. A signature starting `WECHATPAY/SIGNTEST/` is WeChat's probe of the
 *   merchant's verification and must never verify. An unsigned answer is treated as forged.
 * - Notify `resource`: AEAD_AES_256_GCM, key = the 32-byte API v3 key, `nonce` (12 characters),
 *   `associated_data`, `ciphertext` = base64(encrypted JSON + 16-byte tag).
 * - JSAPI and App pay parameters: paySign / sign = base64 SHA256withRSA over
 *   `appId\ntimeStamp\nnonceStr\npackage\n` (JSAPI) or `appid\ntimestamp\nnoncestr\nprepayid\n` (App).
 * - Money: `amount.total` in fen; times: RFC 3339 with `+08:00`.
 */
import { randomToken } from '../../domain/ids';
export const DEFAULT_BASE = 'https://api.mch.weixin.qq.com';
export const SCHEMA = 'WECHATPAY2-SHA256-RSA2048';
export const PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';
/** How far a response's or notify's timestamp may be from now (WeChat's advice: 5 minutes). */
export const TIMESTAMP_TOLERANCE_S = 300;

/** The trade endpoint of each payment method. */
export const PAY_PATH = {
  qr: '/v3/pay/transactions/native',
  wap: '/v3/pay/transactions/h5',
  jsapi: '/v3/pay/transactions/jsapi',
  app: '/v3/pay/transactions/app',
} as const;

export const queryPath = (outTradeNo: string, mchid: string) =>
  `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(mchid)}`;
export const closePath = (outTradeNo: string) =>
  `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`;
export const REFUND_PATH = '/v3/refund/domestic/refunds';
export const refundQueryPath = (outRefundNo: string) => `${REFUND_PATH}/${encodeURIComponent(outRefundNo)}`;

/** `trade_state` → what huipay makes of it. */
export const TRADE_STATES: Record<string, 'paid' | 'pending' | 'closed'> = {
  SUCCESS: 'paid',
  REFUND: 'paid',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  PAYERROR: 'pending',
  CLOSED: 'closed',
  REVOKED: 'closed',
};

/** The text a request is signed over. */
export const requestMessage = (method: string, url: string, timestamp: string, nonce: string, body: string) =>
  `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;

/** The text a response or notify is signed over. */
export const responseMessage = (timestamp: string, nonce: string, body: string) => `${timestamp}\n${nonce}\n${body}\n`;

/** The text of JSAPI's paySign and of the App's sign: the fields, each followed by a line feed. */
export const payMessage = (...fields: string[]) => fields.map((f) => `${f}\n`).join('');

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

export const authorization = (a: AuthorizationFields) =>
  `${SCHEMA} mchid="${a.mchid}",nonce_str="${a.nonce_str}",signature="${a.signature}",timestamp="${a.timestamp}",serial_no="${a.serial_no}"`;

/** The fields of an `Authorization` header, or why it is not one of ours. */
export function parseAuthorization(
  header: string | null | undefined,
): { ok: true; value: AuthorizationFields } | { ok: false; why: string } {
  if (!header) return { ok: false, why: 'no Authorization header' };
  if (!header.startsWith(`${SCHEMA} `)) return { ok: false, why: `the Authorization scheme must be ${SCHEMA}` };
  const fields: Record<string, string> = {};
  for (const part of header.slice(SCHEMA.length + 1).split(',')) {
    const m = part.trim().match(/^([a-z_]+)="([^"]*)"$/);
    if (!m) return { ok: false, why: `malformed Authorization part: ${part.trim().slice(0, 40)}` };
    if (m[1] in fields) return { ok: false, why: `${m[1]} appears twice in Authorization` };
    fields[m[1]] = m[2];
  }
  for (const k of ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'])
    if (!fields[k]) return { ok: false, why: `Authorization has no ${k}` };
  return { ok: true, value: fields as unknown as AuthorizationFields };
}

/** A 32-character nonce of letters and digits. */
export const nonce = (length = 32): string => randomToken(length);

/** True when `ts` (unix seconds as text) is within the tolerance of `nowMs`. */
export const freshTimestamp = (ts: string, nowMs: number) =>
  /^\d{1,12}$/.test(ts) && Math.abs(Number(ts) - nowMs / 1000) <= TIMESTAMP_TOLERANCE_S;

// ── the notify resource (AEAD_AES_256_GCM) ──────────────────────────────────────────────────

const enc = new TextEncoder();
const b64 = (b: ArrayBuffer | Uint8Array) => {
  const u = b instanceof Uint8Array ? b : new Uint8Array(b);
  let s = '';
  for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
  return btoa(s);
};

async function aesKey(apiV3Key: string, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey | null> {
  const raw = enc.encode(apiV3Key);
  if (raw.length !== 32) return null;
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, [usage]);
}

export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  associated_data?: string;
  nonce: string;
  original_type?: string;
}

/** The plaintext of a notify resource, or null when it does not decrypt with `apiV3Key`. */
export async function decryptResource(apiV3Key: string, r: EncryptedResource): Promise<string | null> {
  const key = await aesKey(apiV3Key, 'decrypt');
  if (!key || r.algorithm !== 'AEAD_AES_256_GCM' || typeof r.ciphertext !== 'string') return null;
  try {
    const data = Uint8Array.from(atob(r.ciphertext), (c) => c.charCodeAt(0));
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: enc.encode(r.nonce), additionalData: enc.encode(r.associated_data ?? ''), tagLength: 128 },
      key,
      data,
    );
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(plain);
  } catch {
    return null;
  }
}

/** Encrypts a notify resource (what WeChat Pay, here the simulator, does). */
export async function encryptResource(
  apiV3Key: string,
  plaintext: string,
  associatedData: string,
  originalType: string,
): Promise<EncryptedResource> {
  const key = await aesKey(apiV3Key, 'encrypt');
  if (!key) throw new Error('the API v3 key must be 32 bytes');
  const iv = nonce(12);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: enc.encode(iv), additionalData: enc.encode(associatedData), tagLength: 128 },
    key,
    enc.encode(plaintext),
  );
  return {
    original_type: originalType,
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: b64(sealed),
    associated_data: associatedData,
    nonce: iv,
  };
}

// ── answers ────────────────────────────────────────────────────────────────────────────────

/** Error codes after which the same request may succeed: unknown, never a refusal. */
const RETRY_CODES = new Set(['SYSTEM_ERROR', 'SYSTEMERROR', 'FREQUENCY_LIMITED', 'BANKERROR', 'RATELIMIT_EXCEED']);

/** How an HTTP status and error code read: success, a definite refusal, or unknown (retry). */
export function classify(status: number, code: string | undefined): 'ok' | 'refused' | 'unknown' {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 500 || status === 429 || RETRY_CODES.has(code ?? '')) return 'unknown';
  return status >= 400 && code ? 'refused' : 'unknown';
}

/** A string field of a JSON object, or undefined. */
export const str = (o: unknown, key: string): string | undefined => {
  const v = (o as Record<string, unknown> | null)?.[key];
  return typeof v === 'string' ? v : undefined;
};

/** A non-negative integer field (fen), or null. */
export const fen = (o: unknown, key: string): number | null => {
  const v = (o as Record<string, unknown> | null)?.[key];
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
};

/** A JSON object parsed from text, or null. */
export function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}
