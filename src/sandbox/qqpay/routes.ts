/**
 * The QQ Wallet simulator (SPEC §11.6): QQ Wallet's server side for sandbox apps, at
 * `/sandbox/qqpay` (a config's `base_url`). QQ Wallet signs with the merchant's API key (a shared
 * secret), so the simulator has no key pair of its own: it verifies each request's MD5 sign with
 * the API key of the sandbox config of that `mch_id` and signs its answers and notifies with it.
 *
 * - `POST /cgi-bin/pay/qpay_unified_order.cgi` (NATIVE → `code_url`, APP → `prepay_id`),
 *   `qpay_order_query.cgi`, `qpay_close_order.cgi`, `qpay_refund.cgi` (checks the refund operator;
 *   the client certificate real QQ Wallet asks for is not simulated), `qpay_refund_query.cgi`.
 * - `GET /qr/:token` (a scanned `code_url`), `GET|POST /pay/:token` (the payer page; an App's
 *   `tokenId` leads here). Paying sends the signed XML notify, retried on QQ Wallet's schedule
 *   until it is answered `return_code` SUCCESS.
 */
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { channelConfigs, simTrades, type ChannelConfig, type SimTrade } from '../../db/schema';
import { compactChinaTime, parseCompactChinaTime } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import { createRouter, type AppEnv, type Db } from '../../env';
import { readBody } from '../../services/params';
import { mountPayer } from '../payer';
import type { PayerBrand } from '../payer-page';
import {
  closeSimTrade,
  configSecrets,
  findSimRefund,
  findSimTrade,
  randomDigits,
  recordSimRefund,
  sandboxConfigs,
} from '../store';
import type { SimNotifier } from '../types';
import { type Fields, fenOf, fromXml, nonceStr, PATH, signed, toXml, verify } from '../../channels/qqpay/protocol';

