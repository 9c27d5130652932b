/** Console: first run, sign-in (with the second factor), sign-out, account (password, TOTP), invites, language. */
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { User } from '../../db/schema';
import {
  acceptInvite,
  changePassword,
  checkCode,
  disableTotp,
  enableTotp,
  firstOperator,
  inviteValid,
  signIn,
  userCount,
  type AccountError,
} from '../../services/console-users';
import { newTotpSecret, totpUri } from '../../domain/totp';
import { endOtherSessions, endSession, type Locked, startSession, verifySession } from '../../services/sign-in';
import {
  consoleRouter,
  cookieOpts,
  field,
  LANG_COOKIE,
  redirectWith,
  requireUser,
  SESSION_COOKIE,
  type CCtx,
} from '../core';
import type { Labels } from '../i18n';
import { mbase, page, type PageCtx } from '../layout';
import { Account, InviteForm, MfaForm, SetupForm, SignInForm } from '../views/auth';

const router = consoleRouter();
const BARE = { bare: true };

export const accountError = (t: Labels, e: AccountError | 'current'): string => t.accountError[e];

/** Why an attempt was refused before it was judged, and for how long. */
export function lockedText(t: Labels, { kind, minutes }: Locked): string {
  return { account: t.lockedAccount, code: t.lockedCode, address: t.lockedAddress }[kind](minutes);
}

/** The client's address, as the sign-in limits count it. */
const addressOf = (c: CCtx) => c.req.header('cf-connecting-ip') ?? 'local';

/** Where a signed-in user lands. */
export const home = (u: User) => (u.role === 'operator' ? '/console/operator' : mbase(u.merchantId ?? 0));

/** The first-run page. */
const setupPage = (ctx: PageCtx) => page(ctx, ctx.t.firstRun, <SetupForm ctx={ctx} />, BARE);

/** The sign-in page. */
const signInPage = (ctx: PageCtx, next: string) => page(ctx, ctx.t.signIn, <SignInForm ctx={ctx} next={next} />, BARE);

const safeNext = (next: string) => (/^\/console(\/[A-Za-z0-9/_-]*)?$/.test(next) ? next : '');

router.get('/', async (c) => {
  const auth = c.get('auth');
  if (auth) return c.redirect(auth.session.verified ? home(auth.user) : '/console/mfa', 303);
  if ((await userCount(c.get('db'))) === 0) return c.html(setupPage(c.get('ctx')));
  return c.redirect('/console/signin', 303);
});

router.post('/setup', async (c) => {
  const ctx = c.get('ctx');
  const r = await firstOperator(c.env, c.get('db'), {
    token: c.get('form').get('token') ?? '',
    email: field(c, 'email'),
    password: c.get('form').get('password') ?? '',
  });
  if ('error' in r)
    return c.html(setupPage({ ...ctx, flash: { kind: 'error', text: accountError(ctx.t, r.error) } }), 400);
  return startAndGo(c, r.user, '/console/operator');
});

router.get('/signin', async (c) => {
  if ((await userCount(c.get('db'))) === 0) return c.redirect('/console', 303);
  return c.html(signInPage(c.get('ctx'), safeNext(c.req.query('next') ?? '')));
});

router.post('/signin', async (c) => {
  const ctx = c.get('ctx');
  const { t } = ctx;
  const next = safeNext(field(c, 'next'));
  const r = await signIn(c.get('db'), field(c, 'email'), c.get('form').get('password') ?? '', addressOf(c));
  if (r.ok) return startAndGo(c, r.user, next || home(r.user));
  const text = r.why === 'locked' ? lockedText(t, r) : t.wrongEmailOrPassword;
  return c.html(signInPage({ ...ctx, flash: { kind: 'error', text } }, next), r.why === 'locked' ? 429 : 401);
});

async function startAndGo(c: CCtx, user: User, to: string) {
  const token = await startSession(c.get('db'), user);
  setCookie(c, SESSION_COOKIE, token, cookieOpts(c));
  return c.redirect(user.totpEnc ? '/console/mfa' : to, 303);
}

/** The second-factor page. */
const mfaPage = (ctx: PageCtx) => page(ctx, ctx.t.twoStep, <MfaForm ctx={ctx} />, BARE);

router.get('/mfa', (c) => {
  const auth = c.get('auth');
  if (!auth) return c.redirect('/console/signin', 303);
  if (auth.session.verified) return c.redirect(home(auth.user), 303);
  return c.html(mfaPage(c.get('ctx')));
});

router.post('/mfa', async (c) => {
  const auth = c.get('auth');
  if (!auth) return c.redirect('/console/signin', 303);
  const ctx = c.get('ctx');
  const r = await checkCode(c.env, c.get('db'), auth.user, field(c, 'code'), addressOf(c), true);
  if (!r.ok) {
    const text = r.why === 'locked' ? lockedText(ctx.t, r) : ctx.t.wrongOrUsedCode;
    return c.html(mfaPage({ ...ctx, flash: { kind: 'error', text } }), r.why === 'locked' ? 429 : 401);
  }
  await verifySession(c.get('db'), auth.session.tokenHash);
  return c.redirect(home(auth.user), 303);
});

