/**
 * QQ Wallet (QQ钱包) as a huipay channel: unified order `NATIVE` (`qr`, `code_url`) and `APP`
 * (`app`, `prepay_id` and the App SDK's signed PayApi fields as `pay_info`); order query, close,
 * refund (on QQ Wallet's refund host, presenting the merchant's client certificate through a
 * Workers mTLS certificate binding) and refund query. Protocol rules are in protocol.ts.
 */
import { z } from '@hono/zod-openapi';
import { compactChinaTime, parseCompactChinaTime } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import { md5Hex } from '../../domain/sign';
import { CERT_BINDING } from '../../services/loopback';
import { absoluteUrl, checkProviderUrl } from '../provider-url';
import {
  type CallOutcome,
  type Channel,
  type ChannelContext,
  ConfigProblem,
  type PaidFacts,
  queriedTrade,
  unverifiedCheck,
} from '../types';
import {
  appSig,
  appSignText,
  classify,
  DEFAULT_BASE,
  DEFAULT_REFUND_BASE,
  describe,
  type Fields,
  fenOf,
  fromXml,
  NOTIFY_OK,
  nonceStr,
  notifyFail,
  PATH,
  signed,
  toXml,
  TRADE_STATES,
  verify,
} from './protocol';

export interface QqpaySettings {
  mch_id: string;
  /** The QQ open platform AppID (App payments; optional otherwise). */
  appid: string;
  base_url: string;
  /** The Workers mTLS certificate binding that holds the merchant's client certificate (refunds), or ''. */
  cert_binding: string;
  op_user_id: string;
  api_key_fingerprint: string;
}

export interface QqpaySecrets {
  api_key: string;
  /** The QQ open platform AppKey, which signs the App SDK's PayApi. */
  app_key: string;
  /** MD5 of the refund operator's password (`op_user_passwd`). */
  op_user_passwd_md5: string;
}

type Ctx = ChannelContext<QqpaySettings, QqpaySecrets>;

const LIVE_HOSTS = ['qpay.qq.com', 'api.qpay.qq.com'];

