/**
 * A delivery's attempts (SPEC §6): each claims its number by compare-and-set on `attempts`, so a
 * queue message delivered twice sends once; every request is logged. A failed attempt schedules
 * the next through the queue (hops of ≤ 12 h); the sweep re-drives any delivery whose next
 * attempt is overdue (a lost message, a restarted dev server). `db` is the merchant's store,
 * where deliveries and their attempts live (a delivery id names its store).
 */
import { and, eq, lt, min } from 'drizzle-orm';
import { apps, attempts, deliveries, webhooks, type App, type Delivery } from '../db/schema';
import { ACK_RULES, appendQuery, deliveryAccepted, deliveryMethod, signatureHeader } from '../domain/notify';
import { delayBefore, hops, retryDelays } from '../domain/schedule';
import { openSecret } from '../domain/secrets';
import { outboundUrlProblem } from '../domain/ssrf';
import { controlDb } from '../db/stores';
import type { Db } from '../env';
import { type Job, wakeSweeper } from '../jobs';
import { LOG_LIMIT, OUTBOUND_TIMEOUT_MS, requestOnce } from './outbound';

/** How long a claimed attempt may run (primary + backup URL) before the sweeper may re-drive it. */
const LEASE_MS = 2 * OUTBOUND_TIMEOUT_MS + 10_000;
/** How overdue a delivery must be before the sweep re-drives it (its own queue message is late or lost). */
const SWEEP_MARGIN_MS = 30_000;
/** When the sweep would re-drive a delivery due at `dueMs` if its message never came. */
export const sweepAt = (dueMs: number) => dueMs + SWEEP_MARGIN_MS + 1000;

/** The app's signing secret, opened. */
export const secretOf = (env: Env, app: App) => openSecret(env.MASTER_KEY, app.secretEnc);

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed' | 'skipped';

