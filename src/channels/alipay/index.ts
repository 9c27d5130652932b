/**
 * Alipay (Alipay Open Platform, OpenAPI v2 with RSA2 in public-key mode) as a huipay channel:
 * `qr` = alipay.trade.precreate, `wap` = alipay.trade.wap.pay and `page` = alipay.trade.page.pay
 * (signed browser redirects), `app` = alipay.trade.app.pay (the signed order string the App SDK
 * takes); alipay.trade.query, .close, .refund and .fastpay.refund.query. Protocol rules are in
 * protocol.ts; this module turns each call into an outcome (see ../types.ts).
 */
import { z } from '@hono/zod-openapi';
import {
  base64ToBytes,
  bytesToBase64,
  fingerprint,
  generateRsaKeyPair,
  parsePrivateKey,
  parsePublicKey,
  rsaSign,
  rsaVerify,
} from '../../domain/rsa';
import { randomToken } from '../../domain/ids';
import { checkProviderUrl } from '../provider-url';
import {
  type Channel,
  type ChannelContext,
  type ChannelOrder,
  type CallOutcome,
  ConfigProblem,
  type PaidFacts,
  type TradeState,
} from '../types';
import {
  API,
  chinaTime,
  classify,
  commonParams,
  describe,
  fenOf,
  field,
  gatewayRequest,
  gatewayUrl,
  notifyContent,
  orderString,
  type Params,
  parseChinaTime,
  PRODUCT_CODE,
  readAnswer,
  signContent,
  yuan,
} from './protocol';
import simulator, { notifier, SIMULATOR_GATEWAY } from './simulator';

export interface AlipaySettings {
  app_id: string;
  /** Alipay's gateway URL, or the built-in simulator's path (`/sandbox/alipay/gateway.do`). */
  gateway_url: string;
  /** Base64 SPKI of the Alipay public key (verifies answers and notifies). */
  alipay_public_key: string;
  alipay_public_key_fingerprint: string;
  /** Base64 SPKI of the app's public key, derived from its private key (what Alipay must have). */
  app_public_key: string;
  private_key_fingerprint: string;
}

export interface AlipaySecrets {
  /** Base64 PKCS#8 of the app's private key. */
  private_key: string;
}

type Ctx = ChannelContext<AlipaySettings, AlipaySecrets>;

export const DEFAULT_GATEWAY = 'https://openapi.alipay.com/gateway.do';
/** Where a live app's requests may go: Alipay's own production gateway, over https. */
const LIVE_HOSTS = ['openapi.alipay.com'];
const TRADE_STATES: Record<string, TradeState['state']> = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'paid',
  TRADE_FINISHED: 'paid',
  TRADE_CLOSED: 'closed',
};

