/** Admin: refunds of an order (SPEC §11.4), each with its provider calls. */
import { randomToken } from '../../domain/ids';
import { createRouter } from '../../env';
import { HuipayError, isRefundRefused } from '../../errors';
import { idStore } from '../../db/stores';
import { refundsLog } from '../../services/channel-log';
import { fenField } from '../../services/merchants';
import { requireOrder } from '../../services/order-detail';
import { refundFacts } from '../../services/lifecycle';
import { refundsOf, requestRefund } from '../../services/refunds';
import { publicOrigin } from '../origin';
import { adminRoute, json, jsonBody } from './openapi';
import { IdParam, listOf } from '../../schemas/common';
import { RefundCreate, RefundView } from '../../schemas/refunds';
import { channelLogView } from './views';

const router = createRouter();

router.openapi(
  adminRoute({
    method: 'post',
    path: '/orders/{id}/refunds',
    tags: ['refunds'],
    summary: 'Refund part or all of a paid channel order',
    request: { params: IdParam, ...jsonBody(RefundCreate) },
    responses: { 201: json(RefundView, 'The refund (pending while the provider has not confirmed it)') },
  }),
  async (c) => {
    const order = await requireOrder(c.env, c.req.valid('param').id);
    const body = c.req.valid('json');
    const refund = await asConflict(
      requestRefund(
        c.env,
        idStore(c.env, order.id),
        order,
        {
          outRefundNo: body.out_refund_no ?? `admin_${randomToken(24)}`,
          amountFen: fenField('amount', body.amount),
          reason: body.reason ?? null,
        },
        publicOrigin(c),
      ),
    );
    return c.json(refundFacts(refund, order), 201);
  },
);

/** A refund the gateway refuses (over the refundable amount, order not refundable) answers 409. */
async function asConflict<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (isRefundRefused(err)) throw new HuipayError('conflict', err.message);
    throw err;
  }
}

router.openapi(
  adminRoute({
    method: 'get',
    path: '/orders/{id}/refunds',
    tags: ['refunds'],
    summary: "An order's refunds with every provider call, oldest first",
    request: { params: IdParam },
    responses: { 200: json(listOf(RefundView), 'Refunds') },
  }),
  async (c) => {
    const order = await requireOrder(c.env, c.req.valid('param').id);
    const db = idStore(c.env, order.id);
    const rows = await refundsOf(db, order.id);
    const logs = await refundsLog(
      db,
      rows.map((r) => r.id),
    );
    const data = rows.map((r) => ({
      ...refundFacts(r, order),
      log: logs.filter((l) => l.refundId === r.id).map(channelLogView),
    }));
    return c.json({ data, next_cursor: null }, 200);
  },
);

export default router;
