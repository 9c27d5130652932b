/**
 * WeChat Pay API v3 as a huipay channel: `qr` = Native (`code_url`), `wap` = H5 (`h5_url`, with
 * `scene_info` and the payer's IP; the payer comes back by `redirect_url`), `jsapi` = JSAPI
 * (`prepay_id` and the signed parameters for WeixinJSBridge / wx.requestPayment, with the
 * merchant's `openid`), `app` = App (`prepay_id` and the App SDK's signed parameters); query by
 * `out_trade_no`, close, refunds at `/v3/refund/domestic/refunds` with `out_refund_no`, and the
 * refund query. Protocol rules are in protocol.ts, one API call in gateway.ts, the config in
 * config.ts, notifies in notify.ts; this module turns each answer into an outcome (../types.ts).
 */
import { randomToken } from '../../domain/ids';
import { type Channel, queriedTrade, unverifiedCheck } from '../types';
import { configView, input, prepareConfig, type WechatSecrets, type WechatSettings } from './config';
import { appParams, call, callRaw, describe, isCode, jsapiParams, paidFacts, tradeBody } from './gateway';
import { answers, verifyNotify } from './notify';
import { closePath, fen, PAY_PATH, queryPath, REFUND_PATH, refundQueryPath, str, TRADE_STATES } from './protocol';

export type { WechatSecrets, WechatSettings } from './config';

