/**
 * Deliveries: everything huipay owes a merchant's servers (SPEC §6). A delivery's body is fixed
 * when it is created (idempotently, by dedupe key); each attempt claims its number by
 * compare-and-set on `attempts`, so a queue message delivered twice sends once. A failed attempt
 * schedules the next through the queue (hops of ≤ 12 h); the cron sweeper re-drives any
 * delivery whose next attempt is overdue.
 */
import { and, eq, inArray, lt, min } from 'drizzle-orm';
import {
  apps,
  attempts,
  deliveries,
  orders,
  webhooks,
  type App,
  type Delivery,
  type Order,
  type Payment,
  type Refund,
  type Webhook,
} from '../db/schema';
import { randomId } from '../domain/ids';
import {
  ACK_RULES,
  appendQuery,
  deliveryAccepted,
  deliveryMethod,
  eventBody,
  notifyTarget,
  orderNotify,
  signatureHeader,
} from '../domain/notify';
import { delayBefore, hops, retryDelays } from '../domain/schedule';
import { outboundUrlProblem } from '../domain/ssrf';
import type { Mode, WebhookEvent } from '../domain/vocab';
import type { Db } from '../env';
import { ApiError } from '../errors';
import { type Job, wakeSweeper } from '../jobs';
import { orderFacts, refundFacts } from './lifecycle';
import { LOG_LIMIT, OUTBOUND_TIMEOUT_MS, postOnce, requestOnce } from './outbound';
import { openSecret } from '../domain/secrets';

/** How long a claimed attempt may run (primary + backup URL) before the sweeper may re-drive it. */
const LEASE_MS = 2 * OUTBOUND_TIMEOUT_MS + 10_000;
/** How overdue a delivery must be before the sweep re-drives it (its own queue message is late or lost). */
const SWEEP_MARGIN_MS = 30_000;
/** When the sweep would re-drive a delivery due at `dueMs` if its message never came. */
const sweepAt = (dueMs: number) => dueMs + SWEEP_MARGIN_MS + 1000;

type NewDelivery = typeof deliveries.$inferInsert;

const webhookMode = (mode: Mode) => (mode === 'live' ? 'live' : 'test');
const secretOf = (env: Env, app: App) => openSecret(env.MASTER_KEY, app.secretEnc);

/** Webhook endpoints of these apps that want `event`, in the apps' mode. */
async function subscribers(db: Db, appRows: App[], event: WebhookEvent) {
  if (appRows.length === 0) return [];
  const rows = await db
    .select()
    .from(webhooks)
    .where(
      and(
        inArray(
          webhooks.appId,
          appRows.map((a) => a.id),
        ),
        eq(webhooks.enabled, true),
      ),
    );
  return rows.filter(
    (w) => w.events.includes(event) && w.mode === webhookMode(appRows.find((a) => a.id === w.appId)!.mode),
  );
}

async function webhookDeliveries(
  env: Env,
  db: Db,
  appRows: App[],
  event: WebhookEvent,
  subject: string,
  data: Record<string, unknown>,
  refs: Pick<NewDelivery, 'orderId' | 'paymentId'>,
  nowMs: number,
): Promise<NewDelivery[]> {
  const out: NewDelivery[] = [];
  for (const w of await subscribers(db, appRows, event)) {
    const app = appRows.find((a) => a.id === w.appId)!;
    const eventId = randomId('evt');
    const body = await eventBody(
      { id: eventId, type: event, createdMs: nowMs, livemode: app.mode === 'live', appkey: app.appkey, data },
      await secretOf(env, app),
    );
    out.push({
      dedupeKey: `wh:${w.id}:${event}:${subject}`,
      kind: 'webhook',
      merchantId: app.merchantId,
      appId: app.id,
      webhookId: w.id,
      eventId,
      eventType: event,
      url: w.url,
      allowInternal: w.mode === 'test',
      body,
      nextAttemptMs: nowMs,
      createdMs: nowMs,
      ...refs,
    });
  }
  return out;
}

