/**
 * The WeChat Pay v3 simulator as one object: its routes at `/sandbox/wechat` (routes.ts), its
 * notifier and key (notify.ts; the public key id is issued with the key pair), the config a
 * sandbox app with no setup gets, and where a browser opens an App or JSAPI payment (by prepay_id).
 */
import type { WechatSecrets, WechatSettings } from '../../channels/wechat/config';
import { jsonObject, str } from '../../channels/wechat/protocol';
import { randomToken } from '../../domain/ids';
import { base64ToBytes, bytesToBase64, fingerprint, generateRsaKeyPair } from '../../domain/rsa';
import type { Simulator } from '../types';
import { CHANNEL, notifier, publicKeyIdOf, SIMULATOR_BASE } from './notify';
import routes from './routes';

export const wechatSimulator = {
  name: CHANNEL,
  routes,
  gateway: SIMULATOR_BASE,
  notifier,
  issuer: async (pair) => ({ public_key_id: await publicKeyIdOf(pair.spki) }),

  /** A fresh merchant key pair, a mchid and appid made from the app's id, a random API v3 key. */
  async implicit(appId, sim) {
    const pair = await generateRsaKeyPair();
    const mchid = `19${String(appId).padStart(8, '0')}`;
    return {
      account: mchid,
      settings: {
        mchid,
        appid: `wx${String(appId).padStart(16, '0')}`,
        base_url: SIMULATOR_BASE,
        merchant_serial_no: (await fingerprint(pair.spki)).slice(7, 47).toUpperCase(),
        merchant_public_key: bytesToBase64(pair.spki),
        merchant_private_key_fingerprint: await fingerprint(pair.spki),
        wechatpay_public_key: sim.publicKey,
        wechatpay_public_key_id: sim.material.public_key_id,
        wechatpay_public_key_fingerprint: await fingerprint(base64ToBytes(sim.publicKey)),
      },
      secrets: { merchant_private_key: bytesToBase64(pair.pkcs8), api_v3_key: randomToken(32) },
    };
  },

  appLink(s, payInfo, origin) {
    if (s.base_url !== SIMULATOR_BASE) return null;
    const p = jsonObject(payInfo);
    const prepay = str(p, 'prepayid') ?? str(p, 'package')?.replace(/^prepay_id=/, '');
    return prepay ? `${origin}${SIMULATOR_BASE}/pay/${encodeURIComponent(prepay)}` : null;
  },
} satisfies Simulator<WechatSettings, WechatSecrets>;
