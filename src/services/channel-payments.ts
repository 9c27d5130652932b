/**
 * What the provider says about a channel order (SPEC §11.3), and what huipay does with it:
 *
 * - Notifies at `POST /channels/:channel/notify/:config_id`: verified by the channel, then the
 *   business checks (addressed to this config's account, one of our provider order numbers, the
 *   exact amount). A paid trade marks its order paid through `markPaid` (exactly once, whoever
 *   comes first: notify, query, a duplicate); a mismatch puts the payment in the unmatched inbox
 *   with the reason; a forged notify changes nothing and is logged.
 * - Active query, driven by `orders.next_query_ms` (queue messages for timeliness, the sweep for
 *   anything missed): about 1 and 5 min after create and at expiry. At expiry the trade is closed
 *   at the provider, and only once the provider confirms (closed, or no such trade) does the order
 *   expire: until then it stays pending (the payer's page already shows it expired) and the
 *   query and close are retried. An unknown outcome is retried, never taken as failure.
 *
 * A payment the provider vouches for after the order was expired or closed here (a merchant's
 * close the provider could not confirm at once, or a provider that took a payment after saying
 * the trade was closed) makes the order paid, with the reason on the payment: the money is the
 * merchant's and the provider will not give it back by itself; the merchant can refund it.
 *
 * `db` is the order's store throughout, except in `handleNotify` (the control plane, where the
 * notify's config is found).
 */
import { and, eq, isNotNull, lte, min } from 'drizzle-orm';
import { merchantStore } from '../db/stores';
import { channelLog, orders, type App, type ChannelConfig, type Order } from '../db/schema';
import { channelNamed } from '../channels/registry';
import { hex } from '../domain/bytes';
import type { PaidFacts, RawNotify } from '../channels/types';
import { nextQueryMs, unknownRetryMs } from '../domain/schedule';
import { formatFen } from '../domain/money';
import type { Db } from '../env';
import { sendTimed } from '../jobs';
import { channelContext, configById, logCalls, orderConfig } from './channels';
import { channelOrderOf } from './channel-orders';
import { orderDeliveries } from './deliveries';
import { backgroundOrigin, expirePending, markClosed, markPaid, orderById } from './lifecycle';
import { recordUnmatched } from './payments';
import { refundOrderFee } from './points';

/** How long a claimed query may run before the sweep may take the order again. */
const LEASE_MS = 60_000;

/** One payment id per provider transaction, so a notify, a query and their repeats record it once. */
async function paymentIdOf(cfg: ChannelConfig, providerTxnId: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`${cfg.channel}:${cfg.account}:${providerTxnId}`),
  );
  return `pay_${hex(digest).slice(0, 32)}`;
}

/**
 * A payment the provider vouches for. Marks `order` paid by it when it fits (same amount, an
 * order not already paid by another payment); otherwise the payment waits in the unmatched inbox
 * with the reason. Returns the order afterwards (or null when there was none).
 */
export async function recordChannelPayment(
  env: Env,
  db: Db,
  cfg: ChannelConfig,
  app: App,
  order: Order | null,
  facts: PaidFacts,
  providerTradeNo: string,
): Promise<Order | null> {
  const channel = channelNamed(cfg.channel)!;
  const id = await paymentIdOf(cfg, facts.providerTxnId);
  const base = {
    id,
    merchantId: app.merchantId,
    mode: app.mode,
    sessionId: 0,
    type: channel.payType,
    amountFen: facts.amountFen,
    paidMs: facts.paidMs,
    ref: facts.providerTxnId,
    payer: facts.payer,
    receivedMs: Date.now(),
    channel: cfg.channel,
    channelConfigId: cfg.id,
  };
  const unmatched = async (note: string) => {
    await recordUnmatched(env, db, { ...base, note });
    return order;
  };
  if (!order)
    return unmatched(`${providerTradeNo} is not an order of this app (paid at ${cfg.channel}, no order here)`);
  if (facts.amountFen !== order.realpriceFen)
    return unmatched(
      `amount ${formatFen(facts.amountFen)} differs from order ${order.id}'s ${formatFen(order.realpriceFen)}: the order stays unpaid`,
    );
  if (order.paymentId !== null && order.paymentId !== id)
    return unmatched(`order ${order.id} is already paid by payment ${order.paymentId}`);
  const late = order.status === 'expired' || order.status === 'closed';
  const after = await markPaid(
    db,
    { ...base, note: late ? `paid at ${cfg.channel} after huipay had ${order.status} the order` : null },
    order,
    'auto',
    ['pending', 'expired', 'closed'],
    { providerTxnId: facts.providerTxnId, nextQueryMs: null },
  );
  if (after?.paymentId === id) await orderDeliveries(env, db, after, 'payment.succeeded');
  return after ?? null;
}

