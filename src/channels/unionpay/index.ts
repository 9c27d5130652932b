/**
 * The UnionPay online gateway (ACP 5.1.0) as a huipay channel: `page` (PC, `channelType=07`) and
 * `wap` (`08`) are front consumes the payer's browser posts to UnionPay (an auto-submitting form
 * page); `app` is an App consume answering `tn`; the consume query (`txnType=00`), refund
 * (`txnType=04`, named by its own `orderId` + `txnTime`) and the refund's query. Every answer and
 * notify is trusted only when its `signPubKeyCert` chains to the configured root and middle
 * certificates (certs.ts) and its signature verifies (protocol.ts). UnionPay cannot close a
 * consume: it stops being payable at its `payTimeout` (the order's expiry).
 */
import { compactChinaTime } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import { base64ToBytes } from '../../domain/rsa';
import { type Channel, unverifiedCheck } from '../types';
import { configView, input, prepareConfig, type UnionpaySecrets, type UnionpaySettings } from './config';
import { call, callRaw, consume, query, requestFields, tradeOf } from './gateway';
import { answers, verifyNotify } from './notify';
import { describe, fenOf, NOT_FOUND, PATH, PENDING_CODES, signFields } from './protocol';

export type { UnionpaySecrets, UnionpaySettings } from './config';

export const unionpay = {
  name: 'unionpay',
  payType: 'unionpay',
  methods: ['page', 'wap', 'app'],
  input,
  secretFields: ['sign_key', 'sign_cert_password'],
  unsupportedFields: ['sign_cert_p12', 'sign_cert_password'],

  prepare: prepareConfig,
  view: configView,

  async create(ctx, order, method, notifyUrl) {
    if (method !== 'app')
      return { kind: 'refused', code: 'method', msg: `${method} is not a UnionPay server-to-server method` };
    const answer = await call(ctx, PATH.app, consume(ctx, order, '08', notifyUrl));
    if (answer.kind !== 'ok') return answer;
    return answer.value.tn
      ? { kind: 'ok', value: { payInfo: answer.value.tn } }
      : { kind: 'unknown', msg: 'UnionPay answered without tn' };
  },

  async payUrl(ctx, order, method, urls) {
    if (method !== 'page' && method !== 'wap')
      return { kind: 'refused', code: 'method', msg: `UnionPay has no ${method} page` };
    const fields = await signFields(base64ToBytes(ctx.secrets.sign_key), {
      ...requestFields(ctx, consume(ctx, order, method === 'page' ? '07' : '08', urls.notifyUrl)),
      frontUrl: urls.returnUrl,
    });
    const base = ctx.settings.base_url.startsWith('/')
      ? `${ctx.origin}${ctx.settings.base_url}`
      : ctx.settings.base_url;
    return { kind: 'ok', value: { kind: 'form', action: `${base}${PATH.front}`, fields } };
  },

  verifyNotify,
  answers,

  query: tradeOf,

  async close(ctx, order) {
    // No close at UnionPay: a consume is unpayable once its payTimeout (the order's expiry) has passed.
    const q = await tradeOf(ctx, order);
    if (q.kind !== 'ok') return q;
    if (q.value.state === 'paid') return { kind: 'ok', value: 'paid' };
    if (q.value.state === 'not_found') return { kind: 'ok', value: 'not_found' };
    if (Date.now() < order.expiresMs)
      return {
        kind: 'unknown',
        msg: 'UnionPay has no close: the consume stays payable until its payTimeout (the order expiry)',
      };
    return { kind: 'ok', value: 'closed' };
  },

  async refund(ctx, order, refund) {
    if (!order.providerTxnId)
      return { kind: 'refused', code: 'origQryId', msg: 'the paid consume has no queryId to refund' };
    const answer = await call(ctx, PATH.back, {
      txnType: '04',
      txnSubType: '00',
      bizType: '000201',
      channelType: '07',
      orderId: refund.providerRequestNo,
      origQryId: order.providerTxnId,
      txnTime: compactChinaTime(refund.createdMs),
      txnAmt: String(refund.amountFen),
      backUrl: `${ctx.origin}/channels/unionpay/notify/${ctx.configId}`,
    });
    if (answer.kind !== 'ok') return answer;
    // 00: accepted; UnionPay settles the refund later, the query says when.
    return { kind: 'ok', value: 'unconfirmed' };
  },

  async refundQuery(ctx, _order, refund) {
    const answer = await query(ctx, refund.providerRequestNo, compactChinaTime(refund.createdMs));
    if (answer.kind === 'refused' && answer.code === NOT_FOUND) return { kind: 'ok', value: 'not_found' };
    if (answer.kind !== 'ok') return answer;
    const orig = answer.value.origRespCode ?? '';
    if (orig === '00') {
      const amount = fenOf(answer.value.txnAmt);
      return amount === null || amount === refund.amountFen
        ? { kind: 'ok', value: 'succeeded' }
        : { kind: 'unknown', msg: `UnionPay reports txnAmt ${amount}, not ${refund.amountFen}` };
    }
    if (PENDING_CODES.has(orig) || orig === '')
      return { kind: 'unknown', msg: `UnionPay: the refund is pending (${orig})` };
    return { kind: 'ok', value: 'failed' };
  },

  async check(ctx) {
    const { outcome, fields, verified } = await callRaw(ctx, PATH.query, {
      txnType: '00',
      txnSubType: '00',
      bizType: '000000',
      orderId: `hpcheck${randomToken(16)}`,
      txnTime: compactChinaTime(Date.now()),
    });
    if (!fields) return unverifiedCheck(outcome);
    const code = fields.respCode ?? null;
    const accepted = code === '00' || code === NOT_FOUND;
    return {
      accepted,
      response_verified: verified,
      provider_code: code,
      provider_msg: describe(fields),
      hint: !verified
        ? `UnionPay's answer cannot be trusted (${outcome.kind === 'ok' ? '' : outcome.msg}): check root_cert and middle_cert`
        : accepted
          ? null
          : code === '11'
            ? 'UnionPay refused the signature: sign_cert_id must be the serial (decimal) of the certificate whose key is sign_key'
            : null,
    };
  },
} satisfies Channel<UnionpaySettings, UnionpaySecrets>;
