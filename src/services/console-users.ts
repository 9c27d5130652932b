/**
 * Console users: the first operator (made with ADMIN_TOKEN when no user exists), merchant users
 * created by the operator or through an invite link, sign-in with its limits, password changes
 * and the optional TOTP second factor.
 */
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { invites, users, type User } from '../db/schema';
import { randomToken } from '../domain/ids';
import { openSecret, sealSecret } from '../domain/secrets';
import { safeEqual } from '../domain/sign';
import type { Db } from '../env';
import { decoyHash, hashPassword, passwordProblem, sha256Hex, verifyPassword } from '../domain/password';
import { totpStep } from '../domain/totp';
import { accountCounter, addressCounter, codeCounter, limitedAttempt, type Locked } from './sign-in';

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

export type SignIn = { ok: true; user: User } | { ok: false; why: 'wrong' } | ({ ok: false; why: 'locked' } & Locked);

/** A limited attempt's outcome as a sign-in's answer. */
const refusal = (r: { ok: false; locked: Locked | null }) =>
  r.locked
    ? { ok: false as const, why: 'locked' as const, ...r.locked }
    : { ok: false as const, why: 'wrong' as const };

/**
 * Checks e-mail and password. An unknown e-mail costs the same PBKDF2 work and gets the same
 * answer as a wrong password; failures count against the account and the address.
 */
export async function signIn(db: Db, email: string, password: string, address: string): Promise<SignIn> {
  const e = normalEmail(email).slice(0, 320);
  let user: User | undefined;
  const r = await limitedAttempt(
    db,
    [accountCounter(e), addressCounter(address)],
    async () => {
      user = await db.query.users.findFirst({ where: eq(users.email, e) });
      const good = await verifyPassword(password.slice(0, 200), user?.passwordHash ?? (await decoyHash()));
      const merchantOk =
        !user?.merchantId ||
        (
          await db.query.merchants.findFirst({
            columns: { enabled: true },
            where: (m, { eq }) => eq(m.id, user!.merchantId!),
          })
        )?.enabled === true;
      return !!user && good && user.enabled && merchantOk;
    },
    [accountCounter(e)],
  );
  return r.ok ? { ok: true, user: user! } : refusal(r);
}

/** A signed-in user's current password, counted with the sign-in limits (a right one clears the account's count). */
export async function checkPassword(db: Db, user: User, password: string, address: string) {
  const account = accountCounter(user.email);
  const r = await limitedAttempt(
    db,
    [account, addressCounter(address)],
    () => verifyPassword(password.slice(0, 200), user.passwordHash),
    [account],
  );
  return r.ok ? { ok: true as const } : refusal(r);
}

/**
 * A second-factor code of the user, counted per user and address; only `completesSignIn` clears
 * the user's count. Each accepted code's time step is claimed, so a code is good once.
 */
export async function checkCode(env: Env, db: Db, user: User, code: string, address: string, completesSignIn: boolean) {
  const counter = codeCounter(user.id);
  const r = await limitedAttempt(
    db,
    [counter, addressCounter(address)],
    () => claimTotp(env, db, user, code),
    completesSignIn ? [counter] : [],
  );
  return r.ok ? { ok: true as const } : refusal(r);
}

/** True when `code` is the user's for now and its step is later than the last accepted (claimed atomically). */
async function claimTotp(env: Env, db: Db, user: User, code: string): Promise<boolean> {
  if (!user.totpEnc) return false;
  const step = totpStep(await openSecret(env.MASTER_KEY, user.totpEnc), code);
  if (step === null) return false;
  const claimed = await db
    .update(users)
    .set({ totpStep: step })
    .where(and(eq(users.id, user.id), or(isNull(users.totpStep), lt(users.totpStep, step))))
    .returning({ id: users.id });
  return claimed.length === 1;
}

/** Changes the password after checking the new one's policy, then the current one (with the sign-in limits). */
export async function changePassword(db: Db, user: User, current: string, next: string, address: string) {
  const weak = passwordProblem(next);
  if (weak) return { error: weak === 'short' ? ('password_short' as const) : ('password_long' as const) };
  const r = await checkPassword(db, user, current, address);
  if (!r.ok) return r.why === 'locked' ? { error: 'locked' as const, locked: r } : { error: 'current' as const };
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(next) })
    .where(eq(users.id, user.id));
  return { ok: true as const };
}

/** Turns the second factor on once the user proves the authenticator app has the secret (that code is then used). */
export async function enableTotp(env: Env, db: Db, user: User, secret: string, code: string): Promise<boolean> {
  const step = /^[A-Z2-7]{32}$/.test(secret) ? totpStep(secret, code) : null;
  if (step === null) return false;
  await db
    .update(users)
    .set({ totpEnc: await sealSecret(env.MASTER_KEY, secret), totpStep: step })
    .where(eq(users.id, user.id));
  return true;
}

/**
 * Turns the second factor off given proof of the account: the current password, or a current
 * 6-digit code (a password is never 6 characters), each counted with its limits.
 */
export async function disableTotp(env: Env, db: Db, user: User, proof: string, address: string) {
  const r = /^\d{6}$/.test(proof)
    ? await checkCode(env, db, user, proof, address, false)
    : await checkPassword(db, user, proof, address);
  if (r.ok) await db.update(users).set({ totpEnc: null, totpStep: null }).where(eq(users.id, user.id));
  return r;
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
