/**
 * What the UnionPay simulator holds and sends: its signing key pair with the certificate chain
 * issued for it (certs.ts), the signed result fields of a paid consume (the notify to `backUrl`
 * and the browser's front return), and the notify, re-sent until answered HTTP 200 (../notify.ts).
 */
import { compactChinaTime } from '../../domain/china-time';
import { type Fields, signFields } from '../../channels/unionpay/protocol';
import type { SimTrade } from '../../db/schema';
import type { Db } from '../../env';
import { simulatorKeys } from '../store';
import type { SimNotifier } from '../types';
import { issueChain } from './certs';

export const SIMULATOR_BASE = '/sandbox/unionpay';
export const CHANNEL = 'unionpay';
/** UnionPay re-sends a notify not answered 200 after about 1, 2, 4, 8 and 16 minutes. */
const NOTIFY_RETRY_S = [60, 120, 240, 480, 960];

/** The simulator's key pair and the chain issued for it. */
export const KEYS = (env: Env, db: Db) => simulatorKeys(env, db, CHANNEL, (pair) => issueChain(pair));

export async function resultFields(env: Env, db: Db, t: SimTrade): Promise<Fields> {
  const keys = await KEYS(env, db);
  return signFields(keys.pkcs8, {
    accessType: '0',
    bizType: '000201',
    currencyCode: '156',
    encoding: 'UTF-8',
    merId: t.account,
    orderId: t.outTradeNo,
    queryId: t.tradeNo,
    respCode: '00',
    respMsg: 'Success!',
    settleAmt: String(t.amountFen),
    settleCurrencyCode: '156',
    settleDate: compactChinaTime(t.paidMs ?? Date.now()).slice(4, 8),
    signMethod: '01',
    traceNo: t.tradeNo.slice(-6),
    traceTime: compactChinaTime(t.paidMs ?? Date.now()).slice(4),
    txnAmt: String(t.amountFen),
    txnSubType: '01',
    txnTime: t.extra.txn_time,
    txnType: '01',
    version: '5.1.0',
    accNo: '6216***********0018',
    payType: '0001',
    signPubKeyCert: keys.material.sign_cert,
  });
}

// ── what UnionPay sends the merchant ───────────────────────────────────────────────────────

/** The notify to backUrl: the signed result fields as a form, answered HTTP 200. */
export const notifier: SimNotifier = {
  async build(env, db, t) {
    return {
      body: new URLSearchParams(await resultFields(env, db, t)).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    };
  },
  accepted: (status) => status === 200,
  retryS: NOTIFY_RETRY_S,
};
