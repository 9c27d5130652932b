/**
 * The Alipay simulator's trades: what its gateway.do does for each server method (precreate,
 * query, close, refund, fastpay.refund.query) and for the browser methods that open a trade, kept
 * in D1 (`sim_trades`, `sim_refunds`) as Alipay would hold them, and its signed answers.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { simTrades, type SimTrade } from '../../db/schema';
import { randomToken } from '../../domain/ids';
import { rsaSign } from '../../domain/rsa';
import type { Db } from '../../env';
import { findSimTrade, randomDigits, recordSimRefund, simRefundOf, simulatorKeys } from '../store';
import { API, answerText, chinaTime, fenOf, type Params, parseChinaTime, yuan } from '../../channels/alipay/protocol';

export const SIMULATOR_GATEWAY = '/sandbox/alipay/gateway.do';
export const CHANNEL = 'alipay';
/** Statuses in which a trade can be paid or closed (`CREATED`: a QR or order string not opened yet). */
export const OPEN = ['CREATED', 'WAIT_BUYER_PAY'];
/** Methods a browser (or the App SDK) opens: they lead to the payer page. */
export const BROWSER_APIS: readonly string[] = [API.wap, API.page, API.app];
const DEFAULT_TTL_MS = 2 * 3_600_000;

export type Body = Record<string, string>;
export type Refusal = { ok: false; code: string; msg: string; sub_code: string; sub_msg: string };
export type Result = { ok: true; fields: Body } | Refusal;

const ok = (fields: Body): Result => ({ ok: true, fields });
export const refuse = (code: string, msg: string, sub_code: string, sub_msg: string): Refusal => ({
  ok: false,
  code,
  msg,
  sub_code,
  sub_msg,
});
const business = (sub_code: string, sub_msg: string) => refuse('40004', 'Business Failed', sub_code, sub_msg);
export const invalid = (sub_code: string, sub_msg: string) => refuse('40002', 'Invalid Arguments', sub_code, sub_msg);

const findTrade = (db: Db, account: string, outTradeNo: string | undefined) =>
  findSimTrade(db, CHANNEL, account, outTradeNo);

/** A 28-digit trade number as Alipay writes them: the China date, 22001, 15 digits. */
const tradeNo = (now: number) => `${chinaTime(now).slice(0, 10).replaceAll('-', '')}22001${randomDigits(15)}`;

