/** Admin: orders, received payments, the unmatched inbox and manual assignment. */
import { createRouter } from '../../env';
import { listOrders, listPayments } from '../../services/listing';
import { requireOrder } from '../../services/order-detail';
import { assignPayment, paymentStore } from '../../services/payments';
import { adminRoute, json, jsonBody } from './openapi';
import { IdParam, listOf } from '../../schemas/common';
import { OrderFilters } from '../../schemas/order-filter';
import { Assign, ExportQuery, OrderView, PaymentFilters, PaymentParam, PaymentView } from '../../schemas/orders';
import { exportOrders } from '../../services/export';
import { orderView, paymentView } from './views';
import { z } from '@hono/zod-openapi';

const router = createRouter();

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}/orders',
    tags: ['orders'],
    summary: 'List orders by status, type, mode and time, newest first',
    request: { params: IdParam, query: OrderFilters },
    responses: { 200: json(listOf(OrderView), 'A page of orders') },
  }),
  async (c) => {
    const page = await listOrders(c.env, c.req.valid('param').id, c.req.valid('query'));
    return c.json({ data: page.data.map(orderView), next_cursor: page.next_cursor }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/orders/{id}',
    tags: ['orders'],
    summary: 'Get an order',
    request: { params: IdParam },
    responses: { 200: json(OrderView, 'The order') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    return c.json(orderView(await requireOrder(c.env, id)), 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}/export',
    tags: ['orders'],
    summary: "Every order created in [from, to] (the merchant's days, both included), oldest first, streamed",
    request: { params: IdParam, query: ExportQuery },
    responses: {
      200: {
        content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } },
        description: "CSV (the console download's columns, UTF-8 with a BOM) or NDJSON, one order a line",
      },
    },
  }),
  async (c) => {
    const out = await exportOrders(c.env, c.req.valid('param').id, c.req.valid('query'));
    return c.body(out.stream, 200, {
      'content-type': out.type,
      'content-disposition': `attachment; filename="${out.name}"`,
    }) as never;
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}/payments',
    tags: ['payments'],
    summary: 'Received payments; matched=false is the unmatched inbox',
    request: { params: IdParam, query: PaymentFilters },
    responses: { 200: json(listOf(PaymentView), 'A page of payments') },
  }),
  async (c) => {
    const page = await listPayments(c.env, c.req.valid('param').id, c.req.valid('query'));
    return c.json({ data: page.data.map(paymentView), next_cursor: page.next_cursor }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'post',
    path: '/payments/{id}/assign',
    tags: ['payments'],
    summary: 'Assign an unmatched payment to a pending order (补单); the order becomes paid',
    request: { params: PaymentParam, ...jsonBody(Assign) },
    responses: {
      200: json(z.object({ payment: PaymentView, order: OrderView }), 'The payment and its now-paid order'),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { order_id } = c.req.valid('json');
    const { payment, order } = await assignPayment(c.env, await paymentStore(c.env, id), id, order_id);
    return c.json({ payment: paymentView(payment), order: orderView(order) }, 200);
  },
);

export default router;
