/** Admin: refunds of an order (SPEC §11.4), each with its provider calls. */
import { eq, inArray } from 'drizzle-orm';
import { channelLog, orders } from '../../db/schema';
import { randomToken } from '../../domain/ids';
import { createRouter, type Db } from '../../env';
import { ApiError } from '../../errors';
import { fenField } from '../../services/merchants';
import { refundFacts } from '../../services/lifecycle';
import { RefundRefused, refundsOf, requestRefund } from '../../services/refunds';
import { publicOrigin } from '../origin';
import { adminRoute, json, jsonBody } from './openapi';
import { IdParam, listOf, RefundCreate, RefundView } from './schemas';
import { channelLogView } from './views';

const router = createRouter();

async function requireOrder(db: Db, id: number) {
  const order = await db.query.orders.findFirst({ where: eq(orders.id, id) });
  if (!order) throw new ApiError('not_found', `order ${id} not found`);
  return order;
}

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
    const order = await requireOrder(c.get('db'), c.req.valid('param').id);
    const body = c.req.valid('json');
    try {
      const refund = await requestRefund(
        c.env,
        c.get('db'),
        order,
        {
          outRefundNo: body.out_refund_no ?? `admin_${randomToken(24)}`,
          amountFen: fenField('amount', body.amount),
          reason: body.reason ?? null,
        },
        publicOrigin(c),
      );
      return c.json(refundFacts(refund, order), 201);
    } catch (err) {
      if (err instanceof RefundRefused) throw new ApiError('conflict', err.message);
      throw err;
    }
  },
);

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
    const db = c.get('db');
    const order = await requireOrder(c.get('db'), c.req.valid('param').id);
    const rows = await refundsOf(db, order.id);
    const logs = rows.length
      ? await db
          .select()
          .from(channelLog)
          .where(
            inArray(
              channelLog.refundId,
              rows.map((r) => r.id),
            ),
          )
          .orderBy(channelLog.id)
      : [];
    const data = rows.map((r) => ({
      ...refundFacts(r, order),
      log: logs.filter((l) => l.refundId === r.id).map(channelLogView),
    }));
    return c.json({ data, next_cursor: null }, 200);
  },
);

export default router;
