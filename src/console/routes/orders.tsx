/** Console, merchant side: dashboard, transactions (filters, paging, CSV), the unmatched inbox (order detail: order-detail.tsx). */
import { OUT_ORDER_ID } from '../../domain/gatepay';
import { HuipayError } from '../../errors';
import { exportOrders } from '../../services/export';
import { listPayments } from '../../services/listing';
import { merchantPayment, ordersNamed } from '../../services/order-detail';
import { transactionsFilter, transactionsForExport, transactionsPage } from '../../services/order-list';
import { assignPayment } from '../../services/payments';
import { withBooksOf } from '../../services/points';
import { dailyStats } from '../../services/stats';
import { consoleRouter, field, notFound, problem, redirectWith, refuse } from '../core';
import { mbase, page } from '../layout';
import { Dashboard, SWITCH } from '../views/dashboard';
import { Inbox } from '../views/inbox';
import { ordersCsv, Transactions } from '../views/orders';

const router = consoleRouter();
const DAYS = 7;

router.get('/', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const [live, sandbox] = await Promise.all(SWITCH.map((md) => dailyStats(c.get('store'), m.id, md, m.timezone, DAYS)));
  const view = (
    <Dashboard ctx={ctx} m={await withBooksOf(c.env, m)} stats={{ live, sandbox }} asked={c.req.query('mode')} />
  );
  return c.html(page(ctx, ctx.t.nav[''], view));
});

router.get('/orders', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const q = c.req.query();
  const parsed = transactionsFilter(q, m.timezone);
  if ('error' in parsed) return problem(c, 400, ctx.t.invalidFilter(parsed.error));
  const list = await transactionsPage(c.env, m, parsed.filter);
  return c.html(page(ctx, ctx.t.nav['/orders'], <Transactions ctx={ctx} m={m} q={q} list={list} />));
});

router.get('/orders.csv', async (c) => {
  const m = c.get('merchant');
  const parsed = transactionsFilter(c.req.query(), m.timezone);
  if ('error' in parsed) return problem(c, 400, c.get('ctx').t.invalidFilter(parsed.error));
  const rows = await transactionsForExport(c.env, m, parsed.filter);
  c.header('content-type', 'text/csv; charset=utf-8');
  c.header('content-disposition', `attachment; filename="orders-${m.id}.csv"`);
  return c.body(ordersCsv(rows, m.timezone));
});

/** Every order of the merchant's days from `from` to `to`, streamed (the admin export's). */
router.get('/export', async (c) => {
  try {
    const out = await exportOrders(c.env, c.get('merchant').id, c.req.query());
    c.header('content-type', out.type);
    c.header('content-disposition', `attachment; filename="${out.name}"`);
    return c.body(out.stream);
  } catch (err) {
    if (err instanceof HuipayError && err.code === 'unprocessable') return problem(c, 400, err.message);
    throw err;
  }
});

router.get('/inbox', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const cursor = c.req.query('cursor');
  const list = await listPayments(c.env, m.id, {
    matched: 'false',
    cursor: cursor && /^\d{1,16}$/.test(cursor) ? cursor : undefined,
    limit: 50,
  });
  return c.html(page(ctx, ctx.t.unmatchedTitle, <Inbox ctx={ctx} m={m} list={list} />));
});

router.post('/inbox/:pid/assign', async (c) => {
  const m = c.get('merchant');
  const pid = c.req.param('pid');
  const { t } = c.get('ctx');
  const to = `${mbase(m.id)}/inbox`;
  const p = /^pay_[A-Za-z0-9]{1,40}$/.test(pid) ? await merchantPayment(c.get('store'), m.id, pid) : undefined;
  if (!p) return notFound(c);
  // The order the form names: by huipay's order id or the merchant's out_order_id, or why none.
  const text = field(c, 'order');
  if (!OUT_ORDER_ID.test(text)) return redirectWith(c, to, 'error', t.assignBadNumber);
  const named = await ordersNamed(c.get('store'), m.id, text, p.mode);
  if (named.length === 0) return redirectWith(c, to, 'error', t.assignNoOrder(text));
  if (named.length > 1)
    return redirectWith(c, to, 'error', t.assignAmbiguous(text, named.map((r) => `#${r.id}`).join(', ')));
  try {
    const r = await assignPayment(c.env, c.get('store'), p.id, named[0].id);
    return redirectWith(c, `${mbase(m.id)}/orders/${r.order.id}`, 'ok', t.assigned);
  } catch (err) {
    if (err instanceof HuipayError) return refuse(c, to, err.message);
    throw err;
  }
});

export default router;
