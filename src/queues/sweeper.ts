/**
 * The sweep, run by the Sweeper's alarm whenever later work is pending and by the cron trigger as
 * a safety net: it re-drives deliveries whose next attempt is overdue (a lost queue message, a
 * restarted local server) and asks the Collector to expire orders still pending well after their
 * expiry plus grace (a missed alarm). The Collector decides: an order inside its grace stays
 * payable, one a payment took is being paid, the rest expire through its outbox — so D1, the
 * holds and the matching never disagree, and `order.expired` is sent once. Official channels'
 * work is driven the same way: orders whose query (or close at expiry) is due, refunds whose
 * outcome is still unknown, and the simulators' owed notifies; channel orders expire through
 * their channel, never here.
 * Each part returns when its earliest pending work will be due, so the Sweeper knows when to ring.
 */
import { and, asc, eq, isNull, lt, min } from 'drizzle-orm';
import { CHANNELS } from '../channels/registry';
import { sweepSimulatedNotifies } from '../channels/sim-notify';
import type { SimNotifier } from '../channels/types';
import { orders } from '../db/schema';
import { type Db, makeDb } from '../env';
import { sweepChannelOrders } from '../services/channel-payments';
import { sweepFailedAttempts } from '../services/epay-keys';
import { collector } from '../services/collector';
import { sweepDeliveries } from '../services/deliveries';
import { sweepConsole } from '../console/auth';
import { sweepRefunds } from '../services/refunds';

/** How far past expiry + grace an order must be before the sweep (not the Collector's alarm) expires it. */
const EXPIRY_MARGIN_MS = 120_000;
/** Orders expired per sweep; the rest wait for the next ring. */
const EXPIRY_BATCH = 500;

const NOTIFIERS: ReadonlyMap<string, SimNotifier> = new Map(CHANNELS.map((c) => [c.name, c.simulatorNotifier]));

/** Runs every part; the earliest time any pending work will be due, or null when none is pending. */
export async function sweep(env: Env, nowMs = Date.now()): Promise<number | null> {
  const db = makeDb(env.DB);
  const due = await Promise.all([
    sweepDeliveries(env, db, nowMs),
    sweepExpiries(env, db, nowMs),
    sweepChannelOrders(env, db, nowMs),
    sweepRefunds(env, db, nowMs),
    sweepSimulatedNotifies(env, db, NOTIFIERS, nowMs),
    sweepFailedAttempts(db, nowMs).then(() => null),
    sweepConsole(db, nowMs).then(() => null),
  ]);
  const pending = due.filter((t): t is number => t !== null);
  return pending.length ? Math.min(...pending) : null;
}

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
