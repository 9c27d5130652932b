/**
 * Console authentication: PBKDF2-SHA256 password hashes (100,000 iterations, the Workers
 * maximum, 16-byte per-user salt), signed-in sessions whose cookie holds a random token (only
 * its SHA-256 is stored), a CSRF token per session and a server-minted one before sign-in,
 * failed attempts limited per account, per user's second factor and per address (counted in D1
 * before they are judged, so every isolate sees them), and TOTP codes (RFC 6238 via `otpauth`).
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import * as OTPAuth from 'otpauth';
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
import { safeEqual } from '../domain/sign';
import type { Db } from '../env';

export const PBKDF2_ITERATIONS = 100_000;
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

const enc = new TextEncoder();
const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFC')), 'PBKDF2', false, [
    'deriveBits',
  ]);
  return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
}

/** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${b64(salt)}$${b64(await pbkdf2(password, salt, PBKDF2_ITERATIONS))}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split('$');
  if (scheme !== 'pbkdf2-sha256' || !salt || !hash) return false;
  const got = b64(await pbkdf2(password, unb64(salt), Number(iter)));
  return safeEqual(got, hash);
}

/** A hash nobody's password matches, verified for unknown e-mails so they take as long as known ones. */
let decoy: Promise<string> | null = null;
export const decoyHash = () => (decoy ??= hashPassword(randomToken(32)));

export const sha256Hex = async (s: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(s)))]
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('');

/** The password policy, in characters; the console's forms and messages state these numbers. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** A password policy message, or null when acceptable. */
export function passwordProblem(password: string): 'short' | 'long' | null {
  if ([...password].length < PASSWORD_MIN) return 'short';
  if (password.length > PASSWORD_MAX) return 'long';
  return null;
}

// ── sessions ──────────────────────────────────────────────────────────────────────────────

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

/** Every console page's two reads, prepared once per database handle (drizzle builds their SQL once). */
function prepare(db: Db) {
  return {
    session: db
      .select({ session: consoleSessions, user: users })
      .from(consoleSessions)
      .innerJoin(users, eq(users.id, consoleSessions.userId))
      .where(eq(consoleSessions.tokenHash, sql.placeholder('hash')))
      .prepare(),
    merchant: db
      .select()
      .from(merchants)
      .where(eq(merchants.id, sql.placeholder('id')))
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
 * The session of a cookie token and, when the page names one, the merchant, read concurrently (a
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
  const [row, merchant] = await Promise.all([
    q.session.get({ hash: await sha256Hex(token) }),
    merchantId === null ? undefined : q.merchant.get({ id: merchantId }),
  ]);
  const valid = row && row.session.expiresMs > nowMs && row.user.enabled;
  return { auth: valid ? row : null, merchant: valid ? (merchant ?? null) : null };
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

export const csrfOk = (expected: string, given: string | undefined) => !!given && safeEqual(given, expected);

// ── pre-sign-in CSRF ──────────────────────────────────────────────────────────────────────

const preKeys = new Map<string, Promise<CryptoKey>>();
/** The HMAC key of pre-sign-in tokens: SHA-256 of a purpose label and MASTER_KEY (never the AES key). */
function preKey(masterKey: string): Promise<CryptoKey> {
  let k = preKeys.get(masterKey);
  if (!k) {
    k = crypto.subtle
      .digest('SHA-256', enc.encode(`huipay console pre-sign-in CSRF\u0000${masterKey}`))
      .then((raw) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));
    preKeys.set(masterKey, k);
  }
  return k;
}
/** The nonce's tag, base64url (cookie-safe as it is). */
const preTag = async (masterKey: string, nonce: string) =>
  b64(await crypto.subtle.sign('HMAC', await preKey(masterKey), enc.encode(nonce)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A pre-sign-in CSRF token: 32 random characters and their HMAC tag, `<nonce>.<tag>`. */
export const mintPreToken = async (masterKey: string) => {
  const nonce = randomToken(32);
  return `${nonce}.${await preTag(masterKey, nonce)}`;
};

/** True only for a token this server minted; a planted cookie is replaced, never adopted. */
export async function preTokenOk(masterKey: string, token: string | undefined): Promise<boolean> {
  const m = token?.match(/^([A-Za-z0-9]{32})\.([A-Za-z0-9_-]{43})$/);
  return !!m && safeEqual(m[2], await preTag(masterKey, m[1]));
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

// ── TOTP ──────────────────────────────────────────────────────────────────────────────────

export const newTotpSecret = () => new OTPAuth.Secret({ size: 20 }).base32;

export const totpUri = (secret: string, email: string) =>
  new OTPAuth.TOTP({ issuer: 'huipay', label: email, secret: OTPAuth.Secret.fromBase32(secret) }).toString();

/** The time step (unix seconds / 30) of a 6-digit code valid now, ±1 step for clock drift; or null. */
export function totpStep(secret: string, code: string, nowMs = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  const delta = totp.validate({ token: code, timestamp: nowMs, window: 1 });
  return delta === null ? null : Math.floor(nowMs / 30_000) + delta;
}
