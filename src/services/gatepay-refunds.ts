/**
 * The merchant API's refunds (SPEC §11.4): `POST /api/cloudpay/refund` and `/refund_query`,
 * signed like the rest of the gatepay API, answered with the gatepay codes: 201 for an amount
 * that is invalid or exceeds what is refundable, 203 for an order paid into a personal session,
 * 211 for an out_refund_no reused with another amount, 212 for an unpaid order.
 */
import { GATEPAY_CODES as C } from '../domain/gatepay';
import { parseYuan, maxAmountFen } from '../domain/money';
import { merchantStore } from '../db/stores';
import type { Db } from '../env';
import { refundFieldProblem } from '../schemas/gatepay';
import { failMerchant, isRefundRefused } from '../errors';
import { authenticate, findOrder, requirePresent } from './orders';
import type { RawParams } from './params';
import { refundFacts } from './lifecycle';
import { findRefund, requestRefund } from './refunds';

/** `POST /api/cloudpay/refund`. */
export async function refundApi(env: Env, db: Db, p: RawParams, origin: string) {
  requirePresent(p, ['out_refund_no', 'amount']);
  const { order, store } = await findOrder(env, db, p, 'refund');
  for (const f of ['out_refund_no', 'amount']) if (!p[f]) failMerchant(C.param_missing, `${f} missing`);
  // out_refund_no takes what out_order_id takes.
  const badNo = refundFieldProblem('out_refund_no', p.out_refund_no);
  if (badNo) failMerchant(C.param_missing, badNo);
  const amount = parseYuan(p.amount, maxAmountFen(env.MAX_AMOUNT));
  if (!amount.ok) return failMerchant(C.price_invalid, `amount invalid: ${amount.error}`);
  const reason = p.reason ?? '';
  const badReason = refundFieldProblem('reason', reason);
  if (badReason) failMerchant(C.param_missing, badReason);
  try {
    const refund = await requestRefund(
      env,
      store,
      order,
      { outRefundNo: p.out_refund_no, amountFen: amount.value, reason: reason || null },
      origin,
    );
    return refundFacts(refund, order);
  } catch (err) {
    // Each refusal's gatepay code is in ERRORS: 201, 203, 211, 212.
    if (isRefundRefused(err)) return failMerchant(err.gatepay, err.message);
    throw err;
  }
}

/** `POST /api/cloudpay/refund_query`. */
export async function refundQueryApi(env: Env, db: Db, p: RawParams) {
  requirePresent(p, ['out_refund_no']);
  const app = await authenticate(env, db, p, 'refund_query');
  const found = await findRefund(env, await merchantStore(env, app.merchantId), app.id, p.out_refund_no);
  if (!found) return failMerchant(C.param_missing, 'refund not found: this app has no refund with that out_refund_no');
  return refundFacts(found.refund, found.order);
}
