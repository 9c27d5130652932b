/**
 * WeChat Pay's notifies: a `TRANSACTION.*` event whose Wechatpay-* headers verify with the WeChat
 * Pay public key and whose resource decrypts with the merchant's API v3 key; refund events are
 * ignored (refunds are followed by query). WeChat expects 204 (or 200) for "received" and a
 * `{code, message}` JSON with a 4xx status for "try again".
 */
import type { NotifyAnswer, NotifyVerdict, RawNotify } from '../types';
import { type Ctx, paidFacts, signatureProblem } from './gateway';
import { decryptResource, type EncryptedResource, fen, jsonObject, str, TRADE_STATES } from './protocol';

/** A notify: its Wechatpay-* signature, then the resource decrypted with the API v3 key (AEAD_AES_256_GCM). */
export async function verifyNotify(ctx: Ctx, raw: RawNotify): Promise<NotifyVerdict> {
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
  if (!t || !mchid || !outTradeNo) return { kind: 'rejected', reason: 'the transaction has no mchid or out_trade_no' };
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
}

/** The answers WeChat Pay expects: received (also duplicates) and refused. */
export const answers = {
  ok: { status: 204, body: '', contentType: 'text/plain; charset=utf-8' },
  fail: (reason: string): NotifyAnswer => ({
    status: 400,
    body: JSON.stringify({ code: 'FAIL', message: reason.slice(0, 200) }),
    contentType: 'application/json; charset=utf-8',
  }),
};
