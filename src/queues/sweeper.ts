/**
 * The cron safety net. Collector alarms expire orders on time; this catches any order still
 * pending well after its expiry plus grace (a lost message, a restarted local dev server), and
 * re-drives notifications whose next attempt is overdue.
 */
import { and, eq, lt } from 'drizzle-orm';
import { orders } from '../db/schema';
import { makeDb } from '../env';
import { sweepDeliveries } from '../services/deliveries';
import { sweepConsole } from '../console/auth';

const MARGIN_MS = 10 * 60_000;

export async function sweep(env: Env, nowMs = Date.now()): Promise<void> {
  const graceMs = Number(env.PAYMENT_GRACE_SECONDS ?? 60) * 1000;
  const db = makeDb(env.DB);
  await sweepDeliveries(env, db, nowMs);
  await sweepConsole(db, nowMs);
  await db
    .update(orders)
    .set({ status: 'expired' })
    .where(and(eq(orders.status, 'pending'), lt(orders.expiresMs, nowMs - graceMs - MARGIN_MS)));
}
