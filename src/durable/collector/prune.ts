/**
 * Keeping a Collector's storage bounded. Holds end with their orders and outbox rows when the
 * consumer confirms them; what would grow for ever is `reports`, one row per payment received.
 * A report's row is its de-duplication key, so it is kept for the window of
 * src/domain/retention.ts (at least 8 days after max(paid_at, arrival), when no duplicate can be
 * accepted any more) and then deleted by the alarm, in batches, an hour's worth at a time.
 * A row whose apply job is still in the outbox stays until the job is confirmed.
 */
import { DEDUPE_WINDOW_MS, PRUNE_BATCH, PRUNE_SLACK_MS } from '../../domain/retention';
import type { CollectorStore } from './store';

/** Rows past the window whose payment is not waiting in the outbox. */
const DUE = `seen_ms < ?1 AND payment_id NOT IN
  (SELECT job ->> '$.payment.id' FROM outbox WHERE job ->> '$.kind' = 'apply')`;

/** Deletes up to one batch of reports past the window (call inside a transaction); how many. */
export function pruneReports(store: CollectorStore, now: number): number {
  return store.sql
    .exec(
      `DELETE FROM reports WHERE rowid IN (SELECT rowid FROM reports WHERE ${DUE} ORDER BY seen_ms LIMIT ?2) RETURNING 1`,
      now - DEDUPE_WINDOW_MS,
      PRUNE_BATCH,
    )
    .toArray().length;
}

/** When the alarm should prune next: soon if due rows remain, else when the oldest kept row falls due (plus the batching slack). */
export function nextPruneMs(store: CollectorStore, now: number): number | null {
  const cutoff = now - DEDUPE_WINDOW_MS;
  if (store.sql.exec(`SELECT 1 FROM reports WHERE ${DUE} LIMIT 1`, cutoff).toArray().length > 0) return now + 1000;
  const oldest = store.sql.exec(`SELECT MIN(seen_ms) AS t FROM reports WHERE seen_ms >= ?`, cutoff).one().t as
    | number
    | null;
  return oldest === null ? null : oldest + DEDUPE_WINDOW_MS + PRUNE_SLACK_MS;
}

/** How many rows each table holds (for tests and the operator's look at one object). */
export function tableSizes(store: CollectorStore): Record<'holds' | 'reports' | 'outbox' | 'sessions', number> {
  const n = (t: string) => store.sql.exec(`SELECT COUNT(*) AS n FROM ${t}`).one().n as number;
  return { holds: n('holds'), reports: n('reports'), outbox: n('outbox'), sessions: n('sessions') };
}