const input = z
  .object({
    mch_id: z
      .string()
      .regex(/^\d{1,32}$/, 'the QQ Wallet merchant number (商户号), digits')
      .openapi({ example: '1900000109' }),
    api_key: z.string().optional().openapi({
      description: 'the API key (API密钥) set in the QQ Wallet merchant platform; kept on update when omitted',
    }),
    appid: z
      .string()
      .regex(/^[0-9A-Za-z_]{1,32}$/, 'the QQ open platform AppID of your App')
      .optional()
      .openapi({ description: 'the QQ open platform AppID (needed for app payments)' }),
    app_key: z.string().max(128).optional().openapi({
      description: 'the QQ open platform AppKey, which signs the App SDK parameters (app payments); kept when omitted',
    }),
    op_user_id: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: 'the refund operator (操作员) id; refunds need it' }),
    op_user_passwd: z.string().max(128).optional().openapi({
      description: "the refund operator's password (stored as its MD5, as QQ Wallet takes it); kept when omitted",
    }),
    cert_binding: z
      .string()
      .regex(CERT_BINDING, 'the name of a Workers mTLS certificate binding, containing CERT (e.g. QQPAY_CERT)')
      .optional()
      .openapi({
        description: "the [[mtls_certificates]] binding that holds the merchant's client certificate (refunds)",
      }),
    base_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_BASE}; sandbox apps may use <origin>/sandbox/qqpay` }),
  })
  .openapi('QqpayChannelConfig');

interface Called {
  outcome: CallOutcome<Fields>;
  fields: Fields | null;
  verified: boolean;
}

/** Where refunds go: QQ Wallet's refund host for its own API, else the configured base (the simulator). */
const refundBase = (s: QqpaySettings) => (s.base_url === DEFAULT_BASE ? DEFAULT_REFUND_BASE : s.base_url);

/** One call: sign the fields, POST the XML, read and verify the answer's sign, classify it. */
async function callRaw(ctx: Ctx, path: string, fields: Fields, opts: { refund?: boolean } = {}): Promise<Called> {
  const body = toXml(
    await signed({ mch_id: ctx.settings.mch_id, nonce_str: nonceStr(), ...fields }, ctx.secrets.api_key),
  );
  const base = opts.refund ? refundBase(ctx.settings) : ctx.settings.base_url;
  const url = `${base}${path}`;
  const startedMs = Date.now();
  let status: number | null = null;
  let text: string | null = null;
  let called: Called;
  try {
    const viaCert = opts.refund && !base.startsWith('/') ? ctx.certFetch(ctx.settings.cert_binding) : ctx.fetch;
    if (!viaCert) {
      called = {
        outcome: {
          kind: 'refused',
          code: 'NO_CLIENT_CERT',
          msg: ctx.settings.cert_binding
            ? `QQ Wallet refunds need the merchant's client certificate: this deployment has no mTLS certificate binding ${ctx.settings.cert_binding}`
            : "QQ Wallet refunds need the merchant's client certificate: set cert_binding to a Workers mTLS certificate binding",
        },
        fields: null,
        verified: false,
      };
    } else {
      const res = await viaCert(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
      status = res.status;
      text = await res.text();
      called = await judge(ctx, status, text);
    }
  } catch (err) {
    const msg = `QQ Wallet could not be reached: ${err instanceof Error ? err.message : String(err)}`;
    called = { outcome: { kind: 'unknown', msg }, fields: null, verified: false };
  }
  // The request as sent, but without the operator's password hash.
  ctx.record({
    api: path.split('/').pop()!,
    startedMs,
    durationMs: Date.now() - startedMs,
    request: body.replace(/<op_user_passwd>.*?<\/op_user_passwd>/, '<op_user_passwd>***</op_user_passwd>'),
    status,
    response: text,
    outcome: called.outcome.kind,
    error: called.outcome.kind === 'ok' ? null : called.outcome.msg,
  });
  return called;
}

const call = async (ctx: Ctx, path: string, fields: Fields, opts: { refund?: boolean } = {}) =>
  (await callRaw(ctx, path, fields, opts)).outcome;

async function judge(ctx: Ctx, status: number, text: string): Promise<Called> {
  const unknown = (msg: string, fields: Fields | null = null): Called => ({
    outcome: { kind: 'unknown', msg },
    fields,
    verified: false,
  });
  if (status !== 200) return unknown(`QQ Wallet answered HTTP ${status}`);
  const read = fromXml(text);
  if (!read.ok) return unknown(`QQ Wallet's answer is unreadable: ${read.why}`);
  const f = read.fields;
  // A failed call (return_code FAIL) comes unsigned; it says nothing definite, so it is unknown.
  if (f.return_code !== 'SUCCESS') return unknown(`QQ Wallet: ${describe(f)}`, f);
  if (!f.sign) return unknown(`QQ Wallet's answer (${describe(f)}) carries no sign; it cannot be trusted`, f);
  if (!(await verify(f, ctx.secrets.api_key)))
    return unknown(
      `QQ Wallet's answer (${describe(f)}) does not verify with api_key: is it this merchant number's API key?`,
      f,
    );
  if (f.mch_id && f.mch_id !== ctx.settings.mch_id)
    return unknown(`QQ Wallet's answer is for mch_id ${f.mch_id}, not ${ctx.settings.mch_id}`, f);
  const kind = classify(f);
  const outcome: CallOutcome<Fields> =
    kind === 'ok'
      ? { kind, value: f }
      : kind === 'refused'
        ? { kind, code: f.err_code ?? 'FAIL', msg: `QQ Wallet: ${describe(f)}` }
        : { kind, msg: `QQ Wallet: ${describe(f)}` };
  return { outcome, fields: f, verified: true };
}

const isCode = (o: CallOutcome<Fields>, ...codes: string[]) => o.kind === 'refused' && codes.includes(o.code);

