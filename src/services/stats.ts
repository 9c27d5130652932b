/** A merchant's figures by local calendar day (the console's dashboard): orders, paid orders, paid and refunded amounts. */
import { sql } from 'drizzle-orm';
import { localClock, startOfLocalDay } from '../domain/clock';
import type { Mode } from '../domain/vocab';
import type { Db } from '../env';

const DAY_MS = 86_400_000;

export interface DayStats {
  day: string;
  orders: number;
  paid: number;
  /** What the paid orders of the day took (their realprice), before refunds. */
  paidFen: number;
  /** What has been refunded of those orders so far (counted on the order's day). */
  refundedFen: number;
}

/** The last `days` local days (oldest first, today last) of one mode, in one aggregate query. */
export async function dailyStats(
  db: Db,
  merchantId: number,
  mode: Mode,
  timeZone: string,
  days: number,
  nowMs = Date.now(),
) {
  const starts: number[] = [];
  let day = localClock(nowMs, timeZone).day;
  for (let i = 0; i < days; i++) {
    const start = startOfLocalDay(day, timeZone);
    starts.unshift(start);
    day = localClock(start - DAY_MS / 2, timeZone).day;
  }
  // Bucket index = how many day starts the order's creation is at or after, minus one.
  const bucket = sql.join(
    starts.map((s) => sql`(created_ms >= ${s})`),
    sql` + `,
  );
  const rows = await db.all<{ b: number; n: number; paid: number; fen: number; refunded: number }>(sql`
    SELECT ${bucket} - 1 AS b, COUNT(*) AS n,
      SUM(CASE WHEN status IN ('paid', 'refunded') THEN 1 ELSE 0 END) AS paid,
      SUM(CASE WHEN status IN ('paid', 'refunded') THEN realprice_fen ELSE 0 END) AS fen,
      SUM(CASE WHEN status IN ('paid', 'refunded') THEN refunded_fen ELSE 0 END) AS refunded
    FROM orders WHERE merchant_id = ${merchantId} AND mode = ${mode} AND created_ms >= ${starts[0]}
    GROUP BY b`);
  const out: DayStats[] = starts.map((s) => ({
    day: localClock(s + DAY_MS / 2, timeZone).day,
    orders: 0,
    paid: 0,
    paidFen: 0,
    refundedFen: 0,
  }));
  for (const r of rows)
    if (out[r.b]) out[r.b] = { ...out[r.b], orders: r.n, paid: r.paid, paidFen: r.fen, refundedFen: r.refunded };
  return out;
}
