/**
 * Console accounts: the first operator (made with ADMIN_TOKEN when no user exists), merchant users
 * created by the operator or through an invite link, sign-in with its limits, password changes
 * and the optional TOTP second factor.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { invites, users, type User } from '../db/schema';
import { randomToken } from '../domain/ids';
import { openSecret, sealSecret } from '../domain/secrets';
import { safeEqual } from '../domain/sign';
import type { Db } from '../env';
import {
  accountKey,
  addressKey,
  clearFailures,
  decoyHash,
  hashPassword,
  lockedFor,
  passwordProblem,
  recordFailure,
  sha256Hex,
  totpOk,
  verifyPassword,
} from './auth';

const INVITE_TTL_MS = 7 * 86_400_000;
const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}\.[^\s@<>".]{2,63}$/;

export type AccountError = 'email' | 'password_short' | 'password_long' | 'taken' | 'token' | 'merchant';

export const normalEmail = (e: string) => e.trim().toLowerCase();

export async function userCount(db: Db): Promise<number> {
  const [r] = await db.select({ n: sql<number>`COUNT(*)` }).from(users);
  return r.n;
}

/** Creates a user, or says what is wrong with the input. */
export async function createUser(
  db: Db,
  input: { email: string; password: string; role: User['role']; merchantId: number | null },
): Promise<{ user: User } | { error: AccountError }> {
  const email = normalEmail(input.email);
  if (!EMAIL.test(email)) return { error: 'email' };
  const weak = passwordProblem(input.password);
  if (weak) return { error: weak === 'short' ? 'password_short' : 'password_long' };
  const [user] = await db
    .insert(users)
    .values({ email, passwordHash: await hashPassword(input.password), role: input.role, merchantId: input.merchantId })
    .onConflictDoNothing()
    .returning();
  return user ? { user } : { error: 'taken' };
}

/** First run: the ADMIN_TOKEN (compared in constant time) makes the first operator, only while no user exists. */
export async function firstOperator(env: Env, db: Db, input: { token: string; email: string; password: string }) {
  if (!env.ADMIN_TOKEN || !safeEqual(input.token, env.ADMIN_TOKEN)) return { error: 'token' as const };
  if ((await userCount(db)) > 0) return { error: 'taken' as const };
  return createUser(db, { email: input.email, password: input.password, role: 'operator', merchantId: null });
}

export type SignIn =
  | { ok: true; user: User }
  | { ok: false; why: 'wrong' }
  | { ok: false; why: 'locked'; minutes: number; kind: 'account' | 'address' };

/**
 * Checks e-mail and password. An unknown e-mail costs the same PBKDF2 work and gets the same
 * answer as a wrong password; failures count against the account and the address.
 */
export async function signIn(env: Env, db: Db, email: string, password: string, address: string): Promise<SignIn> {
  const e = normalEmail(email).slice(0, 320);
  const keys = [accountKey(e), addressKey(address)];
  const locked = await lockedFor(db, keys);
  if (locked) return { ok: false, why: 'locked', ...locked };
  const user = await db.query.users.findFirst({ where: eq(users.email, e) });
  const good = await verifyPassword(password.slice(0, 200), user?.passwordHash ?? (await decoyHash()));
  const merchantOk =
    !user?.merchantId ||
    (
      await db.query.merchants.findFirst({
        columns: { enabled: true },
        where: (m, { eq }) => eq(m.id, user.merchantId!),
      })
    )?.enabled === true;
  if (!user || !good || !user.enabled || !merchantOk) {
    await recordFailure(env.DB, keys[0], keys[1]);
    const now = await lockedFor(db, keys);
    return now ? { ok: false, why: 'locked', ...now } : { ok: false, why: 'wrong' };
  }
  await clearFailures(db, keys[0]);
  return { ok: true, user };
}

export async function changePassword(db: Db, user: User, current: string, next: string) {
  if (!(await verifyPassword(current, user.passwordHash))) return { error: 'current' as const };
  const weak = passwordProblem(next);
  if (weak) return { error: weak === 'short' ? ('password_short' as const) : ('password_long' as const) };
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(next) })
    .where(eq(users.id, user.id));
  return { ok: true as const };
}

/** Turns the second factor on once the user proves the authenticator app has the secret. */
export async function enableTotp(env: Env, db: Db, user: User, secret: string, code: string): Promise<boolean> {
  if (!/^[A-Z2-7]{32}$/.test(secret) || !totpOk(secret, code)) return false;
  await db
    .update(users)
    .set({ totpEnc: await sealSecret(env.MASTER_KEY, secret) })
    .where(eq(users.id, user.id));
  return true;
}

export async function disableTotp(db: Db, user: User): Promise<void> {
  await db.update(users).set({ totpEnc: null }).where(eq(users.id, user.id));
}

export async function checkTotp(env: Env, user: User, code: string): Promise<boolean> {
  if (!user.totpEnc) return true;
  return totpOk(await openSecret(env.MASTER_KEY, user.totpEnc), code);
}

/** An invite link's token (shown once) for a new user of `merchantId`. */
export async function createInvite(db: Db, merchantId: number, createdBy: number): Promise<string> {
  const token = randomToken(32);
  await db.insert(invites).values({
    tokenHash: await sha256Hex(token),
    merchantId,
    createdBy,
    expiresMs: Date.now() + INVITE_TTL_MS,
  });
  return token;
}

async function openInvite(db: Db, token: string) {
  if (!/^[A-Za-z0-9]{32}$/.test(token)) return null;
  const invite = await db.query.invites.findFirst({
    where: and(
      eq(invites.tokenHash, await sha256Hex(token)),
      isNull(invites.usedMs),
      gt(invites.expiresMs, Date.now()),
    ),
  });
  return invite ?? null;
}

export const inviteValid = async (db: Db, token: string) => (await openInvite(db, token)) !== null;

/** Accepts an invite: the link is used once (claimed by compare-and-set before the user is made). */
export async function acceptInvite(db: Db, token: string, email: string, password: string) {
  const invite = await openInvite(db, token);
  if (!invite) return { error: 'token' as const };
  const weak = passwordProblem(password);
  if (weak) return { error: weak === 'short' ? ('password_short' as const) : ('password_long' as const) };
  if (!EMAIL.test(normalEmail(email))) return { error: 'email' as const };
  if (await db.query.users.findFirst({ where: eq(users.email, normalEmail(email)) }))
    return { error: 'taken' as const };
  const [claimed] = await db
    .update(invites)
    .set({ usedMs: Date.now() })
    .where(and(eq(invites.tokenHash, invite.tokenHash), isNull(invites.usedMs)))
    .returning();
  if (!claimed) return { error: 'token' as const };
  return createUser(db, { email, password, role: 'merchant', merchantId: invite.merchantId });
}
