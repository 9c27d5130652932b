/**
 * The Alipay simulator (SPEC §11.6): Alipay's server side for sandbox apps, at `/sandbox/alipay`.
 *
 * - `GET /keys`: the simulator's public key (what an app configures as `alipay_public_key`).
 * - `GET|POST /gateway.do`: parameters from the query and the form body; the request signature
 *   is verified with the public key of the sandbox app configured with that `app_id`; answers are
 *   signed `*_response` JSON. Server methods: precreate, query, close, refund, fastpay.refund.query.
 *   Browser methods (wap.pay, page.pay, and an App order string opened here) lead to the payer page.
 * - `GET /qr/:token`: what a precreate `qr_code` opens (a scan), then the payer page.
 * - `GET|POST /pay/:token`: the payer page, "pay" or "cancel". Paying sends the signed async
 *   notify to the trade's notify_url (retried on Alipay's schedule from the sweep) and, for page
 *   flows, redirects to the return_url with the signed sync-return fields.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { channelConfigs, apps, simRefunds, simTrades, type SimTrade } from '../../db/schema';
import { randomToken } from '../../domain/ids';
import { base64ToBytes, rsaSign, rsaVerify } from '../../domain/rsa';
import { createRouter, type AppEnv, type Db } from '../../env';
import { readBody } from '../../services/params';
import { type PayerBrand, renderPayerPage, simulatorErrorPage } from '../payer-page';
import { randomDigits, simulatorKeys } from '../sandbox';
import { deliverSimulatedNotify } from '../sim-notify';
import type { SimNotifier } from '../types';
import {
  API,
  answerText,
  chinaTime,
  fenOf,
  notifyContent,
  type Params,
  parseChinaTime,
  signContent,
  yuan,
} from './protocol';

export const SIMULATOR_GATEWAY = '/sandbox/alipay/gateway.do';
const CHANNEL = 'alipay';
/** Alipay's notify schedule after the first attempt: 4m, 10m, 10m, 1h, 2h, 6h, 15h. */
const NOTIFY_RETRY_S = [240, 600, 600, 3600, 7200, 21600, 54000];
const BROWSER_APIS: readonly string[] = [API.wap, API.page, API.app];
const DEFAULT_TTL_MS = 2 * 3_600_000;
const BRAND: PayerBrand = {
  name: '支付宝',
  nameEn: 'Alipay',
  colour: '#1677ff',
  base: '/sandbox/alipay/pay',
  accountLabel: 'APPID',
};
const errorPage = (code: string, msg: string) => simulatorErrorPage(BRAND, code, msg);

type Body = Record<string, string>;
type Refusal = { ok: false; code: string; msg: string; sub_code: string; sub_msg: string };
type Result = { ok: true; fields: Body } | Refusal;

const ok = (fields: Body): Result => ({ ok: true, fields });
const refuse = (code: string, msg: string, sub_code: string, sub_msg: string): Refusal => ({
  ok: false,
  code,
  msg,
  sub_code,
  sub_msg,
});
const business = (sub_code: string, sub_msg: string) => refuse('40004', 'Business Failed', sub_code, sub_msg);
const invalid = (sub_code: string, sub_msg: string) => refuse('40002', 'Invalid Arguments', sub_code, sub_msg);

const sim = createRouter();

sim.get('/keys', async (c) => {
  const keys = await simulatorKeys(c.env, c.get('db'), CHANNEL);
  const origin = new URL(c.req.url).origin;
  return c.json({
    channel: CHANNEL,
    alipay_public_key: keys.publicKey,
    gateway_url: `${origin}${SIMULATOR_GATEWAY}`,
    note: 'sandbox apps configure alipay_public_key with this key; it signs every answer, notify and return of the simulator',
  });
});

// ── gateway.do ─────────────────────────────────────────────────────────────────────────────

/** The request's parameters: query and form body together; a name sent twice is refused. */
async function gatewayParams(c: Context<AppEnv>): Promise<{ ok: true; params: Params } | { ok: false; why: string }> {
  const params: Params = {};
  const add = (entries: Iterable<[string, string]>) => {
    for (const [k, v] of entries) {
      if (k in params) return k;
      params[k] = v;
    }
    return null;
  };
  const twiceInQuery = add(new URL(c.req.url).searchParams);
  if (twiceInQuery) return { ok: false, why: `parameter ${twiceInQuery} is sent twice` };
  if (c.req.method === 'POST') {
    const body = await readBody(c);
    if (!body.ok) return { ok: false, why: body.error };
    const twice = add(new URLSearchParams(body.text));
    if (twice) return { ok: false, why: `parameter ${twice} is sent twice` };
  }
  return { ok: true, params };
}

