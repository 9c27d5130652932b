/**
 * The order lifecycle that every flow shares: the columns an order is made with, the facts
 * merchants see of it and of its refunds, and its transitions — paid exactly once (`markPaid`),
 * expired (`expirePending`), closed (`closeHeld`, `markClosed`, `settleClose`) — each a guarded
 * D1 statement on the order's store (`db` below is always the merchant's store), with the order
 * fee given back where SPEC §7 says. The API flows, channel orders
 * and payments, refunds and deliveries depend on this module; it depends on none of them (only on
 * db/, domain/, jobs and the Collector and points services below them all).
 */
import { and, asc, eq, inArray, isNull, lt, min, type SQL, sql } from 'drizzle-orm';
import { orders, payments, type Order, type Refund } from '../db/schema';
import type { CheckedCreate } from '../domain/gatepay';
import type { EpayFields } from '../domain/epay';
import { formatFen } from '../domain/money';
import type { VmqFields } from '../domain/vmq';
import type { Facade, OrderStatus } from '../domain/vocab';
import type { Hold } from '../durable/collector/types';
import type { Db } from '../env';
import { unixSeconds } from '../errors';
import type { OrderRef } from '../jobs';
import { collector, type Route } from './collector';
import { chargeFeeAgain, refundOrderFee } from './points';

/** Where the background (queue, sweep) says huipay is, for URLs it hands the provider. */
export const backgroundOrigin = (env: Env) => (env.PUBLIC_URL || 'http://huipay.invalid').replace(/\/+$/, '');

/** An order by its id, as it is now. */
export const orderById = (db: Db, id: number) => db.query.orders.findFirst({ where: eq(orders.id, id) });

// ── made ───────────────────────────────────────────────────────────────────────────────────

/** How a facade marks the orders it makes: its name and the strings its notify must echo. */
export interface FacadeStamp {
  facade: Facade;
  /** Its fields for an order on `hold`, or (null) through an official channel. */
  fields: (hold: Hold | null) => EpayFields | VmqFields;
}

/** The columns of a new order that come from the checked create request, however it is paid. */
export function orderColumns(route: Route, appId: number, o: CheckedCreate) {
  return {
    merchantId: route.merchantId,
    appId,
    mode: route.mode,
    outOrderId: o.outOrderId,
    type: o.type,
    priceFen: o.priceFen,
    custom: o.custom,
    productId: o.productId,
    notifyUrl: o.notifyUrl,
    returnUrl: o.returnUrl,
    timeoutUrl: o.timeoutUrl,
  };
}

// ── seen ───────────────────────────────────────────────────────────────────────────────────

/** The order as merchants see it (merchant API answers, webhook events). */
export function orderFacts(o: Order) {
  return {
    order_id: o.id,
    out_order_id: o.outOrderId,
    status: o.status,
    price: formatFen(o.priceFen),
    realprice: formatFen(o.realpriceFen),
    type: o.type,
    custom: o.custom,
    product_id: o.productId,
    paytime: o.paidMs === null ? 0 : unixSeconds(o.paidMs),
    created: unixSeconds(o.createdMs),
    expires: unixSeconds(o.expiresMs),
    expires_at: unixSeconds(o.expiresMs),
    channel: o.channel,
    method: o.method,
    refunded: formatFen(o.refundedFen),
  };
}

/** The refund as merchants see it (API answers, webhook events). */
export function refundFacts(r: Refund, o: Pick<Order, 'outOrderId'>) {
  return {
    refund_id: r.id,
    out_refund_no: r.outRefundNo,
    order_id: r.orderId,
    out_order_id: o.outOrderId,
    amount: formatFen(r.amountFen),
    status: r.status,
    reason: r.reason,
    created: Math.floor(r.createdMs / 1000),
    finished: r.finishedMs === null ? 0 : Math.floor(r.finishedMs / 1000),
    msg: r.msg ?? '',
  };
}

// ── paid ───────────────────────────────────────────────────────────────────────────────────

/**
 * Records a payment and, when its order is in one of the `from` states, marks the order paid by
 * it — once, whoever calls first (the order's status is the guard). Every way an order becomes
 * paid goes through here: a matched report, a manual assign, an official channel's verified
 * notify or query. An order paid from expired or closed whose fee was given back is charged the
 * fee again in the same transaction, when the balance covers it (`chargeFeeAgain`). Returns the
 * order afterwards; it was paid by this payment when its `paymentId` is the payment's id.
 */
