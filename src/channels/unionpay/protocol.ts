/**
 * The UnionPay online gateway (ACP 5.1.0) as pure functions:
 *
 * - Every message is a set of `k=v` fields. The signed text is every field but `signature`,
 *   sorted by name, joined as `k=v` with `&` (a request leaves empty fields out; an answer or
 *   notify is verified over every field received). `signature` = base64 SHA256withRSA over the
 *   lowercase hex SHA-256 of that text (`signMethod=01`); `certId` names the signing certificate.
 *   UnionPay's own answers and notifies carry `signPubKeyCert`, validated in certs.ts.
 * - Requests are form posts; the browser methods (PC `channelType=07`, WAP `08`) post the signed
 *   form from the payer's browser to `frontTransReq.do`; App consume (`appTransReq.do`) answers
 *   `tn`; refund (`txnType=04`) goes to `backTransReq.do`, queries (`txnType=00`) to
 *   `queryTrans.do`. Answers are `k=v&…` text, not URL-encoded (a value in `{…}` may hold `&`).
 * - `respCode` 00 success; 03, 04, 05 (and 06) mean "not known yet" (retry, query); 34 (query)
 *   no such transaction; anything else a refusal. A query's `origRespCode` is the trade's outcome.
 * - Money: `txnAmt` in fen; `txnTime` China time `yyyyMMddHHmmss`; a transaction is named by
 *   `orderId` + `txnTime`.
 */
import { decodeForm } from '../../domain/form';
import { hex } from '../../domain/bytes';
import { base64ToBytes, rsaSign, rsaVerify } from '../../domain/rsa';

export const DEFAULT_BASE = 'https://gateway.95516.com';
export const PATH = {
  front: '/gateway/api/frontTransReq.do',
  app: '/gateway/api/appTransReq.do',
  back: '/gateway/api/backTransReq.do',
  query: '/gateway/api/queryTrans.do',
} as const;

export type Fields = Record<string, string>;

/** Codes after which the outcome is not known yet. */
export const PENDING_CODES = new Set(['03', '04', '05', '06']);
export const NOT_FOUND = '34';

/** The common fields of every request. */
export const common = (merId: string, certId: string): Fields => ({
  version: '5.1.0',
  encoding: 'UTF-8',
  signMethod: '01',
  accessType: '0',
  merId,
  certId,
});

/** The signed text: every field but `signature`, sorted, `k=v&`. */
export const signText = (f: Fields) =>
  Object.keys(f)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${f[k]}`)
    .join('&');

/** Lowercase hex SHA-256 of the signed text: what the RSA signature is taken over. */
export const digestHex = async (f: Fields) =>
  hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(signText(f))));

/** `fields` without empty values, signed with the PKCS#8 key. */
export async function signFields(pkcs8: Uint8Array, fields: Fields): Promise<Fields> {
  const f = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '' && v !== undefined));
  return { ...f, signature: await rsaSign(pkcs8, await digestHex(f)) };
}

/** True when `signature` verifies with the SPKI key over the received fields. */
export async function verifyFields(spki: Uint8Array, f: Fields): Promise<boolean> {
  return typeof f.signature === 'string' && rsaVerify(spki, await digestHex(f), f.signature);
}

/** The answer text: `k=v&…`, values as they are (what UnionPay's gateway writes). */
export const answerText = (f: Fields) =>
  Object.entries(f)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

/**
 * The fields of an answer (`k=v&…`, no URL decoding; a value starting with `{` runs to its
 * matching `}`), or why it is not one; a field sent twice is refused.
 */
export function parseAnswer(text: string): { ok: true; fields: Fields } | { ok: false; why: string } {
  const fields: Fields = {};
  let i = 0;
  const t = text.trim();
  if (!t) return { ok: false, why: 'the answer is empty' };
  while (i < t.length) {
    const eq = t.indexOf('=', i);
    if (eq < 0) return { ok: false, why: 'a part without "=": not a k=v answer' };
    const key = t.slice(i, eq);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) return { ok: false, why: `"${key.slice(0, 30)}" is not a field name` };
    let j = eq + 1;
    if (t[j] === '{') {
      let depth = 0;
      for (; j < t.length; j++) {
        if (t[j] === '{') depth++;
        else if (t[j] === '}' && --depth === 0) break;
      }
      if (depth !== 0) return { ok: false, why: `the value of ${key} has an unmatched {` };
      j++;
    }
    const end = t.indexOf('&', j);
    const stop = end < 0 ? t.length : end;
    if (key in fields) return { ok: false, why: `${key} is sent twice` };
    fields[key] = t.slice(eq + 1, stop);
    i = stop + 1;
  }
  return { ok: true, fields };
}

/** The fields of a notify (a URL-encoded form post), or why not; a field sent twice is refused. */
export function parseForm(body: string): { ok: true; fields: Fields } | { ok: false; why: string } {
  const fields: Fields = {};
  const decoded = decodeForm(body);
  if (!decoded.ok) return { ok: false, why: decoded.error };
  for (const [k, v] of decoded.pairs) {
    if (k in fields) return { ok: false, why: `${k} is sent twice` };
    fields[k] = v;
  }
  return { ok: true, fields };
}

/** Fen from `txnAmt` (digits only), or null. */
export const fenOf = (v: string | undefined) => (v !== undefined && /^\d{1,12}$/.test(v) ? Number(v) : null);

/** `respCode respMsg`, for messages. */
export const describe = (f: Fields) => `${f.respCode ?? '(no respCode)'} ${f.respMsg ?? ''}`.trim();

/** Checks a signature made with a key (signs the hex digest, as the SDK does) — used by the simulator too. */
export const verifyWith = (spkiB64: string, f: Fields) => verifyFields(base64ToBytes(spkiB64), f);
