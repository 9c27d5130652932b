/**
 * WeChat Pay API v3 as a huipay channel: `qr` = Native (`code_url`), `wap` = H5 (`h5_url`, with
 * `scene_info` and the payer's IP; the payer comes back by `redirect_url`), `jsapi` = JSAPI
 * (`prepay_id` and the signed parameters for WeixinJSBridge / wx.requestPayment, with the
 * merchant's `openid`), `app` = App (`prepay_id` and the App SDK's signed parameters); query by
 * `out_trade_no`, close, refunds at `/v3/refund/domestic/refunds` with `out_refund_no`, and the
 * refund query. Protocol rules are in protocol.ts.
 */
import { z } from '@hono/zod-openapi';
import { parseRfc3339, rfc3339China } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import {
  base64ToBytes,
  bytesToBase64,
  fingerprint,
  generateRsaKeyPair,
  parsePrivateKey,
  parsePublicKey,
  rsaSign,
  rsaVerify,
  toPem,
} from '../../domain/rsa';
import { absoluteUrl, checkProviderUrl } from '../provider-url';
import {
  type CallOutcome,
  type Channel,
  type ChannelContext,
  type ChannelOrder,
  ConfigProblem,
  unverifiedCheck,
  type PaidFacts,
  queriedTrade,
} from '../types';
import {
  authorization,
  classify,
  closePath,
  DEFAULT_BASE,
  decryptResource,
  type EncryptedResource,
  fen,
  freshTimestamp,
  jsonObject,
  nonce,
  PAY_PATH,
  payMessage,
  PROBE_PREFIX,
  queryPath,
  REFUND_PATH,
  refundQueryPath,
  requestMessage,
  responseMessage,
  str,
  TRADE_STATES,
} from './protocol';
import simulator, { notifier, publicKeyIdOf, SIMULATOR_BASE } from './simulator';

export interface WechatSettings {
  mchid: string;
  appid: string;
  /** WeChat Pay's API base, or the simulator's path (`/sandbox/wechat`). */
  base_url: string;
  merchant_serial_no: string;
  /** Base64 SPKI derived from the merchant private key (what WeChat Pay verifies requests with). */
  merchant_public_key: string;
  merchant_private_key_fingerprint: string;
  /** Base64 SPKI of the WeChat Pay public key, and its id (`PUB_KEY_ID_…`). */
  wechatpay_public_key: string;
  wechatpay_public_key_id: string;
  wechatpay_public_key_fingerprint: string;
}

export interface WechatSecrets {
  merchant_private_key: string;
  api_v3_key: string;
}

type Ctx = ChannelContext<WechatSettings, WechatSecrets>;

const LIVE_HOSTS = ['api.mch.weixin.qq.com', 'api2.mch.weixin.qq.com'];