/** The order a provider order number names, if it belongs to this config's app. */
async function orderOf(db: Db, cfg: ChannelConfig, providerTradeNo: string): Promise<Order | null> {
  const o = await db.query.orders.findFirst({ where: eq(orders.providerTradeNo, providerTradeNo) });
  return o && o.appId === cfg.appId ? o : null;
}

/**
 * `POST /channels/:channel/notify/:config_id`: verify, check, record; the provider's answer. The
 * config comes from the control plane (`db`); the order, payment and log are on the merchant's store.
 */
export async function handleNotify(env: Env, db: Db, name: string, configId: number, raw: RawNotify, origin: string) {
  const startedMs = Date.now();
  const channel = channelNamed(name);
  const found = Number.isSafeInteger(configId) ? await configById(env, configId) : null;
  const store = found ? await merchantStore(env, found.app.merchantId) : db;
  const log = async (outcome: 'processed' | 'rejected', error: string | null, orderId: number | null = null) => {
    await store.insert(channelLog).values({
      configId: found?.cfg.id ?? null,
      orderId,
      kind: 'notify',
      api: 'notify',
      startedMs,
      durationMs: Date.now() - startedMs,
      request: raw.body.slice(0, 2048),
      status: null,
      response: null,
      outcome,
      error,
    });
    if (outcome === 'rejected')
      console.error(
        JSON.stringify({ msg: 'provider notify rejected', channel: name, config_id: configId, reason: error }),
      );
  };
  if (!channel) return { status: 404, body: `no channel ${name}`, contentType: 'text/plain; charset=utf-8' };
  if (!found || found.cfg.channel !== name) {
    const why = `no ${name} channel config ${configId}`;
    await log('rejected', why);
    return channel.answers.fail(why);
  }
  const { cfg, app } = found;
  const { ctx } = await channelContext(env, cfg, app.mode, origin);
  const verdict = await channel.verifyNotify(ctx, raw);
  if (verdict.kind === 'rejected') {
    await log('rejected', verdict.reason);
    return channel.answers.fail(verdict.reason);
  }
  if (verdict.kind === 'ignored') {
    await log('processed', verdict.summary);
    return channel.answers.ok;
  }
  if (verdict.account !== cfg.account) {
    const why = `addressed to account ${verdict.account}, but this config is ${cfg.account}`;
    await log('rejected', why);
    return channel.answers.fail(why);
  }
  const order = await orderOf(store, cfg, verdict.providerTradeNo);
  if (verdict.state === 'paid' && verdict.facts) {
    const after = await recordChannelPayment(env, store, cfg, app, order, verdict.facts, verdict.providerTradeNo);
    const paidHere = after !== null && after.paymentId !== null && after.providerTxnId === verdict.facts.providerTxnId;
    await log('processed', paidHere ? verdict.summary : `${verdict.summary}: unmatched`, order?.id ?? null);
  } else await log('processed', verdict.summary, order?.id ?? null);
  return channel.answers.ok;
}

// ── active query, close at expiry ──────────────────────────────────────────────────────────

/** Marks a pending order expired (once), gives back its order fee and creates its `order.expired` events. */
async function expire(env: Env, db: Db, o: Order): Promise<void> {
  const done = await expirePending(db, eq(orders.id, o.id));
  if (done) await orderDeliveries(env, db, done, 'order.expired');
}

/**
 * Asks the channel about one order whose turn has come (claimed by moving `next_query_ms`): a
 * paid trade marks it paid; past expiry (or after a merchant's close) the trade is closed at the
 * provider and the order expires. Returns what happened, for tests and logs.
 */
