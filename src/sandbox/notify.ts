/**
 * The simulators' async notifies to merchants, shared by every provider: a paid trade owes its
 * notify (`sim_trades.notify_state = 'pending'`); each attempt is claimed by compare-and-set on
 * the attempt count, built and judged by the provider's `SimNotifier`, and retried on the
 * provider's own schedule from the sweep (`next_notify_ms`), so a restart loses none.
 * A notify URL on one of our own origins is served in-process (a Worker cannot reliably fetch
 * its own hostname); anything else goes over HTTP with the outbound limits.
 */
import { and, eq, lte, min } from 'drizzle-orm';
import { simTrades } from '../db/schema';
import type { Db } from '../env';
import { ownOrigins, selfFetch } from '../services/loopback';
import { postOnce } from '../services/outbound';
import { wakeSweeper } from '../jobs';
import type { SimNotifier } from './types';

/** POSTs one notify; the answer's status and text (status null: no answer). */
async function post(
  env: Env,
  url: string,
  body: string,
  headers: Record<string, string>,
  origins: string[],
): Promise<{ status: number | null; text: string }> {
  const own = ownOrigins(env).concat(origins);
  const sameWorker = (() => {
    try {
      return own.includes(new URL(url).origin);
    } catch {
      return false;
    }
  })();
  if (sameWorker) {
    const res = await selfFetch(new Request(url, { method: 'POST', headers, body }), env);
    return { status: res.status, text: await res.text() };
  }
  const res = await postOnce(url, body, headers);
  return { status: res.status, text: res.text ?? '' };
}

/** One notify attempt for a trade whose notify is owed. */
export async function deliverSimulatedNotify(
  env: Env,
  db: Db,
  tradeId: number,
  notifier: SimNotifier,
  requestOrigin: string | null,
): Promise<void> {
  const t = await db.query.simTrades.findFirst({ where: eq(simTrades.id, tradeId) });
  if (t?.notifyState !== 'pending' || !t.notifyUrl) return;
  const attempt = t.notifyAttempts + 1;
  const [claimed] = await db
    .update(simTrades)
    .set({ notifyAttempts: attempt, nextNotifyMs: Date.now() + 120_000 })
    .where(and(eq(simTrades.id, t.id), eq(simTrades.notifyAttempts, t.notifyAttempts)))
    .returning();
  if (!claimed) return;
  let delivered = false;
  try {
    const { body, headers } = await notifier.build(env, db, claimed);
    const origins = [t.origin, ...(requestOrigin ? [requestOrigin] : [])];
    const answer = await post(env, t.notifyUrl, body, headers, origins);
    delivered = answer.status !== null && notifier.accepted(answer.status, answer.text);
  } catch {
    delivered = false;
  }
  const retryIn = notifier.retryS[attempt - 1];
  await db
    .update(simTrades)
    .set(
      delivered
        ? { notifyState: 'delivered', nextNotifyMs: null }
        : retryIn === undefined
          ? { notifyState: 'failed', nextNotifyMs: null }
          : { nextNotifyMs: Date.now() + retryIn * 1000 },
    )
    .where(eq(simTrades.id, t.id));
  if (!delivered && retryIn !== undefined) await wakeSweeper(env, Date.now() + retryIn * 1000);
}

/**
 * The sweep's part: owed notify attempts of simulated trades that are due, each sent by its
 * provider's notifier; when the next one will be due, or null.
 */
export async function sweepSimulatedNotifies(
  env: Env,
  db: Db,
  notifiers: ReadonlyMap<string, SimNotifier>,
  nowMs = Date.now(),
): Promise<number | null> {
  const owed = eq(simTrades.notifyState, 'pending');
  const due = await db
    .select({ id: simTrades.id, channel: simTrades.channel })
    .from(simTrades)
    .where(and(owed, lte(simTrades.nextNotifyMs, nowMs)))
    .limit(50);
  await Promise.all(
    due.map((t) => {
      const notifier = notifiers.get(t.channel);
      return notifier ? deliverSimulatedNotify(env, db, t.id, notifier, null) : undefined;
    }),
  );
  const [next] = await db
    .select({ t: min(simTrades.nextNotifyMs) })
    .from(simTrades)
    .where(owed);
  return next?.t ?? null;
}
