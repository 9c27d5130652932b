/**
 * UnionPay's notifies: the form UnionPay posts to `backUrl`, trusted only when its
 * `signPubKeyCert` chains to the configured certificates and its signature verifies; only
 * consumes (`txnType=01`) move an order. UnionPay expects HTTP 200 for "received".
 */
import type { NotifyAnswer, NotifyVerdict, RawNotify } from '../types';
import { type Ctx, paidFacts, untrusted } from './gateway';
import { describe, fenOf, parseForm } from './protocol';

/** A notify: the signed form, verified as an answer is; a paid consume when respCode is 00 or A6. */
export async function verifyNotify(ctx: Ctx, raw: RawNotify): Promise<NotifyVerdict> {
  const read = parseForm(raw.body);
  if (!read.ok) return { kind: 'rejected', reason: read.why };
  const f = read.fields;
  const problem = await untrusted(ctx.settings, f);
  if (problem) return { kind: 'rejected', reason: problem };
  if (!f.merId || !f.orderId) return { kind: 'rejected', reason: 'merId or orderId missing' };
  if (f.txnType !== '01') return { kind: 'ignored', summary: `txnType ${f.txnType} ${f.orderId} ${describe(f)}` };
  const paid = f.respCode === '00' || f.respCode === 'A6';
  const facts = paid ? paidFacts(f) : null;
  return {
    kind: 'trade',
    account: f.merId,
    providerTradeNo: f.orderId,
    amountFen: fenOf(f.txnAmt),
    state: facts ? 'paid' : 'pending',
    facts,
    summary: `consume ${f.orderId} ${f.txnAmt ?? ''} ${describe(f)}`,
  };
}

/** The answers UnionPay expects: HTTP 200 received, anything else re-sent. */
export const answers = {
  ok: { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' },
  fail: (reason: string): NotifyAnswer => ({
    status: 400,
    body: reason.slice(0, 200),
    contentType: 'text/plain; charset=utf-8',
  }),
};
