/**
 * RSA keys as payment providers hand them out, for WebCrypto RSASSA-PKCS1-v1_5 with SHA-256
 * ("RSA2", "SHA256withRSA"): PEM or bare base64; private keys as PKCS#8 or PKCS#1, public keys as
 * SPKI or PKCS#1. WebCrypto imports only PKCS#8 and SPKI, so PKCS#1 is wrapped in DER:
 *
 *   PKCS#8 = SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING { PKCS#1 key } }
 *   SPKI   = SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { 0x00, PKCS#1 key } }
 *
 * (the wrapping is checked byte for byte against `openssl pkcs8 -topk8` output in the tests).
 * Problems come back as sentences that name the likely mistake, for the caller to prefix with the field.
 */
const RSA_OID = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const ALGORITHMS: Record<string, string> = {
  '2a864886f70d010101': 'RSA',
  '2a8648ce3d0201': 'EC',
  '2b6570': 'Ed25519',
  '2b6571': 'Ed448',
  '2a8648ce380401': 'DSA',
  '2a811ccf5501822d': 'SM2',
};
const RSA2 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
/** Providers require 2048-bit keys for RSA2; smaller keys are refused, larger ones accepted. */
export const MIN_RSA_BITS = 2048;

export type KeyResult<T> = { ok: true; value: T } | { ok: false; problem: string };
const fail = (problem: string): { ok: false; problem: string } => ({ ok: false, problem });

// ── DER ─────────────────────────────────────────────────────────────────────────────────────

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** One DER element at `at` (definite lengths only), or null when the bytes are not DER. */
function readTlv(der: Uint8Array, at: number): Tlv | null {
  if (at + 2 > der.length) return null;
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > der.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  return end <= der.length ? { tag, start, end } : null;
}

/** The elements directly inside a constructed element. */
function children(der: Uint8Array, parent: Tlv): Tlv[] | null {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(der, at);
    if (!t) return null;
    out.push(t);
    at = t.end;
  }
  return out;
}

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, ...parts: (Uint8Array | number[])[]): Uint8Array {
  const body = parts.reduce((n, p) => n + p.length, 0);
  const head = [tag, ...encodeLength(body)];
  const out = new Uint8Array(head.length + body);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const RSA_ALGORITHM_ID = () => tlv(0x30, tlv(0x06, RSA_OID), [0x05, 0x00]);

/** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo. */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  return tlv(0x30, [0x02, 0x01, 0x00], RSA_ALGORITHM_ID(), tlv(0x04, pkcs1));
}

/** PKCS#1 RSAPublicKey → SubjectPublicKeyInfo. */
export function pkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  return tlv(0x30, RSA_ALGORITHM_ID(), tlv(0x03, [0x00], pkcs1));
}

type Shape =
  | { kind: 'pkcs8' | 'spki'; algorithm: string }
  | { kind: 'pkcs1-private' | 'pkcs1-public' }
  | { kind: 'unknown' };

const hexOf = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

/** What a DER blob is: PKCS#8, SPKI (with its algorithm), PKCS#1 private or public, or unknown. */
function shapeOf(der: Uint8Array): Shape {
  const top = readTlv(der, 0);
  if (top?.tag !== 0x30 || top.end !== der.length) return { kind: 'unknown' };
  const kids = children(der, top);
  if (!kids) return { kind: 'unknown' };
  const tags = kids.map((k) => k.tag).join(',');
  const algorithmOf = (seq: Tlv) => {
    const oid = children(der, seq)?.[0];
    return oid?.tag === 0x06 ? (ALGORITHMS[hexOf(der.subarray(oid.start, oid.end))] ?? 'unknown') : 'unknown';
  };
  if (tags.startsWith('2,48,4')) return { kind: 'pkcs8', algorithm: algorithmOf(kids[1]) };
  if (tags === '48,3') return { kind: 'spki', algorithm: algorithmOf(kids[0]) };
  if (kids.length >= 9 && kids.slice(0, 9).every((k) => k.tag === 0x02)) return { kind: 'pkcs1-private' };
  if (tags === '2,2') return { kind: 'pkcs1-public' };
  return { kind: 'unknown' };
}

// ── PEM / base64 ───────────────────────────────────────────────────────────────────────────

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function base64ToBytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function bytesToBase64(bytes: Uint8Array | ArrayBuffer): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The DER inside a PEM block or a bare base64 string, with the PEM label when there was one. */
function decode(text: string): KeyResult<{ der: Uint8Array; label: string | null }> {
  const trimmed = text.trim();
  if (!trimmed) return fail('is empty');
  const pem = trimmed.match(/^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/);
  if (trimmed.startsWith('-----') && !pem)
    return fail('is not a well-formed PEM block (a BEGIN line, base64, and the matching END line)');
  const label = pem ? pem[1] : null;
  if (label === 'ENCRYPTED PRIVATE KEY')
    return fail('is an encrypted private key: export it without a passphrase (PKCS#8 or PKCS#1)');
  if (label === 'CERTIFICATE')
    return fail('is a certificate: give the public key itself (public-key mode), not the certificate');
  const body = (pem ? pem[2] : trimmed).replace(/\s+/g, '');
  if (!B64.test(body) || body.length % 4 !== 0) return fail('is neither PEM nor bare base64 (it has stray characters)');
  return { ok: true, value: { der: base64ToBytes(body), label } };
}

// ── keys ───────────────────────────────────────────────────────────────────────────────────

/** An RSA key pair's private half as providers' docs name it, ready for WebCrypto. */
export interface RsaPrivate {
  /** PKCS#8 DER (PKCS#1 input wrapped). */
  pkcs8: Uint8Array;
  /** The matching public key, SPKI DER (derived from the private key). */
  spki: Uint8Array;
  bits: number;
}

