/**
 * A UnionPay config: the merchant number, the signing key and its certId, UnionPay's root and
 * middle certificates (which every answer's `signPubKeyCert` must chain to), the gateway — checked
 * and normalised when saved, and what answers show instead of secrets. A live app may use
 * UnionPay's own https gateway only; a sandbox app any URL, the deployment's built-in simulator
 * included (its certificates are then the simulator's).
 */
import { z } from '@hono/zod-openapi';
import { base64ToBytes, bytesToBase64, fingerprint, parsePrivateKey, toPem } from '../../domain/rsa';
import { absoluteUrl, checkProviderUrl } from '../provider-url';
import { configInvalid } from '../../errors';
import type { PrepareContext, PreparedConfig } from '../types';
import { parseCert } from './certs';
import { DEFAULT_BASE } from './protocol';

export interface UnionpaySettings {
  mer_id: string;
  base_url: string;
  sign_cert_id: string;
  /** Base64 SPKI derived from sign_key (what UnionPay verifies requests with). */
  sign_public_key: string;
  sign_key_fingerprint: string;
  root_cert: string;
  middle_cert: string;
}

export interface UnionpaySecrets {
  sign_key: string;
}

const LIVE_HOSTS = ['gateway.95516.com'];

export const input = z
  .object({
    mer_id: z
      .string()
      .regex(/^[0-9A-Za-z]{15}$/, 'the UnionPay merchant number (商户号), 15 characters')
      .openapi({ example: '777290058110048' }),
    sign_key: z.string().max(8000).optional().openapi({
      description:
        "the private key of the merchant's signing certificate, PKCS#8 (or PKCS#1) PEM; kept on update when omitted",
    }),
    sign_cert_id: z
      .string()
      .regex(/^\d{1,40}$/, "the signing certificate's serial number in decimal (certId)")
      .optional()
      .openapi({ example: '69629715588' }),
    sign_cert_p12: z
      .string()
      .max(20000)
      .optional()
      .openapi({ description: 'not supported: give sign_key and sign_cert_id (see the README)' }),
    sign_cert_password: z.string().max(200).optional().openapi({ description: 'not supported, with sign_cert_p12' }),
    root_cert: z.string().max(8000).optional().openapi({
      description: "UnionPay's root certificate (acp_prod_root.cer), PEM; optional for the built-in simulator",
    }),
    middle_cert: z.string().max(8000).optional().openapi({
      description: "UnionPay's middle certificate (acp_prod_middle.cer), PEM; optional for the built-in simulator",
    }),
    base_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_BASE}; sandbox apps may use <origin>/sandbox/unionpay` }),
  })
  .openapi('UnionpayChannelConfig');

/** Checks and normalises a config being saved; throws `configInvalid` naming the field. */
export async function prepareConfig(
  raw: Record<string, unknown>,
  ctx: PrepareContext<UnionpaySettings, UnionpaySecrets>,
): Promise<PreparedConfig<UnionpaySettings, UnionpaySecrets>> {
  const i = input.parse(raw);
  if (i.sign_cert_p12 !== undefined || i.sign_cert_password !== undefined)
    throw configInvalid(
      'sign_cert_p12',
      "is not supported: UnionPay's .pfx files use legacy 3DES/RC2 encryption that WebCrypto cannot open; give sign_key (openssl pkcs12 -in acp.pfx -nocerts -nodes | openssl pkcs8 -topk8 -nocrypt) and sign_cert_id (the certificate's serial in decimal)",
    );
  const base = checkProviderUrl('base_url', i.base_url ?? DEFAULT_BASE, ctx, {
    liveHosts: LIVE_HOSTS,
    provider: `UnionPay's own gateway (${DEFAULT_BASE})`,
  });
  const prev = ctx.previous;
  const keyText = i.sign_key ?? prev?.secrets.sign_key ?? null;
  if (keyText === null)
    throw configInvalid('sign_key', "is required: the private key of the merchant's signing certificate (PKCS#8 PEM)");
  const key = await parsePrivateKey(keyText);
  if (!key.ok) throw configInvalid('sign_key', key.problem);
  const certId = i.sign_cert_id ?? prev?.settings.sign_cert_id ?? null;
  if (certId === null)
    throw configInvalid('sign_cert_id', "is required: the signing certificate's serial number in decimal (certId)");
  const sim = base.simulated ? await ctx.simulator() : null;
  const certs: Record<'root_cert' | 'middle_cert', string> = { root_cert: '', middle_cert: '' };
  for (const field of ['root_cert', 'middle_cert'] as const) {
    const text = i[field] ?? sim?.material[field] ?? prev?.settings[field] ?? null;
    if (text === null)
      throw configInvalid(
        field,
        `is required: UnionPay's ${field === 'root_cert' ? 'root' : 'middle'} certificate (PEM)`,
      );
    const cert = parseCert(text);
    if (!cert.ok) throw configInvalid(field, cert.problem);
    certs[field] = cert.value.toString('pem');
  }
  const root = parseCert(certs.root_cert);
  const middle = parseCert(certs.middle_cert);
  if (root.ok && middle.ok && middle.value.issuer !== root.value.subject)
    throw configInvalid('middle_cert', `is issued by ${middle.value.issuer}, not by root_cert (${root.value.subject})`);
  return {
    account: i.mer_id,
    settings: {
      mer_id: i.mer_id,
      base_url: base.url,
      sign_cert_id: certId,
      sign_public_key: bytesToBase64(key.value.spki),
      sign_key_fingerprint: await fingerprint(key.value.spki),
      ...certs,
    },
    secrets: { sign_key: bytesToBase64(key.value.pkcs8) },
  };
}

/** A config as answers show it: the public key and certificates, never the sign key. */
export function configView(s: UnionpaySettings, origin: string) {
  return {
    mer_id: s.mer_id,
    base_url: absoluteUrl(s.base_url, origin),
    sign_key: null,
    sign_key_fingerprint: s.sign_key_fingerprint,
    sign_public_key: toPem(base64ToBytes(s.sign_public_key), 'PUBLIC KEY'),
    sign_cert_id: s.sign_cert_id,
    root_cert: s.root_cert,
    middle_cert: s.middle_cert,
  };
}
