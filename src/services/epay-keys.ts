/**
 * epay `api.php` takes the plain KEY. Key checks are counted in D1 (`failed_attempts`) per pid
 * and per client address in a fixed 10-minute window before they are judged, and a right key's
 * count is taken back; past the limit every key check of that pid or address is refused until the
 * window ends, right key or not, so guessing gains nothing.
 * D1 keeps the count across isolates, locations and restarts.
 */
import { inArray, lt, sql } from 'drizzle-orm';
import { failedAttempts } from '../db/schema';
import type { Db } from '../env';

export const GUARD_WINDOW_MS = 10 * 60_000;
/** Failures allowed per window: an address is one client; a pid may have several servers. */
export const GUARD_LIMITS = { ip: 10, pid: 30 } as const;

export interface GuardSubject {
  pid: string;
  address: string;
}

const keysOf = (s: GuardSubject) => ({ pid: `epay:pid:${s.pid}`, ip: `epay:ip:${s.address}` });

/**
 * Counts one key check against the pid and the address first (one atomic upsert each, in one
 * batch), then judges on the counts returned: seconds until the subject may try again, or 0 when
 * this check may be judged (a refused one is not counted). Counting first means parallel guesses
 * cannot all pass a separate check.
 */
export async function countCheck(db: Db, s: GuardSubject, nowMs = Date.now()): Promise<number> {
  const expired = sql`${failedAttempts.windowStartMs} + ${GUARD_WINDOW_MS} <= ${nowMs}`;
  const upsert = (key: string) =>
    db
      .insert(failedAttempts)
      .values({ key, failures: 1, windowStartMs: nowMs })
      .onConflictDoUpdate({
        target: failedAttempts.key,
        set: {
          failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${failedAttempts.failures} + 1 END`,
          windowStartMs: sql`CASE WHEN ${expired} THEN ${nowMs} ELSE ${failedAttempts.windowStartMs} END`,
        },
      })
      .returning();
  const keys = keysOf(s);
  const [[pid], [ip]] = await db.batch([upsert(keys.pid), upsert(keys.ip)]);
  let until = 0;
  for (const [r, limit] of [
    [pid, GUARD_LIMITS.pid],
    [ip, GUARD_LIMITS.ip],
  ] as const)
    if (r.failures > limit) until = Math.max(until, r.windowStartMs + GUARD_WINDOW_MS);
  if (!until) return 0;
  await uncount(db, s);
  return Math.ceil((until - nowMs) / 1000);
}

/** A refused check or a right key takes its count back: only wrong keys stay counted. */
export async function uncount(db: Db, s: GuardSubject): Promise<void> {
  await db
    .update(failedAttempts)
    .set({ failures: sql`MAX(${failedAttempts.failures} - 1, 0)` })
    .where(inArray(failedAttempts.key, Object.values(keysOf(s))));
}

/** Forgets counts whose window ended (called by the sweep). */
export async function sweepFailedAttempts(db: Db, nowMs = Date.now()): Promise<void> {
  await db.delete(failedAttempts).where(lt(failedAttempts.windowStartMs, nowMs - GUARD_WINDOW_MS));
}
