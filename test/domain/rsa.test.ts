/**
 * RSA keys as providers hand them out. The PKCS#1 → PKCS#8 and PKCS#1 → SPKI wrapping is checked
 * byte for byte against what OpenSSL made of the same key (test/fixtures/rsa/README.md), and the
 * fingerprint against `openssl pkey -pubin -outform DER | sha256sum`.
 */
import { describe, expect, it } from 'vitest';
import {
  bytesToBase64,
  fingerprint,
  parsePrivateKey,
  parsePublicKey,
  pkcs1ToPkcs8,
  pkcs1ToSpki,
  rsaSign,
  rsaVerify,
} from '../../src/domain/rsa';
import ecPkcs8 from '../fixtures/rsa/ec-pkcs8-private.pem?raw';
import ecPublic from '../fixtures/rsa/ec-public.pem?raw';
import ecSec1 from '../fixtures/rsa/ec-sec1-private.pem?raw';
import pkcs1Private from '../fixtures/rsa/pkcs1-private.pem?raw';
import pkcs1Public from '../fixtures/rsa/pkcs1-public.pem?raw';
import pkcs8Private from '../fixtures/rsa/pkcs8-private.pem?raw';
import rsa1024 from '../fixtures/rsa/rsa1024-private.pem?raw';
import spkiPublic from '../fixtures/rsa/spki-public.pem?raw';

const der = (pem: string) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
const body = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

describe('PKCS#1 wrapping, against OpenSSL', () => {
  it('wraps an RSA PRIVATE KEY into exactly the PRIVATE KEY `openssl pkcs8 -topk8` made', () => {
    expect(bytesToBase64(pkcs1ToPkcs8(der(pkcs1Private)))).toBe(body(pkcs8Private));
  });

  it('wraps an RSA PUBLIC KEY into exactly the PUBLIC KEY `openssl rsa -pubout` made', () => {
    expect(bytesToBase64(pkcs1ToSpki(der(pkcs1Public)))).toBe(body(spkiPublic));
  });

  it('derives the same public key from the PKCS#1 and the PKCS#8 form, equal to OpenSSL`s', async () => {
    const a = await parsePrivateKey(pkcs1Private);
    const b = await parsePrivateKey(pkcs8Private);
    const bare = await parsePrivateKey(body(pkcs1Private));
    for (const k of [a, b, bare]) {
      if (!k.ok) throw new Error(k.problem);
      expect(bytesToBase64(k.value.spki)).toBe(body(spkiPublic));
      expect(bytesToBase64(k.value.pkcs8)).toBe(body(pkcs8Private));
      expect(k.value.bits).toBe(2048);
    }
  });

  it('reads SPKI and PKCS#1 public keys, PEM or bare base64, to the same SPKI', async () => {
    for (const text of [spkiPublic, pkcs1Public, body(spkiPublic), body(pkcs1Public)]) {
      const k = await parsePublicKey(text);
      if (!k.ok) throw new Error(k.problem);
      expect(bytesToBase64(k.value)).toBe(body(spkiPublic));
    }
  });

  it('fingerprints a key as sha256 of its SPKI DER, as `openssl pkey -pubin -outform DER | sha256sum`', async () => {
    expect(await fingerprint(der(spkiPublic))).toBe(
      'sha256:184bb369f083bf71fe63f59d7493d5c5851a13bd38db90dc3657845b80b336a7',
    );
  });

  it('signs with a PKCS#1 key so that the matching public key verifies, and nothing else does', async () => {
    const k = await parsePrivateKey(pkcs1Private);
    if (!k.ok) throw new Error(k.problem);
    const sig = await rsaSign(k.value.pkcs8, 'a=1&b=2');
    expect(await rsaVerify(der(spkiPublic), 'a=1&b=2', sig)).toBe(true);
    expect(await rsaVerify(der(spkiPublic), 'a=1&b=3', sig)).toBe(false);
    expect(await rsaVerify(der(spkiPublic), 'a=1&b=2', `${sig.slice(0, -4)}AAA=`)).toBe(false);
    expect(await rsaVerify(der(spkiPublic), 'a=1&b=2', 'not base64!')).toBe(false);
  });
});

describe('keys that are not what the field asks for', () => {
  it.each([
    ['', 'is empty'],
    ['-----BEGIN PRIVATE KEY-----\nMIIE', 'is not a well-formed PEM block'],
    ['hello world', 'neither PEM nor bare base64'],
    ['QUJD', 'is not a private key'],
    [ecPkcs8, 'is an EC key'],
    [ecSec1, 'is an EC key'],
    [spkiPublic, 'is a public key'],
    [pkcs1Public, 'is a public key'],
    [rsa1024, 'is a 1024-bit key'],
    ['-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----', 'encrypted private key'],
  ])('private key %#: %s', async (text, problem) => {
    const r = await parsePrivateKey(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain(problem);
  });

  it.each([
    [ecPublic, 'is an EC key'],
    [pkcs8Private, 'is a private key'],
    [pkcs1Private, 'is a private key'],
    ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'is a certificate'],
    ['MIIB', 'is not an RSA public key'],
  ])('public key %#: %s', async (text, problem) => {
    const r = await parsePublicKey(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain(problem);
  });
});
