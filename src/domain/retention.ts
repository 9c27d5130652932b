/**
 * How long a payment report stays recognisable as a duplicate, and how old a reported payment
 * may be — the two numbers that let a Collector forget old reports without ever crediting one
 * twice.
 *
 * A Collector keeps a report's de-duplication row until `DEDUPE_WINDOW_MS` after the later of
 * its `paid_at` and its arrival (`seen`), then prunes it in hourly batches. A duplicate carries
 * the same key: the same session and bill `ref`, or the same (session, type, amount, paid_at). It
 * can only be accepted while its `paid_at` is at most `REPORT_MAX_AGE_MS` old (the native
 * protocol refuses older ones; a V免签 push's `paid_at` is its `t`, within 300 s of the clock).
 * A row pruned at time T had seen < T − DEDUPE_WINDOW_MS, so a duplicate arriving then has
 * paid_at ≤ seen < T − REPORT_MAX_AGE_MS − 1 day and is refused: no duplicate can arrive after
 * its row is gone. (For a `ref` key this holds for a repeat of the same bill, which carries the
 * bill's own time.)
 */

const DAY_MS = 86_400_000;

/** A native report whose paid_at is older than this is refused (400). */
export const REPORT_MAX_AGE_MS = 7 * DAY_MS;

/** A report's de-duplication row is kept at least this long after max(paid_at, arrival). */
export const DEDUPE_WINDOW_MS = 8 * DAY_MS;

/** Rows past the window are pruned together, at most this long after the oldest falls due. */
export const PRUNE_SLACK_MS = 3_600_000;

/** Rows pruned in one alarm; more wait for the next ring, a second later. */
export const PRUNE_BATCH = 500;

/** The time from which a report's row counts: the later of its payment time and its arrival. */
export const seenAt = (paidMs: number, receivedMs: number): number => Math.max(paidMs, receivedMs);

/** True when a report with this paid_at must be refused: its duplicates could outlive its row. */
export const tooOldToReport = (paidMs: number, nowMs: number): boolean => paidMs < nowMs - REPORT_MAX_AGE_MS;

/** True when a row seen at `seenMs` may be pruned at `nowMs`. */
export const prunable = (seenMs: number, nowMs: number): boolean => seenMs < nowMs - DEDUPE_WINDOW_MS;