router.post('/signout', async (c) => {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await endSession(c.get('db'), token);
  deleteCookie(c, SESSION_COOKIE, { path: '/console' });
  return redirectWith(c, '/console/signin', 'ok', c.get('ctx').t.signedOut);
});

router.get('/lang', (c) => {
  const lang = c.req.query('lang') === 'en' ? 'en' : 'zh';
  setCookie(c, LANG_COOKIE, lang, { ...cookieOpts(c, 365 * 86400), httpOnly: false });
  const to = c.req.query('to') ?? '/console';
  return c.redirect(/^\/console(\/[A-Za-z0-9/_.-]*)?$/.test(to) ? to : '/console', 303);
});

// ── account ──────────────────────────────────────────────────────────────────────────────

/** The account page. */
const accountPage = (ctx: PageCtx, user: User, totp?: { secret: string; uri: string }) =>
  page(ctx, ctx.t.account, <Account ctx={ctx} user={user} totp={totp} />);

router.use('/account', requireUser);
router.use('/account/*', requireUser);

router.get('/account', (c) => c.html(accountPage(c.get('ctx'), c.get('auth')!.user)));

router.post('/account/password', async (c) => {
  const ctx = c.get('ctx');
  const { user, session } = c.get('auth')!;
  const r = await changePassword(
    c.get('db'),
    user,
    c.get('form').get('current') ?? '',
    c.get('form').get('next') ?? '',
    addressOf(c),
  );
  if (r.error === 'locked')
    return c.html(accountPage({ ...ctx, flash: { kind: 'error', text: lockedText(ctx.t, r.locked) } }, user), 429);
  if (r.error)
    return c.html(accountPage({ ...ctx, flash: { kind: 'error', text: accountError(ctx.t, r.error) } }, user), 400);
  await endOtherSessions(c.get('db'), user.id, session.tokenHash);
  return redirectWith(c, '/console/account', 'ok', ctx.t.passwordChanged);
});

router.post('/account/totp', (c) => {
  const user = c.get('auth')!.user;
  const secret = newTotpSecret();
  return c.html(accountPage(c.get('ctx'), user, { secret, uri: totpUri(secret, user.email) }));
});

router.post('/account/totp/on', async (c) => {
  const ctx = c.get('ctx');
  const user = c.get('auth')!.user;
  const secret = field(c, 'secret');
  if (await enableTotp(c.env, c.get('db'), user, secret, field(c, 'code')))
    return redirectWith(c, '/console/account', 'ok', ctx.t.totpTurnedOn);
  // The same secret again (a fresh one if the form's was not one), its text and QR code alike.
  const again = /^[A-Z2-7]{32}$/.test(secret) ? secret : newTotpSecret();
  const flash = { kind: 'error' as const, text: ctx.t.wrongCodeRetry };
  return c.html(accountPage({ ...ctx, flash }, user, { secret: again, uri: totpUri(again, user.email) }), 400);
});

router.post('/account/totp/off', async (c) => {
  const ctx = c.get('ctx');
  const user = c.get('auth')!.user;
  const r = await disableTotp(c.env, c.get('db'), user, c.get('form').get('current') ?? '', addressOf(c));
  if (!r.ok) {
    const text = r.why === 'locked' ? lockedText(ctx.t, r) : ctx.t.totpOffWrong;
    return c.html(accountPage({ ...ctx, flash: { kind: 'error', text } }, user), r.why === 'locked' ? 429 : 400);
  }
  return redirectWith(c, '/console/account', 'ok', ctx.t.totpTurnedOff);
});

// ── invites ──────────────────────────────────────────────────────────────────────────────

/** An invite's sign-up page. */
const invitePage = (ctx: PageCtx, token: string) =>
  page(ctx, ctx.t.acceptInvite, <InviteForm ctx={ctx} token={token} />, BARE);

router.get('/invite/:token', async (c) => {
  const token = c.req.param('token');
  const ctx = c.get('ctx');
  if (!(await inviteValid(c.get('db'), token)))
    return c.html(page(ctx, ctx.t.invalidInvite, <p>{ctx.t.inviteUsedOrExpired}</p>, { bare: true }), 404);
  return c.html(invitePage(ctx, token));
});

router.post('/invite/:token', async (c) => {
  const ctx = c.get('ctx');
  const token = c.req.param('token');
  const r = await acceptInvite(c.get('db'), token, field(c, 'email'), c.get('form').get('password') ?? '');
  if ('error' in r)
    return c.html(invitePage({ ...ctx, flash: { kind: 'error', text: accountError(ctx.t, r.error) } }, token), 400);
  return startAndGo(c, r.user, home(r.user));
});

export default router;
