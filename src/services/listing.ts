/** Filtered, cursor-paginated lists of a merchant's orders and payments (on its store) for the admin API and the console. */
import { and, desc, eq, gte, isNull, isNotNull, lt, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { orders, payments, type Merchant, type Order } from '../db/schema';
import { localClock, startOfLocalDay } from '../domain/clock';
import type { Mode, OrderStatus, PayType } from '../domain/vocab';
import { controlDb, merchantStore } from '../db/stores';
import { HuipayError } from '../errors';
import { ORDER_RANGE_DAYS, type OrderRange } from '../schemas/order-filter';
import { requireMerchant } from './merchants';

const DAY_MS = 86_400_000;

export interface OrderFilter {
  status?: OrderStatus;
  type?: PayType;
  mode?: Mode;
  range?: OrderRange;
  from?: number;
  to?: number;
  cursor?: string;
  limit: number;
  /** Order numbers to find: our order id or the merchant's out_order_id (exact, or a prefix ending in `*`). */
  q?: string;
  /** `personal` (collection sessions) or an official channel's name. */
  channel?: string;
}

/**
 * The search condition of `q`: order ids or out_order_ids (exact, or a prefix ending in `*`),
 * several separated by spaces or commas. Written as `id IN (…)` over the (merchant_id,
 * out_order_id) index, so SQLite looks the few matching orders up instead of walking the
 * merchant's orders newest first and testing each.
 */
function search(merchantId: number, q: string | undefined): SQL | undefined {
  const terms = (q ?? '')
    .split(/[\s,]+/)
    .filter((t) => t !== '' && t !== '*')
    .slice(0, 20);
  if (terms.length === 0) return undefined;
  // One branch per term, each an equality or a range on the (merchant_id, out_order_id) index.
  const byOut = terms.map((t) => {
    const inMerchant = sql`SELECT s.id FROM ${orders} AS s WHERE s.merchant_id = ${merchantId}`;
    if (!t.endsWith('*')) return sql`${inMerchant} AND s.out_order_id = ${t}`;
    const prefix = t.slice(0, -1);
    return sql`${inMerchant} AND s.out_order_id >= ${prefix} AND s.out_order_id < ${prefix} || char(1114111)`;
  });
  const ids = terms.filter((t) => /^\d{1,15}$/.test(t)).map(Number);
  const branches = [...byOut, sql`SELECT value FROM json_each(${JSON.stringify(ids)})`];
  return sql`${orders.id} IN (${sql.join(branches, sql` UNION ALL `)})`;
}

/** The channel condition: `personal` is a collection session's order (no channel), else the official channel's name. */
const channelFilter = (column: SQLWrapper, channel: string | undefined): SQL | undefined =>
  channel === undefined ? undefined : channel === 'personal' ? isNull(column) : eq(column, channel);

/** The [from, to) window in ms: a named range of local calendar days, or explicit seconds. */
export function window(
  f: Pick<OrderFilter, 'range' | 'from' | 'to'>,
  timeZone: string,
  nowMs = Date.now(),
): { from?: number; to?: number } {
  if (f.range && (f.from !== undefined || f.to !== undefined))
    throw new HuipayError('bad_request', 'range: give either range or from/to, not both');
  if (f.range) {
    const today = localClock(nowMs, timeZone).day;
    const first = localClock(
      startOfLocalDay(today, timeZone) - (ORDER_RANGE_DAYS[f.range] - 1) * DAY_MS + DAY_MS / 2,
      timeZone,
    ).day;
    return { from: startOfLocalDay(first, timeZone) };
  }
  if (f.from !== undefined && f.to !== undefined && f.to <= f.from)
    throw new HuipayError('bad_request', 'to: must be after from');
  return { from: f.from === undefined ? undefined : f.from * 1000, to: f.to === undefined ? undefined : f.to * 1000 };
}

function page<T>(rows: T[], limit: number, cursorOf: (row: T) => string) {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, next_cursor: more ? cursorOf(data[data.length - 1]) : null };
}

const newestFirst = [desc(orders.createdMs), desc(orders.id)];

/**
 * Orders after the cursor's order in the listing's (created_ms, id) descending order, and before
 * `to` — one row-value bound, so SQLite still prefers the index of an equality filter (two upper
 * bounds on created_ms make it walk the merchant's newest-first index instead). The cursor stays
 * an order id.
 */
