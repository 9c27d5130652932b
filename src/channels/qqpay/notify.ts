/**
 * QQ Wallet's notifies: the XML QQ Wallet posts to `notify_url`, trusted only when its MD5 sign
 * verifies with the API key. QQ Wallet expects `return_code` SUCCESS XML for "received" and FAIL
 * XML (still HTTP 200) for "send again".
 */
import type { NotifyVerdict, RawNotify } from '../types';
import { type Ctx, paidFacts } from './gateway';
import { fenOf, fromXml, NOTIFY_OK, notifyFail, TRADE_STATES, verify } from './protocol';

/** A notify: the XML, its sign verified with api_key; a paid trade when trade_state is SUCCESS. */
export async function verifyNotify(ctx: Ctx, raw: RawNotify): Promise<NotifyVerdict> {
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
}

/** The answers QQ Wallet expects: SUCCESS received (also duplicates), FAIL to be sent again. */
export const answers = {
  ok: { status: 200, body: NOTIFY_OK, contentType: 'text/xml; charset=utf-8' },
  fail: (reason: string) => ({ status: 200, body: notifyFail(reason), contentType: 'text/xml; charset=utf-8' }),
};
