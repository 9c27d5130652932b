/**
 * A QQ Wallet config: the merchant number and API key, the App's AppID and AppKey (app
 * payments), the refund operator and the mTLS certificate binding refunds go through, the API
 * base — checked and normalised when saved, and what answers show instead of secrets. A live app
 * may use QQ Wallet's own https API only; a sandbox app any URL, the built-in simulator included.
 */
import { z } from '@hono/zod-openapi';
import { md5Hex } from '../../domain/sign';
import { CERT_BINDING } from '../provider-url';
import { absoluteUrl, checkProviderUrl } from '../provider-url';
import { configInvalid } from '../../errors';
import type { PrepareContext, PreparedConfig } from '../types';
import { DEFAULT_BASE } from './protocol';

export interface QqpaySettings {
  mch_id: string;
  /** The QQ open platform AppID (App payments; optional otherwise). */
  appid: string;
  base_url: string;
  /** The Workers mTLS certificate binding that holds the merchant's client certificate (refunds), or ''. */
  cert_binding: string;
  op_user_id: string;
  api_key_fingerprint: string;
}

export interface QqpaySecrets {
  api_key: string;
  /** The QQ open platform AppKey, which signs the App SDK's PayApi. */
  app_key: string;
  /** MD5 of the refund operator's password (`op_user_passwd`). */
  op_user_passwd_md5: string;
}

const LIVE_HOSTS = ['qpay.qq.com', 'api.qpay.qq.com'];

export const input = z
  .object({
    mch_id: z
      .string()
      .regex(/^\d{1,32}$/, 'the QQ Wallet merchant number (商户号), digits')
      .openapi({ example: '1900000109' }),
    api_key: z.string().optional().openapi({
      description: 'the API key (API密钥) set in the QQ Wallet merchant platform; kept on update when omitted',
    }),
    appid: z
      .string()
      .regex(/^[0-9A-Za-z_]{1,32}$/, 'the QQ open platform AppID of your App')
      .optional()
      .openapi({ description: 'the QQ open platform AppID (needed for app payments)' }),
    app_key: z.string().max(128).optional().openapi({
      description: 'the QQ open platform AppKey, which signs the App SDK parameters (app payments); kept when omitted',
    }),
    op_user_id: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: 'the refund operator (操作员) id; refunds need it' }),
    op_user_passwd: z.string().max(128).optional().openapi({
      description: "the refund operator's password (stored as its MD5, as QQ Wallet takes it); kept when omitted",
    }),
    cert_binding: z
      .string()
      .regex(CERT_BINDING, 'the name of a Workers mTLS certificate binding, containing CERT (e.g. QQPAY_CERT)')
      .optional()
      .openapi({
        description: "the [[mtls_certificates]] binding that holds the merchant's client certificate (refunds)",
      }),
    base_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_BASE}; sandbox apps may use <origin>/sandbox/qqpay` }),
  })
  .openapi('QqpayChannelConfig');

/** Checks and normalises a config being saved; throws `configInvalid` naming the field. */
export async function prepareConfig(
  raw: Record<string, unknown>,
  ctx: PrepareContext<QqpaySettings, QqpaySecrets>,
): Promise<PreparedConfig<QqpaySettings, QqpaySecrets>> {
  const i = input.parse(raw);
  const base = checkProviderUrl('base_url', i.base_url ?? DEFAULT_BASE, ctx, {
    liveHosts: LIVE_HOSTS,
    provider: `QQ Wallet's own API (${DEFAULT_BASE})`,
  });
  const prev = ctx.previous;
  const apiKey = i.api_key ?? prev?.secrets.api_key ?? null;
  if (apiKey === null)
    throw configInvalid('api_key', 'is required: the API key (API密钥) of the QQ Wallet merchant platform');
  if (!/^[\x21-\x7e]{8,64}$/.test(apiKey))
    throw configInvalid(
      'api_key',
      'must be 8-64 printable ASCII characters (QQ Wallet API keys are 32 letters and digits)',
    );
  const passwd =
    i.op_user_passwd === undefined ? (prev?.secrets.op_user_passwd_md5 ?? '') : await md5Hex(i.op_user_passwd);
  return {
    account: i.mch_id,
    settings: {
      mch_id: i.mch_id,
      appid: i.appid ?? prev?.settings.appid ?? '',
      base_url: base.url,
      cert_binding: i.cert_binding ?? prev?.settings.cert_binding ?? '',
      op_user_id: i.op_user_id ?? prev?.settings.op_user_id ?? '',
      api_key_fingerprint: `md5:${(await md5Hex(apiKey)).slice(0, 12)}`,
    },
    secrets: { api_key: apiKey, app_key: i.app_key ?? prev?.secrets.app_key ?? '', op_user_passwd_md5: passwd },
  };
}

/** A config as answers show it: fingerprints, never a secret. */
export function configView(s: QqpaySettings, origin: string) {
  return {
    mch_id: s.mch_id,
    appid: s.appid || null,
    base_url: absoluteUrl(s.base_url, origin),
    api_key: null,
    api_key_fingerprint: s.api_key_fingerprint,
    app_key: null,
    op_user_id: s.op_user_id || null,
    op_user_passwd: null,
    cert_binding: s.cert_binding || null,
  };
}
