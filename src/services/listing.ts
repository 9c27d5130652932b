/** Filtered, cursor-paginated lists for the admin API and the console. */
import { and, desc, eq, gte, isNull, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { orders, payments, type Merchant } from '../db/schema';
import { localClock, startOfLocalDay } from '../domain/clock';
import type { Mode, OrderStatus, PayType } from '../domain/vocab';
import type { Db } from '../env';
import { ApiError } from '../errors';
import { requireMerchant } from './merchants';

const DAY_MS = 86_400_000;
const RANGE_DAYS = { today: 1, '7d': 7, '30d': 30, '60d': 60 } as const;

export interface OrderFilter {
  status?: OrderStatus;
  type?: PayType;
  mode?: Mode;
  range?: keyof typeof RANGE_DAYS;
  from?: number;
  to?: number;
  cursor?: string;
  limit: number;
  /** Order numbers to find: our order id or the merchant's out_order_id (exact, or a prefix ending in `*`). */
  q?: string;
  /** `personal` (collection sessions) or an official channel's name. */
  channel?: string;
}

/** The search condition of `q`: order id or out_order_id, several separated by spaces or commas. */
function search(q: string | undefined): SQL | undefined {
  const terms = (q ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .slice(0, 20);
  if (terms.length === 0) return undefined;
  return or(
    ...terms.map((t) => {
      const prefix = t.slice(0, -1);
      const byOut = t.endsWith('*')
        ? sql`substr(${orders.outOrderId}, 1, ${prefix.length}) = ${prefix}`
        : eq(orders.outOrderId, t);
      return /^\d{1,15}$/.test(t) ? or(eq(orders.id, Number(t)), byOut) : byOut;
    }),
  );
}

/**
 * The channel condition. Every order today is collected by a personal session; the official
 * channels (SPEC §11) add `orders.channel` — until then they match nothing.
 */
const channelFilter = (channel: string | undefined): SQL | undefined =>
  channel === undefined || channel === 'personal' ? undefined : sql`0`;

/** The [from, to) window in ms: a named range of local calendar days, or explicit seconds. */
export function window(
  f: Pick<OrderFilter, 'range' | 'from' | 'to'>,
  timeZone: string,
  nowMs = Date.now(),
): { from?: number; to?: number } {
  if (f.range && (f.from !== undefined || f.to !== undefined))
    throw new ApiError('bad_request', 'range: give either range or from/to, not both');
  if (f.range) {
    const today = localClock(nowMs, timeZone).day;
    const first = localClock(
      startOfLocalDay(today, timeZone) - (RANGE_DAYS[f.range] - 1) * DAY_MS + DAY_MS / 2,
      timeZone,
    ).day;
    return { from: startOfLocalDay(first, timeZone) };
  }
  if (f.from !== undefined && f.to !== undefined && f.to <= f.from)
    throw new ApiError('bad_request', 'to: must be after from');
  return { from: f.from === undefined ? undefined : f.from * 1000, to: f.to === undefined ? undefined : f.to * 1000 };
}

function page<T>(rows: T[], limit: number, cursorOf: (row: T) => string) {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, next_cursor: more ? cursorOf(data[data.length - 1]) : null };
}

/** A merchant's orders, newest first; `known` saves reading the merchant again when the caller has it. */
export async function listOrders(db: Db, merchantId: number, f: OrderFilter, known?: Merchant) {
  const merchant = known?.id === merchantId ? known : await requireMerchant(db, merchantId);
  const w = window(f, merchant.timezone);
  const where: (SQL | undefined)[] = [
    eq(orders.merchantId, merchantId),
    f.status && eq(orders.status, f.status),
    f.type && eq(orders.type, f.type),
    f.mode && eq(orders.mode, f.mode),
    w.from !== undefined ? gte(orders.createdMs, w.from) : undefined,
    w.to !== undefined ? lt(orders.createdMs, w.to) : undefined,
    f.cursor ? lt(orders.id, Number(f.cursor)) : undefined,
    search(f.q),
    channelFilter(f.channel),
  ];
  const rows = await db
    .select()
    .from(orders)
    .where(and(...where))
    .orderBy(desc(orders.id))
    .limit(f.limit + 1);
  return page(rows, f.limit, (o) => String(o.id));
}

export async function listPayments(
  db: Db,
  merchantId: number,
  f: { matched?: 'true' | 'false'; cursor?: string; limit: number },
) {
  await requireMerchant(db, merchantId);
  const rowid = sql<number>`${payments}.rowid`;
  const rows = await db
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
