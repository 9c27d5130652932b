/**
 * One Alipay gateway call: the request signed with the app's private key and POSTed as the SDKs
 * send it, the answer read and its signature checked over the exact `*_response` text with the
 * Alipay public key, its code classified. Whatever cannot be trusted is `unknown`, never a refusal.
 */
import { base64ToBytes, rsaSign, rsaVerify } from '../../domain/rsa';
import type { CallOutcome, ChannelContext, ChannelOrder, PaidFacts } from '../types';
import type { AlipaySecrets, AlipaySettings } from './config';
import {
  chinaTime,
  classify,
  commonParams,
  describe,
  fenOf,
  field,
  gatewayRequest,
  type Params,
  parseChinaTime,
  readAnswer,
  signContent,
  yuan,
} from './protocol';

export type Ctx = ChannelContext<AlipaySettings, AlipaySecrets>;

export const absolute = (ctx: Ctx) =>
  ctx.settings.gateway_url.startsWith('/') ? `${ctx.origin}${ctx.settings.gateway_url}` : ctx.settings.gateway_url;

export async function signed(ctx: Ctx, api: string, biz: Record<string, string>, extra: Params = {}): Promise<Params> {
  const params = { ...commonParams(ctx.settings.app_id, api, Date.now(), extra), biz_content: JSON.stringify(biz) };
  return { ...params, sign: await rsaSign(base64ToBytes(ctx.secrets.private_key), signContent(params)) };
}

/** What the business fields of a payment say: out_trade_no, amount, subject, when it stops being payable. */
export const tradeBiz = (o: ChannelOrder) => ({
  out_trade_no: o.providerTradeNo,
  total_amount: yuan(o.amountFen),
  subject: o.subject,
  time_expire: chinaTime(o.expiresMs),
});

/** A verified answer's body, or why there is none. */
export type Answer = CallOutcome<Record<string, unknown>>;

/** A gateway answer: the outcome, and (for the config check) the body even when it did not verify. */
export interface Called {
  outcome: Answer;
  body: Record<string, unknown> | null;
  verified: boolean;
}

/** One gateway call: sign, POST as the SDKs do, read and verify the answer, classify its code. */
export async function callRaw(ctx: Ctx, api: string, biz: Record<string, string>, extra: Params = {}): Promise<Called> {
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

export const call = async (ctx: Ctx, api: string, biz: Record<string, string>, extra: Params = {}) =>
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

export const isSub = (o: Answer, subCode: string) => o.kind === 'refused' && o.code === subCode;

export function paidFacts(body: Record<string, unknown>, fallbackMs: number): PaidFacts | null {
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
