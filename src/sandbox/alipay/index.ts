/**
 * The Alipay simulator as one object: its routes at `/sandbox/alipay` (routes.ts: keys,
 * gateway.do, the payer; trades.ts: what each method does), its notifier (notify.ts), the config a
 * sandbox app with no setup gets, and where a browser opens an App order string.
 */
import type { AlipaySecrets, AlipaySettings } from '../../channels/alipay/config';
import { base64ToBytes, bytesToBase64, fingerprint, generateRsaKeyPair } from '../../domain/rsa';
import type { Simulator } from '../types';
import { notifier } from './notify';
import routes from './routes';
import { CHANNEL, SIMULATOR_GATEWAY } from './trades';

export const alipaySimulator = {
  name: CHANNEL,
  routes,
  gateway: SIMULATOR_GATEWAY,
  notifier,

  /** A fresh key pair, an app_id made from the app's id, the simulator's public key. */
  async implicit(appId, { publicKey: simulatorPublicKey }) {
    const pair = await generateRsaKeyPair();
    const app_id = `9021${String(appId).padStart(12, '0')}`;
    return {
      account: app_id,
      settings: {
        app_id,
        gateway_url: SIMULATOR_GATEWAY,
        alipay_public_key: simulatorPublicKey,
        alipay_public_key_fingerprint: await fingerprint(base64ToBytes(simulatorPublicKey)),
        app_public_key: bytesToBase64(pair.spki),
        private_key_fingerprint: await fingerprint(pair.spki),
      },
      secrets: { private_key: bytesToBase64(pair.pkcs8) },
    };
  },

  appLink(s, payInfo, origin) {
    return s.gateway_url === SIMULATOR_GATEWAY ? `${origin}${SIMULATOR_GATEWAY}?${payInfo}` : null;
  },
} satisfies Simulator<AlipaySettings, AlipaySecrets>;
