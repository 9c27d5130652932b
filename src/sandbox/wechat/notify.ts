/**
 * What the WeChat Pay simulator holds and sends: its key pair with its public key id
 * (`PUB_KEY_ID_01…`, made from the key), a trade as WeChat Pay reports it, and the signed,
 * encrypted `TRANSACTION.SUCCESS` notify (the resource sealed with the merchant's API v3 key),
 * retried on WeChat's schedule until answered 200/204 (../notify.ts).
 */
import { eq } from 'drizzle-orm';
import { encryptResource, nonce, responseMessage } from '../../channels/wechat/protocol';
import { channelConfigs, type SimTrade } from '../../db/schema';
import { rfc3339China } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import { rsaSign } from '../../domain/rsa';
import type { Db } from '../../env';
import { configSecrets, simulatorKeys } from '../store';
import type { SimNotifier } from '../types';

export const SIMULATOR_BASE = '/sandbox/wechat';
export const CHANNEL = 'wechat';
/** WeChat's notify schedule after the first attempt (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h). */
const NOTIFY_RETRY_S = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
const STATE_DESC: Record<string, string> = {
  NOTPAY: '未支付',
  SUCCESS: '支付成功',
  CLOSED: '已关闭',
  REFUND: '转入退款',
};

/** The simulator's key pair and its public key id. */
export const KEYS = (env: Env, db: Db) =>
  simulatorKeys(env, db, CHANNEL, async (pair) => ({ public_key_id: await publicKeyIdOf(pair.spki) }));

/** The simulator's public key id, made from the key: `PUB_KEY_ID_01` and 30 digits. */
export async function publicKeyIdOf(spki: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', spki));
  return `PUB_KEY_ID_01${[...digest]
    .map((b) => String(b % 10))
    .join('')
    .slice(0, 30)}`;
}

/** The transaction as a query answer (and a notify's resource) shows it. */
export function transaction(t: SimTrade): Record<string, unknown> {
  const paid = t.paidMs !== null;
  return {
    appid: t.extra.appid,
    mchid: t.account,
    out_trade_no: t.outTradeNo,
    ...(paid ? { transaction_id: t.tradeNo } : {}),
    trade_type: t.api,
    trade_state: t.status,
    trade_state_desc: STATE_DESC[t.status] ?? t.status,
    ...(paid ? { bank_type: 'OTHERS', success_time: rfc3339China(t.paidMs!) } : {}),
    attach: '',
    payer: paid ? { openid: t.extra.openid } : {},
    amount: { total: t.amountFen, payer_total: paid ? t.amountFen : 0, currency: 'CNY', payer_currency: 'CNY' },
  };
}

/** The notify: `TRANSACTION.SUCCESS`, the transaction sealed with the merchant's API v3 key, signed headers. */
export const notifier: SimNotifier = {
  async build(env, db, t) {
    const cfg = await db.query.channelConfigs.findFirst({ where: eq(channelConfigs.id, Number(t.extra.config_id)) });
    if (!cfg) throw new Error(`the config that made trade ${t.outTradeNo} is gone`);
    const { api_v3_key } = await configSecrets<{ api_v3_key: string }>(env, cfg);
    const keys = await KEYS(env, db);
    const now = Date.now();
    const body = JSON.stringify({
      id: `${randomToken(8)}-${randomToken(4)}-${randomToken(4)}-${randomToken(4)}-${randomToken(12)}`.toLowerCase(),
      create_time: rfc3339China(now),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: await encryptResource(api_v3_key, JSON.stringify(transaction(t)), 'transaction', 'transaction'),
    });
    const ts = String(Math.floor(now / 1000));
    const n = nonce();
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': n,
        'wechatpay-signature': await rsaSign(keys.pkcs8, responseMessage(ts, n, body)),
        'wechatpay-serial': keys.material.public_key_id,
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      },
    };
  },
  accepted: (status) => status === 200 || status === 204,
  retryS: NOTIFY_RETRY_S,
};