const input = z
  .object({
    app_id: z
      .string()
      .regex(/^[0-9A-Za-z]{1,32}$/, 'the Alipay app id (APPID), up to 32 letters and digits')
      .openapi({ example: '2021004100000000' }),
    private_key: z.string().max(8000).optional().openapi({
      description: "the app's RSA2 private key: PKCS#8 or PKCS#1 PEM, or bare base64 (kept on update when omitted)",
    }),
    alipay_public_key: z.string().max(4000).optional().openapi({
      description: 'the Alipay public key (支付宝公钥), SPKI PEM or bare base64; optional for the built-in simulator',
    }),
    gateway_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_GATEWAY}; sandbox apps may use <origin>/sandbox/alipay/gateway.do` }),
  })
  .openapi('AlipayChannelConfig');

const absolute = (ctx: Ctx) =>
  ctx.settings.gateway_url.startsWith('/') ? `${ctx.origin}${ctx.settings.gateway_url}` : ctx.settings.gateway_url;

async function signed(ctx: Ctx, api: string, biz: Record<string, string>, extra: Params = {}): Promise<Params> {
  const params = { ...commonParams(ctx.settings.app_id, api, Date.now(), extra), biz_content: JSON.stringify(biz) };
  return { ...params, sign: await rsaSign(base64ToBytes(ctx.secrets.private_key), signContent(params)) };
}

/** What the business fields of a payment say: out_trade_no, amount, subject, when it stops being payable. */
const tradeBiz = (o: ChannelOrder) => ({
  out_trade_no: o.providerTradeNo,
  total_amount: yuan(o.amountFen),
  subject: o.subject,
  time_expire: chinaTime(o.expiresMs),
});

/** A verified answer's body, or why there is none. */
type Answer = CallOutcome<Record<string, unknown>>;

/** A gateway answer: the outcome, and (for the config check) the body even when it did not verify. */
interface Called {
  outcome: Answer;
  body: Record<string, unknown> | null;
  verified: boolean;
}

/** One gateway call: sign, POST as the SDKs do, read and verify the answer, classify its code. */
async function callRaw(ctx: Ctx, api: string, biz: Record<string, string>, extra: Params = {}): Promise<Called> {
  const params = await signed(ctx, api, biz, extra);
  const { url, body } = gatewayRequest(ctx.settings.gateway_url, params);
  const startedMs = Date.now();
  let status: number | null = null;
  let text: string | null = null;
  let called: Called;
  try {
    const res = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
      body,
    });
    status = res.status;
    text = await res.text();
    called = await judge(ctx, api, status, text);
  } catch (err) {
    const msg = `Alipay could not be reached: ${err instanceof Error ? err.message : String(err)}`;
    called = { outcome: { kind: 'unknown', msg }, body: null, verified: false };
  }
  const { outcome } = called;
  ctx.record({
    api,
    startedMs,
    durationMs: Date.now() - startedMs,
    request: new URLSearchParams(params).toString(),
    status,
    response: text,
    outcome: outcome.kind,
    error: outcome.kind === 'ok' ? null : outcome.msg,
  });
  return called;
}

const call = async (ctx: Ctx, api: string, biz: Record<string, string>, extra: Params = {}) =>
  (await callRaw(ctx, api, biz, extra)).outcome;

async function judge(ctx: Ctx, api: string, status: number, text: string): Promise<Called> {
  const unknown = (msg: string, body: Record<string, unknown> | null = null): Called => ({
    outcome: { kind: 'unknown', msg },
    body,
    verified: false,
  });
  if (status !== 200) return unknown(`Alipay answered HTTP ${status}`);
  const read = readAnswer(text, api);
  if (!read.ok) return unknown(`Alipay's answer is unreadable: ${read.why}`);
  const { signed: signedText, sign, body } = read.value;
  if (!sign) return unknown(`Alipay's answer (${describe(body)}) carries no sign; it cannot be trusted`, body);
  if (!(await rsaVerify(base64ToBytes(ctx.settings.alipay_public_key), signedText, sign)))
    return unknown(
      `Alipay's answer (${describe(body)}) does not verify with alipay_public_key: is it the Alipay public key of this app?`,
      body,
    );
  const kind = classify(body);
  const outcome: Answer =
    kind === 'ok'
      ? { kind, value: body }
      : kind === 'refused'
        ? { kind, code: field(body, 'sub_code') ?? field(body, 'code') ?? '', msg: `Alipay: ${describe(body)}` }
        : { kind, msg: `Alipay: ${describe(body)}` };
  return { outcome, body, verified: true };
}

const isSub = (o: Answer, subCode: string) => o.kind === 'refused' && o.code === subCode;