const wrongType = (algorithm: string, want: string) =>
  fail(`is an ${algorithm} key, but RSA2 (SHA256withRSA) needs an RSA ${want} key`);

async function bitsOf(key: CryptoKey): Promise<number> {
  return (key.algorithm as unknown as { modulusLength: number }).modulusLength;
}

/** Parses a private key (PKCS#8 or PKCS#1, PEM or bare base64) and derives its public key. */
export async function parsePrivateKey(text: string): Promise<KeyResult<RsaPrivate>> {
  const d = decode(text);
  if (!d.ok) return d;
  const shape = shapeOf(d.value.der);
  if (d.value.label === 'EC PRIVATE KEY' || d.value.label === 'DSA PRIVATE KEY')
    return wrongType(d.value.label.split(' ')[0], 'private');
  if (shape.kind === 'spki' || shape.kind === 'pkcs1-public' || d.value.label?.includes('PUBLIC'))
    return fail('is a public key: give the private key (the half you keep), not the public one');
  if (shape.kind === 'unknown') return fail('is not a private key (expected PKCS#8 or PKCS#1 RSA, PEM or base64)');
  if (shape.kind === 'pkcs8' && shape.algorithm !== 'RSA') return wrongType(shape.algorithm, 'private');
  const pkcs8 = shape.kind === 'pkcs1-private' ? pkcs1ToPkcs8(d.value.der) : d.value.der;
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('pkcs8', pkcs8, RSA2, true, ['sign']);
  } catch {
    return fail('is not a valid RSA private key (its numbers do not parse)');
  }
  const bits = await bitsOf(key);
  if (bits < MIN_RSA_BITS) return fail(`is a ${bits}-bit key; RSA2 needs at least ${MIN_RSA_BITS} bits`);
  const jwk = (await crypto.subtle.exportKey('jwk', key)) as JsonWebKey;
  const pub = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, ext: true }, RSA2, true, [
    'verify',
  ]);
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', pub)) as ArrayBuffer);
  return { ok: true, value: { pkcs8, spki, bits } };
}

/** Parses a public key (SPKI or PKCS#1, PEM or bare base64) to SPKI DER. */
export async function parsePublicKey(text: string): Promise<KeyResult<Uint8Array>> {
  const d = decode(text);
  if (!d.ok) return d;
  const shape = shapeOf(d.value.der);
  if (shape.kind === 'pkcs8' || shape.kind === 'pkcs1-private' || d.value.label?.includes('PRIVATE'))
    return fail('is a private key: give the public key here (never share the private key)');
  if (shape.kind === 'unknown') return fail('is not an RSA public key (expected SPKI or PKCS#1, PEM or base64)');
  if (shape.kind === 'spki' && shape.algorithm !== 'RSA') return wrongType(shape.algorithm, 'public');
  const spki = shape.kind === 'pkcs1-public' ? pkcs1ToSpki(d.value.der) : d.value.der;
  try {
    const key = await crypto.subtle.importKey('spki', spki, RSA2, true, ['verify']);
    const bits = await bitsOf(key);
    if (bits < MIN_RSA_BITS) return fail(`is a ${bits}-bit key; RSA2 needs at least ${MIN_RSA_BITS} bits`);
  } catch {
    return fail('is not a valid RSA public key (its numbers do not parse)');
  }
  return { ok: true, value: spki };
}

/** `sha256:<hex>` of a public key's SPKI DER: how a key is named in answers instead of itself. */
export async function fingerprint(spki: Uint8Array): Promise<string> {
  return `sha256:${hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', spki)))}`;
}

/** A fresh 2048-bit RSA2 key pair: PKCS#8 and SPKI DER. */
export async function generateRsaKeyPair(): Promise<{ pkcs8: Uint8Array; spki: Uint8Array }> {
  const pair = (await crypto.subtle.generateKey(
    { ...RSA2, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  return {
    pkcs8: new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer),
    spki: new Uint8Array((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer),
  };
}

/** PEM text of DER bytes (64-character lines). */
export function toPem(der: Uint8Array, label: 'PRIVATE KEY' | 'PUBLIC KEY'): string {
  const lines = bytesToBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// ── sign and verify (RSA2) ─────────────────────────────────────────────────────────────────

const enc = new TextEncoder();
/** Imported keys by their DER in base64 (importing costs more than signing a short text). */
const imported = new Map<string, Promise<CryptoKey>>();

function cryptoKey(der: Uint8Array, format: 'pkcs8' | 'spki'): Promise<CryptoKey> {
  const id = `${format}:${bytesToBase64(der)}`;
  let k = imported.get(id);
  if (!k) {
    if (imported.size >= 500) imported.delete(imported.keys().next().value as string);
    k = crypto.subtle.importKey(format, der, RSA2, false, [format === 'pkcs8' ? 'sign' : 'verify']);
    k.catch(() => imported.delete(id));
    imported.set(id, k);
  }
  return k;
}

/** Base64 SHA256withRSA signature of the UTF-8 bytes of `text`. */
export async function rsaSign(pkcs8: Uint8Array, text: string): Promise<string> {
  return bytesToBase64(await crypto.subtle.sign(RSA2, await cryptoKey(pkcs8, 'pkcs8'), enc.encode(text)));
}

/** True when `signature` (base64) is a SHA256withRSA signature of `text` by `spki`'s key. */
export async function rsaVerify(spki: Uint8Array, text: string, signature: string): Promise<boolean> {
  const sig = signature.replace(/\s+/g, '');
  if (!sig || !B64.test(sig) || sig.length % 4 !== 0) return false;
  return crypto.subtle.verify(RSA2, await cryptoKey(spki, 'spki'), base64ToBytes(sig), enc.encode(text));
}