/** Creates (once) the deliveries an order's payment or expiry owes, and sends their first attempts. */
export async function orderDeliveries(
  env: Env,
  db: Db,
  order: Order,
  event: 'payment.succeeded' | 'order.expired',
  nowMs = Date.now(),
): Promise<void> {
  const app = await db.query.apps.findFirst({ where: eq(apps.id, order.appId) });
  if (!app) return;
  const rows = await webhookDeliveries(
    env,
    db,
    [app],
    event,
    `order:${order.id}`,
    { order: orderFacts(order) },
    { orderId: order.id },
    nowMs,
  );
  if (event === 'payment.succeeded' && order.paidMs !== null) {
    rows.push({
      dedupeKey: `notify:${order.id}`,
      merchantId: app.merchantId,
      appId: app.id,
      orderId: order.id,
      eventType: 'notify',
      url: order.notifyUrl ?? notifyTarget(app) ?? '',
      backupUrl: app.mode === 'live' ? app.backupNotifyUrl : null,
      allowInternal: app.mode === 'sandbox',
      ...(await orderNotify({ ...order, paidMs: order.paidMs }, app.appkey, await secretOf(env, app))),
      nextAttemptMs: nowMs,
      createdMs: nowMs,
    });
  }
  await insertAndSend(env, db, rows);
}

/** Creates (once) the `payment.unmatched` events for a payment nobody's order took. */
export async function unmatchedDeliveries(env: Env, db: Db, payment: Payment, nowMs = Date.now()): Promise<void> {
  const appRows = await db
    .select()
    .from(apps)
    .where(and(eq(apps.merchantId, payment.merchantId), eq(apps.mode, payment.mode)));
  const data = {
    payment: {
      id: payment.id,
      session_id: payment.sessionId,
      type: payment.type,
      amount: (payment.amountFen / 100).toFixed(2),
      paid_at: Math.floor(payment.paidMs / 1000),
      ref: payment.ref,
      payer: payment.payer,
    },
  };
  await insertAndSend(
    env,
    db,
    await webhookDeliveries(
      env,
      db,
      appRows,
      'payment.unmatched',
      `payment:${payment.id}`,
      data,
      { paymentId: payment.id },
      nowMs,
    ),
  );
}

/** Creates (once) the `refund.succeeded` / `refund.failed` events of a refund that became final. */
export async function refundDeliveries(
  env: Env,
  db: Db,
  refund: Refund,
  order: Order,
  event: 'refund.succeeded' | 'refund.failed',
  nowMs = Date.now(),
): Promise<void> {
  const app = await db.query.apps.findFirst({ where: eq(apps.id, order.appId) });
  if (!app) return;
  const data = { refund: refundFacts(refund, order), order: orderFacts(order) };
  await insertAndSend(
    env,
    db,
    await webhookDeliveries(env, db, [app], event, `refund:${refund.id}`, data, { orderId: order.id }, nowMs),
  );
}

/** Inserts new deliveries (duplicates ignored) and sends the first attempt of every one not yet tried. */
async function insertAndSend(env: Env, db: Db, rows: NewDelivery[]): Promise<void> {
  if (rows.length === 0) return;
  await wakeSweeper(env, sweepAt(Date.now()));
  const [first, ...rest] = rows.map((r) => db.insert(deliveries).values(r).onConflictDoNothing());
  await db.batch([first, ...rest]);
  const fresh = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      and(
        inArray(
          deliveries.dedupeKey,
          rows.map((r) => r.dedupeKey),
        ),
        eq(deliveries.attempts, 0),
        eq(deliveries.status, 'pending'),
      ),
    );
  if (fresh.length)
    await env.JOBS.sendBatch(
      fresh.map((d) => ({ body: { kind: 'deliver', deliveryId: d.id, attempt: 1, dueMs: 0 } satisfies Job })),
    );
}

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed' | 'skipped';