function paidFacts(body: Record<string, unknown>, fallbackMs: number): PaidFacts | null {
  const amountFen = fenOf(field(body, 'total_amount'));
  const txn = field(body, 'trade_no');
  if (amountFen === null || !txn) return null;
  return {
    amountFen,
    providerTxnId: txn,
    paidMs: parseChinaTime(field(body, 'gmt_payment') ?? field(body, 'send_pay_date')) ?? fallbackMs,
    payer: field(body, 'buyer_logon_id') ?? field(body, 'buyer_id') ?? field(body, 'buyer_user_id') ?? null,
  };
}

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
  simulator,
  simulatorGateway: SIMULATOR_GATEWAY,
  simulatorNotifier: notifier,

  async prepare(raw, ctx) {
    const i = input.parse(raw);
    const gateway = checkProviderUrl('gateway_url', i.gateway_url ?? DEFAULT_GATEWAY, ctx, {
      simulator: SIMULATOR_GATEWAY,
      liveHosts: LIVE_HOSTS,
      provider: `Alipay's own gateway (${DEFAULT_GATEWAY})`,
    });
    const privateText = i.private_key ?? (ctx.previous ? ctx.previous.secrets.private_key : null);
    if (privateText === null) throw new ConfigProblem('private_key', "is required: the app's RSA2 private key");
    const priv = await parsePrivateKey(privateText);
    if (!priv.ok) throw new ConfigProblem('private_key', priv.problem);
    const publicText =
      i.alipay_public_key ??
      (gateway === SIMULATOR_GATEWAY
        ? (await ctx.simulator()).publicKey
        : (ctx.previous?.settings.alipay_public_key ?? null));
    if (publicText === null)
      throw new ConfigProblem('alipay_public_key', 'is required: the Alipay public key (支付宝公钥) of this app');
    const pub = await parsePublicKey(publicText);
    if (!pub.ok) throw new ConfigProblem('alipay_public_key', pub.problem);
    const appPublic = bytesToBase64(priv.value.spki);
    if (bytesToBase64(pub.value) === appPublic)
      throw new ConfigProblem(
        'alipay_public_key',
        "is the app's own public key (it matches private_key): paste the Alipay public key (支付宝公钥) from the Alipay console",
      );
    return {
      account: i.app_id,
      settings: {
        app_id: i.app_id,
        gateway_url: gateway,
        alipay_public_key: bytesToBase64(pub.value),
        alipay_public_key_fingerprint: await fingerprint(pub.value),
        app_public_key: appPublic,
        private_key_fingerprint: await fingerprint(priv.value.spki),
      },
      secrets: { private_key: bytesToBase64(priv.value.pkcs8) },
    };
  },

  async implicit(appId, { publicKey: simulatorPublicKey }) {
    const pair = await generateRsaKeyPair();
    const app_id = `9021${String(appId).padStart(12, '0')}`;
    return {
      account: app_id,
      settings: {
        app_id,
        gateway_url: SIMULATOR_GATEWAY,
        alipay_public_key: simulatorPublicKey,
        alipay_public_key_fingerprint: await fingerprint(base64ToBytes(simulatorPublicKey)),
        app_public_key: bytesToBase64(pair.spki),
        private_key_fingerprint: await fingerprint(pair.spki),
      },
      secrets: { private_key: bytesToBase64(pair.pkcs8) },
    };
  },

  view(s, origin) {
    return {
      app_id: s.app_id,
      gateway_url: s.gateway_url.startsWith('/') ? `${origin}${s.gateway_url}` : s.gateway_url,
      private_key: null,
      private_key_fingerprint: s.private_key_fingerprint,
      app_public_key: s.app_public_key,
      alipay_public_key: s.alipay_public_key,
      alipay_public_key_fingerprint: s.alipay_public_key_fingerprint,
    };
  },

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

  appLink(s, payInfo, origin) {
    return s.gateway_url === SIMULATOR_GATEWAY ? `${origin}${SIMULATOR_GATEWAY}?${payInfo}` : null;
  },

  async verifyNotify(ctx, raw) {
    const fields: Params = {};
    for (const [k, v] of new URLSearchParams(raw.body)) {
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
    const state = TRADE_STATES[field(answer.value, 'trade_status') ?? ''];
    if (!state) return { kind: 'unknown', msg: `Alipay answered trade_status ${field(answer.value, 'trade_status')}` };
    if (state !== 'paid') return { kind: 'ok', value: { state } as TradeState };
    const facts = paidFacts(answer.value, Date.now());
    if (!facts) return { kind: 'unknown', msg: 'Alipay reports the trade paid without trade_no or total_amount' };
    return { kind: 'ok', value: { state: 'paid', facts } };
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
    if (!body)
      return {
        accepted: null,
        response_verified: false,
        provider_code: null,
        provider_msg: outcome.kind === 'ok' ? null : outcome.msg,
        hint: null,
      };
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