function paidFacts(f: Fields): PaidFacts | null {
  const amount = fenOf(f.total_fee);
  if (amount === null || !f.transaction_id) return null;
  return {
    amountFen: amount,
    providerTxnId: f.transaction_id,
    paidMs: parseCompactChinaTime(f.time_end) ?? Date.now(),
    payer: f.openid || null,
  };
}

export const qqpay = {
  name: 'qqpay',
  payType: 'qqpay',
  methods: ['qr', 'app'],
  input,
  secretFields: ['api_key', 'app_key', 'op_user_passwd'],

  async prepare(raw, ctx) {
    const i = input.parse(raw);
    const base = checkProviderUrl('base_url', i.base_url ?? DEFAULT_BASE, ctx, {
      liveHosts: LIVE_HOSTS,
      provider: `QQ Wallet's own API (${DEFAULT_BASE})`,
    });
    const prev = ctx.previous;
    const apiKey = i.api_key ?? prev?.secrets.api_key ?? null;
    if (apiKey === null)
      throw new ConfigProblem('api_key', 'is required: the API key (API密钥) of the QQ Wallet merchant platform');
    if (!/^[\x21-\x7e]{8,64}$/.test(apiKey))
      throw new ConfigProblem(
        'api_key',
        'must be 8-64 printable ASCII characters (QQ Wallet API keys are 32 letters and digits)',
      );
    const passwd =
      i.op_user_passwd === undefined ? (prev?.secrets.op_user_passwd_md5 ?? '') : await md5Hex(i.op_user_passwd);
    return {
      account: i.mch_id,
      settings: {
        mch_id: i.mch_id,
        appid: i.appid ?? prev?.settings.appid ?? '',
        base_url: base.url,
        cert_binding: i.cert_binding ?? prev?.settings.cert_binding ?? '',
        op_user_id: i.op_user_id ?? prev?.settings.op_user_id ?? '',
        api_key_fingerprint: `md5:${(await md5Hex(apiKey)).slice(0, 12)}`,
      },
      secrets: { api_key: apiKey, app_key: i.app_key ?? prev?.secrets.app_key ?? '', op_user_passwd_md5: passwd },
    };
  },

  view(s, origin) {
    return {
      mch_id: s.mch_id,
      appid: s.appid || null,
      base_url: absoluteUrl(s.base_url, origin),
      api_key: null,
      api_key_fingerprint: s.api_key_fingerprint,
      app_key: null,
      op_user_id: s.op_user_id || null,
      op_user_passwd: null,
      cert_binding: s.cert_binding || null,
    };
  },

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

  async verifyNotify(ctx, raw) {
    const read = fromXml(raw.body);
    if (!read.ok) return { kind: 'rejected', reason: `not a QQ Wallet notify: ${read.why}` };
    const f = read.fields;
    if (!f.sign) return { kind: 'rejected', reason: 'no sign: not a QQ Wallet notify' };
    if (!(await verify(f, ctx.secrets.api_key)))
      return {
        kind: 'rejected',
        reason:
          'sign does not verify: expected uppercase MD5 of the sorted non-empty fields but sign, then &key=<api_key>',
      };
    if (!f.mch_id || !f.out_trade_no) return { kind: 'rejected', reason: 'mch_id or out_trade_no missing' };
    const state = TRADE_STATES[f.trade_state ?? ''] ?? 'pending';
    const facts = state === 'paid' ? paidFacts(f) : null;
    return {
      kind: 'trade',
      account: f.mch_id,
      providerTradeNo: f.out_trade_no,
      amountFen: fenOf(f.total_fee),
      state: state === 'paid' && !facts ? 'pending' : state,
      facts,
      summary: `${f.trade_state ?? '(no trade_state)'} ${f.out_trade_no} ${f.total_fee ?? ''}`.trim(),
    };
  },

  answers: {
    ok: { status: 200, body: NOTIFY_OK, contentType: 'text/xml; charset=utf-8' },
    fail: (reason) => ({ status: 200, body: notifyFail(reason), contentType: 'text/xml; charset=utf-8' }),
  },

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