/** The headers and acceptance test of one delivery kind. */
async function requestFor(
  env: Env,
  db: Db,
  d: Delivery,
  nowMs: number,
): Promise<{ headers: Record<string, string> } | { gone: string }> {
  if (d.kind === 'notify') return { headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  if (d.kind !== 'webhook') return { headers: {} };
  const [w, app] = await Promise.all([
    db.query.webhooks.findFirst({ where: eq(webhooks.id, d.webhookId ?? -1) }),
    db.query.apps.findFirst({ where: eq(apps.id, d.appId) }),
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
  const req = await requestFor(env, db, d, nowMs);
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

/** A merchant's manual resend: one attempt now, whatever the delivery's state. */
export async function resend(env: Env, db: Db, deliveryId: number): Promise<Delivery> {
  const d = await db.query.deliveries.findFirst({ where: eq(deliveries.id, deliveryId) });
  if (!d) throw new ApiError('not_found', `delivery ${deliveryId} not found`);
  const outcome = await runAttempt(env, db, deliveryId, d.attempts + 1, true);
  if (outcome === 'skipped')
    throw new ApiError('conflict', `delivery ${deliveryId} is being attempted right now; try again in a moment`);
  return (await db.query.deliveries.findFirst({ where: eq(deliveries.id, deliveryId) }))!;
}

/** A delivery with its attempts, oldest first. */
export async function deliveriesOfOrder(db: Db, orderId: number) {
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!order) throw new ApiError('not_found', `order ${orderId} not found`);
  const rows = await db.select().from(deliveries).where(eq(deliveries.orderId, orderId)).orderBy(deliveries.id);
  const logs = rows.length
    ? await db
        .select()
        .from(attempts)
        .where(
          inArray(
            attempts.deliveryId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(attempts.id)
    : [];
  return rows.map((d) => ({ delivery: d, attempts: logs.filter((a) => a.deliveryId === d.id) }));
}

export async function attemptsOf(db: Db, deliveryId: number) {
  return db.select().from(attempts).where(eq(attempts.deliveryId, deliveryId)).orderBy(attempts.id);
}

/** Sends a sample event to an endpoint now and returns the exact request and response. */
export async function testSend(env: Env, db: Db, w: Webhook) {
  const app = (await db.query.apps.findFirst({ where: eq(apps.id, w.appId) }))!;
  const secret = await secretOf(env, app);
  const nowMs = Date.now();
  const sample = {
    order_id: 0,
    out_order_id: 'test_order',
    status: 'paid',
    price: '1.00',
    realprice: '1.00',
    type: 'alipay',
    custom: '',
    product_id: '',
    paytime: Math.floor(nowMs / 1000),
    created: Math.floor(nowMs / 1000),
    expires: Math.floor(nowMs / 1000) + 600,
    expires_at: Math.floor(nowMs / 1000) + 600,
  };
  const body = await eventBody(
    {
      id: randomId('evt_test'),
      type: w.events[0] ?? 'payment.succeeded',
      createdMs: nowMs,
      livemode: w.mode === 'live',
      appkey: app.appkey,
      data: { order: sample },
    },
    secret,
  );
  const headers = {
    ...w.headers,
    'content-type': 'application/json',
    'huipay-signature': await signatureHeader(body, secret, nowMs),
  };
  const problem = outboundUrlProblem(w.url, w.mode === 'live');
  const res = problem
    ? { status: null, text: null, durationMs: 0, error: problem }
    : await postOnce(w.url, body, headers);
  return {
    request: { method: 'POST', url: w.url, headers: { 'user-agent': 'huipay-notify/1', ...headers }, body },
    response: res.status === null ? null : { status: res.status, body: res.text?.slice(0, LOG_LIMIT) ?? '' },
    delivered: res.status !== null && res.status >= 200 && res.status < 300,
    duration_ms: res.durationMs,
    error: res.error,
  };
}