export const SIMULATOR_BASE = '/sandbox/qqpay';
const CHANNEL = 'qqpay';
/** QQ Wallet's notify schedule after the first attempt. */
const NOTIFY_RETRY_S = [15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
const DEFAULT_TTL_MS = 2 * 3_600_000;
const OPEN = ['NOTPAY'];
const BRAND: PayerBrand = {
  name: 'QQ钱包',
  nameEn: 'QQ Wallet',
  colour: '#0a6fb0',
  base: `${SIMULATOR_BASE}/pay`,
  accountLabel: '商户号',
};

interface Secrets {
  api_key: string;
  op_user_passwd_md5: string;
}

const sim = createRouter();

sim.get('/keys', (c) =>
  c.json({
    channel: CHANNEL,
    base_url: `${new URL(c.req.url).origin}${SIMULATOR_BASE}`,
    note: "QQ Wallet signs with the merchant's API key (MD5, as WeChat Pay v2): the simulator has no key of its own; it verifies and signs with the api_key of the sandbox config of each mch_id",
  }),
);

// ── the API ────────────────────────────────────────────────────────────────────────────────

/** An answer: `return_code` FAIL (unsigned, the call itself failed), or signed business fields. */
type Reply = { fail: string } | { fields: Fields };
const business = (err_code: string, err_code_des: string): Reply => ({
  fields: { result_code: 'FAIL', err_code, err_code_des },
});
const success = (fields: Fields): Reply => ({ fields: { result_code: 'SUCCESS', ...fields } });

async function answer(c: Context<AppEnv>, r: Reply, key: string | null, mchId: string) {
  const xml =
    'fail' in r || key === null
      ? toXml({ return_code: 'FAIL', return_msg: 'fail' in r ? r.fail : '签名错误' })
      : toXml(
          await signed(
            { return_code: 'SUCCESS', return_msg: 'SUCCESS', mch_id: mchId, nonce_str: nonceStr(), ...r.fields },
            key,
          ),
        );
  return c.body(xml, 200, { 'content-type': 'text/xml; charset=utf-8' });
}

/** The request's fields and the sandbox config whose API key signed them. */
async function request(c: Context<AppEnv>) {
  const body = await readBody(c);
  if (!body.ok) return { ok: false as const, fail: body.error };
  const read = fromXml(body.text);
  if (!read.ok) return { ok: false as const, fail: `XML格式错误：${read.why}` };
  const f = read.fields;
  if (!f.mch_id || !f.nonce_str || !f.sign) return { ok: false as const, fail: '缺少mch_id、nonce_str或sign' };
  for (const cfg of await sandboxConfigs(c.get('db'), CHANNEL, f.mch_id)) {
    const secrets = await configSecrets<Secrets>(c.env, cfg);
    if (await verify(f, secrets.api_key)) return { ok: true as const, f, cfg, secrets };
  }
  return { ok: false as const, fail: '签名错误' };
}

const findTrade = (db: Db, mchId: string, outTradeNo: string | undefined) =>
  findSimTrade(db, CHANNEL, mchId, outTradeNo);

/** The fields a query answers (and a notify carries) for a trade. */
function tradeFields(t: SimTrade): Fields {
  const paid = t.paidMs !== null;
  return {
    ...(t.extra.appid ? { appid: t.extra.appid } : {}),
    trade_type: t.api,
    trade_state: t.status,
    bank_type: paid ? 'BALANCE' : '',
    fee_type: 'CNY',
    total_fee: String(t.amountFen),
    cash_fee: paid ? String(t.amountFen) : '0',
    coupon_fee: '0',
    transaction_id: paid ? t.tradeNo : '',
    out_trade_no: t.outTradeNo,
    attach: '',
    time_end: paid ? compactChinaTime(t.paidMs!) : '',
    openid: paid ? t.extra.openid : '',
  };
}

type Handler = (c: Context<AppEnv>, f: Fields, cfg: ChannelConfig, secrets: Secrets) => Promise<Reply>;

const API: Record<string, Handler> = {
  async [PATH.unifiedOrder](c, f, cfg) {
    const total = fenOf(f.total_fee);
    const type = f.trade_type;
    if (type !== 'NATIVE' && type !== 'APP') return business('PARAM_ERROR', 'trade_type仅支持NATIVE、APP（沙箱）');
    if (!f.out_trade_no || !/^[A-Za-z0-9_-]{1,32}$/.test(f.out_trade_no))
      return business('PARAM_ERROR', 'out_trade_no格式错误');
    if (total === null || total <= 0) return business('PARAM_ERROR', 'total_fee须为正整数（单位：分）');
    if (!f.body) return business('PARAM_ERROR', '缺少body');
    if (!/^https?:\/\//.test(f.notify_url ?? '')) return business('PARAM_ERROR', 'notify_url须为http(s)地址');
    if (f.fee_type && f.fee_type !== 'CNY') return business('PARAM_ERROR', 'fee_type仅支持CNY');
    if (type === 'APP' && !f.appid) return business('PARAM_ERROR', 'APP支付须传appid');
    const expires = f.time_expire ? parseCompactChinaTime(f.time_expire) : Date.now() + DEFAULT_TTL_MS;
    if (expires === null) return business('PARAM_ERROR', 'time_expire格式应为yyyyMMddHHmmss');
    const db = c.get('db');
    const now = Date.now();
    await db
      .insert(simTrades)
      .values({
        channel: CHANNEL,
        account: f.mch_id,
        outTradeNo: f.out_trade_no,
        tradeNo: `1${f.mch_id.slice(0, 10).padStart(10, '0')}${compactChinaTime(now).slice(2, 8)}${randomDigits(11)}`,
        token: `qq${randomToken(30)}`,
        amountFen: total,
        subject: f.body.slice(0, 256),
        api: type,
        status: 'NOTPAY',
        notifyUrl: f.notify_url,
        origin: new URL(c.req.url).origin,
        expiresMs: expires,
        createdMs: now,
        extra: { appid: f.appid ?? '', openid: randomToken(32).toUpperCase(), config_id: String(cfg.id) },
      })
      .onConflictDoNothing();
    const t = (await findTrade(db, f.mch_id, f.out_trade_no))!;
    if (t.amountFen !== total || t.api !== type)
      return business('OUT_TRADE_NO_USED', '商户订单号重复：同一out_trade_no的参数不一致');
    if (t.status === 'SUCCESS' || t.status === 'REFUND') return business('ORDERPAID', '商户订单已支付');
    if (t.status === 'CLOSED') return business('ORDERCLOSED', '订单已关闭');
    const origin = new URL(c.req.url).origin;
    return success({
      trade_type: type,
      prepay_id: t.token,
      ...(type === 'NATIVE' ? { code_url: `${origin}${SIMULATOR_BASE}/qr/${t.token}` } : {}),
    });
  },

  async [PATH.query](c, f) {
    const t = await findTrade(c.get('db'), f.mch_id, f.out_trade_no);
    return t ? success(tradeFields(t)) : business('ORDERNOTEXIST', '订单不存在');
  },

  async [PATH.close](c, f) {
    const db = c.get('db');
    const t = await findTrade(db, f.mch_id, f.out_trade_no);
    if (!t) return business('ORDERNOTEXIST', '订单不存在');
    const after = await closeSimTrade(db, t, OPEN, 'CLOSED');
    return after.status === 'CLOSED' ? success({}) : business('ORDERPAID', '订单已支付，不能关闭');
  },

  async [PATH.refund](c, f, cfg, secrets) {
    if (!f.op_user_id || f.op_user_id !== cfg.settings.op_user_id || f.op_user_passwd !== secrets.op_user_passwd_md5)
      return business('OPUSER_INVALID', '操作员账号或密码错误');
    const db = c.get('db');
    const t = await findTrade(db, f.mch_id, f.out_trade_no);
    if (!t || t.paidMs === null) return business('ORDERNOTEXIST', '订单不存在或未支付');
    const fee = fenOf(f.refund_fee);
    if (fee === null || fee <= 0) return business('PARAM_ERROR', 'refund_fee须为正整数（单位：分）');
    if (!f.out_refund_no || !/^[A-Za-z0-9_-]{1,32}$/.test(f.out_refund_no))
      return business('PARAM_ERROR', 'out_refund_no格式错误');
    const r = await recordSimRefund(db, t, f.out_refund_no, fee, { refund_id: `2${randomDigits(27)}` }, 'REFUND');
    if (r.kind === 'conflict') return business('REFUND_NO_USED', '同一out_refund_no的退款金额不一致');
    if (r.kind !== 'created' && r.kind !== 'repeat') return business('REFUND_FEE_INVALID', '退款金额超过订单可退金额');
    return success({
      transaction_id: t.tradeNo,
      out_trade_no: t.outTradeNo,
      total_fee: String(t.amountFen),
      out_refund_no: r.refund.outRequestNo,
      refund_id: r.refund.extra.refund_id,
      refund_channel: 'ORIGINAL',
      refund_fee: String(r.refund.amountFen),
    });
  },

  async [PATH.refundQuery](c, f) {
    const row = await findSimRefund(c.get('db'), CHANNEL, f.mch_id, f.out_refund_no ?? '');
    if (!row) return business('REFUNDNOTEXIST', '退款单不存在');
    return success({
      transaction_id: row.t.tradeNo,
      out_trade_no: row.t.outTradeNo,
      total_fee: String(row.t.amountFen),
      refund_count: '1',
      out_refund_no_0: row.r.outRequestNo,
      refund_id_0: row.r.extra.refund_id,
      refund_channel_0: 'ORIGINAL',
      refund_fee_0: String(row.r.amountFen),
      refund_status_0: 'SUCCESS',
    });
  },
};

sim.post('/cgi-bin/pay/:api', async (c) => {
  const path = `/cgi-bin/pay/${c.req.param('api')}`;
  const handler = API[path];
  if (!handler) return c.body(toXml({ return_code: 'FAIL', return_msg: `不支持的接口 ${path}` }), 404);
  const req = await request(c);
  if (!req.ok) return answer(c, { fail: req.fail }, null, '');
  return answer(c, await handler(c, req.f, req.cfg, req.secrets), req.secrets.api_key, req.f.mch_id);
});

// ── the payer ──────────────────────────────────────────────────────────────────────────────

// ── what QQ Wallet sends the merchant ──────────────────────────────────────────────────────

/** The notify: the paid trade's fields as XML, signed with the merchant's API key. */
export const notifier: SimNotifier = {
  async build(env, db, t) {
    const cfg = await db.query.channelConfigs.findFirst({ where: eq(channelConfigs.id, Number(t.extra.config_id)) });
    if (!cfg) throw new Error(`the config that made trade ${t.outTradeNo} is gone`);
    const { api_key } = await configSecrets<Secrets>(env, cfg);
    const fields = await signed(
      { mch_id: t.account, nonce_str: nonceStr(), device_info: '', ...tradeFields(t) },
      api_key,
    );
    return { body: toXml(fields), headers: { 'content-type': 'text/xml; charset=utf-8' } };
  },
  accepted: (status, text) => {
    const read = fromXml(text);
    return status === 200 && read.ok && read.fields.return_code === 'SUCCESS';
  },
  retryS: NOTIFY_RETRY_S,
};

mountPayer(sim, {
  channel: CHANNEL,
  brand: BRAND,
  notFound: 'ORDERNOTEXIST',
  open: OPEN,
  paidStatus: 'SUCCESS',
  paidStatuses: ['SUCCESS', 'REFUND'],
  notifier,
});

export default sim;
