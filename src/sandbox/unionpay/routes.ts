/**
 * The UnionPay online gateway simulator (SPEC §11.6), at `/sandbox/unionpay` (a config's
 * `base_url`). It issues its own certificate chain once per deployment — root → middle → signing
 * cert, whose CN names UnionPay as its real signing certs do — shown at `GET /keys` with what a
 * sandbox config uses (`root_cert`, `middle_cert`).
 *
 * - `POST /gateway/api/frontTransReq.do`: the browser's signed consume form (PC 07, WAP 08) →
 *   the payer page; after paying, the browser is posted back to `frontUrl` with signed fields.
 * - `POST /gateway/api/appTransReq.do` (App consume → `tn`), `backTransReq.do` (refund, keyed by
 *   `orderId` + `txnTime`), `queryTrans.do` (consumes and refunds): `k=v&` answers, signed, with
 *   `signPubKeyCert`.
 * - Every request must be signed by the sign key of a sandbox config with that `merId` and
 *   `certId`. Paying sends the signed notify to `backUrl`, retried until answered HTTP 200.
 */
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { simTrades, type ChannelConfig, type SimTrade } from '../../db/schema';
import { compactChinaTime, parseCompactChinaTime } from '../../domain/china-time';
import { createRouter, type AppEnv, type Db } from '../../env';
import { readBody } from '../../services/params';
import { mountPayer } from '../payer';
import { autoSubmitPage } from '../../views/auto-submit';
import { type PayerBrand, simulatorErrorPage } from '../payer-page';
import { findSimRefund, findSimTrade, simRefundOf, randomDigits, recordSimRefund, sandboxConfigs } from '../store';
import { CHANNEL, KEYS, notifier, resultFields, SIMULATOR_BASE } from './notify';
import {
  answerText,
  type Fields,
  fenOf,
  NOT_FOUND,
  PATH,
  parseForm,
  signFields,
  verifyWith,
} from '../../channels/unionpay/protocol';

const OPEN = ['WAIT'];
const BRAND: PayerBrand = {
  name: '银联在线支付',
  nameEn: 'UnionPay',
  colour: '#c8102e',
  base: `${SIMULATOR_BASE}/pay`,
  accountLabel: '商户号 merId',
};
const errorPage = (code: string, msg: string) => simulatorErrorPage(BRAND, code, msg);

const sim = createRouter();

sim.get('/keys', async (c) => {
  const keys = await KEYS(c.env, c.get('db'));
  return c.json({
    channel: CHANNEL,
    base_url: `${new URL(c.req.url).origin}${SIMULATOR_BASE}`,
    root_cert: keys.material.root_cert,
    middle_cert: keys.material.middle_cert,
    sign_cert: keys.material.sign_cert,
    sign_cert_id: keys.material.cert_id,
    note: 'sandbox configs use root_cert and middle_cert to validate the signPubKeyCert (sign_cert) of every answer and notify of the simulator',
  });
});

// ── requests ───────────────────────────────────────────────────────────────────────────────

type Reply = Fields;
const refuse = (respCode: string, respMsg: string): Reply => ({ respCode, respMsg });

/** The request's fields and the sandbox config whose sign key signed them, or the refusal. */
async function authenticate(
  c: Context<AppEnv>,
): Promise<{ ok: true; f: Fields; cfg: ChannelConfig } | { ok: false; reply: Reply; f: Fields }> {
  const body = await readBody(c);
  const read = body.ok ? parseForm(body.text) : { ok: false as const, why: body.error };
  if (!read.ok) return { ok: false, reply: refuse('10', `报文格式错误：${read.why}`), f: {} };
  const f = read.fields;
  for (const k of [
    'version',
    'encoding',
    'signMethod',
    'txnType',
    'merId',
    'orderId',
    'txnTime',
    'certId',
    'signature',
  ])
    if (!f[k]) return { ok: false, reply: refuse('13', `报文交易要素缺失：${k}`), f };
  if (f.version !== '5.1.0' || f.signMethod !== '01')
    return { ok: false, reply: refuse('10', '报文格式错误：仅支持version=5.1.0、signMethod=01'), f };
  if (parseCompactChinaTime(f.txnTime) === null)
    return { ok: false, reply: refuse('10', '报文格式错误：txnTime须为yyyyMMddHHmmss'), f };
  const configs = (await sandboxConfigs(c.get('db'), CHANNEL, f.merId)).filter(
    (cfg) => cfg.settings.sign_cert_id === f.certId,
  );
  for (const cfg of configs) if (await verifyWith(cfg.settings.sign_public_key, f)) return { ok: true, f, cfg };
  return {
    ok: false,
    reply: refuse(
      '11',
      configs.length ? '验证签名失败' : `验证签名失败：商户${f.merId}没有certId为${f.certId}的签名证书（沙箱）`,
    ),
    f,
  };
}

