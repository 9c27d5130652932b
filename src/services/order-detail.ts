/**
 * A merchant's own order as the console shows it: the order (another merchant's is not found), its
 * app, payment, deliveries with their attempts and refunds; one of its deliveries; and the order
 * or unmatched payment a 补单 (manual assignment) names. `db` is the merchant's store.
 */
import { and, eq, or } from 'drizzle-orm';
import { deliveries, orders, payments, type Order } from '../db/schema';
import type { Mode } from '../domain/vocab';
import { controlDb, idStore, knownIdStore } from '../db/stores';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { deliveriesOfOrder } from './deliveries';
import { refundsOf } from './refunds';

/** The order with this id, any merchant's (the admin API), from the store its id names; or a 404. */
export async function requireOrder(env: Env, id: number): Promise<Order> {
  const order = await knownIdStore(env, id, `order ${id} not found`).query.orders.findFirst({
    where: eq(orders.id, id),
  });
  if (!order) throw new HuipayError('not_found', `order ${id} not found`);
  return order;
}

/** The merchant's own order with this id, or null. */
export async function merchantOrder(db: Db, merchantId: number, id: number): Promise<Order | null> {
  return (
    (await db.query.orders.findFirst({ where: and(eq(orders.id, id), eq(orders.merchantId, merchantId)) })) ?? null
  );
}

/** What the order page shows besides the order: its app, its payment, its deliveries' log and its refunds. */
export async function orderDetail(env: Env, o: Order) {
  const db = idStore(env, o.id);
  const [app, payment, log, refunds] = await Promise.all([
    controlDb(env).query.apps.findFirst({ where: (a, { eq }) => eq(a.id, o.appId) }),
    o.paymentId ? db.query.payments.findFirst({ where: eq(payments.id, o.paymentId) }) : Promise.resolve(undefined),
    deliveriesOfOrder(db, o.id),
    refundsOf(db, o.id),
  ]);
  return { app, payment, log, refunds };
}
export type OrderDetail = Awaited<ReturnType<typeof orderDetail>>;

/** The order's delivery with this id, or undefined. */
export const deliveryOfOrder = (db: Db, orderId: number, deliveryId: number) =>
  db.query.deliveries.findFirst({ where: and(eq(deliveries.id, deliveryId), eq(deliveries.orderId, orderId)) });

/** The merchant's received payment with this id, or undefined. */
export const merchantPayment = (db: Db, merchantId: number, id: string) =>
  db.query.payments.findFirst({ where: and(eq(payments.id, id), eq(payments.merchantId, merchantId)) });

/**
 * The merchant's orders a 补单 form's text names: by huipay's order id or by the merchant's own
 * out_order_id, those in the payment's mode when several apps use that number (at most 20).
 */
export async function ordersNamed(db: Db, merchantId: number, text: string, mode: Mode): Promise<{ id: number }[]> {
  const rows = await db
    .select({ id: orders.id, mode: orders.mode })
    .from(orders)
    .where(
      and(
        eq(orders.merchantId, merchantId),
        /^\d{1,15}$/.test(text)
          ? or(eq(orders.id, Number(text)), eq(orders.outOrderId, text))
          : eq(orders.outOrderId, text),
      ),
    )
    .limit(20);
  const same = rows.filter((r) => r.mode === mode);
  return (same.length > 0 ? same : rows).map((r) => ({ id: r.id }));
}
