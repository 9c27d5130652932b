/**
 * QQ Wallet (QQ钱包) as a huipay channel: unified order `NATIVE` (`qr`, `code_url`) and `APP`
 * (`app`, `prepay_id` and the App SDK's signed PayApi fields as `pay_info`); order query, close,
 * refund (on QQ Wallet's refund host, presenting the merchant's client certificate through a
 * Workers mTLS certificate binding) and refund query. Protocol rules are in protocol.ts, one call in
 * gateway.ts, the config in config.ts, notifies in notify.ts.
 */
import { compactChinaTime } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import { type Channel, queriedTrade, unverifiedCheck } from '../types';
import { configView, input, prepareConfig, type QqpaySecrets, type QqpaySettings } from './config';
import { call, callRaw, isCode, paidFacts } from './gateway';
import { answers, verifyNotify } from './notify';
import { appSig, appSignText, describe, type Fields, fenOf, nonceStr, PATH, TRADE_STATES } from './protocol';

export type { QqpaySecrets, QqpaySettings } from './config';

export const qqpay = {
  name: 'qqpay',
  payType: 'qqpay',
  methods: ['qr', 'app'],
  input,
  secretFields: ['api_key', 'app_key', 'op_user_passwd'],

  prepare: prepareConfig,
  view: configView,

  async create(ctx, order, method, notifyUrl) {
    if (method !== 'qr' && method !== 'app')
      return { kind: 'refused', code: 'method', msg: `${method} is not a QQ Wallet server-to-server method` };
    if (method === 'app' && (!ctx.settings.appid || !ctx.secrets.app_key))
      return {
        kind: 'refused',
        code: 'config',
        msg: 'QQ Wallet app payments need appid and app_key in the channel config',
      };
    const fields: Fields = {
      body: [...order.subject].slice(0, 32).join(''),
      out_trade_no: order.providerTradeNo,
      fee_type: 'CNY',
      total_fee: String(order.amountFen),
      spbill_create_ip: order.clientIp ?? '127.0.0.1',
      time_start: compactChinaTime(order.createdMs),
      time_expire: compactChinaTime(order.expiresMs),
      trade_type: method === 'qr' ? 'NATIVE' : 'APP',
      notify_url: notifyUrl,
    };
    if (ctx.settings.appid) fields.appid = ctx.settings.appid;
    const answer = await call(ctx, PATH.unifiedOrder, fields);
    if (answer.kind !== 'ok') return answer;
    if (method === 'qr')
      return answer.value.code_url
        ? { kind: 'ok', value: { qrCode: answer.value.code_url } }
        : { kind: 'unknown', msg: 'QQ Wallet answered without code_url' };
    const tokenId = answer.value.prepay_id;
    if (!tokenId) return { kind: 'unknown', msg: 'QQ Wallet answered without prepay_id' };
    const p = {
      appId: ctx.settings.appid,
      bargainorId: ctx.settings.mch_id,
      tokenId,
      pubAcc: '',
      nonce: nonceStr(),
      timeStamp: String(Math.floor(Date.now() / 1000)),
    };
    const sig = await appSig(ctx.secrets.app_key, appSignText(p));
    return { kind: 'ok', value: { payInfo: JSON.stringify({ ...p, sigType: 'HMAC-SHA1', sig }) } };
  },

  async payUrl() {
    return { kind: 'refused', code: 'method', msg: 'QQ Wallet has no browser payment page (use qr or app)' };
  },

  verifyNotify,
  answers,

  async query(ctx, order) {
    const answer = await call(ctx, PATH.query, { out_trade_no: order.providerTradeNo });
    if (isCode(answer, 'ORDERNOTEXIST')) return { kind: 'ok', value: { state: 'not_found' } };
    if (answer.kind !== 'ok') return answer;
    const facts = () => paidFacts(answer.value);
    const fields = 'transaction_id or total_fee';
    return queriedTrade('QQ Wallet', 'trade_state', answer.value.trade_state, TRADE_STATES, facts, fields);
  },

  async close(ctx, order) {
    const answer = await call(ctx, PATH.close, { out_trade_no: order.providerTradeNo });
    if (isCode(answer, 'ORDERNOTEXIST')) return { kind: 'ok', value: 'not_found' };
    if (isCode(answer, 'ORDERPAID')) return { kind: 'ok', value: 'paid' };
    if (answer.kind !== 'ok') return answer;
    return { kind: 'ok', value: 'closed' };
  },

  async refund(ctx, order, refund) {
    const answer = await call(
      ctx,
      PATH.refund,
      {
        out_trade_no: order.providerTradeNo,
        out_refund_no: refund.providerRequestNo,
        refund_fee: String(refund.amountFen),
        op_user_id: ctx.settings.op_user_id,
        op_user_passwd: ctx.secrets.op_user_passwd_md5,
      },
      { refund: true },
    );
    if (answer.kind !== 'ok') return answer;
    // Accepted: QQ Wallet moves the money later; the refund query says when.
    return { kind: 'ok', value: 'unconfirmed' };
  },

  async refundQuery(ctx, _order, refund) {
    const answer = await call(ctx, PATH.refundQuery, { out_refund_no: refund.providerRequestNo });
    if (isCode(answer, 'REFUNDNOTEXIST')) return { kind: 'ok', value: 'not_found' };
    if (answer.kind !== 'ok') return answer;
    const f = answer.value;
    const i = Object.keys(f)
      .filter((k) => /^out_refund_no_\d+$/.test(k) && f[k] === refund.providerRequestNo)
      .map((k) => k.slice('out_refund_no_'.length))[0];
    if (i === undefined) return { kind: 'ok', value: 'not_found' };
    const status = f[`refund_status_${i}`];
    if (status === 'SUCCESS') {
      const amount = fenOf(f[`refund_fee_${i}`]);
      return amount === null || amount === refund.amountFen
        ? { kind: 'ok', value: 'succeeded' }
        : { kind: 'unknown', msg: `QQ Wallet reports refund_fee ${amount}, not ${refund.amountFen}` };
    }
    if (status === 'FAIL' || status === 'CHANGE') return { kind: 'ok', value: 'failed' };
    return { kind: 'unknown', msg: `QQ Wallet: the refund is ${status ?? 'in an unknown state'}` };
  },

  async check(ctx) {
    const { outcome, fields, verified } = await callRaw(ctx, PATH.query, {
      out_trade_no: `huipaycheck${randomToken(16)}`,
    });
    const simulated = ctx.settings.base_url.startsWith('/');
    const certNote = simulated
      ? null
      : !ctx.settings.cert_binding
        ? "refunds are not possible yet: QQ Wallet refunds need the merchant's client certificate — upload it with `wrangler mtls-certificate upload`, bind it in wrangler.toml ([[mtls_certificates]]) and set cert_binding"
        : !ctx.certFetch(ctx.settings.cert_binding)
          ? `refunds are not possible yet: this deployment has no mTLS certificate binding ${ctx.settings.cert_binding} (add it to [[mtls_certificates]] in wrangler.toml)`
          : !ctx.settings.op_user_id
            ? 'refunds need op_user_id and op_user_passwd (the refund operator)'
            : null;
    if (fields?.return_code === 'FAIL' && /签名|sign/i.test(fields.return_msg ?? ''))
      return {
        accepted: false,
        response_verified: false,
        provider_code: 'return_code FAIL',
        provider_msg: describe(fields),
        hint: 'QQ Wallet refused the signature: api_key is not the API key set in the merchant platform',
      };
    if (fields?.return_code !== 'SUCCESS')
      return unverifiedCheck(outcome, {
        provider_code: fields ? `return_code ${fields.return_code ?? ''}`.trim() : null,
        hint: certNote,
      });
    const accepted = fields.result_code === 'SUCCESS' || fields.err_code === 'ORDERNOTEXIST';
    return {
      accepted,
      response_verified: verified,
      provider_code: fields.err_code ?? fields.result_code ?? null,
      provider_msg: describe(fields),
      hint: !verified
        ? "QQ Wallet's answer does not verify with api_key: paste the API key of this merchant number"
        : !accepted && fields.err_code === 'SIGNERROR'
          ? 'QQ Wallet refused the signature: api_key is not the API key set in the merchant platform'
          : certNote,
    };
  },
} satisfies Channel<QqpaySettings, QqpaySecrets>;
