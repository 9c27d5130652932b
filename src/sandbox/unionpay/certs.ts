/**
 * The UnionPay simulator's certificate chain, issued once per deployment with @peculiar/x509:
 * root → middle → signing cert, whose CN names UnionPay the way its real signing certs do (so
 * the channel's validation in src/channels/unionpay/certs.ts accepts it). Root and middle keys
 * are thrown away after issuing.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { certIdOf, UNIONPAY_CN } from '../../channels/unionpay/certs';
import { randomHex } from '../../domain/bytes';

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

const randomSerial = () => `7${randomHex(8)}`;

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
