/**
 * Console authentication: PBKDF2-SHA256 password hashes (100,000 iterations, the Workers
 * maximum, 16-byte per-user salt), signed-in sessions whose cookie holds a random token (only
 * its SHA-256 is stored), a CSRF token per session, failed sign-ins limited per account and per
 * address (stored in D1, so every isolate sees them), and TOTP codes (RFC 6238 via `otpauth`).
 */
import { and, eq, lt, or, sql } from 'drizzle-orm';
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

// ── failed sign-ins ───────────────────────────────────────────────────────────────────────

export const accountKey = (email: string) => `email:${email}`;
export const addressKey = (ip: string) => `ip:${ip}`;

/** Minutes until the first of `keys` unlocks, or 0 when none is locked; and which kind is locked. */
export async function lockedFor(
  db: Db,
  keys: string[],
  nowMs = Date.now(),
): Promise<{ minutes: number; kind: 'account' | 'address' } | null> {
  const rows = await db
    .select()
    .from(signInLimits)
    .where(or(...keys.map((k) => eq(signInLimits.key, k))));
  const locked = rows.filter((r) => r.lockedUntilMs > nowMs).sort((a, b) => b.lockedUntilMs - a.lockedUntilMs)[0];
  if (!locked) return null;
  return {
    minutes: Math.ceil((locked.lockedUntilMs - nowMs) / 60_000),
    kind: locked.key.startsWith('email:') ? 'account' : 'address',
  };
}

/** Counts a failed sign-in against the account and the address; locks either past its limit. */
export async function recordFailure(d1: D1Database, account: string, address: string, nowMs = Date.now()) {
  const upsert = (key: string, limit: number) =>
    d1
      .prepare(
        `INSERT INTO sign_in_limits (key, failures, window_start_ms, locked_until_ms) VALUES (?1, 1, ?2, 0)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN window_start_ms < ?2 - ?3 THEN 1 ELSE failures + 1 END,
           locked_until_ms = CASE WHEN (CASE WHEN window_start_ms < ?2 - ?3 THEN 1 ELSE failures + 1 END) >= ?4
             THEN ?2 + ?5 ELSE locked_until_ms END,
           window_start_ms = CASE WHEN window_start_ms < ?2 - ?3 THEN ?2 ELSE window_start_ms END`,
      )
      .bind(key, nowMs, LIMITS.windowMs, limit, LIMITS.lockMs);
  await d1.batch([upsert(account, LIMITS.perAccount), upsert(address, LIMITS.perAddress)]);
}

export async function clearFailures(db: Db, account: string): Promise<void> {
  await db.delete(signInLimits).where(eq(signInLimits.key, account));
}

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

/** A 6-digit code valid now (±1 period for clock drift). */
export function totpOk(secret: string, code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  return totp.validate({ token: code, window: 1 }) !== null;
}
