/**
 * Console sign-in data: signed-in sessions whose cookie holds a random token (only its SHA-256 is
 * stored), each with its CSRF token; failed attempts limited per account, per user's second factor
 * and per address (counted in D1 before they are judged, so every isolate sees them); and the
 * sweep of expired sessions and stale counters.
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import {
  consoleSessions,
  merchants,
  signInLimits,
  users,
  type ConsoleSession,
  type Merchant,
  type User,
} from '../db/schema';
import { randomToken } from '../domain/ids';
import { sha256Hex } from '../domain/password';
import type { Db } from '../env';

export const SESSION_TTL_MS = 12 * 3600_000;
export const LIMITS = {
  /** Failures counted in this window. */
  windowMs: 15 * 60_000,
  /** An account is locked after this many failures in the window… */
  perAccount: 5,
  /** …an address after this many (it may try several accounts). */
  perAddress: 20,
  /** …a user's second factor after this many wrong codes (a right password does not clear them). */
  perUserCodes: 5,
  lockMs: 15 * 60_000,
};

/** Starts a session; returns the cookie token (the only place the token exists in clear). */
export async function startSession(db: Db, user: User, nowMs = Date.now()): Promise<string> {
  const token = randomToken(43);
  await db.insert(consoleSessions).values({
    tokenHash: await sha256Hex(token),
    userId: user.id,
    csrf: randomToken(32),
    verified: user.totpEnc === null,
    createdMs: nowMs,
    expiresMs: nowMs + SESSION_TTL_MS,
  });
  return token;
}

/** The unexpired session of a cookie token, with its user (enabled), or null. */
export async function sessionOf(
  db: Db,
  token: string | undefined,
  nowMs = Date.now(),
): Promise<{ session: ConsoleSession; user: User } | null> {
  return (await sessionAndMerchant(db, token, null, nowMs)).auth;
}

/** Every console page's read, prepared once per database handle (drizzle builds its SQL once). */
function prepare(db: Db) {
  const session = () =>
    db
      .select({ session: consoleSessions, user: users })
      .from(consoleSessions)
      .innerJoin(users, eq(users.id, consoleSessions.userId))
      .where(eq(consoleSessions.tokenHash, sql.placeholder('hash')));
  return {
    session: session().prepare(),
    // A merchant page: the session, its user and the merchant the page names in one statement.
    withMerchant: db
      .select({ session: consoleSessions, user: users, merchant: merchants })
      .from(consoleSessions)
      .innerJoin(users, eq(users.id, consoleSessions.userId))
      .leftJoin(merchants, eq(merchants.id, sql.placeholder('id')))
      .where(eq(consoleSessions.tokenHash, sql.placeholder('hash')))
      .prepare(),
  };
}
const prepared = new WeakMap<Db, ReturnType<typeof prepare>>();
const queries = (db: Db) => {
  let q = prepared.get(db);
  if (!q) prepared.set(db, (q = prepare(db)));
  return q;
};

/**
 * The session of a cookie token and, when the page names one, the merchant, in one statement (a
 * merchant page needs both; whether the user may see the merchant is decided later).
 */
export async function sessionAndMerchant(
  db: Db,
  token: string | undefined,
  merchantId: number | null,
  nowMs = Date.now(),
): Promise<{ auth: { session: ConsoleSession; user: User } | null; merchant: Merchant | null }> {
  if (!token || !/^[A-Za-z0-9]{43}$/.test(token)) return { auth: null, merchant: null };
  const q = queries(db);
  const hash = await sha256Hex(token);
  const row =
    merchantId === null
      ? { ...(await q.session.get({ hash })), merchant: null }
      : await q.withMerchant.get({ hash, id: merchantId });
  if (!row?.session || !row.user || row.session.expiresMs <= nowMs || !row.user.enabled)
    return { auth: null, merchant: null };
  return { auth: { session: row.session, user: row.user }, merchant: row.merchant ?? null };
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.tokenHash, await sha256Hex(token)));
}

/** Ends every session of a user but `keepHash` (after a password change). */
export async function endOtherSessions(db: Db, userId: number, keepHash: string | null): Promise<void> {
  const rows = await db.select().from(consoleSessions).where(eq(consoleSessions.userId, userId));
  for (const r of rows)
    if (r.tokenHash !== keepHash) await db.delete(consoleSessions).where(eq(consoleSessions.tokenHash, r.tokenHash));
}

/** Marks the session past its second factor. */
export async function verifySession(db: Db, tokenHash: string): Promise<void> {
  await db.update(consoleSessions).set({ verified: true }).where(eq(consoleSessions.tokenHash, tokenHash));
}