/** The sandbox configs that use this app_id: their apps' public keys may have signed the request. */
async function appKeys(db: Db, account: string): Promise<string[]> {
  const rows = await db
    .select({ settings: channelConfigs.settings })
    .from(channelConfigs)
    .innerJoin(apps, eq(apps.id, channelConfigs.appId))
    .where(and(eq(channelConfigs.channel, CHANNEL), eq(channelConfigs.account, account), eq(apps.mode, 'sandbox')));
  return rows.map((r) => r.settings.app_public_key).filter(Boolean);
}

/** Checks the common parameters and the signature; the biz_content on success. */
async function authenticate(db: Db, p: Params): Promise<{ ok: true; biz: Body } | { ok: false; result: Result }> {
  const fail = (result: Result) => ({ ok: false as const, result });
  for (const name of ['app_id', 'method', 'sign', 'timestamp'])
    if (!p[name])
      return fail(
        refuse('40001', 'Missing Required Arguments', `isv.missing-${name.replace('_', '-')}`, `缺少${name}参数`),
      );
  if ((p.sign_type ?? 'RSA') !== 'RSA2')
    return fail(
      invalid('isv.invalid-signature-type', `无效的签名类型 ${p.sign_type ?? '(缺省为RSA)'}：模拟器只支持RSA2`),
    );
  if (p.charset && p.charset.toLowerCase() !== 'utf-8')
    return fail(invalid('isv.invalid-charset', '模拟器只支持utf-8'));
  const keys = await appKeys(db, p.app_id);
  if (keys.length === 0)
    return fail(invalid('isv.invalid-app-id', `无效的AppID参数：没有沙箱应用配置了app_id ${p.app_id}`));
  const content = signContent(p);
  const verified = await Promise.all(keys.map((k) => rsaVerify(base64ToBytes(k), content, p.sign)));
  if (!verified.includes(true))
    return fail(
      invalid(
        'isv.invalid-signature',
        `验签出错，请检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`,
      ),
    );
  let biz: unknown = {};
  if (p.biz_content !== undefined) {
    try {
      biz = JSON.parse(p.biz_content);
    } catch {
      return fail(invalid('isv.invalid-parameter', 'biz_content不是合法的JSON'));
    }
  }
  if (typeof biz !== 'object' || biz === null || Array.isArray(biz))
    return fail(invalid('isv.invalid-parameter', 'biz_content必须是JSON对象'));
  const strings: Body = {};
  for (const [k, v] of Object.entries(biz)) if (typeof v === 'string' || typeof v === 'number') strings[k] = String(v);
  return { ok: true, biz: strings };
}

async function findTrade(db: Db, account: string, outTradeNo: string | undefined): Promise<SimTrade | undefined> {
  if (!outTradeNo) return undefined;
  return db.query.simTrades.findFirst({
    where: and(eq(simTrades.channel, CHANNEL), eq(simTrades.account, account), eq(simTrades.outTradeNo, outTradeNo)),
  });
}

/** A 28-digit trade number as Alipay writes them: the China date, 22001, 15 digits. */
const tradeNo = (now: number) => `${chinaTime(now).slice(0, 10).replaceAll('-', '')}22001${randomDigits(15)}`;

