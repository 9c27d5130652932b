/**
 * What the Alipay simulator sends the merchant: the signed async notify (trade_status_sync),
 * in-process when the notify URL is this deployment's own, retried on Alipay's schedule from the
 * sweep (4m, 10m, 10m, 1h, 2h, 6h, 15h), and the signed sync-return redirect of page flows.
 */
import { and, eq, lte, min } from 'drizzle-orm';
import { simTrades, type SimTrade } from '../../db/schema';
import { rsaSign } from '../../domain/rsa';
import type { Db } from '../../env';
import { ownOrigins, selfFetch } from '../../services/loopback';
import { postOnce } from '../../services/outbound';
import { wakeSweeper } from '../../services/wake';
import { simulatorKeys } from '../sandbox';
import { chinaTime, notifyContent, type Params, yuan } from './protocol';
import { CHANNEL } from './simulator-trades';

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

/** POSTs the notify: in-process when the notify URL is on one of our own origins, else over HTTP. */
async function post(
  env: Env,
  url: string,
  body: string,
  origins: string[],
): Promise<{ ok: boolean; error: string | null }> {
  const own = ownOrigins(env).concat(origins);
  const sameWorker = (() => {
    try {
      return own.includes(new URL(url).origin);
    } catch {
      return false;
    }
  })();
  const headers = { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' };
  if (sameWorker) {
    const res = await selfFetch(new Request(url, { method: 'POST', headers, body }), env);
    const text = await res.text();
    return { ok: res.status === 200 && text.trim() === 'success', error: `HTTP ${res.status} ${text.slice(0, 100)}` };
  }
  const res = await postOnce(url, body, headers);
  return { ok: res.status === 200 && res.text?.trim() === 'success', error: res.error ?? `HTTP ${res.status}` };
}

/** One notify attempt for a trade whose notify is owed (claimed by compare-and-set on the attempt count). */
export async function deliverNotify(env: Env, db: Db, tradeId: number, requestOrigin: string | null): Promise<void> {
  const t = await db.query.simTrades.findFirst({ where: eq(simTrades.id, tradeId) });
  if (t?.notifyState !== 'pending' || !t.notifyUrl) return;
  const attempt = t.notifyAttempts + 1;
  const [claimed] = await db
    .update(simTrades)
    .set({ notifyAttempts: attempt, nextNotifyMs: Date.now() + 120_000 })
    .where(and(eq(simTrades.id, t.id), eq(simTrades.notifyAttempts, t.notifyAttempts)))
    .returning();
  if (!claimed) return;
  const body = new URLSearchParams(await notifyFields(env, db, claimed)).toString();
  let delivered = false;
  try {
    delivered = (await post(env, t.notifyUrl, body, [t.origin, ...(requestOrigin ? [requestOrigin] : [])])).ok;
  } catch {
    delivered = false;
  }
  const retryIn = NOTIFY_RETRY_S[attempt - 1];
  await db
    .update(simTrades)
    .set(
      delivered
        ? { notifyState: 'delivered', nextNotifyMs: null }
        : retryIn === undefined
          ? { notifyState: 'failed', nextNotifyMs: null }
          : { nextNotifyMs: Date.now() + retryIn * 1000 },
    )
    .where(eq(simTrades.id, t.id));
  if (!delivered && retryIn !== undefined) await wakeSweeper(env, Date.now() + retryIn * 1000);
}

/** The sweep's part: notify attempts of simulated trades that are due; when the next one will be, or null. */
export async function sweepSimulatedNotifies(env: Env, db: Db, nowMs = Date.now()): Promise<number | null> {
  const owed = eq(simTrades.notifyState, 'pending');
  const due = await db
    .select({ id: simTrades.id })
    .from(simTrades)
    .where(and(owed, lte(simTrades.nextNotifyMs, nowMs)))
    .limit(50);
  await Promise.all(due.map((t) => deliverNotify(env, db, t.id, null)));
  const [next] = await db
    .select({ t: min(simTrades.nextNotifyMs) })
    .from(simTrades)
    .where(owed);
  return next?.t ?? null;
}