const before = (cursorId: number, toMs: number | undefined) =>
  toMs === undefined
    ? sql`(${orders.createdMs}, ${orders.id}) < (SELECT c.created_ms, c.id FROM ${orders} AS c WHERE c.id = ${cursorId})`
    : sql`(${orders.createdMs}, ${orders.id}) < (SELECT CASE WHEN c.created_ms < ${toMs} THEN c.created_ms ELSE ${toMs} END,
        CASE WHEN c.created_ms < ${toMs} THEN c.id ELSE 0 END FROM ${orders} AS c WHERE c.id = ${cursorId})`;

/**
 * A merchant's orders, newest first by (created_ms, id) so that every filter and time range is
 * served by an index and costs the same however many orders the merchant has; `known` saves
 * reading the merchant again when the caller has it.
 */
/** The WHERE and ORDER BY of a filtered listing of the merchant's orders (newest first, keyset paged). */
async function orderQuery(env: Env, merchantId: number, f: OrderFilter, known?: Merchant) {
  const merchant = known?.id === merchantId ? known : await requireMerchant(controlDb(env), merchantId);
  const w = window(f, merchant.timezone);
  // A search names its few orders: they drive the query and are sorted. The other filters then
  // only test them, written `+column` so SQLite does not walk an index of the merchant's orders
  // newest first (to skip that small sort) and test every order against the search.
  const found = search(merchantId, f.q);
  const col = (column: SQLWrapper) => (found ? sql`+${column}` : column);
  const where = and(
    eq(col(orders.merchantId), merchantId),
    f.status && eq(col(orders.status), f.status),
    f.type && eq(col(orders.type), f.type),
    f.mode && eq(col(orders.mode), f.mode),
    w.from !== undefined ? gte(col(orders.createdMs), w.from) : undefined,
    f.cursor ? before(Number(f.cursor), w.to) : w.to !== undefined ? lt(col(orders.createdMs), w.to) : undefined,
    found,
    channelFilter(col(orders.channel), f.channel),
  );
  return { where, order: found ? [sql`+${orders.createdMs} DESC`, sql`+${orders.id} DESC`] : newestFirst };
}

/** A page of the merchant's orders matching `f`, whole rows (the admin API). */
export async function listOrders(env: Env, merchantId: number, f: OrderFilter, known?: Merchant) {
  const q = await orderQuery(env, merchantId, f, known);
  const rows = await (await merchantStore(env, merchantId))
    .select()
    .from(orders)
    .where(q.where)
    .orderBy(...q.order)
    .limit(f.limit + 1);
  return page(rows, f.limit, (o) => String(o.id));
}

/** The columns a list of orders shows (the console's rows and CSV): a fraction of a whole row. */
export const ORDER_ROW = {
  id: orders.id,
  outOrderId: orders.outOrderId,
  status: orders.status,
  type: orders.type,
  mode: orders.mode,
  priceFen: orders.priceFen,
  realpriceFen: orders.realpriceFen,
  custom: orders.custom,
  sessionId: orders.sessionId,
  createdMs: orders.createdMs,
  paidMs: orders.paidMs,
};
export type OrderRow = Pick<Order, keyof typeof ORDER_ROW>;

/** A page of the merchant's orders matching `f`, only the columns of `OrderRow` (the console). */
export async function listOrderRows(env: Env, merchantId: number, f: OrderFilter, known?: Merchant) {
  const q = await orderQuery(env, merchantId, f, known);
  const rows: OrderRow[] = await (await merchantStore(env, merchantId))
    .select(ORDER_ROW)
    .from(orders)
    .where(q.where)
    .orderBy(...q.order)
    .limit(f.limit + 1);
  return page(rows, f.limit, (o) => String(o.id));
}

export async function listPayments(
  env: Env,
  merchantId: number,
  f: { matched?: 'true' | 'false'; cursor?: string; limit: number },
) {
  await requireMerchant(controlDb(env), merchantId);
  const rowid = sql<number>`${payments}.rowid`;
  const rows = await (await merchantStore(env, merchantId))
    .select({ p: payments, rowid })
    .from(payments)
    .where(
      and(
        eq(payments.merchantId, merchantId),
        f.matched === 'false'
          ? isNull(payments.orderId)
          : f.matched === 'true'
            ? isNotNull(payments.orderId)
            : undefined,
        f.cursor ? lt(rowid, Number(f.cursor)) : undefined,
      ),
    )
    .orderBy(desc(rowid))
    .limit(f.limit + 1);
  const p = page(rows, f.limit, (r) => String(r.rowid));
  return { data: p.data.map((r) => r.p), next_cursor: p.next_cursor };
}
