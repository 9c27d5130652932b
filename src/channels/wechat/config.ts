/**
 * A WeChat Pay config: the merchant number and AppID, the merchant's API key and certificate
 * serial, the API v3 key, the WeChat Pay public key and its id, the API base — checked and
 * normalised when saved, and what answers show instead of secrets. A live app may use WeChat Pay's
 * own https API only; a sandbox app any URL, the deployment's built-in simulator included.
 */
import { z } from '@hono/zod-openapi';
import { base64ToBytes, bytesToBase64, fingerprint, parsePrivateKey, parsePublicKey, toPem } from '../../domain/rsa';
import { absoluteUrl, checkProviderUrl } from '../provider-url';
import { configInvalid } from '../../errors';
import type { PrepareContext, PreparedConfig } from '../types';
import { DEFAULT_BASE } from './protocol';

export interface WechatSettings {
  mchid: string;
  appid: string;
  /** WeChat Pay's API base, or the simulator's path (`/sandbox/wechat`). */
  base_url: string;
  merchant_serial_no: string;
  /** Base64 SPKI derived from the merchant private key (what WeChat Pay verifies requests with). */
  merchant_public_key: string;
  merchant_private_key_fingerprint: string;
  /** Base64 SPKI of the WeChat Pay public key, and its id (`PUB_KEY_ID_…`). */
  wechatpay_public_key: string;
  wechatpay_public_key_id: string;
  wechatpay_public_key_fingerprint: string;
}

export interface WechatSecrets {
  merchant_private_key: string;
  api_v3_key: string;
}

const LIVE_HOSTS = ['api.mch.weixin.qq.com', 'api2.mch.weixin.qq.com'];

export const input = z
  .object({
    mchid: z
      .string()
      .regex(/^\d{1,32}$/, 'the WeChat Pay merchant number (商户号), digits')
      .openapi({ example: '1900000109' }),
    appid: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,32}$/, 'the AppID bound to the merchant number (公众号, 小程序 or App)')
      .openapi({ example: 'wxd678efh567hg6787' }),
    api_v3_key: z
      .string()
      .optional()
      .openapi({ description: 'the API v3 key (APIv3密钥), 32 characters; kept on update when omitted' }),
    merchant_serial_no: z
      .string()
      .regex(/^[0-9A-Fa-f]{8,64}$/, "the serial number of the merchant's API certificate (商户API证书序列号), hex")
      .openapi({ example: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1' }),
    merchant_private_key: z.string().max(8000).optional().openapi({
      description: "the merchant's API private key (apiclient_key.pem), PKCS#8 PEM; kept on update when omitted",
    }),
    wechatpay_public_key: z.string().max(4000).optional().openapi({
      description: 'the WeChat Pay public key (微信支付公钥, pub_key.pem); optional for the built-in simulator',
    }),
    wechatpay_public_key_id: z
      .string()
      .regex(/^PUB_KEY_ID_[0-9A-Za-z_]{1,64}$/, 'the id of the WeChat Pay public key, PUB_KEY_ID_…')
      .optional()
      .openapi({ example: 'PUB_KEY_ID_0114232134912410000000000000000000' }),
    base_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_BASE}; sandbox apps may use <origin>/sandbox/wechat` }),
  })
  .openapi('WechatChannelConfig');

/** Checks and normalises a config being saved; throws `configInvalid` naming the field. */
export async function prepareConfig(
  raw: Record<string, unknown>,
  ctx: PrepareContext<WechatSettings, WechatSecrets>,
): Promise<PreparedConfig<WechatSettings, WechatSecrets>> {
  const i = input.parse(raw);
  const base = checkProviderUrl('base_url', i.base_url ?? DEFAULT_BASE, ctx, {
    liveHosts: LIVE_HOSTS,
    provider: `WeChat Pay's own API (${DEFAULT_BASE})`,
  });
  const prev = ctx.previous;
  const apiV3Key = i.api_v3_key ?? prev?.secrets.api_v3_key ?? null;
  if (apiV3Key === null)
    throw configInvalid('api_v3_key', 'is required: the API v3 key (APIv3密钥) set in the merchant platform');
  if (new TextEncoder().encode(apiV3Key).length !== 32 || !/^[\x21-\x7e]+$/.test(apiV3Key))
    throw configInvalid(
      'api_v3_key',
      'must be exactly 32 characters (letters and digits), as set in the merchant platform',
    );
  const privateText = i.merchant_private_key ?? prev?.secrets.merchant_private_key ?? null;
  if (privateText === null)
    throw configInvalid('merchant_private_key', "is required: the merchant's API private key (apiclient_key.pem)");
  const priv = await parsePrivateKey(privateText);
  if (!priv.ok) throw configInvalid('merchant_private_key', priv.problem);
  const sim = base.simulated ? await ctx.simulator() : null;
  const publicText = i.wechatpay_public_key ?? sim?.publicKey ?? prev?.settings.wechatpay_public_key ?? null;
  if (publicText === null)
    throw configInvalid(
      'wechatpay_public_key',
      'is required: the WeChat Pay public key (微信支付公钥) from the merchant platform',
    );
  const pub = await parsePublicKey(publicText);
  if (!pub.ok) throw configInvalid('wechatpay_public_key', pub.problem);
  if (bytesToBase64(pub.value) === bytesToBase64(priv.value.spki))
    throw configInvalid(
      'wechatpay_public_key',
      "is the merchant's own public key (it matches merchant_private_key): paste the WeChat Pay public key (微信支付公钥)",
    );
  const keyId =
    i.wechatpay_public_key_id ?? sim?.material.public_key_id ?? prev?.settings.wechatpay_public_key_id ?? null;
  if (keyId === null)
    throw configInvalid('wechatpay_public_key_id', 'is required: the id of the WeChat Pay public key (PUB_KEY_ID_…)');
  return {
    account: i.mchid,
    settings: {
      mchid: i.mchid,
      appid: i.appid,
      base_url: base.url,
      merchant_serial_no: i.merchant_serial_no.toUpperCase(),
      merchant_public_key: bytesToBase64(priv.value.spki),
      merchant_private_key_fingerprint: await fingerprint(priv.value.spki),
      wechatpay_public_key: bytesToBase64(pub.value),
      wechatpay_public_key_id: keyId,
      wechatpay_public_key_fingerprint: await fingerprint(pub.value),
    },
    secrets: { merchant_private_key: bytesToBase64(priv.value.pkcs8), api_v3_key: apiV3Key },
  };
}

/** A config as answers show it: fingerprints and public keys, never a secret. */
export function configView(s: WechatSettings, origin: string) {
  return {
    mchid: s.mchid,
    appid: s.appid,
    base_url: absoluteUrl(s.base_url, origin),
    merchant_serial_no: s.merchant_serial_no,
    merchant_private_key: null,
    merchant_private_key_fingerprint: s.merchant_private_key_fingerprint,
    merchant_public_key: toPem(base64ToBytes(s.merchant_public_key), 'PUBLIC KEY'),
    api_v3_key: null,
    wechatpay_public_key: toPem(base64ToBytes(s.wechatpay_public_key), 'PUBLIC KEY'),
    wechatpay_public_key_id: s.wechatpay_public_key_id,
    wechatpay_public_key_fingerprint: s.wechatpay_public_key_fingerprint,
  };
}
