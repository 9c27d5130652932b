/**
 * What the Alipay simulator sends the merchant: the signed async notify (trade_status_sync), sent
 * and retried on Alipay's schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h) by the simulators' shared
 * sender (../notify.ts), and the signed sync-return redirect of page flows.
 */
import type { SimTrade } from '../../db/schema';
import { rsaSign } from '../../domain/rsa';
import type { Db } from '../../env';
import { simulatorKeys } from '../store';
import type { SimNotifier } from '../types';
import { chinaTime, notifyContent, type Params, yuan } from '../../channels/alipay/protocol';
import { CHANNEL } from './trades';

/** Alipay's notify schedule after the first attempt: 4m, 10m, 10m, 1h, 2h, 6h, 15h. */
const NOTIFY_RETRY_S = [240, 600, 600, 3600, 7200, 21600, 54000];

const SELLER_ID = '2088000000000000';

async function signFields(env: Env, db: Db, fields: Params): Promise<Params> {
  const keys = await simulatorKeys(env, db, CHANNEL);
  return { ...fields, sign_type: 'RSA2', sign: await rsaSign(keys.pkcs8, notifyContent(fields)) };
}

/** The sync return: the return_url with Alipay's signed fields appended. */
export async function returnUrl(env: Env, db: Db, t: SimTrade): Promise<string> {
  const fields = await signFields(env, db, {
    app_id: t.account,
    auth_app_id: t.account,
    charset: 'utf-8',
    method: `${t.api}.return`,
    out_trade_no: t.outTradeNo,
    seller_id: SELLER_ID,
    timestamp: chinaTime(Date.now()),
    total_amount: yuan(t.amountFen),
    trade_no: t.tradeNo,
    version: '1.0',
  });
  const u = new URL(t.returnUrl!);
  for (const [k, v] of Object.entries(fields)) u.searchParams.set(k, v);
  return u.toString();
}

/** The async notify's fields for a paid trade (trade_status_sync), signed. */
async function notifyFields(env: Env, db: Db, t: SimTrade): Promise<Params> {
  const amount = yuan(t.amountFen);
  return signFields(env, db, {
    gmt_create: chinaTime(t.createdMs),
    charset: 'utf-8',
    seller_email: 'sandbox-seller@huipay.test',
    subject: t.subject,
    buyer_id: '2088000000000001',
    invoice_amount: amount,
    notify_id: `${t.tradeNo}${t.notifyAttempts}`,
    fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
    notify_type: 'trade_status_sync',
    trade_status: t.status,
    receipt_amount: amount,
    buyer_pay_amount: amount,
    app_id: t.account,
    seller_id: SELLER_ID,
    gmt_payment: chinaTime(t.paidMs ?? t.createdMs),
    notify_time: chinaTime(Date.now()),
    version: '1.0',
    out_trade_no: t.outTradeNo,
    total_amount: amount,
    trade_no: t.tradeNo,
    auth_app_id: t.account,
    buyer_logon_id: 'sandbox***@huipay.test',
    point_amount: '0.00',
  });
}

/** How the simulator notifies: the signed form, answered `success`, retried on Alipay's schedule (../notify.ts). */
export const notifier: SimNotifier = {
  async build(env, db, t) {
    return {
      body: new URLSearchParams(await notifyFields(env, db, t)).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    };
  },
  accepted: (status, text) => status === 200 && text.trim() === 'success',
  retryS: NOTIFY_RETRY_S,
};
