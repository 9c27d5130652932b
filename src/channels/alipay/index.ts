/**
 * Alipay (Alipay Open Platform, OpenAPI v2 with RSA2 in public-key mode) as a huipay channel:
 * `qr` = alipay.trade.precreate, `wap` = alipay.trade.wap.pay and `page` = alipay.trade.page.pay
 * (signed browser redirects), `app` = alipay.trade.app.pay (the signed order string the App SDK
 * takes); alipay.trade.query, .close, .refund and .fastpay.refund.query. Protocol rules are in
 * protocol.ts, one gateway call in gateway.ts, the config in config.ts; this module turns each
 * provider answer into an outcome (see ../types.ts).
 */
import { decodeForm } from '../../domain/form';
import { base64ToBytes, rsaVerify } from '../../domain/rsa';
import { randomToken } from '../../domain/ids';
import { type Channel, queriedTrade, type TradeState, unverifiedCheck } from '../types';
import { type AlipaySecrets, type AlipaySettings, configView, input, prepareConfig } from './config';
import { absolute, call, callRaw, isSub, paidFacts, signed, tradeBiz } from './gateway';
import {
  API,
  describe,
  fenOf,
  field,
  gatewayUrl,
  notifyContent,
  orderString,
  type Params,
  PRODUCT_CODE,
  yuan,
} from './protocol';

export type { AlipaySecrets, AlipaySettings } from './config';
export { DEFAULT_GATEWAY } from './config';

const TRADE_STATES: Record<string, TradeState['state']> = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'paid',
  TRADE_FINISHED: 'paid',
  TRADE_CLOSED: 'closed',
};

/** Hints for the sub-codes a misconfigured app gets, naming the setting to fix. */
const HINTS: Record<string, string> = {
  'isv.invalid-signature':
    "Alipay refused the signature: the app public key uploaded to Alipay does not match private_key (upload app_public_key from this config's view)",
  'isv.invalid-app-id': 'Alipay does not know this app_id (or it is not online yet)',
  'isv.insufficient-isv-permissions': 'the app has not signed up for this product (当面付/手机网站支付/电脑网站支付)',
};