/** A signed `k=v&` answer, echoing the request's keys and carrying signPubKeyCert. */
async function answer(c: Context<AppEnv>, req: Fields, r: Reply) {
  const keys = await KEYS(c.env, c.get('db'));
  const echo: Fields = {};
  for (const k of [
    'version',
    'encoding',
    'bizType',
    'txnType',
    'txnSubType',
    'accessType',
    'merId',
    'orderId',
    'txnTime',
  ])
    if (req[k]) echo[k] = req[k];
  const fields = await signFields(keys.pkcs8, {
    ...echo,
    signMethod: '01',
    signPubKeyCert: keys.material.sign_cert,
    ...r,
  });
  return c.body(answerText(fields), 200, { 'content-type': 'text/plain;charset=UTF-8' });
}

const findTrade = (db: Db, merId: string, orderId: string) => findSimTrade(db, CHANNEL, merId, orderId);

/** Opens (or finds) the consume a request names; the same orderId must come with the same txnTime and amount. */
async function openConsume(
  c: Context<AppEnv>,
  f: Fields,
  cfg: ChannelConfig,
  api: string,
): Promise<{ ok: true; t: SimTrade } | { ok: false; reply: Reply }> {
  if (f.txnType !== '01' || f.bizType !== '000201')
    return { ok: false, reply: refuse('10', '报文格式错误：消费须txnType=01、bizType=000201') };
  const amount = fenOf(f.txnAmt);
  if (amount === null || amount <= 0) return { ok: false, reply: refuse('10', 'txnAmt须为正整数（单位：分）') };
  if (!/^[0-9A-Za-z]{8,40}$/.test(f.orderId)) return { ok: false, reply: refuse('10', 'orderId须为8-40位字母或数字') };
  if (f.currencyCode && f.currencyCode !== '156') return { ok: false, reply: refuse('10', 'currencyCode仅支持156') };
  if (!/^https?:\/\//.test(f.backUrl ?? '')) return { ok: false, reply: refuse('13', '报文交易要素缺失：backUrl') };
  const expires = f.payTimeout ? parseCompactChinaTime(f.payTimeout) : Date.now() + 3_600_000;
  if (expires === null) return { ok: false, reply: refuse('10', 'payTimeout须为yyyyMMddHHmmss') };
  const db = c.get('db');
  const now = Date.now();
  await db
    .insert(simTrades)
    .values({
      channel: CHANNEL,
      account: f.merId,
      outTradeNo: f.orderId,
      tradeNo: `${compactChinaTime(now).slice(2)}${randomDigits(9)}`,
      token: randomDigits(21),
      amountFen: amount,
      subject: f.riskRateInfo?.match(/commodityName=([^}&]*)/)?.[1] || `${f.merId} 订单 ${f.orderId}`,
      api,
      status: 'WAIT',
      notifyUrl: f.backUrl,
      returnUrl: f.frontUrl || null,
      origin: new URL(c.req.url).origin,
      expiresMs: expires,
      createdMs: now,
      extra: { txn_time: f.txnTime, channel_type: f.channelType ?? '', config_id: String(cfg.id) },
    })
    .onConflictDoNothing();
  const t = (await findTrade(db, f.merId, f.orderId))!;
  if (t.extra.txn_time !== f.txnTime || t.amountFen !== amount)
    return { ok: false, reply: refuse('12', '重复交易：orderId已用于其他交易') };
  if (t.status !== 'WAIT') return { ok: false, reply: refuse('12', '重复交易：该订单已支付') };
  if (f.frontUrl && f.frontUrl !== t.returnUrl)
    await db.update(simTrades).set({ returnUrl: f.frontUrl }).where(eq(simTrades.id, t.id));
  return { ok: true, t };
}

sim.post(PATH.front, async (c) => {
  const auth = await authenticate(c);
  if (!auth.ok) return c.html(errorPage(auth.reply.respCode, auth.reply.respMsg), 400);
  if (auth.f.channelType !== '07' && auth.f.channelType !== '08')
    return c.html(errorPage('10', '网关支付channelType须为07（PC）或08（手机）'), 400);
  const opened = await openConsume(c, auth.f, auth.cfg, `front${auth.f.channelType}`);
  if (!opened.ok) return c.html(errorPage(opened.reply.respCode, opened.reply.respMsg), 400);
  return c.redirect(`${SIMULATOR_BASE}/pay/${opened.t.token}`, 302);
});

