/**
 * The hot paths' queries (create order, monitor requests, the payer's page), prepared once per
 * database handle so drizzle builds their SQL once per isolate instead of once per request.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../env';
import { apps, deliveries, orders, sessions, type Order } from './schema';

const key = (name: string) => sql.placeholder(name);

/** The columns a new order is written with (the rest take their defaults). */
export const ORDER_COLUMNS = [
  'merchantId',
  'appId',
  'mode',
  'outOrderId',
  'type',
  'priceFen',
  'realpriceFen',
  'custom',
  'productId',
  'sessionId',
  'shard',
  'payToken',
  'qrPayload',
  'notifyUrl',
  'returnUrl',
  'timeoutUrl',
  'createdMs',
  'expiresMs',
  'facade',
  'facadeFields',
] as const;
export type NewOrder = Pick<Order, (typeof ORDER_COLUMNS)[number]>;
/** The columns an order through an official channel is written with besides `ORDER_COLUMNS`. */
export const CHANNEL_ORDER_COLUMNS = [
  'channel',
  'method',
  'channelConfigId',
  'providerTradeNo',
  'subject',
  'clientIp',
  'openid',
  'payInfo',
  'nextQueryMs',
] as const;
export type NewChannelOrder = NewOrder & Pick<Order, (typeof CHANNEL_ORDER_COLUMNS)[number]>;

/** The next id of `table` on the store the statement runs on, at least `first` (its first, domain/stores.ts). */
export const nextId = (table: 'orders' | 'deliveries' | 'refunds', first: unknown) =>
  sql`(SELECT MAX(COALESCE(MAX(id), 0) + 1, ${first}) FROM ${sql.raw(table)})`;

function prepare(db: Db) {
  return {
    appByKey: db
      .select()
      .from(apps)
      .where(eq(apps.appkey, key('appkey')))
      .limit(1)
      .prepare(),
    appById: db
      .select()
      .from(apps)
      .where(eq(apps.id, key('id')))
      .limit(1)
      .prepare(),
    appRoute: db
      .select({ merchantId: apps.merchantId, mode: apps.mode })
      .from(apps)
      .where(eq(apps.appkey, key('appkey')))
      .limit(1)
      .prepare(),
    /**
     * Inserts an order unless its (app, out_order_id) exists; returns the new id or nothing. The id
     * is the store's next, at least `first` (ids are unique across stores, domain/stores.ts).
     */
    insertOrder: db
      .insert(orders)
      .values({
        id: nextId('orders', key('first')),
        ...Object.fromEntries(ORDER_COLUMNS.map((c) => [c, key(c)])),
      } as unknown as NewOrder)
      .onConflictDoNothing({ target: [orders.appId, orders.outOrderId] })
      .returning({ id: orders.id })
      .prepare(),
    sessionById: db
      .select()
      .from(sessions)
      .where(eq(sessions.id, key('id')))
      .limit(1)
      .prepare(),
    sessionByVmqHost: db
      .select()
      .from(sessions)
      .where(eq(sessions.vmqHost, key('host')))
      .limit(1)
      .prepare(),
    /** How many enabled sessions of each pay type each Collector shard of a merchant's mode owns. */
    sessionShards: db
      .select({ type: sessions.type, shard: sessions.shard, n: count() })
      .from(sessions)
      .where(
        and(eq(sessions.merchantId, key('merchantId')), eq(sessions.mode, key('mode')), eq(sessions.enabled, true)),
      )
      .groupBy(sessions.type, sessions.shard)
      .prepare(),
    /** The order behind a pay token (on its store), and whether the merchant acknowledged its notify. */
    payOrder: db
      .select({ order: orders, notify: deliveries.status })
      .from(orders)
      .leftJoin(deliveries, eq(deliveries.dedupeKey, sql`'notify:' || ${orders.id}`))
      .where(eq(orders.payToken, key('token')))
      .prepare(),
  };
}

const prepared = new WeakMap<Db, ReturnType<typeof prepare>>();

/** The prepared hot queries of `db`. */
export function queries(db: Db) {
  let q = prepared.get(db);
  if (!q) prepared.set(db, (q = prepare(db)));
  return q;
}