export async function markPaid(
  db: Db,
  payment: typeof payments.$inferInsert & { id: string },
  order: OrderRef & { merchantId: number },
  matchedBy: 'auto' | 'manual',
  from: readonly OrderStatus[] = ['pending'],
  alsoSet: Partial<typeof orders.$inferInsert> = {},
): Promise<Order | undefined> {
  const sameOrder = and(
    eq(orders.merchantId, order.merchantId),
    eq(orders.appId, order.appId),
    eq(orders.outOrderId, order.outOrderId),
  );
  const paidBy = sql`(SELECT ${orders.id} FROM ${orders} WHERE ${and(sameOrder, eq(orders.paymentId, payment.id))})`;
  const late = from.includes('expired') || from.includes('closed');
  await db.batch([
    db.insert(payments).values(payment).onConflictDoNothing(),
    db
      .update(orders)
      .set({ ...alsoSet, status: 'paid', paidMs: payment.paidMs, paymentId: payment.id })
      .where(and(sameOrder, inArray(orders.status, [...from]))),
    // An expired or closed order whose fee was given back is charged it again, if the balance covers it.
    ...(late ? chargeFeeAgain(db, order.merchantId, paidBy) : []),
    db
      .update(payments)
      .set({ orderId: paidBy, matchedBy })
      .where(and(eq(payments.id, payment.id), isNull(payments.orderId), sql`${paidBy} IS NOT NULL`)),
  ]);
  return db.query.orders.findFirst({ where: sameOrder });
}

// ── expired ────────────────────────────────────────────────────────────────────────────────

/**
 * Marks the pending order `where` names expired and gives back its order fee. Returns the order
 * when it is expired now: by this call, or (`retried`, a job run again) already before it —
 * whose fee and events are then owed again, idempotently. Undefined otherwise.
 */
export async function expirePending(db: Db, where: SQL | undefined, retried = false) {
  const [done] = await db
    .update(orders)
    .set({ status: 'expired' })
    .where(and(where, eq(orders.status, 'pending')))
    .returning();
  const order = done ?? (retried ? await db.query.orders.findFirst({ where }) : undefined);
  if (order?.status !== 'expired') return undefined;
  await refundOrderFee(db, order);
  return order;
}

/** How far past expiry + grace an order must be before the sweep (not the Collector's alarm) expires it. */
const EXPIRY_MARGIN_MS = 120_000;
/** Orders expired per sweep; the rest wait for the next ring. */
const EXPIRY_BATCH = 500;

/** Asks the Collector to expire orders pending past expiry + grace + margin; when the next one will be. */
export async function sweepExpiries(env: Env, db: Db, nowMs: number): Promise<number | null> {
  const afterMs = Number(env.PAYMENT_GRACE_SECONDS ?? 60) * 1000 + EXPIRY_MARGIN_MS;
  const overdue = await db
    .select({
      merchantId: orders.merchantId,
      mode: orders.mode,
      shard: orders.shard,
      appId: orders.appId,
      outOrderId: orders.outOrderId,
      token: orders.payToken,
    })
    .from(orders)
    .where(and(eq(orders.status, 'pending'), isNull(orders.channel), lt(orders.expiresMs, nowMs - afterMs)))
    .orderBy(asc(orders.expiresMs))
    .limit(EXPIRY_BATCH);
  await Promise.all(
    overdue.map(({ merchantId, mode, shard, ...order }) => collector(env, merchantId, mode, shard).expire(order)),
  );
  const [next] = await db
    .select({ t: min(orders.expiresMs) })
    .from(orders)
    .where(and(eq(orders.status, 'pending'), isNull(orders.channel)));
  return next?.t == null ? null : next.t + afterMs;
}

// ── closed ─────────────────────────────────────────────────────────────────────────────────

/** Closes a pending order (once): the closed order, or undefined when it was not pending. */
export async function markClosed(
  db: Db,
  orderId: number,
  alsoSet: Partial<typeof orders.$inferInsert> = {},
): Promise<Order | undefined> {
  const [closed] = await db
    .update(orders)
    .set({ ...alsoSet, status: 'closed', closedMs: Date.now() })
    .where(and(eq(orders.id, orderId), eq(orders.status, 'pending')))
    .returning();
  return closed;
}

/**
 * Closes a pending session order: its amount slot is freed in its Collector first (a payment it
 * has matched makes it paid: refused), then the order is closed and its fee given back.
 */
export async function closeHeld(env: Env, db: Db, order: Order): Promise<{ order: Order } | { refusal: string }> {
  const outcome = await collector(env, order.merchantId, order.mode, order.shard).release({
    appId: order.appId,
    outOrderId: order.outOrderId,
  });
  if (outcome === 'matched') return { refusal: 'order already paid: it cannot be closed' };
  return settleClose(db, (await markClosed(db, order.id)) ?? (await orderById(db, order.id)));
}

/** After a close: the closed order with its order fee given back (when `final`), or why it is not closed. */
export async function settleClose(
  store: Db,
  now: Order | undefined,
  final = true,
): Promise<{ order: Order } | { refusal: string }> {
  if (now?.status !== 'closed') return { refusal: `order already ${now?.status ?? 'gone'}: it cannot be closed` };
  if (final) await refundOrderFee(store, now);
  return { order: now };
}
