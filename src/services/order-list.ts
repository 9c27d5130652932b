/**
 * The console's transactions: its filter read from the query string (custom dates made a window in
 * the merchant's time zone), a page of the filtered orders, and every filtered order (up to a cap)
 * for the CSV export — all over the listing's indexed, cursor-paginated query.
 */
import type { Merchant } from '../db/schema';
import { startOfLocalDay } from '../domain/clock';
import { consoleOrderFilter } from '../schemas/order-filter';
import { listOrderRows, type OrderFilter, type OrderRow } from './listing';

const DAY_MS = 86_400_000;
/** Orders on one page of the transactions list. */
export const PAGE_SIZE = 50;
/** The most orders one CSV export holds. */
export const CSV_MAX_ROWS = 10_000;

export type TransactionsFilter = Omit<OrderFilter, 'limit'>;

/** The filter of a transactions query, or the first field that is wrong. */
export function transactionsFilter(
  query: Record<string, string>,
  timeZone: string,
): { filter: TransactionsFilter } | { error: string } {
  const parsed = consoleOrderFilter(query);
  if ('error' in parsed) return parsed;
  const { range, from, to, ...f } = parsed.filter;
  if (range !== 'custom') return { filter: { ...f, range } };
  const w = {
    from: from === undefined ? undefined : Math.floor(startOfLocalDay(from, timeZone) / 1000),
    to: to === undefined ? undefined : Math.floor((startOfLocalDay(to, timeZone) + DAY_MS) / 1000),
  };
  if (w.from !== undefined && w.to !== undefined && w.to <= w.from) return { error: 'to' };
  return { filter: { ...f, ...w } };
}

/** One page of the merchant's filtered orders, newest first, and the cursor of the next. */
export const transactionsPage = (env: Env, m: Merchant, f: TransactionsFilter) =>
  listOrderRows(env, m.id, { ...f, limit: PAGE_SIZE }, m);

/** The merchant's filtered orders from the filter's cursor on, newest first, at most CSV_MAX_ROWS. */
export async function transactionsForExport(env: Env, m: Merchant, f: TransactionsFilter) {
  const rows: OrderRow[] = [];
  let cursor = f.cursor;
  while (rows.length < CSV_MAX_ROWS) {
    const list = await listOrderRows(env, m.id, { ...f, cursor, limit: 1000 }, m);
    rows.push(...list.data);
    if (!list.next_cursor) break;
    cursor = list.next_cursor;
  }
  return rows.slice(0, CSV_MAX_ROWS);
}