// ── failed sign-ins ───────────────────────────────────────────────────────────────────────

/** A failure counter: its `sign_in_limits` key and how many failures lock it. */
export interface Counter {
  key: string;
  limit: number;
  kind: Locked['kind'];
}
export interface Locked {
  minutes: number;
  /** account: its passwords; code: its user's second-factor codes; address: anything from it. */
  kind: 'account' | 'code' | 'address';
}

export const accountCounter = (email: string): Counter => ({
  key: `email:${email}`,
  limit: LIMITS.perAccount,
  kind: 'account',
});
export const codeCounter = (userId: number): Counter => ({
  key: `totp:${userId}`,
  limit: LIMITS.perUserCodes,
  kind: 'code',
});
export const addressCounter = (ip: string): Counter => ({ key: `ip:${ip}`, limit: LIMITS.perAddress, kind: 'address' });

const minutesTo = (untilMs: number, nowMs: number) => Math.ceil((untilMs - nowMs) / 60_000);

/**
 * One attempt limited by `counters`: counted first (one atomic upsert each, in one batch), then
 * refused if any counter is locked or past its limit, else judged. A failure that reaches a limit
 * locks that counter; a refusal or a success takes the attempt's count back, and a success clears
 * the counters in `clears`. Counting first means parallel attempts cannot all pass one check.
 */
export async function limitedAttempt(
  db: Db,
  counters: Counter[],
  judge: () => Promise<boolean>,
  clears: Counter[] = [],
  nowMs = Date.now(),
): Promise<{ ok: true } | { ok: false; locked: Locked | null }> {
  const expired = sql`${signInLimits.windowStartMs} < ${nowMs - LIMITS.windowMs}`;
  const [first, ...more] = counters.map((c) =>
    db
      .insert(signInLimits)
      .values({ key: c.key, failures: 1, windowStartMs: nowMs })
      .onConflictDoUpdate({
        target: signInLimits.key,
        set: {
          failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${signInLimits.failures} + 1 END`,
          windowStartMs: sql`CASE WHEN ${expired} THEN ${nowMs} ELSE ${signInLimits.windowStartMs} END`,
        },
      })
      .returning(),
  );
  const rows = (await db.batch([first, ...more])).map(([r]) => r);
  // Past its limit but not yet locked: the attempt that reached the limit is still being judged.
  const until = (i: number) =>
    rows[i].lockedUntilMs > nowMs
      ? rows[i].lockedUntilMs
      : rows[i].failures > counters[i].limit
        ? nowMs + LIMITS.lockMs
        : 0;
  const refused = counters.map((c, i) => ({ kind: c.kind, until: until(i) })).sort((a, b) => b.until - a.until)[0];
  if (refused.until > 0) {
    await uncount(db, counters);
    return { ok: false, locked: { minutes: minutesTo(refused.until, nowMs), kind: refused.kind } };
  }
  if (await judge()) {
    const cleared = clears.map((c) => c.key);
    await db.batch([
      db.delete(signInLimits).where(inArray(signInLimits.key, cleared)),
      uncount(
        db,
        counters.filter((c) => !cleared.includes(c.key)),
      ),
    ]);
    return { ok: true };
  }
  const reached = counters.filter((c, i) => rows[i].failures >= c.limit);
  if (reached.length === 0) return { ok: false, locked: null };
  await db
    .update(signInLimits)
    .set({ lockedUntilMs: nowMs + LIMITS.lockMs })
    .where(
      inArray(
        signInLimits.key,
        reached.map((c) => c.key),
      ),
    );
  return { ok: false, locked: { minutes: minutesTo(nowMs + LIMITS.lockMs, nowMs), kind: reached[0].kind } };
}

/** Takes one attempt's count back from `counters`. */
const uncount = (db: Db, counters: Counter[]) =>
  db
    .update(signInLimits)
    .set({ failures: sql`MAX(${signInLimits.failures} - 1, 0)` })
    .where(
      inArray(
        signInLimits.key,
        counters.map((c) => c.key),
      ),
    );

/** Drops expired sessions and stale failure counters (called by the sweeper). */
export async function sweepConsole(db: Db, nowMs = Date.now()): Promise<void> {
  await db.batch([
    db.delete(consoleSessions).where(lt(consoleSessions.expiresMs, nowMs)),
    db
      .delete(signInLimits)
      .where(and(lt(signInLimits.windowStartMs, nowMs - LIMITS.windowMs), lt(signInLimits.lockedUntilMs, nowMs))),
  ]);
}
