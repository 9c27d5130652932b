/**
 * One UnionPay server call: the fields signed with the merchant's sign key, POSTed as a form, and
 * the `k=v&` answer trusted only when its `signPubKeyCert` chains to the configured root and
 * middle certificates (certs.ts) and its signature verifies (protocol.ts); then classified by
 * `respCode`. Also the pieces of a consume and the consume query.
 */
import { compactChinaTime } from '../../domain/china-time';
import { base64ToBytes } from '../../domain/rsa';
import type { CallOutcome, ChannelContext, ChannelOrder, PaidFacts, TradeState } from '../types';
import { validateSignCert } from './certs';
import type { UnionpaySecrets, UnionpaySettings } from './config';
import {
  common,
  describe,
  type Fields,
  fenOf,
  NOT_FOUND,
  PATH,
  PENDING_CODES,
  parseAnswer,
  signFields,
  verifyFields,
} from './protocol';

export type Ctx = ChannelContext<UnionpaySettings, UnionpaySecrets>;

const CONSUME = { txnType: '01', txnSubType: '01', bizType: '000201', currencyCode: '156' };

export interface Called {
  outcome: CallOutcome<Fields>;
  fields: Fields | null;
  verified: boolean;
}

/** Why a message from UnionPay cannot be trusted, or null: signPubKeyCert chain, subject, dates, then the signature. */
export async function untrusted(s: UnionpaySettings, f: Fields): Promise<string | null> {
  if (!f.signature) return 'no signature: treated as forged';
  if (!f.signPubKeyCert) return 'no signPubKeyCert: cannot be verified';
  const cert = await validateSignCert(f.signPubKeyCert, s.root_cert, s.middle_cert);
  if (!cert.ok) return cert.problem;
  if (!(await verifyFields(cert.value, f)))
    return 'signature does not verify with signPubKeyCert over the hex SHA-256 of the sorted fields';
  return null;
}

export const requestFields = (ctx: Ctx, extra: Fields): Fields => ({
  ...common(ctx.settings.mer_id, ctx.settings.sign_cert_id),
  ...extra,
});

/** One server call: sign the fields, POST the form, read and verify the answer. */
export async function callRaw(ctx: Ctx, path: string, extra: Fields): Promise<Called> {
  const fields = await signFields(base64ToBytes(ctx.secrets.sign_key), requestFields(ctx, extra));
  const body = new URLSearchParams(fields).toString();
  const startedMs = Date.now();
  let status: number | null = null;
  let text: string | null = null;
  let called: Called;
  try {
    const res = await ctx.fetch(`${ctx.settings.base_url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body,
    });
    status = res.status;
    text = await res.text();
    called = await judge(ctx, status, text);
  } catch (err) {
    called = {
      outcome: {
        kind: 'unknown',
        msg: `UnionPay could not be reached: ${err instanceof Error ? err.message : String(err)}`,
      },
      fields: null,
      verified: false,
    };
  }
  ctx.record({
    api: `${path.split('/').pop()} txnType=${extra.txnType}`,
    startedMs,
    durationMs: Date.now() - startedMs,
    request: body,
    status,
    response: text,
    outcome: called.outcome.kind,
    error: called.outcome.kind === 'ok' ? null : called.outcome.msg,
  });
  return called;
}

export const call = async (ctx: Ctx, path: string, extra: Fields) => (await callRaw(ctx, path, extra)).outcome;

async function judge(ctx: Ctx, status: number, text: string): Promise<Called> {
  const unknown = (msg: string, fields: Fields | null = null): Called => ({
    outcome: { kind: 'unknown', msg },
    fields,
    verified: false,
  });
  if (status !== 200) return unknown(`UnionPay answered HTTP ${status}`);
  const read = parseAnswer(text);
  if (!read.ok) return unknown(`UnionPay's answer is unreadable: ${read.why}`);
  const f = read.fields;
  const problem = await untrusted(ctx.settings, f);
  if (problem) return unknown(`UnionPay's answer (${describe(f)}) cannot be trusted: ${problem}`, f);
  if (f.merId && f.merId !== ctx.settings.mer_id)
    return unknown(`UnionPay's answer is for merId ${f.merId}, not ${ctx.settings.mer_id}`, f);
  const code = f.respCode ?? '';
  const outcome: CallOutcome<Fields> =
    code === '00'
      ? { kind: 'ok', value: f }
      : PENDING_CODES.has(code) || code === ''
        ? { kind: 'unknown', msg: `UnionPay: ${describe(f)}` }
        : { kind: 'refused', code, msg: `UnionPay: ${describe(f)}` };
  return { outcome, fields: f, verified: true };
}

/** The fields of a consume (browser or App). */
export function consume(_ctx: Ctx, o: ChannelOrder, channelType: '07' | '08', backUrl: string): Fields {
  return {
    ...CONSUME,
    channelType,
    orderId: o.providerTradeNo,
    txnTime: compactChinaTime(o.createdMs),
    txnAmt: String(o.amountFen),
    backUrl,
    payTimeout: compactChinaTime(o.expiresMs),
    riskRateInfo: `{commodityName=${[...o.subject]
      .slice(0, 40)
      .join('')
      .replace(/[{}&=]/g, ' ')}}`,
  };
}

/** A query of the transaction `orderId` made at `txnTime`. */
export const query = (ctx: Ctx, orderId: string, txnTime: string) =>
  call(ctx, PATH.query, { txnType: '00', txnSubType: '00', bizType: '000000', orderId, txnTime });

/** The consume of an order, as UnionPay reports it. */
export async function tradeOf(ctx: Ctx, order: ChannelOrder): Promise<CallOutcome<TradeState>> {
  const answer = await query(ctx, order.providerTradeNo, compactChinaTime(order.createdMs));
  if (answer.kind === 'refused' && answer.code === NOT_FOUND) return { kind: 'ok', value: { state: 'not_found' } };
  if (answer.kind !== 'ok') return answer;
  const orig = answer.value.origRespCode ?? '';
  if (orig !== '00' && orig !== 'A6') return { kind: 'ok', value: { state: 'pending' } };
  const facts = paidFacts(answer.value);
  if (!facts) return { kind: 'unknown', msg: 'UnionPay reports the consume succeeded without queryId or txnAmt' };
  return { kind: 'ok', value: { state: 'paid', facts } };
}

export function paidFacts(f: Fields): PaidFacts | null {
  const amount = fenOf(f.txnAmt);
  if (amount === null || !f.queryId) return null;
  return { amountFen: amount, providerTxnId: f.queryId, paidMs: Date.now(), payer: f.accNo || null };
}