const input = z
  .object({
    mchid: z
      .string()
      .regex(/^\d{1,32}$/, 'the WeChat Pay merchant number (商户号), digits')
      .openapi({ example: '1900000109' }),
    appid: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,32}$/, 'the AppID bound to the merchant number (公众号, 小程序 or App)')
      .openapi({ example: 'wxd678efh567hg6787' }),
    api_v3_key: z
      .string()
      .optional()
      .openapi({ description: 'the API v3 key (APIv3密钥), 32 characters; kept on update when omitted' }),
    merchant_serial_no: z
      .string()
      .regex(/^[0-9A-Fa-f]{8,64}$/, "the serial number of the merchant's API certificate (商户API证书序列号), hex")
      .openapi({ example: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1' }),
    merchant_private_key: z.string().max(8000).optional().openapi({
      description: "the merchant's API private key (apiclient_key.pem), PKCS#8 PEM; kept on update when omitted",
    }),
    wechatpay_public_key: z.string().max(4000).optional().openapi({
      description: 'the WeChat Pay public key (微信支付公钥, pub_key.pem); optional for the built-in simulator',
    }),
    wechatpay_public_key_id: z
      .string()
      .regex(/^PUB_KEY_ID_[0-9A-Za-z_]{1,64}$/, 'the id of the WeChat Pay public key, PUB_KEY_ID_…')
      .optional()
      .openapi({ example: 'PUB_KEY_ID_0114232134912410000000000000000000' }),
    base_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_BASE}; sandbox apps may use <origin>/sandbox/wechat` }),
  })
  .openapi('WechatChannelConfig');

const absolute = (ctx: Ctx) => absoluteUrl(ctx.settings.base_url, ctx.origin);

/** A verified answer: its status and parsed body (null for 204). */
interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

interface Called {
  outcome: CallOutcome<Answer>;
  answer: Answer | null;
  verified: boolean;
}

/** Checks an answer's (or a notify's) Wechatpay-* headers and signature; null when it verifies, else why not. */
async function signatureProblem(
  s: Pick<WechatSettings, 'wechatpay_public_key' | 'wechatpay_public_key_id'>,
  headers: Headers,
  body: string,
  nowMs = Date.now(),
): Promise<string | null> {
  const sig = headers.get('wechatpay-signature');
  const serial = headers.get('wechatpay-serial');
  const ts = headers.get('wechatpay-timestamp');
  const nonceText = headers.get('wechatpay-nonce');
  if (!sig || !serial || !ts || !nonceText)
    return 'unsigned (no Wechatpay-Signature, -Serial, -Timestamp or -Nonce): treated as forged';
  if (serial !== s.wechatpay_public_key_id)
    return `Wechatpay-Serial ${serial} is not this config's wechatpay_public_key_id ${s.wechatpay_public_key_id}`;
  if (sig.startsWith(PROBE_PREFIX)) return `a ${PROBE_PREFIX} probe signature: it never verifies`;
  if (!freshTimestamp(ts, nowMs)) return `Wechatpay-Timestamp ${ts} is more than 5 minutes from now`;
  if (!(await rsaVerify(base64ToBytes(s.wechatpay_public_key), responseMessage(ts, nonceText, body), sig)))
    return 'Wechatpay-Signature does not verify with wechatpay_public_key over timestamp\\nnonce\\nbody\\n';
  return null;
}

/** One API call: sign, send, verify the answer's signature, classify its status and code. */
async function callRaw(ctx: Ctx, method: 'GET' | 'POST', path: string, payload?: object): Promise<Called> {
  const body = payload ? JSON.stringify(payload) : '';
  const ts = String(Math.floor(Date.now() / 1000));
  const n = nonce();
  const base = absolute(ctx);
  const urlPath = new URL(`${base}${path}`).pathname + new URL(`${base}${path}`).search;
  const signature = await rsaSign(
    base64ToBytes(ctx.secrets.merchant_private_key),
    requestMessage(method, urlPath, ts, n, body),
  );
  const headers: Record<string, string> = {
    authorization: authorization({
      mchid: ctx.settings.mchid,
      nonce_str: n,
      signature,
      timestamp: ts,
      serial_no: ctx.settings.merchant_serial_no,
    }),
    accept: 'application/json',
    'user-agent': 'huipay/1 (WeChatPay-APIv3)',
  };
  if (method === 'POST') headers['content-type'] = 'application/json';
  const startedMs = Date.now();
  let status: number | null = null;
  let text: string | null = null;
  let called: Called;
  const api = `${method} ${path.split('?')[0]}`;
  try {
    const res = await ctx.fetch(`${ctx.settings.base_url}${path}`, {
      method,
      headers,
      body: method === 'POST' ? body : undefined,
    });
    status = res.status;
    text = await res.text();
    called = await judge(ctx, res.status, res.headers, text);
  } catch (err) {
    const msg = `WeChat Pay could not be reached: ${err instanceof Error ? err.message : String(err)}`;
    called = { outcome: { kind: 'unknown', msg }, answer: null, verified: false };
  }
  ctx.record({
    api,
    startedMs,
    durationMs: Date.now() - startedMs,
    request: `${method} ${path}${body ? ` ${body}` : ''}`,
    status,
    response: text,
    outcome: called.outcome.kind,
    error: called.outcome.kind === 'ok' ? null : called.outcome.msg,
  });
  return called;
}

