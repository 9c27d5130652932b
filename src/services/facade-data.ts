/**
 * The reads the compatibility facades (src/facades: epay, V免签) make of an app's data: its
 * channel configs and session types, its merchant, its orders and their totals, its sessions and
 * last payment. The facades map these onto their own wire shapes; no drizzle outside services/.
 * `db` is the control plane; orders and payments are read from the merchant's store.
 */
import { and, count, desc, eq, gte, lt, sql } from 'drizzle-orm';
import {
  type App,
  channelConfigs,
  type Merchant,
  merchants,
  type Order,
  orders,
  payments,
  sessions,
} from '../db/schema';
import type { Mode } from '../domain/vocab';
import { boundStores, controlDb, merchantStore, storeDb } from '../db/stores';
import { storeOfToken } from '../domain/stores';
import type { Db } from '../env';

/** The app's channel configs and the pay types of its merchant's enabled sessions in the app's mode. */
export async function payTypeSources(db: Db, app: App) {
  const [configs, types] = await db.batch([
    db.select().from(channelConfigs).where(eq(channelConfigs.appId, app.id)),
    db
      .selectDistinct({ type: sessions.type })
      .from(sessions)
      .where(and(eq(sessions.merchantId, app.merchantId), eq(sessions.mode, app.mode), eq(sessions.enabled, true))),
  ]);
  return { configs, sessionTypes: types.map((t) => t.type) };
}

export async function merchantOf(db: Db, app: App): Promise<Merchant | undefined> {
  return db.query.merchants.findFirst({ where: eq(merchants.id, app.merchantId) });
}

/** The app's order by its id or by its out_order_id. */
export async function appOrder(env: Env, app: App, by: { id: number } | { outOrderId: string }) {
  return (await merchantStore(env, app.merchantId)).query.orders.findFirst({
    where: and(eq(orders.appId, app.id), 'id' in by ? eq(orders.id, by.id) : eq(orders.outOrderId, by.outOrderId)),
  });
}

/** The order behind a pay token, on the store the token names (any app's: the caller checks whose). */
export async function orderByPayToken(env: Env, payToken: string): Promise<Order | undefined> {
  const name = storeOfToken(payToken);
  if (!boundStores(env).includes(name)) return undefined;
  return storeDb(env, name).query.orders.findFirst({ where: eq(orders.payToken, payToken) });
}

/** The app's order count, and the fen paid (paid or refunded orders) in [today, ∞) and [yesterday, today). */
export async function appOrderTotals(env: Env, app: App, today: number, yesterday: number) {
  const db = await merchantStore(env, app.merchantId);
  const appId = app.id;
  const paidSum = (from: number, to: number) =>
    db
      .select({ fen: sql<number>`COALESCE(SUM(${orders.priceFen}), 0)` })
      .from(orders)
      .where(
        and(
          eq(orders.appId, appId),
          sql`${orders.status} IN ('paid', 'refunded')`,
          gte(orders.paidMs, from),
          lt(orders.paidMs, to),
        ),
      );
  const [all, day, lastDay] = await db.batch([
    db.select({ n: count() }).from(orders).where(eq(orders.appId, appId)),
    paidSum(today, Number.MAX_SAFE_INTEGER),
    paidSum(yesterday, today),
  ]);
  return { orders: all[0].n, todayFen: day[0].fen, lastDayFen: lastDay[0].fen };
}

/** A page of the app's orders, newest first. */
export async function appOrdersPage(env: Env, app: App, limit: number, offset: number): Promise<Order[]> {
  return (
    (await merchantStore(env, app.merchantId))
      .select()
      .from(orders)
      // Newest first through the merchant's (merchant_id, created_ms) index, like the admin listing.
      .where(and(eq(orders.merchantId, app.merchantId), eq(orders.appId, app.id)))
      .orderBy(desc(orders.createdMs), desc(orders.id))
      .limit(limit)
      .offset(offset)
  );
}

/** The merchant's sessions of a mode (what their live state needs), and when the last payment of that mode came. */
export async function sessionsAndLastPayment(env: Env, merchantId: number, mode: Mode) {
  const [rows, last] = await Promise.all([
    controlDb(env)
      .select({ id: sessions.id, enabled: sessions.enabled, mode: sessions.mode, shard: sessions.shard })
      .from(sessions)
      .where(and(eq(sessions.merchantId, merchantId), eq(sessions.mode, mode))),
    (await merchantStore(env, merchantId))
      .select({ ms: sql<number | null>`MAX(${payments.receivedMs})` })
      .from(payments)
      .where(and(eq(payments.merchantId, merchantId), eq(payments.mode, mode))),
  ]);
  return { sessions: rows, lastPaymentMs: last[0]?.ms ?? 0 };
}