export const alipay = {
  name: 'alipay',
  payType: 'alipay',
  methods: ['qr', 'wap', 'page', 'app'],
  input,
  secretFields: ['private_key'],

  prepare: prepareConfig,
  view: configView,

  async create(ctx, order, method, notifyUrl) {
    if (method === 'app') {
      const params = await signed(
        ctx,
        API.app,
        { ...tradeBiz(order), product_code: PRODUCT_CODE.app },
        { notify_url: notifyUrl },
      );
      return { kind: 'ok', value: { payInfo: orderString(params) } };
    }
    if (method !== 'qr') return { kind: 'refused', code: 'method', msg: `${method} is not a server-to-server method` };
    const biz: Record<string, string> = { ...tradeBiz(order), product_code: PRODUCT_CODE.qr };
    const answer = await call(ctx, API.qr, biz, { notify_url: notifyUrl });
    if (answer.kind !== 'ok') return answer;
    const qrCode = field(answer.value, 'qr_code');
    if (!qrCode) return { kind: 'unknown', msg: 'Alipay answered success without a qr_code' };
    return { kind: 'ok', value: { qrCode } };
  },

  async payUrl(ctx, order, method, urls) {
    const which = method === 'page' ? 'page' : 'wap';
    const biz: Record<string, string> = { ...tradeBiz(order), product_code: PRODUCT_CODE[which] };
    if (which === 'wap') biz.quit_url = urls.returnUrl;
    const params = await signed(ctx, API[which], biz, { notify_url: urls.notifyUrl, return_url: urls.returnUrl });
    return { kind: 'ok', value: { kind: 'redirect', url: gatewayUrl(absolute(ctx), params) } };
  },

  async verifyNotify(ctx, raw) {
    const fields: Params = {};
    const decoded = decodeForm(raw.body);
    if (!decoded.ok) return { kind: 'rejected', reason: decoded.error };
    for (const [k, v] of decoded.pairs) {
      if (k in fields) return { kind: 'rejected', reason: `parameter ${k} is sent twice` };
      fields[k] = v;
    }
    if (!fields.sign) return { kind: 'rejected', reason: 'no sign: not an Alipay notify' };
    if (fields.sign_type !== undefined && fields.sign_type !== 'RSA2')
      return { kind: 'rejected', reason: `sign_type ${fields.sign_type}: huipay accepts RSA2 notifies only` };
    const ok = await rsaVerify(base64ToBytes(ctx.settings.alipay_public_key), notifyContent(fields), fields.sign);
    if (!ok)
      return {
        kind: 'rejected',
        reason: 'sign does not verify with alipay_public_key over the sorted fields except sign and sign_type',
      };
    if (!fields.app_id || !fields.out_trade_no) return { kind: 'rejected', reason: 'app_id or out_trade_no missing' };
    const state = TRADE_STATES[fields.trade_status ?? ''] ?? 'pending';
    const facts = state === 'paid' ? paidFacts(fields, Date.now()) : null;
    return {
      kind: 'trade',
      account: fields.app_id,
      providerTradeNo: fields.out_trade_no,
      amountFen: fenOf(fields.total_amount),
      state: state === 'paid' && !facts ? 'pending' : state,
      facts,
      summary:
        `${fields.trade_status ?? '(no trade_status)'} ${fields.out_trade_no} ${fields.total_amount ?? ''}`.trim(),
    };
  },

  answers: {
    ok: { status: 200, body: 'success', contentType: 'text/plain; charset=utf-8' },
    fail: () => ({ status: 200, body: 'fail', contentType: 'text/plain; charset=utf-8' }),
  },

  async query(ctx, order) {
    const answer = await call(ctx, API.query, { out_trade_no: order.providerTradeNo });
    if (isSub(answer, 'ACQ.TRADE_NOT_EXIST')) return { kind: 'ok', value: { state: 'not_found' } };
    if (answer.kind !== 'ok') return answer;
    const status = field(answer.value, 'trade_status');
    const facts = () => paidFacts(answer.value, Date.now());
    return queriedTrade('Alipay', 'trade_status', status, TRADE_STATES, facts, 'trade_no or total_amount');
  },

  async close(ctx, order) {
    const answer = await call(ctx, API.close, { out_trade_no: order.providerTradeNo });
    if (isSub(answer, 'ACQ.TRADE_NOT_EXIST')) return { kind: 'ok', value: 'not_found' };
    if (isSub(answer, 'ACQ.TRADE_STATUS_ERROR')) return { kind: 'ok', value: 'paid' };
    if (answer.kind !== 'ok') return answer;
    return { kind: 'ok', value: 'closed' };
  },

  async refund(ctx, order, refund) {
    const biz: Record<string, string> = {
      out_trade_no: order.providerTradeNo,
      refund_amount: yuan(refund.amountFen),
      out_request_no: refund.providerRequestNo,
    };
    if (refund.reason) biz.refund_reason = refund.reason;
    const answer = await call(ctx, API.refund, biz);
    if (answer.kind !== 'ok') return answer;
    // fund_change Y: money moved by this request; N (a repeat) or absent: confirm with the refund query.
    return { kind: 'ok', value: field(answer.value, 'fund_change') === 'Y' ? 'succeeded' : 'unconfirmed' };
  },

  async refundQuery(ctx, order, refund) {
    const answer = await call(ctx, API.refundQuery, {
      out_trade_no: order.providerTradeNo,
      out_request_no: refund.providerRequestNo,
    });
    if (isSub(answer, 'ACQ.TRADE_NOT_EXIST')) return { kind: 'ok', value: 'not_found' };
    if (answer.kind !== 'ok') return answer;
    const status = field(answer.value, 'refund_status');
    const amount = fenOf(field(answer.value, 'refund_amount'));
    // Data in the answer means the refund happened; no data means it did not (yet): retry it.
    if (status === 'REFUND_SUCCESS' || (status === undefined && amount !== null))
      return amount === null || amount === refund.amountFen
        ? { kind: 'ok', value: 'succeeded' }
        : {
            kind: 'unknown',
            msg: `Alipay reports refund_amount ${field(answer.value, 'refund_amount')}, not ${yuan(refund.amountFen)}`,
          };
    return { kind: 'ok', value: 'not_found' };
  },

  async check(ctx) {
    const { outcome, body, verified } = await callRaw(ctx, API.query, {
      out_trade_no: `huipaycheck${randomToken(16)}`,
    });
    if (!body) return unverifiedCheck(outcome);
    const code = field(body, 'code') ?? null;
    const sub = field(body, 'sub_code') ?? null;
    // The request reached the business layer (10000, or 40004 "no such trade"): the signature was accepted.
    const accepted = code === '10000' || code === '40004';
    return {
      accepted,
      response_verified: verified,
      provider_code: [code, sub].filter(Boolean).join(' ') || null,
      provider_msg: describe(body),
      hint: !verified
        ? "Alipay's answer does not verify with alipay_public_key: paste the Alipay public key of this app"
        : accepted
          ? null
          : (HINTS[sub ?? ''] ?? null),
    };
  },
} satisfies Channel<AlipaySettings, AlipaySecrets>;
