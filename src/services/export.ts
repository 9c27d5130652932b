/**
 * Export (SPEC §14.2): every order a merchant created in [from, to] — dates in its time zone, both
 * days included — oldest first, each exactly once, as CSV (the console download's columns) or
 * NDJSON (the same columns, one object a line). Streamed: each pull reads the next page of the
 * merchant's store by keyset (created_ms, id), so memory stays flat however many orders there are.
 * (No order is archived yet; when history moves to R2, its objects join the stream by day.)
 */
import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import { orders } from '../db/schema';
import { controlDb, merchantStore } from '../db/stores';
import { localDateTime, startOfLocalDay } from '../domain/clock';
import { formatFen } from '../domain/money';
import { CSV_START, type CsvOrder, csvLine } from '../domain/order-csv';
import { HuipayError } from '../errors';
import { requireMerchant } from './merchants';
import { ORDER_ROW } from './listing';

const DAY_MS = 86_400_000;
/** Orders read per page (one D1 statement). */
const PAGE = 1000;
export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const unprocessable = (field: string, why: string) => new HuipayError('unprocessable', `${field}: ${why}`, { field });

/** A calendar date `YYYY-MM-DD` that exists, or a 422 naming the field. */
function dateField(field: string, v: string | undefined): string {
  if (v === undefined || v === '') throw unprocessable(field, 'missing: a date YYYY-MM-DD');
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : Number.NaN;
  const ok = !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(v);
  if (!ok) throw unprocessable(field, `${JSON.stringify(v.slice(0, 40))} is not a date YYYY-MM-DD`);
  return v;
}

/** The export's window in ms and its format, from the query; 422 naming the field that is wrong. */
export function exportWindow(q: { from?: string; to?: string; format?: string }, timeZone: string) {
  const from = dateField('from', q.from);
  const to = dateField('to', q.to);
  if (to < from) throw unprocessable('to', `${to} is before from ${from}`);
  const format = (q.format ?? 'csv') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw unprocessable('format', 'csv or ndjson');
  return {
    fromMs: startOfLocalDay(from, timeZone),
    // Up to the start of the local day after `to`.
    toMs: startOfLocalDay(new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10), timeZone),
    format,
    name: `orders-${from}-${to}.${format}`,
  };
}

/** One order as an NDJSON line: the CSV's columns and values. */
const ndjsonLine = (o: CsvOrder, timeZone: string) =>
  `${JSON.stringify({
    order_id: o.id,
    out_order_id: o.outOrderId,
    status: o.status,
    type: o.type,
    mode: o.mode,
    price: formatFen(o.priceFen),
    realprice: formatFen(o.realpriceFen),
    custom: o.custom,
    session_id: o.sessionId,
    created: localDateTime(o.createdMs, timeZone),
    paid_at: o.paidMs === null ? null : localDateTime(o.paidMs, timeZone),
  })}\n`;

/** The export of a merchant's orders as a stream, with its content type and file name. */
export async function exportOrders(env: Env, merchantId: number, q: { from?: string; to?: string; format?: string }) {
  const m = await requireMerchant(controlDb(env), merchantId);
  const w = exportWindow(q, m.timezone);
  const store = await merchantStore(env, merchantId);
  const encoder = new TextEncoder();
  const line = w.format === 'csv' ? csvLine : ndjsonLine;
  let after: { createdMs: number; id: number } | null = null;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (w.format === 'csv') controller.enqueue(encoder.encode(CSV_START));
    },
    async pull(controller) {
      if (done) return controller.close();
      const page = await store
        .select(ORDER_ROW)
        .from(orders)
        .where(
          and(
            eq(orders.merchantId, merchantId),
            gte(orders.createdMs, w.fromMs),
            lt(orders.createdMs, w.toMs),
            after ? sql`(${orders.createdMs}, ${orders.id}) > (${after.createdMs}, ${after.id})` : undefined,
          ),
        )
        .orderBy(asc(orders.createdMs), asc(orders.id))
        .limit(PAGE);
      if (page.length) controller.enqueue(encoder.encode(page.map((o) => line(o, m.timezone)).join('')));
      const last = page.at(-1);
      after = last ? { createdMs: last.createdMs, id: last.id } : after;
      done = page.length < PAGE;
      if (done) controller.close();
    },
  });
  const type = w.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
  return { stream, type, name: w.name };
}
