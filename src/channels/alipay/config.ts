/**
 * An Alipay config: the fields a merchant gives (app_id, the app's private key, the Alipay public
 * key, the gateway), checked and normalised when saved, and what answers show instead of secrets.
 * A live app may use Alipay's own https gateway only; a sandbox app any URL, the deployment's
 * built-in simulator included (stored as its path, so it follows the deployment's origin).
 */
import { z } from '@hono/zod-openapi';
import { bytesToBase64, fingerprint, parsePrivateKey, parsePublicKey } from '../../domain/rsa';
import { checkProviderUrl } from '../provider-url';
import { configInvalid } from '../../errors';
import type { PrepareContext, PreparedConfig } from '../types';

export interface AlipaySettings {
  app_id: string;
  /** Alipay's gateway URL, or the built-in simulator's path (`/sandbox/alipay/gateway.do`). */
  gateway_url: string;
  /** Base64 SPKI of the Alipay public key (verifies answers and notifies). */
  alipay_public_key: string;
  alipay_public_key_fingerprint: string;
  /** Base64 SPKI of the app's public key, derived from its private key (what Alipay must have). */
  app_public_key: string;
  private_key_fingerprint: string;
}

export interface AlipaySecrets {
  /** Base64 PKCS#8 of the app's private key. */
  private_key: string;
}

export const DEFAULT_GATEWAY = 'https://openapi.alipay.com/gateway.do';
/** Where a live app's requests may go: Alipay's own production gateway, over https. */
const LIVE_HOSTS = ['openapi.alipay.com'];

export const input = z
  .object({
    app_id: z
      .string()
      .regex(/^[0-9A-Za-z]{1,32}$/, 'the Alipay app id (APPID), up to 32 letters and digits')
      .openapi({ example: '2021004100000000' }),
    private_key: z.string().max(8000).optional().openapi({
      description: "the app's RSA2 private key: PKCS#8 or PKCS#1 PEM, or bare base64 (kept on update when omitted)",
    }),
    alipay_public_key: z.string().max(4000).optional().openapi({
      description: 'the Alipay public key (支付宝公钥), SPKI PEM or bare base64; optional for the built-in simulator',
    }),
    gateway_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_GATEWAY}; sandbox apps may use <origin>/sandbox/alipay/gateway.do` }),
  })
  .openapi('AlipayChannelConfig');

/** Checks and normalises a config being saved; throws `configInvalid` naming the field. */
export async function prepareConfig(
  raw: Record<string, unknown>,
  ctx: PrepareContext<AlipaySettings, AlipaySecrets>,
): Promise<PreparedConfig<AlipaySettings, AlipaySecrets>> {
  const i = input.parse(raw);
  const gateway = checkProviderUrl('gateway_url', i.gateway_url ?? DEFAULT_GATEWAY, ctx, {
    liveHosts: LIVE_HOSTS,
    provider: `Alipay's own gateway (${DEFAULT_GATEWAY})`,
  });
  const privateText = i.private_key ?? (ctx.previous ? ctx.previous.secrets.private_key : null);
  if (privateText === null) throw configInvalid('private_key', "is required: the app's RSA2 private key");
  const priv = await parsePrivateKey(privateText);
  if (!priv.ok) throw configInvalid('private_key', priv.problem);
  const publicText =
    i.alipay_public_key ??
    (gateway.simulated ? (await ctx.simulator()).publicKey : (ctx.previous?.settings.alipay_public_key ?? null));
  if (publicText === null)
    throw configInvalid('alipay_public_key', 'is required: the Alipay public key (支付宝公钥) of this app');
  const pub = await parsePublicKey(publicText);
  if (!pub.ok) throw configInvalid('alipay_public_key', pub.problem);
  const appPublic = bytesToBase64(priv.value.spki);
  if (bytesToBase64(pub.value) === appPublic)
    throw configInvalid(
      'alipay_public_key',
      "is the app's own public key (it matches private_key): paste the Alipay public key (支付宝公钥) from the Alipay console",
    );
  return {
    account: i.app_id,
    settings: {
      app_id: i.app_id,
      gateway_url: gateway.url,
      alipay_public_key: bytesToBase64(pub.value),
      alipay_public_key_fingerprint: await fingerprint(pub.value),
      app_public_key: appPublic,
      private_key_fingerprint: await fingerprint(priv.value.spki),
    },
    secrets: { private_key: bytesToBase64(priv.value.pkcs8) },
  };
}

/** A config as answers show it: fingerprints, the public keys, never the private key. */
export function configView(s: AlipaySettings, origin: string) {
  return {
    app_id: s.app_id,
    gateway_url: s.gateway_url.startsWith('/') ? `${origin}${s.gateway_url}` : s.gateway_url,
    private_key: null,
    private_key_fingerprint: s.private_key_fingerprint,
    app_public_key: s.app_public_key,
    alipay_public_key: s.alipay_public_key,
    alipay_public_key_fingerprint: s.alipay_public_key_fingerprint,
  };
}
