/**
 * epay `api.php` takes the plain KEY. Wrong keys are counted in D1 (`failed_attempts`) per pid
 * and per client address in a fixed 10-minute window; past the limit every key check of that pid
 * or address is refused until the window ends, right key or not, so guessing gains nothing.
 * D1 keeps the count across isolates, locations and restarts.
 */
import { inArray, lt, sql } from 'drizzle-orm';
import { failedAttempts } from '../../db/schema';
import type { Db } from '../../env';

export const GUARD_WINDOW_MS = 10 * 60_000;
/** Failures allowed per window: an address is one client; a pid may have several servers. */
export const GUARD_LIMITS = { ip: 10, pid: 30 } as const;

export interface GuardSubject {
  pid: string;
  address: string;
}

const keysOf = (s: GuardSubject) => ({ pid: `epay:pid:${s.pid}`, ip: `epay:ip:${s.address}` });

/** Seconds until the subject may try again, or 0 when it may now. */
export async function lockedFor(db: Db, s: GuardSubject, nowMs = Date.now()): Promise<number> {
  const keys = keysOf(s);
  const rows = await db
    .select()
    .from(failedAttempts)
    .where(inArray(failedAttempts.key, [keys.pid, keys.ip]));
  let until = 0;
  for (const r of rows) {
    const limit = r.key === keys.pid ? GUARD_LIMITS.pid : GUARD_LIMITS.ip;
    const ends = r.windowStartMs + GUARD_WINDOW_MS;
    if (r.failures >= limit && ends > nowMs) until = Math.max(until, ends);
  }
  return until ? Math.ceil((until - nowMs) / 1000) : 0;
}

/** Counts one wrong key against the pid and the address (one atomic upsert each, in one batch). */
export async function recordFailure(db: Db, s: GuardSubject, nowMs = Date.now()): Promise<void> {
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
      });
  const keys = keysOf(s);
  await db.batch([upsert(keys.pid), upsert(keys.ip)]);
}

/** Forgets counts whose window ended (called by the sweep). */
export async function sweepFailedAttempts(db: Db, nowMs = Date.now()): Promise<void> {
  await db.delete(failedAttempts).where(lt(failedAttempts.windowStartMs, nowMs - GUARD_WINDOW_MS));
}
