/**
 * One QQ Wallet call: the fields signed with the API key (MD5), POSTed as XML — refunds to the
 * refund host through the merchant's client certificate (a Workers mTLS binding) — and the answer
 * trusted only when its sign verifies with the same key; then classified by return_code,
 * result_code and err_code.
 */
import { parseCompactChinaTime } from '../../domain/china-time';
import type { CallOutcome, ChannelContext, PaidFacts } from '../types';
import type { QqpaySecrets, QqpaySettings } from './config';
import {
  classify,
  DEFAULT_BASE,
  DEFAULT_REFUND_BASE,
  describe,
  type Fields,
  fenOf,
  fromXml,
  nonceStr,
  signed,
  toXml,
  verify,
} from './protocol';

export type Ctx = ChannelContext<QqpaySettings, QqpaySecrets>;

export interface Called {
  outcome: CallOutcome<Fields>;
  fields: Fields | null;
  verified: boolean;
}

/** Where refunds go: QQ Wallet's refund host for its own API, else the configured base (the simulator). */
const refundBase = (s: QqpaySettings) => (s.base_url === DEFAULT_BASE ? DEFAULT_REFUND_BASE : s.base_url);

/** One call: sign the fields, POST the XML, read and verify the answer's sign, classify it. */
export async function callRaw(
  ctx: Ctx,
  path: string,
  fields: Fields,
  opts: { refund?: boolean } = {},
): Promise<Called> {
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

export const call = async (ctx: Ctx, path: string, fields: Fields, opts: { refund?: boolean } = {}) =>
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

export const isCode = (o: CallOutcome<Fields>, ...codes: string[]) => o.kind === 'refused' && codes.includes(o.code);

export function paidFacts(f: Fields): PaidFacts | null {
  const amount = fenOf(f.total_fee);
  if (amount === null || !f.transaction_id) return null;
  return {
    amountFen: amount,
    providerTxnId: f.transaction_id,
    paidMs: parseCompactChinaTime(f.time_end) ?? Date.now(),
    payer: f.openid || null,
  };
}