const call = async (ctx: Ctx, method: 'GET' | 'POST', path: string, payload?: object) =>
  (await callRaw(ctx, method, path, payload)).outcome;

const describe = (a: Answer) =>
  a.body
    ? [str(a.body, 'code'), str(a.body, 'message')].filter(Boolean).join(': ') || `HTTP ${a.status}`
    : `HTTP ${a.status}`;

async function judge(ctx: Ctx, status: number, headers: Headers, text: string): Promise<Called> {
  const body = text === '' ? null : jsonObject(text);
  const answer: Answer = { status, body };
  if (text !== '' && !body)
    return {
      outcome: { kind: 'unknown', msg: `WeChat Pay's answer (HTTP ${status}) is not JSON` },
      answer: null,
      verified: false,
    };
  const problem = await signatureProblem(ctx.settings, headers, text);
  if (problem)
    return {
      outcome: { kind: 'unknown', msg: `WeChat Pay's answer (${describe(answer)}) cannot be trusted: ${problem}` },
      answer,
      verified: false,
    };
  const kind = classify(status, str(body, 'code'));
  const outcome: CallOutcome<Answer> =
    kind === 'ok'
      ? { kind, value: answer }
      : kind === 'refused'
        ? { kind, code: str(body, 'code') ?? String(status), msg: `WeChat Pay: ${describe(answer)}` }
        : { kind, msg: `WeChat Pay: ${describe(answer)}` };
  return { outcome, answer, verified: true };
}

const isCode = (o: CallOutcome<Answer>, ...codes: string[]) => o.kind === 'refused' && codes.includes(o.code);

/** What a paid transaction (a query answer or a decrypted notify) says. */
function paidFacts(t: Record<string, unknown>): PaidFacts | null {
  const amount = fen(t.amount, 'total');
  const txn = str(t, 'transaction_id');
  if (amount === null || !txn) return null;
  return {
    amountFen: amount,
    providerTxnId: txn,
    paidMs: parseRfc3339(str(t, 'success_time')) ?? Date.now(),
    payer: str(t.payer, 'openid') ?? null,
  };
}

/** The body of a payment request: who, what, how much, until when, where to notify. */
function tradeBody(ctx: Ctx, o: ChannelOrder, notifyUrl: string): Record<string, unknown> {
  return {
    appid: ctx.settings.appid,
    mchid: ctx.settings.mchid,
    description: [...o.subject].slice(0, 127).join(''),
    out_trade_no: o.providerTradeNo,
    time_expire: rfc3339China(o.expiresMs),
    notify_url: notifyUrl,
    amount: { total: o.amountFen, currency: 'CNY' },
  };
}

/** The parameters WeixinJSBridge's getBrandWCPayRequest / wx.requestPayment take, signed. */
async function jsapiParams(ctx: Ctx, prepayId: string) {
  const p = {
    appId: ctx.settings.appid,
    timeStamp: String(Math.floor(Date.now() / 1000)),
    nonceStr: nonce(),
    package: `prepay_id=${prepayId}`,
    signType: 'RSA',
  };
  const paySign = await rsaSign(
    base64ToBytes(ctx.secrets.merchant_private_key),
    payMessage(p.appId, p.timeStamp, p.nonceStr, p.package),
  );
  return { ...p, paySign };
}

