/**
 * Refunds of channel orders (SPEC §11.4). A refund is written before the provider is called, by
 * one conditional statement that also checks the order's pending and succeeded refunds leave room
 * for it, so concurrent requests never refund more than was paid. The provider gets huipay's own
 * idempotency key (`provider_request_no`, Alipay `out_request_no`); an unknown outcome stays
 * `pending` and is followed by the provider's refund query (and a repeat of the same request
 * when the provider has no record of it) until final. A final refund updates the order's
 * `refunded` sum (and `refunded` status once the whole amount is back) and sends its webhook event.
 * `db` is the order's store (refunds live beside their order); configs come from the control plane.
 */
import { and, eq, isNotNull, lte, min, sql } from 'drizzle-orm';
import { orders, refunds, type Order, type Refund } from '../db/schema';
import { nextId } from '../db/queries';
import { nameOf } from '../db/stores';
import { firstId } from '../domain/stores';
import { randomToken } from '../domain/ids';
import { formatFen } from '../domain/money';
import { unknownRetryMs } from '../domain/schedule';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { sendTimed } from '../jobs';
import { channelContext, logCalls, orderConfig } from './channels';
import { channelOrderOf } from './channel-orders';
import { refundDeliveries } from './deliveries';
import { backgroundOrigin } from './lifecycle';

/** How long a claimed follow-up may run before the sweep may take the refund again. */
const LEASE_MS = 60_000;
/** A refund the provider took without confirming the money moved is asked about this much later. */
const CONFIRM_AFTER_MS = 15_000;

/**
 * A refund that cannot be made throws a `refund_*` HuipayError (`isRefundRefused`, `refusalOf` in
 * src/errors.ts); each API words it in its own way.
 */

const byOutRefundNo = (db: Db, appId: number, outRefundNo: string) =>
  db.query.refunds.findFirst({ where: and(eq(refunds.appId, appId), eq(refunds.outRefundNo, outRefundNo)) });

/** The same out_refund_no again: the same refund when it asks the same, else a conflict. */
function repeated(r: Refund, orderId: number, amountFen: number): Refund {
  if (r.orderId !== orderId || r.amountFen !== amountFen)
    throw new HuipayError(
      'refund_conflict',
      `out_refund_no already used for ${r.orderId === orderId ? `amount ${formatFen(r.amountFen)}` : `order ${r.orderId}`}`,
    );
  return r;
}

