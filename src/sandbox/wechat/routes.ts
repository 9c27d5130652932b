/**
 * The WeChat Pay v3 simulator (SPEC §11.6): WeChat Pay's server side for sandbox apps, at
 * `/sandbox/wechat` (a config's `base_url`).
 *
 * - `GET /keys`: the simulator's WeChat Pay public key and its id (`wechatpay_public_key`,
 *   `wechatpay_public_key_id` of a sandbox config).
 * - `/v3/pay/transactions/{native,h5,jsapi,app}`, `/v3/pay/transactions/out-trade-no/{no}` (query),
 *   `…/{no}/close`, `/v3/refund/domestic/refunds` and `…/{out_refund_no}`: requests must carry a
 *   valid `WECHATPAY2-SHA256-RSA2048` Authorization from a sandbox config of that `mchid` whose
 *   `merchant_serial_no` is the `serial_no`; answers are signed with the simulator's key
 *   (`Wechatpay-*` headers), errors are `{code, message}` with WeChat's statuses.
 * - `GET /qr/:token` (a scanned `code_url`), `GET /checkmweb` (an `h5_url`, with the merchant's
 *   `redirect_url`), `GET|POST /pay/:token` (the payer page; App and JSAPI lead here by prepay_id).
 *   Paying sends the signed, encrypted `TRANSACTION.SUCCESS` notify (the resource sealed with the
 *   merchant's API v3 key), retried on WeChat's schedule until answered 200/204.
 */
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { simTrades, type SimTrade } from '../../db/schema';
import { compactChinaTime, parseRfc3339, rfc3339China } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import { base64ToBytes, rsaSign, rsaVerify } from '../../domain/rsa';
import { createRouter, type AppEnv, type Db } from '../../env';
import { readBody } from '../../services/params';
import { mountPayer } from '../payer';
import { type PayerBrand, simulatorErrorPage } from '../payer-page';
import {
  closeSimTrade,
  findSimRefund,
  findSimTrade,
  type SimRefund,
  randomDigits,
  recordSimRefund,
  sandboxConfigs,
} from '../store';
import { CHANNEL, KEYS, notifier, SIMULATOR_BASE, transaction } from './notify';
import {
  fen,
  freshTimestamp,
  jsonObject,
  nonce,
  parseAuthorization,
  requestMessage,
  responseMessage,
  str,
} from '../../channels/wechat/protocol';

const DEFAULT_TTL_MS = 2 * 3_600_000;
const TRADE_TYPE = { native: 'NATIVE', h5: 'MWEB', jsapi: 'JSAPI', app: 'APP' } as const;
const OPEN = ['NOTPAY'];
const BRAND: PayerBrand = {
  name: '微信支付',
  nameEn: 'WeChat Pay',
  colour: '#07803f',
  base: `${SIMULATOR_BASE}/pay`,
  accountLabel: '商户号',
};
const errorPage = (code: string, msg: string) => simulatorErrorPage(BRAND, code, msg);

const sim = createRouter();

