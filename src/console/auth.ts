/**
 * Console authentication, the request side: a CSRF token per session (stored with it, see
 * services/sign-in.ts) and a server-minted, HMAC-tagged one before sign-in.
 */
import { randomToken } from '../domain/ids';
import { safeEqual } from '../domain/sign';

const enc = new TextEncoder();
const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));

export const csrfOk = (expected: string, given: string | undefined) => !!given && safeEqual(given, expected);

// ── pre-sign-in CSRF ──────────────────────────────────────────────────────────────────────

const preKeys = new Map<string, Promise<CryptoKey>>();
/** The HMAC key of pre-sign-in tokens: SHA-256 of a purpose label and MASTER_KEY (never the AES key). */
function preKey(masterKey: string): Promise<CryptoKey> {
  let k = preKeys.get(masterKey);
  if (!k) {
    k = crypto.subtle
      .digest('SHA-256', enc.encode(`huipay console pre-sign-in CSRF\u0000${masterKey}`))
      .then((raw) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));
    preKeys.set(masterKey, k);
  }
  return k;
}
/** The nonce's tag, base64url (cookie-safe as it is). */
const preTag = async (masterKey: string, nonce: string) =>
  b64(await crypto.subtle.sign('HMAC', await preKey(masterKey), enc.encode(nonce)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A pre-sign-in CSRF token: 32 random characters and their HMAC tag, `<nonce>.<tag>`. */
export const mintPreToken = async (masterKey: string) => {
  const nonce = randomToken(32);
  return `${nonce}.${await preTag(masterKey, nonce)}`;
};

/** True only for a token this server minted; a planted cookie is replaced, never adopted. */
export async function preTokenOk(masterKey: string, token: string | undefined): Promise<boolean> {
  const m = token?.match(/^([A-Za-z0-9]{32})\.([A-Za-z0-9_-]{43})$/);
  return !!m && safeEqual(m[2], await preTag(masterKey, m[1]));
}
