/**
 * One WeChat Pay API v3 call: the request signed (`WECHATPAY2-SHA256-RSA2048` Authorization over
 * method, path, timestamp, nonce and body), sent, and its answer trusted only when its Wechatpay-*
 * headers verify with the configured WeChat Pay public key; then classified by status and code.
 * Also the pieces of a payment request: the trade body and the signed JSAPI / App parameters.
 */
import { parseRfc3339, rfc3339China } from '../../domain/china-time';
import { base64ToBytes, rsaSign, rsaVerify } from '../../domain/rsa';
import { absoluteUrl } from '../provider-url';
import type { CallOutcome, ChannelContext, ChannelOrder, PaidFacts } from '../types';
import type { WechatSecrets, WechatSettings } from './config';
import {
  authorization,
  classify,
  fen,
  freshTimestamp,
  jsonObject,
  nonce,
  payMessage,
  PROBE_PREFIX,
  requestMessage,
  responseMessage,
  str,
} from './protocol';

export type Ctx = ChannelContext<WechatSettings, WechatSecrets>;

export const absolute = (ctx: Ctx) => absoluteUrl(ctx.settings.base_url, ctx.origin);

/** A verified answer: its status and parsed body (null for 204). */
export interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

export interface Called {
  outcome: CallOutcome<Answer>;
  answer: Answer | null;
  verified: boolean;
}

/** Checks an answer's (or a notify's) Wechatpay-* headers and signature; null when it verifies, else why not. */
export async function signatureProblem(
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
export async function callRaw(ctx: Ctx, method: 'GET' | 'POST', path: string, payload?: object): Promise<Called> {
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

export const call = async (ctx: Ctx, method: 'GET' | 'POST', path: string, payload?: object) =>
  (await callRaw(ctx, method, path, payload)).outcome;

export const describe = (a: Answer) =>
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

export const isCode = (o: CallOutcome<Answer>, ...codes: string[]) => o.kind === 'refused' && codes.includes(o.code);

/** What a paid transaction (a query answer or a decrypted notify) says. */
export function paidFacts(t: Record<string, unknown>): PaidFacts | null {
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
export function tradeBody(ctx: Ctx, o: ChannelOrder, notifyUrl: string): Record<string, unknown> {
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
export async function jsapiParams(ctx: Ctx, prepayId: string) {
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
export async function appParams(ctx: Ctx, prepayId: string) {
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