export const wechat = {
  name: 'wechat',
  payType: 'wechat',
  methods: ['qr', 'wap', 'jsapi', 'app'],
  input,
  secretFields: ['merchant_private_key', 'api_v3_key'],

  prepare: prepareConfig,
  view: configView,

  async create(ctx, order, method, notifyUrl) {
    if (method !== 'qr' && method !== 'jsapi' && method !== 'app')
      return { kind: 'refused', code: 'method', msg: `${method} is not a server-to-server method` };
    const body = tradeBody(ctx, order, notifyUrl);
    if (method === 'jsapi') {
      if (!order.openid) return { kind: 'refused', code: 'openid', msg: 'JSAPI needs the payer openid' };
      body.payer = { openid: order.openid };
    }
    const answer = await call(ctx, 'POST', PAY_PATH[method], body);
    if (answer.kind !== 'ok') return answer;
    if (method === 'qr') {
      const codeUrl = str(answer.value.body, 'code_url');
      return codeUrl
        ? { kind: 'ok', value: { qrCode: codeUrl } }
        : { kind: 'unknown', msg: 'WeChat Pay answered without code_url' };
    }
    const prepayId = str(answer.value.body, 'prepay_id');
    if (!prepayId) return { kind: 'unknown', msg: 'WeChat Pay answered without prepay_id' };
    const params = method === 'jsapi' ? await jsapiParams(ctx, prepayId) : await appParams(ctx, prepayId);
    return { kind: 'ok', value: { payInfo: JSON.stringify(params) } };
  },

  async payUrl(ctx, order, method, urls) {
    if (method !== 'wap') return { kind: 'refused', code: 'method', msg: `WeChat Pay has no ${method} page` };
    const body = {
      ...tradeBody(ctx, order, urls.notifyUrl),
      // The payer's IP is what WeChat checks the H5 payment against; loopback only when none is known (local dev).
      scene_info: { payer_client_ip: urls.payerIp ?? '127.0.0.1', h5_info: { type: 'Wap' } },
    };
    const answer = await call(ctx, 'POST', PAY_PATH.wap, body);
    if (answer.kind !== 'ok') return answer;
    const h5 = str(answer.value.body, 'h5_url');
    if (!h5) return { kind: 'unknown', msg: 'WeChat Pay answered without h5_url' };
    const url = `${h5}${h5.includes('?') ? '&' : '?'}redirect_url=${encodeURIComponent(urls.returnUrl)}`;
    return { kind: 'ok', value: { kind: 'redirect', url } };
  },

  verifyNotify,
  answers,

  async query(ctx, order) {
    const answer = await call(ctx, 'GET', queryPath(order.providerTradeNo, ctx.settings.mchid));
    if (isCode(answer, 'ORDER_NOT_EXIST', 'ORDERNOTEXIST')) return { kind: 'ok', value: { state: 'not_found' } };
    if (answer.kind !== 'ok') return answer;
    const t = answer.value.body ?? {};
    const fields = 'transaction_id or amount.total';
    return queriedTrade('WeChat Pay', 'trade_state', str(t, 'trade_state'), TRADE_STATES, () => paidFacts(t), fields);
  },

  async close(ctx, order) {
    const answer = await call(ctx, 'POST', closePath(order.providerTradeNo), { mchid: ctx.settings.mchid });
    if (isCode(answer, 'ORDER_NOT_EXIST', 'ORDERNOTEXIST')) return { kind: 'ok', value: 'not_found' };
    if (isCode(answer, 'ORDERPAID', 'ORDER_PAID')) return { kind: 'ok', value: 'paid' };
    if (answer.kind !== 'ok') return answer;
    return { kind: 'ok', value: 'closed' };
  },

  async refund(ctx, order, refund) {
    const body: Record<string, unknown> = {
      out_trade_no: order.providerTradeNo,
      out_refund_no: refund.providerRequestNo,
      amount: { refund: refund.amountFen, total: order.amountFen, currency: 'CNY' },
    };
    if (refund.reason) body.reason = [...refund.reason].slice(0, 80).join('');
    const answer = await call(ctx, 'POST', REFUND_PATH, body);
    if (answer.kind !== 'ok') return answer;
    const status = str(answer.value.body, 'status');
    if (status === 'SUCCESS') return { kind: 'ok', value: 'succeeded' };
    if (status === 'CLOSED' || status === 'ABNORMAL')
      return { kind: 'refused', code: status, msg: `WeChat Pay: the refund is ${status}` };
    return { kind: 'ok', value: 'unconfirmed' };
  },

  async refundQuery(ctx, _order, refund) {
    const answer = await call(ctx, 'GET', refundQueryPath(refund.providerRequestNo));
    if (isCode(answer, 'RESOURCE_NOT_EXISTS', 'RESOURCE_NOT_EXIST')) return { kind: 'ok', value: 'not_found' };
    if (answer.kind !== 'ok') return answer;
    const r = answer.value.body ?? {};
    const status = str(r, 'status');
    if (status === 'SUCCESS') {
      const amount = fen(r.amount, 'refund');
      return amount === null || amount === refund.amountFen
        ? { kind: 'ok', value: 'succeeded' }
        : { kind: 'unknown', msg: `WeChat Pay reports amount.refund ${amount}, not ${refund.amountFen}` };
    }
    if (status === 'CLOSED' || status === 'ABNORMAL') return { kind: 'ok', value: 'failed' };
    return { kind: 'unknown', msg: `WeChat Pay: the refund is ${status ?? 'in an unknown state'}` };
  },

  async check(ctx) {
    const { outcome, answer, verified } = await callRaw(
      ctx,
      'GET',
      queryPath(`huipaycheck${randomToken(16)}`, ctx.settings.mchid),
    );
    if (!answer) return unverifiedCheck(outcome);
    const code = str(answer.body, 'code') ?? String(answer.status);
    // A signed "no such order" (or a real order) means the request's signature was accepted.
    const accepted = answer.status === 200 || code === 'ORDER_NOT_EXIST' || code === 'ORDERNOTEXIST';
    return {
      accepted,
      response_verified: verified,
      provider_code: code,
      provider_msg: describe(answer),
      hint: !verified
        ? "WeChat Pay's answer does not verify: check wechatpay_public_key and wechatpay_public_key_id (商户平台 → API安全 → 微信支付公钥)"
        : accepted
          ? null
          : code === 'SIGN_ERROR'
            ? 'WeChat Pay refused the signature: merchant_serial_no must be the serial of the certificate whose private key is merchant_private_key'
            : null,
    };
  },
} satisfies Channel<WechatSettings, WechatSecrets>;