/** How much of an order can still be refunded (paid amount less pending and succeeded refunds). */
async function refundable(db: Db, o: Order): Promise<number> {
  const [row] = await db
    .select({ taken: sql<number>`COALESCE(SUM(${refunds.amountFen}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.orderId, o.id), sql`${refunds.status} IN ('pending', 'succeeded')`));
  return o.realpriceFen - Number(row?.taken ?? 0);
}

export interface RefundInput {
  outRefundNo: string;
  amountFen: number;
  reason: string | null;
}

/** Asks for a refund of a paid channel order: written first (never past the paid amount), then the provider. */
export async function requestRefund(env: Env, db: Db, o: Order, input: RefundInput, origin: string): Promise<Refund> {
  const seen = await byOutRefundNo(db, o.appId, input.outRefundNo);
  if (seen) return repeated(seen, o.id, input.amountFen);
  if (o.channel === null)
    throw new HuipayError(
      'refund_not_channel',
      'refunds need an official channel: this order was paid into a personal collection session',
    );
  if (o.status !== 'paid' && o.status !== 'refunded')
    throw new HuipayError('refund_not_paid', `order ${o.id} is ${o.status}: only a paid order can be refunded`);
  const nowMs = Date.now();
  const requestNo = `rf${randomToken(30)}`;
  const [created] = await db.all<{ id: number }>(sql`
    INSERT INTO refunds (id, merchant_id, app_id, order_id, mode, out_refund_no, amount_fen, reason, provider_request_no, next_query_ms, created_ms)
    SELECT ${nextId('refunds', firstId(nameOf(db)))}, ${o.merchantId}, ${o.appId}, ${o.id}, ${o.mode}, ${input.outRefundNo}, ${input.amountFen}, ${input.reason},
           ${requestNo}, ${nowMs + LEASE_MS}, ${nowMs}
    WHERE (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE order_id = ${o.id} AND status IN ('pending', 'succeeded'))
          + ${input.amountFen} <= (SELECT realprice_fen FROM orders WHERE id = ${o.id} AND status IN ('paid', 'refunded'))
    ON CONFLICT (app_id, out_refund_no) DO NOTHING
    RETURNING id`);
  if (!created) {
    const raced = await byOutRefundNo(db, o.appId, input.outRefundNo);
    if (raced) return repeated(raced, o.id, input.amountFen);
    const left = await refundable(db, o);
    throw new HuipayError(
      'refund_exceeds',
      `refund amount ${formatFen(input.amountFen)} exceeds the refundable amount: ${formatFen(Math.max(0, left))} refundable`,
      { refundableFen: Math.max(0, left) },
    );
  }
  const refund = (await db.query.refunds.findFirst({ where: eq(refunds.id, created.id) }))!;
  return callProvider(env, db, o, refund, nowMs, origin, 'refund');
}

/**
 * One step with the provider: `refund` sends the refund request (again, with the same key);
 * `query` asks what became of it first. The refund afterwards.
 */
async function callProvider(
  env: Env,
  db: Db,
  o: Order,
  r: Refund,
  nowMs: number,
  origin: string,
  start: 'refund' | 'query',
): Promise<Refund> {
  const found = await orderConfig(env, o);
  if (!found)
    return schedule(env, db, r, nowMs + unknownRetryMs(r.attempts), 'the channel config of the order is gone');
  const { channel, ctx, calls } = await channelContext(env, found.cfg, o.mode, origin);
  const co = channelOrderOf(o);
  const cr = {
    providerRequestNo: r.providerRequestNo,
    amountFen: r.amountFen,
    reason: r.reason,
    createdMs: r.createdMs,
  };
  try {
    if (start === 'query') {
      const q = await channel.refundQuery(ctx, co, cr);
      if (q.kind === 'ok' && q.value === 'succeeded') return await finish(env, db, r, 'succeeded', null);
      if (q.kind === 'ok' && q.value === 'failed')
        return await finish(env, db, r, 'failed', 'the provider reports the refund failed (refund query)');
      if (q.kind !== 'ok') return await schedule(env, db, r, nowMs + unknownRetryMs(r.attempts), q.msg);
    }
    const answer = await channel.refund(ctx, co, cr);
    if (answer.kind === 'refused') return await finish(env, db, r, 'failed', answer.msg);
    if (answer.kind === 'unknown') return await schedule(env, db, r, nowMs + unknownRetryMs(r.attempts), answer.msg);
    if (answer.value === 'succeeded') return await finish(env, db, r, 'succeeded', null);
    return await schedule(
      env,
      db,
      r,
      nowMs + CONFIRM_AFTER_MS,
      'accepted by the provider; confirming with the refund query',
    );
  } finally {
    await logCalls(db, found.cfg.id, calls, { orderId: o.id, refundId: r.id });
  }
}

/** Leaves the refund pending and asks again at `dueMs`. */
async function schedule(env: Env, db: Db, r: Refund, dueMs: number, msg: string): Promise<Refund> {
  const [after] = await db
    .update(refunds)
    .set({ nextQueryMs: dueMs, attempts: r.attempts + 1, msg })
    .where(and(eq(refunds.id, r.id), eq(refunds.status, 'pending')))
    .returning();
  if (after) await sendTimed(env, { kind: 'refund_check', refundId: r.id, dueMs });
  return after ?? (await db.query.refunds.findFirst({ where: eq(refunds.id, r.id) }))!;
}

/** Makes a pending refund final (once), updates the order's refunded sum and status, sends the event. */
async function finish(
  env: Env,
  db: Db,
  r: Refund,
  status: 'succeeded' | 'failed',
  msg: string | null,
): Promise<Refund> {
  const succeeded = sql`(SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE order_id = ${r.orderId} AND status = 'succeeded')`;
  const [done, order] = await db.batch([
    db
      .update(refunds)
      .set({ status, msg, finishedMs: Date.now(), nextQueryMs: null })
      .where(and(eq(refunds.id, r.id), eq(refunds.status, 'pending')))
      .returning(),
    db
      .update(orders)
      .set({
        refundedFen: succeeded,
        status: sql`CASE WHEN ${succeeded} >= ${orders.realpriceFen} AND ${orders.status} = 'paid' THEN 'refunded' ELSE ${orders.status} END`,
      })
      .where(eq(orders.id, r.orderId))
      .returning(),
  ]);
  if (done[0] && order[0])
    await refundDeliveries(env, db, done[0], order[0], status === 'succeeded' ? 'refund.succeeded' : 'refund.failed');
  return done[0] ?? (await db.query.refunds.findFirst({ where: eq(refunds.id, r.id) }))!;
}

/** Follows up one pending refund whose turn has come (claimed by moving `next_query_ms`). */
export async function driveRefund(env: Env, db: Db, refundId: number, nowMs = Date.now()): Promise<Refund | null> {
  const [r] = await db
    .update(refunds)
    .set({ nextQueryMs: nowMs + LEASE_MS })
    .where(and(eq(refunds.id, refundId), eq(refunds.status, 'pending'), lte(refunds.nextQueryMs, nowMs)))
    .returning();
  if (!r) return null;
  const o = (await db.query.orders.findFirst({ where: eq(orders.id, r.orderId) }))!;
  return callProvider(env, db, o, r, nowMs, backgroundOrigin(env), 'query');
}

/** The sweep's part: pending refunds whose follow-up is due; when the next one will be, or null. */
export async function sweepRefunds(env: Env, db: Db, nowMs = Date.now()): Promise<number | null> {
  const waiting = and(eq(refunds.status, 'pending'), isNotNull(refunds.nextQueryMs));
  const due = await db
    .select({ id: refunds.id })
    .from(refunds)
    .where(and(waiting, lte(refunds.nextQueryMs, nowMs)))
    .limit(100);
  for (const r of due) await driveRefund(env, db, r.id, nowMs);
  const [next] = await db
    .select({ t: min(refunds.nextQueryMs) })
    .from(refunds)
    .where(waiting);
  return next?.t ?? null;
}

/** An app's refund by its out_refund_no; a pending one whose follow-up is due is followed up now. */
export async function findRefund(env: Env, db: Db, appId: number, outRefundNo: string) {
  let r = await byOutRefundNo(db, appId, outRefundNo);
  if (r?.status === 'pending' && r.nextQueryMs !== null && r.nextQueryMs <= Date.now())
    r = (await driveRefund(env, db, r.id)) ?? r;
  if (!r) return null;
  const o = (await db.query.orders.findFirst({ where: eq(orders.id, r.orderId) }))!;
  return { refund: r, order: o };
}

/** An order's refunds, oldest first. */
export function refundsOf(db: Db, orderId: number) {
  return db.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(refunds.id);
}
