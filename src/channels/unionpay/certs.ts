/**
 * UnionPay's certificates with @peculiar/x509 (WebCrypto, runs in workerd):
 *
 * - Validating the `signPubKeyCert` an answer or notify carries, as the ACP SDK does: the chain
 *   signing cert → middle → root must verify with the configured middle and root certificates,
 *   every certificate must be inside its validity dates, and the signing cert's subject must be
 *   UnionPay's: its DN split by `@` has `中国银联股份有限公司` as third part. Then its public key
 *   verifies the signature (protocol.ts).
 * - `certId`: a certificate's serial number in decimal.
 * - The simulator's own chain (root → middle → signing cert), issued once per deployment.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export const UNIONPAY_CN = '中国银联股份有限公司';
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

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
const certIdOf = (cert: x509.X509Certificate) => BigInt(`0x${cert.serialNumber || '0'}`).toString(10);

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

const randomSerial = () =>
  `7${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;

async function rsaKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
}

/** A certificate of `subject` for `publicKey`, issued by `issuer` with its private key. */
async function issue(o: {
  subject: string;
  issuer: string;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  ca: boolean;
  days: number;
  nowMs: number;
}): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: o.subject,
    issuer: o.issuer,
    notBefore: new Date(o.nowMs - DAY_MS),
    notAfter: new Date(o.nowMs + o.days * DAY_MS),
    signingAlgorithm: RSA,
    publicKey: o.publicKey,
    signingKey: o.signingKey,
    extensions: o.ca
      ? [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ]
      : [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)],
  });
}

/**
 * The simulator's chain for its signing key pair: a root, a middle CA and the signing cert whose
 * CN names UnionPay the way its real signing certs do. Root and middle keys are thrown away.
 */
export async function issueChain(pair: { pkcs8: Uint8Array; spki: Uint8Array }, nowMs = Date.now()) {
  const root = await rsaKeys();
  const middle = await rsaKeys();
  const rootName = 'CN=huipay Sandbox UnionPay Root CA, O=huipay sandbox, C=CN';
  const middleName = 'CN=huipay Sandbox UnionPay Middle CA, O=huipay sandbox, C=CN';
  const leafName = `CN=041@8310000000000000@${UNIONPAY_CN}@00000001, OU=00000000, O=huipay sandbox, C=CN`;
  const signKey = await crypto.subtle.importKey('spki', pair.spki, RSA, true, ['verify']);
  const rootCert = await issue({
    subject: rootName,
    issuer: rootName,
    publicKey: root.publicKey,
    signingKey: root.privateKey,
    ca: true,
    days: 7300,
    nowMs,
  });
  const middleCert = await issue({
    subject: middleName,
    issuer: rootName,
    publicKey: middle.publicKey,
    signingKey: root.privateKey,
    ca: true,
    days: 3650,
    nowMs,
  });
  const signCert = await issue({
    subject: leafName,
    issuer: middleName,
    publicKey: signKey,
    signingKey: middle.privateKey,
    ca: false,
    days: 1825,
    nowMs,
  });
  return {
    root_cert: rootCert.toString('pem'),
    middle_cert: middleCert.toString('pem'),
    sign_cert: signCert.toString('pem'),
    cert_id: certIdOf(signCert),
  };
}