/** Opens (or finds) the trade a payment request names; a known out_trade_no must ask the same amount. */
async function openTrade(
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
      .where(and(eq(simTrades.id, trade.id), inArray(simTrades.status, ['CREATED', 'WAIT_BUYER_PAY'])))
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

const SERVER_APIS: Record<string, Handler> = {
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
      .where(and(eq(simTrades.id, t.id), inArray(simTrades.status, ['CREATED', 'WAIT_BUYER_PAY'])))
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
    const seen = await db.query.simRefunds.findFirst({
      where: and(eq(simRefunds.tradeId, t.id), eq(simRefunds.outRequestNo, requestNo)),
    });
    const answer = (trade: SimTrade, fundChange: 'Y' | 'N') =>
      ok({
        trade_no: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        buyer_logon_id: 'sandbox***@huipay.test',
        fund_change: fundChange,
        refund_fee: yuan(trade.refundedFen),
        gmt_refund_pay: chinaTime(Date.now()),
      });
    if (seen) {
      if (seen.amountFen !== amountFen) return business('ACQ.CONTEXT_INCONSISTENT', '同一退款请求号的退款金额不一致');
      return answer(t, 'N');
    }
    if (t.status !== 'TRADE_SUCCESS') return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    // One statement: the refund is recorded only if it fits what is left of the trade.
    const inserted = await db.all<{ id: number }>(sql`
      INSERT INTO sim_refunds (trade_id, out_request_no, amount_fen, created_ms)
      SELECT ${t.id}, ${requestNo}, ${amountFen}, ${Date.now()}
      WHERE (SELECT COALESCE(SUM(amount_fen), 0) FROM sim_refunds WHERE trade_id = ${t.id}) + ${amountFen} <= ${t.amountFen}
      ON CONFLICT (trade_id, out_request_no) DO NOTHING RETURNING id`);
    if (inserted.length === 0) {
      const again = await db.query.simRefunds.findFirst({
        where: and(eq(simRefunds.tradeId, t.id), eq(simRefunds.outRequestNo, requestNo)),
      });
      if (again)
        return again.amountFen === amountFen
          ? answer(t, 'N')
          : business('ACQ.CONTEXT_INCONSISTENT', '同一退款请求号的退款金额不一致');
      return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    }
    const refunded = sql`(SELECT SUM(amount_fen) FROM sim_refunds WHERE trade_id = ${t.id})`;
    const [after] = await db
      .update(simTrades)
      .set({
        refundedFen: refunded,
        status: sql`CASE WHEN ${refunded} >= ${simTrades.amountFen} THEN 'TRADE_CLOSED' ELSE ${simTrades.status} END`,
      })
      .where(eq(simTrades.id, t.id))
      .returning();
    return answer(after, 'Y');
  },

  async [API.refundQuery](db, p, biz) {
    const t = await findTrade(db, p.app_id, biz.out_trade_no);
    if (!visible(t)) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const requestNo = biz.out_request_no || t.outTradeNo;
    const r = await db.query.simRefunds.findFirst({
      where: and(eq(simRefunds.tradeId, t.id), eq(simRefunds.outRequestNo, requestNo)),
    });
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
async function signedAnswer(env: Env, db: Db, method: string, r: Result): Promise<string> {
  const body = r.ok
    ? { code: '10000', msg: 'Success', ...r.fields }
    : { code: r.code, msg: r.msg, sub_code: r.sub_code, sub_msg: r.sub_msg };
  const text = JSON.stringify(body);
  const keys = await simulatorKeys(env, db, CHANNEL);
  const key = method in SERVER_APIS || BROWSER_APIS.includes(method) ? method : 'error';
  return answerText(key, text, await rsaSign(keys.pkcs8, text));
}

sim.on(['GET', 'POST'], '/gateway.do', async (c) => {
  const db = c.get('db');
  const origin = new URL(c.req.url).origin;
  const read = await gatewayParams(c);
  const p = read.ok ? read.params : {};
  const method = p.method ?? '';
  const auth = read.ok
    ? await authenticate(db, p)
    : { ok: false as const, result: invalid('isv.invalid-parameter', read.why) };
  const browser = BROWSER_APIS.includes(method);
  let result: Result;
  if (!auth.ok) result = auth.result;
  else if (browser) {
    const opened = await openTrade(db, p, auth.biz, origin, 'WAIT_BUYER_PAY');
    if (opened.ok) return c.redirect(`/sandbox/alipay/pay/${opened.trade.token}`, 302);
    result = opened.result;
  } else if (SERVER_APIS[method]) result = await SERVER_APIS[method](db, p, auth.biz, origin);
  else result = invalid('isv.invalid-method', `不存在的方法名 ${method}`);
  if (browser) {
    const r = result as Refusal;
    return c.html(errorPage(`${r.code} ${r.sub_code}`, r.sub_msg), 400);
  }
  return c.body(await signedAnswer(c.env, db, method, result), 200, {
    'content-type': 'application/json;charset=utf-8',
  });
});

// ── the payer ──────────────────────────────────────────────────────────────────────────────

const byToken = (db: Db, token: string) => db.query.simTrades.findFirst({ where: eq(simTrades.token, token) });

sim.get('/qr/:token', async (c) => {
  const db = c.get('db');
  const t = await byToken(db, c.req.param('token'));
  if (!t) return c.html(errorPage('ACQ.TRADE_NOT_EXIST', '二维码无效'), 404);
  await db
    .update(simTrades)
    .set({ status: 'WAIT_BUYER_PAY' })
    .where(and(eq(simTrades.id, t.id), eq(simTrades.status, 'CREATED')));
  return c.redirect(`/sandbox/alipay/pay/${t.token}`, 302);
});

function pageModel(t: SimTrade, message: string | null, nowMs = Date.now()) {
  const expired = t.expiresMs !== null && nowMs >= t.expiresMs;
  const payable = (t.status === 'WAIT_BUYER_PAY' || t.status === 'CREATED') && !expired;
  return {
    token: t.token,
    subject: t.subject,
    amountFen: t.amountFen,
    account: t.account,
    outTradeNo: t.outTradeNo,
    status: t.status,
    payable,
    message:
      message ??
      (t.status === 'TRADE_SUCCESS'
        ? '支付成功 Paid'
        : t.status === 'TRADE_CLOSED'
          ? '交易已关闭 Trade closed'
          : expired
            ? '交易已超时 Trade expired'
            : null),
    backUrl: payable ? null : (t.quitUrl ?? t.returnUrl),
    paid: t.status === 'TRADE_SUCCESS' || t.status === 'TRADE_FINISHED',
  };
}

sim.get('/pay/:token', async (c) => {
  const t = await byToken(c.get('db'), c.req.param('token'));
  if (!t) return c.html(errorPage('ACQ.TRADE_NOT_EXIST', '交易不存在'), 404);
  c.header('cache-control', 'no-store');
  return c.html(renderPayerPage(pageModel(t, null), BRAND));
});

sim.post('/pay/:token', async (c) => {
  const db = c.get('db');
  const t = await byToken(db, c.req.param('token'));
  if (!t) return c.html(errorPage('ACQ.TRADE_NOT_EXIST', '交易不存在'), 404);
  const body = await readBody(c);
  const form = new URLSearchParams(body.ok ? body.text : '');
  if (form.get('action') === 'cancel') {
    if (t.quitUrl ?? t.returnUrl) return c.redirect((t.quitUrl ?? t.returnUrl)!, 302);
    return c.html(renderPayerPage(pageModel(t, '已取消付款 Payment cancelled'), BRAND));
  }
  const now = Date.now();
  const skip = form.get('notify') === 'skip';
  const [paid] = await db
    .update(simTrades)
    .set({
      status: 'TRADE_SUCCESS',
      paidMs: now,
      notifyState: !t.notifyUrl ? 'none' : skip ? 'skipped' : 'pending',
      nextNotifyMs: !t.notifyUrl || skip ? null : now,
    })
    .where(
      and(
        eq(simTrades.id, t.id),
        inArray(simTrades.status, ['CREATED', 'WAIT_BUYER_PAY']),
        sql`(${simTrades.expiresMs} IS NULL OR ${simTrades.expiresMs} > ${now})`,
      ),
    )
    .returning();
  if (!paid) return c.html(renderPayerPage(pageModel(t, null), BRAND), 409);
  if (paid.notifyState === 'pending')
    await deliverSimulatedNotify(c.env, db, paid.id, notifier, new URL(c.req.url).origin);
  if (paid.returnUrl && paid.api !== API.app) return c.redirect(await returnUrl(c.env, db, paid), 302);
  return c.html(renderPayerPage(pageModel(paid, '支付成功 Paid'), BRAND));
});

// ── what Alipay sends the merchant ─────────────────────────────────────────────────────────

const SELLER_ID = '2088000000000000';

async function signFields(env: Env, db: Db, fields: Params): Promise<Params> {
  const keys = await simulatorKeys(env, db, CHANNEL);
  return { ...fields, sign_type: 'RSA2', sign: await rsaSign(keys.pkcs8, notifyContent(fields)) };
}

/** The sync return: the return_url with Alipay's signed fields appended. */
async function returnUrl(env: Env, db: Db, t: SimTrade): Promise<string> {
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

/** How the simulator notifies: the signed form, answered `success`, retried on Alipay's schedule. */
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

export default sim;
