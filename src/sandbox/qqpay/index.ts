/**
 * The QQ Wallet simulator as one object: its routes at `/sandbox/qqpay` (routes.ts) and notifier
 * (it has no key pair: QQ Wallet signs with the merchant's API key), the config a sandbox app
 * with no setup gets, and where a browser opens an App payment (by `tokenId`).
 */
import type { QqpaySecrets, QqpaySettings } from '../../channels/qqpay/config';
import { randomToken } from '../../domain/ids';
import { md5Hex } from '../../domain/sign';
import type { Simulator } from '../types';
import routes, { notifier, SIMULATOR_BASE } from './routes';

export const qqpaySimulator = {
  name: 'qqpay',
  routes,
  gateway: SIMULATOR_BASE,
  notifier,

  /** A random API key and App key, a mch_id, appid and refund operator made from the app's id. */
  async implicit(appId) {
    const apiKey = randomToken(32);
    return {
      account: `18${String(appId).padStart(8, '0')}`,
      settings: {
        mch_id: `18${String(appId).padStart(8, '0')}`,
        appid: `11${String(appId).padStart(8, '0')}`,
        base_url: SIMULATOR_BASE,
        cert_binding: '',
        op_user_id: `18${String(appId).padStart(8, '0')}01`,
        api_key_fingerprint: `md5:${(await md5Hex(apiKey)).slice(0, 12)}`,
      },
      secrets: { api_key: apiKey, app_key: randomToken(32), op_user_passwd_md5: await md5Hex(randomToken(12)) },
    };
  },

  appLink(s, payInfo, origin) {
    if (s.base_url !== SIMULATOR_BASE) return null;
    try {
      const token = (JSON.parse(payInfo) as { tokenId?: string }).tokenId;
      return token ? `${origin}${SIMULATOR_BASE}/pay/${encodeURIComponent(token)}` : null;
    } catch {
      return null;
    }
  },
} satisfies Simulator<QqpaySettings, QqpaySecrets>;
