/**
 * UnionPay's certificates with @peculiar/x509 (WebCrypto, runs in workerd):
 *
 * - Validating the `signPubKeyCert` an answer or notify carries, as the ACP SDK does: the chain
 *   signing cert → middle → root must verify with the configured middle and root certificates,
 *   every certificate must be inside its validity dates, and the signing cert's subject must be
 *   UnionPay's: its DN split by `@` has `中国银联股份有限公司` as third part. Then its public key
 *   verifies the signature (protocol.ts).
 * - `certId`: a certificate's serial number in decimal.
 * (The simulator issues its own chain in src/sandbox/unionpay/certs.ts.)
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export const UNIONPAY_CN = '中国银联股份有限公司';

export type CertResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** A PEM (or bare base64) certificate, parsed, or the problem. */
export function parseCert(text: string): CertResult<x509.X509Certificate> {
  const t = text.trim();
  if (!t) return { ok: false, problem: 'is empty' };
  if (t.includes('PRIVATE KEY'))
    return { ok: false, problem: 'is a private key: give the certificate (-----BEGIN CERTIFICATE-----)' };
  try {
    return { ok: true, value: new x509.X509Certificate(t.replace(/\r/g, '')) };
  } catch {
    return { ok: false, problem: 'is not an X.509 certificate (PEM -----BEGIN CERTIFICATE----- or base64 DER)' };
  }
}

/** A certificate's serial number in decimal: UnionPay's certId. */
export const certIdOf = (cert: x509.X509Certificate) => BigInt(`0x${cert.serialNumber || '0'}`).toString(10);

/** The SPKI DER of a certificate's public key. */
const spkiOf = (cert: x509.X509Certificate) => new Uint8Array(cert.publicKey.rawData);

/** The `@`-separated third part of a subject DN's CN, as the ACP SDK reads it. */
function unionpayName(cert: x509.X509Certificate): string | null {
  const cn = cert.subjectName.getField('CN')[0] ?? '';
  return cn.split('@')[2] ?? null;
}

const within = (c: x509.X509Certificate, nowMs: number) =>
  c.notBefore.getTime() <= nowMs && nowMs <= c.notAfter.getTime();

/**
 * Validates a `signPubKeyCert` against the configured root and middle certificates; its public key
 * (SPKI DER) when it is UnionPay's valid signing certificate, else why not.
 */
export async function validateSignCert(
  pem: string,
  rootPem: string,
  middlePem: string,
  nowMs = Date.now(),
): Promise<CertResult<Uint8Array>> {
  const leaf = parseCert(pem);
  if (!leaf.ok) return { ok: false, problem: `signPubKeyCert ${leaf.problem}` };
  const root = parseCert(rootPem);
  const middle = parseCert(middlePem);
  if (!root.ok || !middle.ok) return { ok: false, problem: 'the configured root_cert or middle_cert does not parse' };
  const l = leaf.value;
  const m = middle.value;
  const r = root.value;
  if (l.issuer !== m.subject || !(await l.verify({ publicKey: m.publicKey, signatureOnly: true })))
    return {
      ok: false,
      problem: `signPubKeyCert (${l.subject}) is not issued by the configured middle_cert (${m.subject})`,
    };
  if (m.issuer !== r.subject || !(await m.verify({ publicKey: r.publicKey, signatureOnly: true })))
    return {
      ok: false,
      problem: `the configured middle_cert is not issued by the configured root_cert (${r.subject})`,
    };
  if (!(await r.verify({ publicKey: r.publicKey, signatureOnly: true })))
    return { ok: false, problem: 'the configured root_cert is not self-signed' };
  for (const [name, c] of [
    ['signPubKeyCert', l],
    ['middle_cert', m],
    ['root_cert', r],
  ] as const)
    if (!within(c, nowMs))
      return {
        ok: false,
        problem: `${name} is outside its validity (${c.notBefore.toISOString()} to ${c.notAfter.toISOString()})`,
      };
  if (unionpayName(l) !== UNIONPAY_CN)
    return { ok: false, problem: `signPubKeyCert's subject (${l.subject}) is not UnionPay's (${UNIONPAY_CN})` };
  return { ok: true, value: spkiOf(l) };
}