sim.post(PATH.app, async (c) => {
  const auth = await authenticate(c);
  if (!auth.ok) return answer(c, auth.f, auth.reply);
  const opened = await openConsume(c, auth.f, auth.cfg, 'app');
  if (!opened.ok) return answer(c, auth.f, opened.reply);
  return answer(c, auth.f, { respCode: '00', respMsg: '成功[0000000]', tn: opened.t.token });
});

sim.post(PATH.query, async (c) => {
  const auth = await authenticate(c);
  if (!auth.ok) return answer(c, auth.f, auth.reply);
  const { f } = auth;
  const db = c.get('db');
  const t = await findTrade(db, f.merId, f.orderId);
  if (t && t.extra.txn_time === f.txnTime) {
    const paid = t.paidMs !== null;
    return answer(c, f, {
      respCode: '00',
      respMsg: '成功[0000000]',
      txnType: '01',
      txnSubType: '01',
      origRespCode: paid ? '00' : '05',
      origRespMsg: paid ? '成功[0000000]' : '交易已受理，请稍后查询交易结果',
      txnAmt: String(t.amountFen),
      currencyCode: '156',
      ...(paid
        ? {
            queryId: t.tradeNo,
            traceNo: t.tradeNo.slice(-6),
            accNo: '6216***********0018',
            settleAmt: String(t.amountFen),
          }
        : {}),
    });
  }
  const refund = await findSimRefund(db, CHANNEL, f.merId, f.orderId);
  if (refund && refund.r.extra.txn_time === f.txnTime)
    return answer(c, f, {
      respCode: '00',
      respMsg: '成功[0000000]',
      txnType: '04',
      txnSubType: '00',
      origRespCode: '00',
      origRespMsg: '成功[0000000]',
      txnAmt: String(refund.r.amountFen),
      queryId: refund.r.extra.query_id,
      origQryId: refund.t.tradeNo,
    });
  return answer(c, f, refuse(NOT_FOUND, '查无此交易'));
});

sim.post(PATH.back, async (c) => {
  const auth = await authenticate(c);
  if (!auth.ok) return answer(c, auth.f, auth.reply);
  const { f } = auth;
  if (f.txnType !== '04') return answer(c, f, refuse('32', '无此交易权限：沙箱后台交易仅支持退货（txnType=04）'));
  const db = c.get('db');
  const t = await db.query.simTrades.findFirst({
    where: and(
      eq(simTrades.channel, CHANNEL),
      eq(simTrades.account, f.merId),
      eq(simTrades.tradeNo, f.origQryId ?? ''),
    ),
  });
  if (!t || t.paidMs === null) return answer(c, f, refuse('35', '原交易不存在或状态不正确'));
  const amount = fenOf(f.txnAmt);
  if (amount === null || amount <= 0) return answer(c, f, refuse('10', 'txnAmt须为正整数（单位：分）'));
  const seen = await simRefundOf(db, t.id, f.orderId);
  if (seen && seen.extra.txn_time !== f.txnTime)
    return answer(c, f, refuse('12', '重复交易：orderId已用于另一txnTime的退货'));
  const r = await recordSimRefund(
    db,
    t,
    f.orderId,
    amount,
    { txn_time: f.txnTime, query_id: `${compactChinaTime(Date.now()).slice(2)}${randomDigits(9)}` },
    'REFUNDED',
  );
  if (r.kind === 'conflict') return answer(c, f, refuse('12', '重复交易：同一orderId的退货金额不一致'));
  if (r.kind !== 'created' && r.kind !== 'repeat')
    return answer(c, f, refuse('36', '与原交易信息不符：退货金额超过可退金额'));
  return answer(c, f, {
    respCode: '00',
    respMsg: '成功[0000000]',
    origQryId: t.tradeNo,
    queryId: r.refund.extra.query_id,
    txnAmt: String(amount),
  });
});

// ── the payer ──────────────────────────────────────────────────────────────────────────────
mountPayer(sim, {
  channel: CHANNEL,
  brand: BRAND,
  notFound: '34',
  open: OPEN,
  paidStatus: 'PAID',
  paidStatuses: ['PAID', 'REFUNDED'],
  notifier,
  // Browser consumes: the payer's browser is posted back to frontUrl with the signed result.
  afterPay: async (c, paid) =>
    paid.returnUrl
      ? c.html(
          autoSubmitPage(
            '支付成功，正在返回商户… Paid, returning to the merchant…',
            paid.returnUrl,
            await resultFields(c.env, c.get('db'), paid),
          ),
        )
      : null,
});

export default sim;