/** What the WeChat App SDK's PayReq takes, signed per WeChat's App rules. */
async function appParams(ctx: Ctx, prepayId: string) {
  const p = {
    appid: ctx.settings.appid,
    partnerid: ctx.settings.mchid,
    prepayid: prepayId,
    package: 'Sign=WXPay',
    noncestr: nonce(),
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  const sign = await rsaSign(
    base64ToBytes(ctx.secrets.merchant_private_key),
    payMessage(p.appid, p.timestamp, p.noncestr, p.prepayid),
  );
  return { ...p, sign };
}

export const wechat = {
  name: 'wechat',
  payType: 'wechat',
  methods: ['qr', 'wap', 'jsapi', 'app'],
  input,
  secretFields: ['merchant_private_key', 'api_v3_key'],
  simulator,
  simulatorGateway: SIMULATOR_BASE,
  simulatorNotifier: notifier,
  simulatorIssuer: async (pair) => ({ public_key_id: await publicKeyIdOf(pair.spki) }),

  async prepare(raw, ctx) {
    const i = input.parse(raw);
    const base = checkProviderUrl('base_url', i.base_url ?? DEFAULT_BASE, ctx, {
      simulator: SIMULATOR_BASE,
      liveHosts: LIVE_HOSTS,
      provider: `WeChat Pay's own API (${DEFAULT_BASE})`,
    });
    const prev = ctx.previous;
    const apiV3Key = i.api_v3_key ?? prev?.secrets.api_v3_key ?? null;
    if (apiV3Key === null)
      throw new ConfigProblem('api_v3_key', 'is required: the API v3 key (APIv3密钥) set in the merchant platform');
    if (new TextEncoder().encode(apiV3Key).length !== 32 || !/^[\x21-\x7e]+$/.test(apiV3Key))
      throw new ConfigProblem(
        'api_v3_key',
        'must be exactly 32 characters (letters and digits), as set in the merchant platform',
      );
    const privateText = i.merchant_private_key ?? prev?.secrets.merchant_private_key ?? null;
    if (privateText === null)
      throw new ConfigProblem(
        'merchant_private_key',
        "is required: the merchant's API private key (apiclient_key.pem)",
      );
    const priv = await parsePrivateKey(privateText);
    if (!priv.ok) throw new ConfigProblem('merchant_private_key', priv.problem);
    const sim = base === SIMULATOR_BASE ? await ctx.simulator() : null;
    const publicText = i.wechatpay_public_key ?? sim?.publicKey ?? prev?.settings.wechatpay_public_key ?? null;
    if (publicText === null)
      throw new ConfigProblem(
        'wechatpay_public_key',
        'is required: the WeChat Pay public key (微信支付公钥) from the merchant platform',
      );
    const pub = await parsePublicKey(publicText);
    if (!pub.ok) throw new ConfigProblem('wechatpay_public_key', pub.problem);
    if (bytesToBase64(pub.value) === bytesToBase64(priv.value.spki))
      throw new ConfigProblem(
        'wechatpay_public_key',
        "is the merchant's own public key (it matches merchant_private_key): paste the WeChat Pay public key (微信支付公钥)",
      );
    const keyId =
      i.wechatpay_public_key_id ?? sim?.material.public_key_id ?? prev?.settings.wechatpay_public_key_id ?? null;
    if (keyId === null)
      throw new ConfigProblem(
        'wechatpay_public_key_id',
        'is required: the id of the WeChat Pay public key (PUB_KEY_ID_…)',
      );
    return {
      account: i.mchid,
      settings: {
        mchid: i.mchid,
        appid: i.appid,
        base_url: base,
        merchant_serial_no: i.merchant_serial_no.toUpperCase(),
        merchant_public_key: bytesToBase64(priv.value.spki),
        merchant_private_key_fingerprint: await fingerprint(priv.value.spki),
        wechatpay_public_key: bytesToBase64(pub.value),
        wechatpay_public_key_id: keyId,
        wechatpay_public_key_fingerprint: await fingerprint(pub.value),
      },
      secrets: { merchant_private_key: bytesToBase64(priv.value.pkcs8), api_v3_key: apiV3Key },
    };
  },

  async implicit(appId, sim) {
    const pair = await generateRsaKeyPair();
    const mchid = `19${String(appId).padStart(8, '0')}`;
    return {
      account: mchid,
      settings: {
        mchid,
        appid: `wx${String(appId).padStart(16, '0')}`,
        base_url: SIMULATOR_BASE,
        merchant_serial_no: (await fingerprint(pair.spki)).slice(7, 47).toUpperCase(),
        merchant_public_key: bytesToBase64(pair.spki),
        merchant_private_key_fingerprint: await fingerprint(pair.spki),
        wechatpay_public_key: sim.publicKey,
        wechatpay_public_key_id: sim.material.public_key_id,
        wechatpay_public_key_fingerprint: await fingerprint(base64ToBytes(sim.publicKey)),
      },
      secrets: { merchant_private_key: bytesToBase64(pair.pkcs8), api_v3_key: randomToken(32) },
    };
  },

  view(s, origin) {
    return {
      mchid: s.mchid,
      appid: s.appid,
      base_url: absoluteUrl(s.base_url, origin),
      merchant_serial_no: s.merchant_serial_no,
      merchant_private_key: null,
      merchant_private_key_fingerprint: s.merchant_private_key_fingerprint,
      merchant_public_key: toPem(base64ToBytes(s.merchant_public_key), 'PUBLIC KEY'),
      api_v3_key: null,
      wechatpay_public_key: toPem(base64ToBytes(s.wechatpay_public_key), 'PUBLIC KEY'),
      wechatpay_public_key_id: s.wechatpay_public_key_id,
      wechatpay_public_key_fingerprint: s.wechatpay_public_key_fingerprint,
    };
  },

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

  appLink(s, payInfo, origin) {
    if (s.base_url !== SIMULATOR_BASE) return null;
    const p = jsonObject(payInfo);
    const prepay = str(p, 'prepayid') ?? str(p, 'package')?.replace(/^prepay_id=/, '');
    return prepay ? `${origin}${SIMULATOR_BASE}/pay/${encodeURIComponent(prepay)}` : null;
  },

  async verifyNotify(ctx, raw) {
    const problem = await signatureProblem(ctx.settings, raw.headers, raw.body);
    if (problem) return { kind: 'rejected', reason: problem };
    const notice = jsonObject(raw.body);
    const resource = notice?.resource as EncryptedResource | undefined;
    if (!notice || typeof resource !== 'object' || resource === null)
      return { kind: 'rejected', reason: 'the body is not a WeChat Pay notify (no resource)' };
    const plain = await decryptResource(ctx.secrets.api_v3_key, resource);
    if (plain === null)
      return {
        kind: 'rejected',
        reason:
          'resource does not decrypt with api_v3_key (AEAD_AES_256_GCM, nonce, associated_data): is it this merchant number`s API v3 key?',
      };
    const event = str(notice, 'event_type') ?? '';
    if (!event.startsWith('TRANSACTION.'))
      return { kind: 'ignored', summary: `${event} ${str(notice, 'id') ?? ''}`.trim() };
    const t = jsonObject(plain);
    const mchid = str(t, 'mchid');
    const outTradeNo = str(t, 'out_trade_no');
    if (!t || !mchid || !outTradeNo)
      return { kind: 'rejected', reason: 'the transaction has no mchid or out_trade_no' };
    const state = TRADE_STATES[str(t, 'trade_state') ?? ''] ?? 'pending';
    const facts = state === 'paid' ? paidFacts(t) : null;
    return {
      kind: 'trade',
      account: mchid,
      providerTradeNo: outTradeNo,
      amountFen: fen(t.amount, 'total'),
      state: state === 'paid' && !facts ? 'pending' : state,
      facts,
      summary: `${event} ${str(t, 'trade_state') ?? ''} ${outTradeNo} ${fen(t.amount, 'total') ?? ''}`.trim(),
    };
  },

  answers: {
    ok: { status: 204, body: '', contentType: 'text/plain; charset=utf-8' },
    fail: (reason) => ({
      status: 400,
      body: JSON.stringify({ code: 'FAIL', message: reason.slice(0, 200) }),
      contentType: 'application/json; charset=utf-8',
    }),
  },

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
