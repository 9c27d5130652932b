/**
 * The UnionPay simulator as one object: its routes at `/sandbox/unionpay` (routes.ts), its notifier (notify.ts),
 * the certificate chain it issues for its key pair (certs.ts), the config a sandbox app with no
 * setup gets, and where a browser opens an App consume (by `tn`).
 */
import type { UnionpaySecrets, UnionpaySettings } from '../../channels/unionpay/config';
import { bytesToBase64, fingerprint, generateRsaKeyPair } from '../../domain/rsa';
import type { Simulator } from '../types';
import { issueChain } from './certs';
import { notifier, SIMULATOR_BASE } from './notify';
import routes from './routes';

export const unionpaySimulator = {
  name: 'unionpay',
  routes,
  gateway: SIMULATOR_BASE,
  notifier,
  issuer: (pair) => issueChain(pair),

  /** A fresh sign key pair, a merId made from the app's id, the simulator's root and middle certs. */
  async implicit(appId, sim) {
    const pair = await generateRsaKeyPair();
    const merId = `777${String(appId).padStart(12, '0')}`;
    return {
      account: merId,
      settings: {
        mer_id: merId,
        base_url: SIMULATOR_BASE,
        sign_cert_id: String(BigInt(`0x${(await fingerprint(pair.spki)).slice(7, 23)}`)),
        sign_public_key: bytesToBase64(pair.spki),
        sign_key_fingerprint: await fingerprint(pair.spki),
        root_cert: sim.material.root_cert,
        middle_cert: sim.material.middle_cert,
      },
      secrets: { sign_key: bytesToBase64(pair.pkcs8) },
    };
  },

  appLink(s, payInfo, origin) {
    return s.base_url === SIMULATOR_BASE ? `${origin}${SIMULATOR_BASE}/pay/${encodeURIComponent(payInfo)}` : null;
  },
} satisfies Simulator<UnionpaySettings, UnionpaySecrets>;