export async function driveChannelOrder(
  env: Env,
  db: Db,
  orderId: number,
  nowMs = Date.now(),
  origin = backgroundOrigin(env),
): Promise<'skipped' | 'paid' | 'waiting' | 'expired' | 'closed' | 'retry'> {
  const [o] = await db
    .update(orders)
    .set({ nextQueryMs: nowMs + LEASE_MS })
    .where(and(eq(orders.id, orderId), lte(orders.nextQueryMs, nowMs)))
    .returning();
  if (!o) return 'skipped';
  const found = await orderConfig(env, o);
  if (!found) {
    await db.update(orders).set({ nextQueryMs: null }).where(eq(orders.id, o.id));
    return 'skipped';
  }
  const { channel, ctx, calls } = await channelContext(env, found.cfg, o.mode, origin);
  const co = channelOrderOf(o);
  let next: number | null = null;
  let result: Awaited<ReturnType<typeof driveChannelOrder>>;
  const retry = () => {
    next = nowMs + unknownRetryMs(o.queryAttempts);
    return 'retry' as const;
  };
  const settle = async (q: Awaited<ReturnType<typeof channel.query>>) => {
    if (q.kind === 'ok' && q.value.state === 'paid') {
      await recordChannelPayment(env, db, found.cfg, found.app, o, q.value.facts, co.providerTradeNo);
      return 'paid' as const;
    }
    return null;
  };
  try {
    const q = await channel.query(ctx, co);
    const paid = await settle(q);
    if (paid) result = paid;
    else if (q.kind !== 'ok') result = retry();
    else if (o.status === 'pending' && nowMs < o.expiresMs) {
      next = nextQueryMs(o.createdMs, o.expiresMs, nowMs);
      result = 'waiting';
    } else {
      // Expiry (or a merchant's close): the provider must take no payment any more before the order ends.
      const c = q.value.state === 'closed' ? ({ kind: 'ok', value: 'closed' } as const) : await channel.close(ctx, co);
      if (c.kind !== 'ok') result = retry();
      else if (c.value === 'paid') {
        const again = await channel.query(ctx, co);
        result = (await settle(again)) ?? retry();
      } else {
        if (o.status === 'pending') await expire(env, db, o);
        // A merchant's close the provider confirms only now: the order's fee comes back now.
        else if (o.status === 'closed') await refundOrderFee(db, o);
        result = o.status === 'closed' ? 'closed' : 'expired';
      }
    }
  } finally {
    await logCalls(db, found.cfg.id, calls, { orderId: o.id });
  }
  const retrying = result === 'retry';
  await db
    .update(orders)
    .set({ nextQueryMs: next, queryAttempts: retrying ? o.queryAttempts + 1 : o.queryAttempts })
    .where(and(eq(orders.id, o.id), eq(orders.nextQueryMs, nowMs + LEASE_MS)));
  if (next !== null) await sendTimed(env, { kind: 'channel_query', orderId: o.id, dueMs: next });
  return result;
}

/** Asks the provider about a pending order now (the payer is back from the provider's page). */
export async function queryNow(env: Env, db: Db, orderId: number, origin: string) {
  const nowMs = Date.now();
  await db
    .update(orders)
    .set({ nextQueryMs: nowMs })
    .where(and(eq(orders.id, orderId), eq(orders.status, 'pending'), isNotNull(orders.nextQueryMs)));
  return driveChannelOrder(env, db, orderId, nowMs, origin);
}

/**
 * The sweep's part: channel orders whose query is due (a lost queue message, a restarted dev
 * server). Returns when the next one will be due, or null when none waits.
 */
export async function sweepChannelOrders(env: Env, db: Db, nowMs = Date.now()): Promise<number | null> {
  const due = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(isNotNull(orders.nextQueryMs), lte(orders.nextQueryMs, nowMs)))
    .limit(100);
  for (const o of due) await driveChannelOrder(env, db, o.id, nowMs);
  const [next] = await db
    .select({ t: min(orders.nextQueryMs) })
    .from(orders)
    .where(isNotNull(orders.nextQueryMs));
  return next?.t ?? null;
}

/**
 * The merchant closes a pending channel order: the trade is closed at the provider first. When
 * the provider says it is paid, the order is paid (and answered as it now is); when it cannot be
 * reached, the order is closed here and the close at the provider is retried in the background.
 */
export async function closeChannelOrder(env: Env, db: Db, o: Order, origin: string): Promise<Order> {
  const found = await orderConfig(env, o);
  let retryClose = found === null;
  if (found) {
    const { channel, ctx, calls } = await channelContext(env, found.cfg, o.mode, origin);
    const co = channelOrderOf(o);
    try {
      const c = await channel.close(ctx, co);
      if (c.kind === 'ok' && c.value === 'paid') {
        const q = await channel.query(ctx, co);
        if (q.kind === 'ok' && q.value.state === 'paid') {
          await recordChannelPayment(env, db, found.cfg, found.app, o, q.value.facts, co.providerTradeNo);
          return (await orderById(db, o.id))!;
        }
        retryClose = true;
      } else retryClose = c.kind !== 'ok';
    } finally {
      await logCalls(db, found.cfg.id, calls, { orderId: o.id });
    }
  }
  const dueMs = Date.now() + 60_000;
  const closed = await markClosed(db, o.id, { nextQueryMs: retryClose ? dueMs : null });
  if (closed && retryClose) await sendTimed(env, { kind: 'channel_query', orderId: o.id, dueMs });
  return closed ?? (await orderById(db, o.id))!;
}