sim.get('/keys', async (c) => {
  const keys = await KEYS(c.env, c.get('db'));
  const origin = new URL(c.req.url).origin;
  const pem = `-----BEGIN PUBLIC KEY-----\n${keys.publicKey.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  return c.json({
    channel: CHANNEL,
    wechatpay_public_key: pem,
    wechatpay_public_key_id: keys.material.public_key_id,
    base_url: `${origin}${SIMULATOR_BASE}`,
    note: 'sandbox configs use this WeChat Pay public key and id; it signs every answer and notify of the simulator',
  });
});

// ── the API ────────────────────────────────────────────────────────────────────────────────

type Reply = { status: number; body: Record<string, unknown> | null };
const fault = (status: number, code: string, message: string): Reply => ({ status, body: { code, message } });

/** Signs an answer as WeChat Pay does: Wechatpay-Timestamp, -Nonce, -Signature and -Serial over the exact body. */
async function signed(c: Context<AppEnv>, r: Reply) {
  const keys = await KEYS(c.env, c.get('db'));
  const text = r.body === null ? '' : JSON.stringify(r.body);
  const ts = String(Math.floor(Date.now() / 1000));
  const n = nonce();
  const headers: Record<string, string> = {
    'wechatpay-timestamp': ts,
    'wechatpay-nonce': n,
    'wechatpay-signature': await rsaSign(keys.pkcs8, responseMessage(ts, n, text)),
    'wechatpay-serial': keys.material.public_key_id,
    'request-id': `08${randomDigits(30)}`,
  };
  if (text) headers['content-type'] = 'application/json; charset=utf-8';
  if (r.status === 204) return c.body(null, 204, headers);
  return c.body(text, r.status as 200, headers);
}

/** The caller, by its Authorization: the sandbox config whose merchant key signed this request. */
async function authenticate(c: Context<AppEnv>, body: string) {
  const auth = parseAuthorization(c.req.header('authorization'));
  if (!auth.ok) return { ok: false as const, reply: fault(401, 'SIGN_ERROR', `签名错误：${auth.why}`) };
  const a = auth.value;
  if (!freshTimestamp(a.timestamp, Date.now()))
    return { ok: false as const, reply: fault(401, 'SIGN_ERROR', '签名错误：timestamp与当前时间相差超过5分钟') };
  const configs = (await sandboxConfigs(c.get('db'), CHANNEL, a.mchid)).filter(
    (cfg) => cfg.settings.merchant_serial_no?.toUpperCase() === a.serial_no.toUpperCase(),
  );
  if (configs.length === 0)
    return {
      ok: false as const,
      reply: fault(401, 'SIGN_ERROR', `签名错误：商户号${a.mchid}没有序列号为${a.serial_no}的商户API证书（沙箱）`),
    };
  const url = new URL(c.req.url);
  const message = requestMessage(c.req.method, `${url.pathname}${url.search}`, a.timestamp, a.nonce_str, body);
  for (const cfg of configs)
    if (await rsaVerify(base64ToBytes(cfg.settings.merchant_public_key), message, a.signature))
      return { ok: true as const, mchid: a.mchid, configId: cfg.id };
  return { ok: false as const, reply: fault(401, 'SIGN_ERROR', `签名错误：验签串为 ${JSON.stringify(message)}`) };
}

/** Reads the body (JSON for POST) and authenticates; the parsed body and the caller. */
async function request(c: Context<AppEnv>) {
  const raw = c.req.method === 'POST' ? await readBody(c) : { ok: true as const, text: '' };
  if (!raw.ok) return { ok: false as const, reply: fault(400, 'PARAM_ERROR', raw.error) };
  const who = await authenticate(c, raw.text);
  if (!who.ok) return who;
  const json = c.req.method === 'POST' ? jsonObject(raw.text) : {};
  if (!json) return { ok: false as const, reply: fault(400, 'PARAM_ERROR', '请求体不是合法的JSON对象') };
  return { ok: true as const, body: json, mchid: who.mchid, configId: who.configId };
}

const findTrade = (db: Db, mchid: string, outTradeNo: string | undefined) =>
  findSimTrade(db, CHANNEL, mchid, outTradeNo);

const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;

sim.post('/v3/pay/transactions/:kind', async (c) => {
  const kind = c.req.param('kind') as keyof typeof TRADE_TYPE;
  if (!(kind in TRADE_TYPE)) return signed(c, fault(404, 'NOT_FOUND', `不支持的接口 ${kind}`));
  const req = await request(c);
  if (!req.ok) return signed(c, req.reply);
  const b = req.body;
  const total = fen(b.amount, 'total');
  const problem =
    str(b, 'mchid') !== req.mchid
      ? 'mchid与请求头中的商户号不一致'
      : !str(b, 'appid')
        ? '缺少appid'
        : !str(b, 'description')
          ? '缺少description'
          : !OUT_TRADE_NO.test(str(b, 'out_trade_no') ?? '')
            ? 'out_trade_no须为6-32位字母、数字、_-|*'
            : !/^https?:\/\//.test(str(b, 'notify_url') ?? '')
              ? 'notify_url须为http(s)地址'
              : total === null || total <= 0
                ? 'amount.total须为正整数（单位：分）'
                : str(b.amount, 'currency') !== undefined && str(b.amount, 'currency') !== 'CNY'
                  ? 'amount.currency仅支持CNY'
                  : kind === 'jsapi' && !str(b.payer, 'openid')
                    ? 'JSAPI下单须传payer.openid'
                    : kind === 'h5' && !str(b.scene_info, 'payer_client_ip')
                      ? 'H5下单须传scene_info.payer_client_ip'
                      : b.time_expire !== undefined && parseRfc3339(str(b, 'time_expire')) === null
                        ? 'time_expire须为RFC3339格式'
                        : null;
  if (problem) return signed(c, fault(400, 'PARAM_ERROR', problem));
  const db = c.get('db');
  const origin = new URL(c.req.url).origin;
  const now = Date.now();
  const outTradeNo = str(b, 'out_trade_no')!;
  await db
    .insert(simTrades)
    .values({
      channel: CHANNEL,
      account: req.mchid,
      outTradeNo,
      tradeNo: `4200${randomDigits(24)}`,
      token: `wx${compactChinaTime(now)}${randomToken(18)}`,
      amountFen: total!,
      subject: str(b, 'description')!.slice(0, 256),
      api: TRADE_TYPE[kind],
      status: 'NOTPAY',
      notifyUrl: str(b, 'notify_url')!,
      origin,
      expiresMs: parseRfc3339(str(b, 'time_expire')) ?? now + DEFAULT_TTL_MS,
      createdMs: now,
      extra: {
        appid: str(b, 'appid')!,
        openid: str(b.payer, 'openid') ?? `osim${randomToken(24)}`,
        config_id: String(req.configId),
        ...(kind === 'h5' ? { payer_client_ip: str(b.scene_info, 'payer_client_ip')! } : {}),
      },
    })
    .onConflictDoNothing();
  const t = (await findTrade(db, req.mchid, outTradeNo))!;
  if (t.amountFen !== total || t.api !== TRADE_TYPE[kind] || t.extra.appid !== str(b, 'appid'))
    return signed(c, fault(400, 'INVALID_REQUEST', '201 商户订单号重复：同一out_trade_no的下单参数不一致'));
  if (t.status === 'SUCCESS' || t.status === 'REFUND') return signed(c, fault(400, 'ORDERPAID', '该订单已支付'));
  if (t.status === 'CLOSED') return signed(c, fault(400, 'ORDER_CLOSED', '订单已关闭'));
  const answer =
    kind === 'native'
      ? { code_url: `${origin}${SIMULATOR_BASE}/qr/${t.token}` }
      : kind === 'h5'
        ? { h5_url: `${origin}${SIMULATOR_BASE}/checkmweb?prepay_id=${t.token}&package=${randomDigits(10)}` }
        : { prepay_id: t.token };
  return signed(c, { status: 200, body: answer });
});

sim.get('/v3/pay/transactions/out-trade-no/:no', async (c) => {
  const req = await request(c);
  if (!req.ok) return signed(c, req.reply);
  if (c.req.query('mchid') !== req.mchid) return signed(c, fault(400, 'PARAM_ERROR', 'mchid须与请求头中的商户号一致'));
  const t = await findTrade(c.get('db'), req.mchid, c.req.param('no'));
  return signed(c, t ? { status: 200, body: transaction(t) } : fault(404, 'ORDER_NOT_EXIST', '订单不存在'));
});

sim.post('/v3/pay/transactions/out-trade-no/:no/close', async (c) => {
  const req = await request(c);
  if (!req.ok) return signed(c, req.reply);
  if (str(req.body, 'mchid') !== req.mchid)
    return signed(c, fault(400, 'PARAM_ERROR', 'mchid须与请求头中的商户号一致'));
  const db = c.get('db');
  const t = await findTrade(db, req.mchid, c.req.param('no'));
  if (!t) return signed(c, fault(404, 'ORDER_NOT_EXIST', '订单不存在'));
  const after = await closeSimTrade(db, t, OPEN, 'CLOSED');
  if (after.status !== 'CLOSED') return signed(c, fault(400, 'ORDERPAID', '订单已支付，不能关闭'));
  return signed(c, { status: 204, body: null });
});

/** A refund as WeChat Pay answers it. */
function refundView(t: SimTrade, r: SimRefund): Record<string, unknown> {
  return {
    refund_id: r.extra.refund_id,
    out_refund_no: r.outRequestNo,
    transaction_id: t.tradeNo,
    out_trade_no: t.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    success_time: rfc3339China(r.createdMs),
    create_time: rfc3339China(r.createdMs),
    status: 'SUCCESS',
    funds_account: 'AVAILABLE',
    amount: {
      total: t.amountFen,
      refund: r.amountFen,
      payer_total: t.amountFen,
      payer_refund: r.amountFen,
      settlement_total: t.amountFen,
      settlement_refund: r.amountFen,
      discount_refund: 0,
      currency: 'CNY',
    },
  };
}

sim.post('/v3/refund/domestic/refunds', async (c) => {
  const req = await request(c);
  if (!req.ok) return signed(c, req.reply);
  const b = req.body;
  const db = c.get('db');
  const outRefundNo = str(b, 'out_refund_no') ?? '';
  if (!/^[A-Za-z0-9_\-|*@]{1,64}$/.test(outRefundNo))
    return signed(c, fault(400, 'PARAM_ERROR', 'out_refund_no格式错误'));
  const t = await findTrade(db, req.mchid, str(b, 'out_trade_no'));
  if (!t || t.paidMs === null) return signed(c, fault(404, 'RESOURCE_NOT_EXISTS', '订单不存在或未支付'));
  const refund = fen(b.amount, 'refund');
  if (refund === null || refund <= 0)
    return signed(c, fault(400, 'PARAM_ERROR', 'amount.refund须为正整数（单位：分）'));
  if (fen(b.amount, 'total') !== t.amountFen)
    return signed(c, fault(400, 'PARAM_ERROR', 'amount.total与原订单金额不一致'));
  const r = await recordSimRefund(db, t, outRefundNo, refund, { refund_id: `50${randomDigits(27)}` }, 'REFUND');
  if (r.kind === 'conflict') return signed(c, fault(400, 'INVALID_REQUEST', '同一out_refund_no的退款金额不一致'));
  if (r.kind !== 'created' && r.kind !== 'repeat')
    return signed(c, fault(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额'));
  return signed(c, { status: 200, body: refundView(r.trade, r.refund) });
});

sim.get('/v3/refund/domestic/refunds/:no', async (c) => {
  const req = await request(c);
  if (!req.ok) return signed(c, req.reply);
  const row = await findSimRefund(c.get('db'), CHANNEL, req.mchid, c.req.param('no'));
  return signed(
    c,
    row ? { status: 200, body: refundView(row.t, row.r) } : fault(404, 'RESOURCE_NOT_EXISTS', '退款单不存在'),
  );
});

// ── the payer ──────────────────────────────────────────────────────────────────────────────

const byToken = (db: Db, token: string) =>
  db.query.simTrades.findFirst({ where: and(eq(simTrades.channel, CHANNEL), eq(simTrades.token, token)) });

/** What an h5_url opens: remembers the merchant's redirect_url, then the payer page. */
sim.get('/checkmweb', async (c) => {
  const db = c.get('db');
  const t = await byToken(db, c.req.query('prepay_id') ?? '');
  if (!t) return c.html(errorPage('ORDER_NOT_EXIST', '商家参数格式有误，请联系商家解决'), 404);
  const back = c.req.query('redirect_url');
  if (back && /^https?:\/\//.test(back))
    await db.update(simTrades).set({ returnUrl: back }).where(eq(simTrades.id, t.id));
  return c.redirect(`${SIMULATOR_BASE}/pay/${t.token}`, 302);
});

mountPayer(sim, {
  channel: CHANNEL,
  brand: BRAND,
  notFound: 'ORDER_NOT_EXIST',
  open: OPEN,
  paidStatus: 'SUCCESS',
  paidStatuses: ['SUCCESS', 'REFUND'],
  notifier,
  // H5: back to the merchant's redirect_url.
  afterPay: async (c, paid) => (paid.returnUrl ? c.redirect(paid.returnUrl, 302) : null),
});

export default sim;
