/**
 * The cron safety net. Collector alarms expire orders on time; this catches any order still
 * pending well after its expiry plus grace (a lost message, a restarted local dev server), and
 * re-drives notifications whose next attempt is overdue, channel orders whose query (or close at
 * expiry) is due, refunds whose outcome is still unknown, and the simulators' owed notifies.
 */
import { and, eq, isNull, lt } from 'drizzle-orm';
import { sweepSimulatedNotifies } from '../channels/alipay/simulator';
import { orders } from '../db/schema';
import { makeDb } from '../env';
import { sweepChannelOrders } from '../services/channel-payments';
import { sweepDeliveries } from '../services/deliveries';
import { sweepRefunds } from '../services/refunds';

const MARGIN_MS = 10 * 60_000;

export async function sweep(env: Env, nowMs = Date.now()): Promise<void> {
  const graceMs = Number(env.PAYMENT_GRACE_SECONDS ?? 60) * 1000;
  const db = makeDb(env.DB);
  await sweepDeliveries(env, db, nowMs);
  // Channel orders expire through their channel (query, close at the provider), never here.
  await db
    .update(orders)
    .set({ status: 'expired' })
    .where(
      and(eq(orders.status, 'pending'), isNull(orders.channel), lt(orders.expiresMs, nowMs - graceMs - MARGIN_MS)),
    );
  await sweepChannelOrders(env, db, nowMs);
  await sweepRefunds(env, db, nowMs);
  await sweepSimulatedNotifies(env, db, nowMs);
}