/** Opens (or finds) the trade a payment request names; a known out_trade_no must ask the same amount. */
export async function openTrade(
  db: Db,
  p: Params,
  biz: Body,
  origin: string,
  status: 'CREATED' | 'WAIT_BUYER_PAY',
): Promise<{ ok: true; trade: SimTrade } | { ok: false; result: Result }> {
  const amountFen = fenOf(biz.total_amount);
  if (!biz.out_trade_no || !/^[A-Za-z0-9_-]{1,64}$/.test(biz.out_trade_no))
    return {
      ok: false,
      result: invalid('isv.invalid-parameter', 'out_trade_no缺失或格式错误（1-64位字母、数字、下划线）'),
    };
  if (amountFen === null || amountFen <= 0 || amountFen > 10_000_000_000)
    return {
      ok: false,
      result: invalid('isv.invalid-parameter', 'total_amount格式错误：单位为元，精确到小数点后两位'),
    };
  if (!biz.subject) return { ok: false, result: invalid('isv.missing-parameter', '缺少subject参数') };
  const now = Date.now();
  const expiresMs = biz.time_expire ? parseChinaTime(biz.time_expire) : now + DEFAULT_TTL_MS;
  if (expiresMs === null)
    return { ok: false, result: invalid('isv.invalid-parameter', 'time_expire格式应为yyyy-MM-dd HH:mm:ss') };
  await db
    .insert(simTrades)
    .values({
      channel: CHANNEL,
      account: p.app_id,
      outTradeNo: biz.out_trade_no,
      tradeNo: tradeNo(now),
      token: randomToken(24),
      amountFen,
      subject: biz.subject.slice(0, 256),
      api: p.method,
      status,
      notifyUrl: p.notify_url || null,
      returnUrl: p.return_url || null,
      quitUrl: biz.quit_url || null,
      origin,
      expiresMs,
      createdMs: now,
    })
    .onConflictDoNothing();
  let trade = (await findTrade(db, p.app_id, biz.out_trade_no))!;
  if (trade.amountFen !== amountFen)
    return { ok: false, result: business('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改：同一out_trade_no的金额不一致') };
  if (trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED')
    return { ok: false, result: business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付') };
  if (trade.status === 'TRADE_CLOSED') return { ok: false, result: business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭') };
  if (status === 'WAIT_BUYER_PAY') {
    const [opened] = await db
      .update(simTrades)
      .set({
        status: 'WAIT_BUYER_PAY',
        returnUrl: p.return_url || trade.returnUrl,
        quitUrl: biz.quit_url || trade.quitUrl,
        notifyUrl: trade.notifyUrl ?? (p.notify_url || null),
      })
      .where(and(eq(simTrades.id, trade.id), inArray(simTrades.status, OPEN)))
      .returning();
    if (opened) trade = opened;
  }
  return { ok: true, trade };
}

/** The trade fields a query answers with. */
function tradeFields(t: SimTrade): Body {
  const f: Body = {
    trade_no: t.tradeNo,
    out_trade_no: t.outTradeNo,
    buyer_logon_id: 'sandbox***@huipay.test',
    trade_status: t.status,
    total_amount: yuan(t.amountFen),
    buyer_user_id: '2088000000000001',
  };
  if (t.paidMs !== null)
    Object.assign(f, {
      buyer_pay_amount: yuan(t.amountFen),
      receipt_amount: yuan(t.amountFen),
      invoice_amount: yuan(t.amountFen),
      point_amount: '0.00',
      send_pay_date: chinaTime(t.paidMs),
    });
  return f;
}

type Handler = (db: Db, p: Params, biz: Body, origin: string) => Promise<Result>;

const visible = (t: SimTrade | undefined): t is SimTrade => t !== undefined && t.status !== 'CREATED';

export const SERVER_APIS: Record<string, Handler> = {
  async [API.qr](db, p, biz, origin) {
    const opened = await openTrade(db, p, biz, origin, 'CREATED');
    if (!opened.ok) return opened.result;
    return ok({ out_trade_no: opened.trade.outTradeNo, qr_code: `${origin}/sandbox/alipay/qr/${opened.trade.token}` });
  },

  async [API.query](db, p, biz) {
    const t = await findTrade(db, p.app_id, biz.out_trade_no);
    return visible(t) ? ok(tradeFields(t)) : business('ACQ.TRADE_NOT_EXIST', '交易不存在');
  },

  async [API.close](db, p, biz) {
    const t = await findTrade(db, p.app_id, biz.out_trade_no);
    if (!t) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const [closed] = await db
      .update(simTrades)
      .set({ status: 'TRADE_CLOSED', closedMs: Date.now() })
      .where(and(eq(simTrades.id, t.id), inArray(simTrades.status, OPEN)))
      .returning();
    // A QR nobody scanned is no trade at Alipay yet: it answers "no such trade", and the code is dead.
    if (closed && t.status === 'CREATED') return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    if (closed) return ok({ trade_no: closed.tradeNo, out_trade_no: closed.outTradeNo });
    return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
  },

  async [API.refund](db, p, biz) {
    const t = await findTrade(db, p.app_id, biz.out_trade_no);
    if (!visible(t)) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const amountFen = fenOf(biz.refund_amount);
    if (amountFen === null || amountFen <= 0) return invalid('isv.invalid-parameter', 'refund_amount格式错误');
    const requestNo = biz.out_request_no || t.outTradeNo;
    // A repeat is answered whatever the trade's status now (a full refund closes it).
    if (t.status !== 'TRADE_SUCCESS' && !(await simRefundOf(db, t.id, requestNo)))
      return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    const r = await recordSimRefund(db, t, requestNo, amountFen, {}, 'TRADE_CLOSED');
    if (r.kind === 'conflict') return business('ACQ.CONTEXT_INCONSISTENT', '同一退款请求号的退款金额不一致');
    if (r.kind !== 'created' && r.kind !== 'repeat') return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    return ok({
      trade_no: r.trade.tradeNo,
      out_trade_no: r.trade.outTradeNo,
      buyer_logon_id: 'sandbox***@huipay.test',
      fund_change: r.kind === 'created' ? 'Y' : 'N',
      refund_fee: yuan(r.trade.refundedFen),
      gmt_refund_pay: chinaTime(Date.now()),
    });
  },

  async [API.refundQuery](db, p, biz) {
    const t = await findTrade(db, p.app_id, biz.out_trade_no);
    if (!visible(t)) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const requestNo = biz.out_request_no || t.outTradeNo;
    const r = await simRefundOf(db, t.id, requestNo);
    // Alipay answers 10000 either way; only a refund that happened comes with its data.
    if (!r) return ok({ out_trade_no: t.outTradeNo, trade_no: t.tradeNo });
    return ok({
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      out_request_no: r.outRequestNo,
      total_amount: yuan(t.amountFen),
      refund_amount: yuan(r.amountFen),
      refund_status: 'REFUND_SUCCESS',
      gmt_refund_pay: chinaTime(r.createdMs),
    });
  },
};

/** The signed answer text: `{"<method>_response":{...},"sign":"..."}` (error_response for unknown methods). */
export async function signedAnswer(env: Env, db: Db, method: string, r: Result): Promise<string> {
  const body = r.ok
    ? { code: '10000', msg: 'Success', ...r.fields }
    : { code: r.code, msg: r.msg, sub_code: r.sub_code, sub_msg: r.sub_msg };
  const text = JSON.stringify(body);
  const keys = await simulatorKeys(env, db, CHANNEL);
  const key = method in SERVER_APIS || BROWSER_APIS.includes(method) ? method : 'error';
  return answerText(key, text, await rsaSign(keys.pkcs8, text));
}