/** The headers and acceptance test of one delivery kind. */
async function requestFor(
  env: Env,
  d: Delivery,
  nowMs: number,
): Promise<{ headers: Record<string, string> } | { gone: string }> {
  if (d.kind === 'notify') return { headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  if (d.kind !== 'webhook') return { headers: {} };
  const control = controlDb(env);
  const [w, app] = await Promise.all([
    control.query.webhooks.findFirst({ where: eq(webhooks.id, d.webhookId ?? -1) }),
    control.query.apps.findFirst({ where: eq(apps.id, d.appId) }),
  ]);
  if (!w?.enabled || !app) return { gone: 'webhook endpoint deleted or disabled' };
  return {
    headers: {
      ...w.headers,
      'content-type': 'application/json',
      'huipay-signature': await signatureHeader(d.body, await secretOf(env, app), nowMs),
    },
  };
}

/**
 * Makes attempt number `attempt` of a delivery, if it is still that attempt's turn. Logs every
 * request; on failure schedules the next attempt, or marks the delivery failed after the last.
 */
export async function runAttempt(
  env: Env,
  db: Db,
  deliveryId: number,
  attempt: number,
  manual = false,
): Promise<AttemptOutcome> {
  const nowMs = Date.now();
  const [d] = await db
    .update(deliveries)
    .set({ attempts: attempt, nextAttemptMs: nowMs + LEASE_MS })
    .where(
      and(
        eq(deliveries.id, deliveryId),
        eq(deliveries.attempts, attempt - 1),
        manual ? undefined : eq(deliveries.status, 'pending'),
      ),
    )
    .returning();
  if (!d) return 'skipped';
  const req = await requestFor(env, d, nowMs);
  let delivered = false;
  const method = deliveryMethod(d.kind);
  for (const target of [d.url, ...(d.backupUrl ? [d.backupUrl] : [])]) {
    const startedMs = Date.now();
    // A GET notify carries its fields in the query of the notify URL.
    const url = method === 'GET' && target ? appendQuery(target, d.body) : target;
    const problem =
      'gone' in req ? req.gone : url ? outboundUrlProblem(url, !d.allowInternal) : 'no notify URL configured';
    const res =
      problem || 'gone' in req
        ? { status: null, text: null, durationMs: 0, error: problem }
        : await requestOnce(url, { method, body: method === 'GET' ? undefined : d.body, headers: req.headers });
    const ok = !problem && !('gone' in req) && deliveryAccepted(d.kind, res.status, res.text);
    await db.insert(attempts).values({
      deliveryId,
      attempt,
      manual,
      startedMs,
      url,
      requestBody: d.body,
      status: res.status,
      response: res.text?.slice(0, LOG_LIMIT) ?? null,
      durationMs: res.durationMs,
      error: res.error ?? (ok ? null : res.status === null ? 'no response' : describeRefusal(d, res.status)),
      ok,
    });
    if (ok) {
      delivered = true;
      break;
    }
  }
  if (delivered) {
    await db
      .update(deliveries)
      .set({ status: 'delivered', deliveredMs: Date.now() })
      .where(eq(deliveries.id, deliveryId));
    return 'delivered';
  }
  const delay = delayBefore(attempt + 1, retryDelays(env.NOTIFY_SCHEDULE_SECONDS));
  if (delay === null || d.status === 'delivered') {
    if (d.status !== 'delivered')
      await db.update(deliveries).set({ status: 'failed' }).where(eq(deliveries.id, deliveryId));
    return d.status === 'delivered' ? 'delivered' : 'failed';
  }
  const dueMs = Date.now() + delay * 1000;
  await db.update(deliveries).set({ status: 'pending', nextAttemptMs: dueMs }).where(eq(deliveries.id, deliveryId));
  await sendDeliver(env, { kind: 'deliver', deliveryId, attempt: attempt + 1, dueMs });
  return 'retrying';
}

function describeRefusal(d: Delivery, status: number): string {
  if (status >= 300 && status < 400) return `HTTP ${status}: redirects are not followed`;
  if (d.kind === 'webhook') return `HTTP ${status}: not a 2xx`;
  return `HTTP ${status}: not acknowledged (${ACK_RULES[d.kind]})`;
}

/**
 * Queues a deliver job to arrive at its due time (the first ≤ 12 h hop of the wait), and rings the
 * Sweeper for just after it: delayed messages do not survive a restart of the local runtime.
 */
export async function sendDeliver(env: Env, job: Extract<Job, { kind: 'deliver' }>): Promise<void> {
  await wakeSweeper(env, sweepAt(job.dueMs));
  const [first] = hops((job.dueMs - Date.now()) / 1000);
  await env.JOBS.send(job, first > 0 ? { delaySeconds: first } : undefined);
}

/** The queue consumer's deliver step: wait another hop if it is early, else make the attempt. */
export async function handleDeliver(env: Env, db: Db, job: Extract<Job, { kind: 'deliver' }>): Promise<void> {
  if (job.dueMs > Date.now() + 1000) return sendDeliver(env, job);
  await runAttempt(env, db, job.deliveryId, job.attempt);
}

/**
 * Re-drives pending deliveries whose next attempt is overdue (lost message, restarted dev server);
 * returns when the sweep should look again (the earliest pending attempt's re-drive time), or null.
 */
export async function sweepDeliveries(env: Env, db: Db, nowMs = Date.now()): Promise<number | null> {
  const due = await db
    .update(deliveries)
    .set({ nextAttemptMs: nowMs + LEASE_MS + SWEEP_MARGIN_MS })
    .where(and(eq(deliveries.status, 'pending'), lt(deliveries.nextAttemptMs, nowMs - SWEEP_MARGIN_MS)))
    .returning({ id: deliveries.id, attempts: deliveries.attempts });
  if (due.length)
    await env.JOBS.sendBatch(
      due.map((d) => ({
        body: { kind: 'deliver', deliveryId: d.id, attempt: d.attempts + 1, dueMs: 0 } satisfies Job,
      })),
    );
  const [next] = await db
    .select({ t: min(deliveries.nextAttemptMs) })
    .from(deliveries)
    .where(eq(deliveries.status, 'pending'));
  return next?.t == null ? null : sweepAt(next.t);
}
