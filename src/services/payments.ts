/**
 * Applying the Collector's decisions to D1, idempotently: a received payment (and, when it
 * matched, its order becoming paid exactly once) and an order's expiry. Every job is safe to
 * run twice; only after it has run is its outbox row confirmed. `db` is the merchant's store.
 */
import { and, eq } from 'drizzle-orm';
import { orders, payments, sessions, type Order, type Payment } from '../db/schema';
import { controlDb, eachStore } from '../db/stores';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import type { OrderRef, OutboxJob, ReceivedPayment } from '../jobs';
import { collector } from './collector';
import { orderDeliveries, unmatchedDeliveries } from './deliveries';
import { expirePending, markPaid } from './lifecycle';

export async function applyJob(env: Env, db: Db, job: OutboxJob): Promise<void> {
  if (job.kind === 'apply') await applyPayment(env, db, job);
  else await applyExpiry(env, db, job);
  await collector(env, job.merchantId, job.mode, job.shard ?? 0).confirm(job.outboxId);
}

/** Records the payment; when it matched, marks its order paid (once) and creates what that owes the merchant. */
async function applyPayment(env: Env, db: Db, job: Extract<OutboxJob, { kind: 'apply' }>): Promise<void> {
  const { payment: p, match } = job;
  const record = {
    id: p.id,
    merchantId: job.merchantId,
    mode: job.mode,
    sessionId: p.sessionId,
    type: p.type,
    amountFen: p.amountFen,
    paidMs: p.paidMs,
    ref: p.ref,
    payer: p.payer,
    receivedMs: p.receivedMs,
  };
  if (!match) return recordUnmatched(env, db, record);
  // A hand-assigned payment (补单) may credit an order that expired; a matched report only a pending one.
  const from = job.matchedBy === 'manual' ? (['pending', 'expired'] as const) : (['pending'] as const);
  const order = await markPaid(db, record, { merchantId: job.merchantId, ...match }, job.matchedBy ?? 'auto', from);
  if (order?.paymentId === p.id) await orderDeliveries(env, db, order, 'payment.succeeded');
}

/** Records a payment no order takes (once) and tells the merchant, unless an order has taken it meanwhile. */
export async function recordUnmatched(
  env: Env,
  db: Db,
  payment: typeof payments.$inferInsert & { id: string },
): Promise<void> {
  await db.insert(payments).values(payment).onConflictDoNothing();
  const row = await db.query.payments.findFirst({ where: eq(payments.id, payment.id) });
  if (row && row.orderId === null) await unmatchedDeliveries(env, db, row);
}

/** Marks a pending order expired and creates its `order.expired` events (again, when the job is run again). */
async function applyExpiry(env: Env, db: Db, job: Extract<OutboxJob, { kind: 'expire' }>): Promise<void> {
  const sameOrder = and(
    eq(orders.merchantId, job.merchantId),
    eq(orders.appId, job.order.appId),
    eq(orders.outOrderId, job.order.outOrderId),
  );
  const order = await expirePending(db, sameOrder, true);
  if (order) await orderDeliveries(env, db, order, 'order.expired');
}

/** The store a received payment is on (payment ids name no store: each bound store is asked); DB when none has it. */
export async function paymentStore(env: Env, paymentId: string): Promise<Db> {
  const found = await eachStore(env, async (db) =>
    (await db.select({ id: payments.id }).from(payments).where(eq(payments.id, paymentId)).limit(1)).length > 0
      ? db
      : null,
  );
  return found.find((db) => db !== null) ?? controlDb(env);
}

/**
 * Hand-assigns an unmatched payment to an order of the same merchant and mode (补单): a pending
 * order, or an expired one — the payer paid too late for the matcher, and the merchant credits it.
 */
export async function assignPayment(env: Env, db: Db, paymentId: string, orderId: number) {
  const payment = await db.query.payments.findFirst({ where: eq(payments.id, paymentId) });
  if (!payment) throw new HuipayError('not_found', `payment ${paymentId} not found`);
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!order || order.merchantId !== payment.merchantId)
    throw new HuipayError('not_found', `order_id: merchant ${payment.merchantId} has no order ${orderId}`);
  if (order.mode !== payment.mode)
    throw new HuipayError('conflict', `order_id: order ${orderId} is ${order.mode} but the payment is ${payment.mode}`);
  if (payment.orderId !== null)
    throw new HuipayError('conflict', `payment ${paymentId} is already matched to order ${payment.orderId}`);
  if (order.status !== 'pending' && order.status !== 'expired')
    throw new HuipayError(
      'conflict',
      `order_id: order ${orderId} is ${order.status}; only a pending or expired order can be assigned a payment`,
    );
  const ref = { appId: order.appId, outOrderId: order.outOrderId };
  const outcome = await assignAcrossShards(env, payment, order, ref);
  if (!outcome.ok) {
    const why = {
      not_pending: `order ${orderId} is no longer pending (it is expiring: try again in a few seconds)`,
      already_matched: `payment ${paymentId} is already matched`,
      unknown_payment: `payment ${paymentId} is not known to its collector`,
      order_taken: `order ${orderId} already has a payment`,
    };
    throw new HuipayError('conflict', why[outcome.reason]);
  }
  if (outcome.job) await applyJob(env, db, outcome.job);
  const [p, o] = await db.batch([
    db.select().from(payments).where(eq(payments.id, paymentId)),
    db.select().from(orders).where(eq(orders.id, orderId)),
  ]);
  return { payment: p[0], order: o[0] };
}

/**
 * 补单 through the Collectors: one call when the payment's session and the order share a shard
 * (both sides in one transaction). Otherwise the payment's shard marks it as this order's first
 * (so no other order can take it), then the order's shard takes the order; if that refuses, the
 * mark is undone. A repeat of the same assignment finds both sides done and changes nothing.
 * D1's copy of the payment goes along: its row may have been pruned (src/domain/retention.ts).
 */
async function assignAcrossShards(env: Env, payment: Payment, order: Order, ref: OrderRef) {
  const session = await controlDb(env).query.sessions.findFirst({ where: eq(sessions.id, payment.sessionId) });
  const known: ReceivedPayment = {
    id: payment.id,
    sessionId: payment.sessionId,
    type: payment.type as ReceivedPayment['type'],
    amountFen: payment.amountFen,
    paidMs: payment.paidMs,
    ref: payment.ref,
    payer: payment.payer,
    receivedMs: payment.receivedMs,
  };
  const expired = order.status === 'expired';
  const orderSide = collector(env, order.merchantId, order.mode, order.shard);
  const paymentShard = session?.shard ?? 0;
  if (paymentShard === order.shard) return orderSide.assign(payment.id, ref, expired, known);
  const paymentSide = collector(env, payment.merchantId, payment.mode, paymentShard);
  const claimed = await paymentSide.claim(payment.id, ref, known);
  if (!claimed.ok) return claimed;
  const outcome = await orderSide.assign(payment.id, ref, expired, known, true);
  if (!outcome.ok) await paymentSide.unclaim(payment.id, ref);
  return outcome;
}
