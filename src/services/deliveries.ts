/**
 * Deliveries: everything huipay owes a merchant's servers (SPEC §6). A delivery's body is fixed
 * when it is created (idempotently, by dedupe key), here: an order's notify and webhook events,
 * a refund's and an unmatched payment's events, each sent at once as its first attempt. Also the
 * merchant's side: a manual resend, the log of an order's deliveries, a test send to an endpoint.
 * The attempts themselves (retries, the sweep) are in delivery-attempts.ts. `db` is the
 * merchant's store (deliveries and attempts live there); apps and their endpoints come from the
 * merchant's Collector (`appFacts`), so a paid order's notify reads nothing of the control plane.
 */
import { and, eq, inArray } from 'drizzle-orm';
import {
  apps,
  attempts,
  deliveries,
  orders,
  type Delivery,
  type Order,
  type Payment,
  type Refund,
  type Webhook,
} from '../db/schema';
import { nextId } from '../db/queries';
import { controlDb, nameOf } from '../db/stores';
import { firstId } from '../domain/stores';
import { randomId } from '../domain/ids';
import { eventBody, notifyTarget, orderNotify, signatureHeader } from '../domain/notify';
import { outboundUrlProblem } from '../domain/ssrf';
import type { Mode, WebhookEvent } from '../domain/vocab';
import type { AppFacts } from '../durable/collector/types';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { type Job, wakeSweeper } from '../jobs';
import { appFacts } from './collector';
import { runAttempt, secretOf, sweepAt } from './delivery-attempts';
import { orderFacts, refundFacts } from './lifecycle';
import { LOG_LIMIT, postOnce } from './outbound';

type NewDelivery = typeof deliveries.$inferInsert;

/** The facts of an app (or of all the merchant's apps of a mode) from the merchant's Collector. */
async function factsOf(env: Env, merchantId: number, mode: Mode, appId?: number): Promise<AppFacts[]> {
  return (await appFacts(env, merchantId, mode, appId))?.apps ?? [];
}

/** Webhook endpoints of these apps (enabled, of the apps' mode: the facts hold only those) that want `event`. */
const subscribers = (apps: AppFacts[], event: WebhookEvent) =>
  apps.flatMap((f) => f.webhooks.filter((w) => w.events.includes(event)).map((w) => ({ w, app: f.app })));

async function webhookDeliveries(
  env: Env,
  apps: AppFacts[],
  event: WebhookEvent,
  subject: string,
  data: Record<string, unknown>,
  refs: Pick<NewDelivery, 'orderId' | 'paymentId'>,
  nowMs: number,
): Promise<NewDelivery[]> {
  const out: NewDelivery[] = [];
  for (const { w, app } of subscribers(apps, event)) {
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
  const facts = await factsOf(env, order.merchantId, order.mode, order.appId);
  const app = facts[0]?.app;
  if (!app) return;
  const rows = await webhookDeliveries(
    env,
    facts,
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
  const apps = await factsOf(env, payment.merchantId, payment.mode);
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
      apps,
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
  const facts = await factsOf(env, order.merchantId, order.mode, order.appId);
  if (!facts.length) return;
  const data = { refund: refundFacts(refund, order), order: orderFacts(order) };
  await insertAndSend(
    env,
    db,
    await webhookDeliveries(env, facts, event, `refund:${refund.id}`, data, { orderId: order.id }, nowMs),
  );
}

/** Inserts new deliveries (duplicates ignored) and sends the first attempt of every one not yet tried. */
async function insertAndSend(env: Env, db: Db, rows: NewDelivery[]): Promise<void> {
  if (rows.length === 0) return;
  await wakeSweeper(env, sweepAt(Date.now()));
  const id = nextId('deliveries', firstId(nameOf(db))) as unknown as number;
  const [first, ...rest] = rows.map((r) =>
    db
      .insert(deliveries)
      .values({ ...r, id })
      .onConflictDoNothing(),
  );
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
      fresh.map((d) => ({
        body: { kind: 'deliver', deliveryId: d.id, attempt: 1, dueMs: 0 } satisfies Job,
      })),
    );
}

/** A merchant's manual resend: one attempt now, whatever the delivery's state. */
export async function resend(env: Env, db: Db, deliveryId: number): Promise<Delivery> {
  const d = await db.query.deliveries.findFirst({ where: eq(deliveries.id, deliveryId) });
  if (!d) throw new HuipayError('not_found', `delivery ${deliveryId} not found`);
  const outcome = await runAttempt(env, db, deliveryId, d.attempts + 1, true);
  if (outcome === 'skipped')
    throw new HuipayError('conflict', `delivery ${deliveryId} is being attempted right now; try again in a moment`);
  return (await db.query.deliveries.findFirst({ where: eq(deliveries.id, deliveryId) }))!;
}

/** A delivery with its attempts, oldest first. */
export async function deliveriesOfOrder(db: Db, orderId: number) {
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!order) throw new HuipayError('not_found', `order ${orderId} not found`);
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
export async function testSend(env: Env, w: Webhook) {
  const app = (await controlDb(env).query.apps.findFirst({ where: eq(apps.id, w.appId) }))!;
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
