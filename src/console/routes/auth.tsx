/** Console: first run, sign-in (with the second factor), sign-out, account (password, TOTP), invites, language. */
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { User } from '../../db/schema';
import { qrSvg } from '../../views/qr';
import { raw } from 'hono/html';
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
} from '../accounts';
import { endOtherSessions, endSession, type Locked, newTotpSecret, startSession, totpUri } from '../auth';
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
import { Csrf, mbase, page, type PageCtx, type Tr } from '../layout';
import { consoleSessions } from '../../db/schema';
import { eq } from 'drizzle-orm';

const router = consoleRouter();

export function accountError(tr: Tr, e: AccountError | 'current'): string {
  return {
    email: tr('请输入有效的电子邮箱。', 'Enter a valid e-mail address.'),
    password_short: tr('密码至少 10 个字符。', 'The password needs at least 10 characters.'),
    password_long: tr('密码最多 200 个字符。', 'The password may have at most 200 characters.'),
    taken: tr('该邮箱已有账户。', 'An account with this e-mail exists already.'),
    token: tr('ADMIN_TOKEN 不正确，或链接已失效。', 'The ADMIN_TOKEN is wrong, or the link is no longer valid.'),
    merchant: tr('商户不存在。', 'No such merchant.'),
    current: tr('当前密码不正确。', 'The current password is wrong.'),
  }[e];
}

/** Why an attempt was refused before it was judged, and for how long. */
export function lockedText(tr: Tr, { kind, minutes }: Locked): string {
  return {
    account: tr(
      `该账户登录失败次数过多，请 ${minutes} 分钟后再试。`,
      `Too many failed sign-ins for this account. Try again in ${minutes} minutes.`,
    ),
    code: tr(
      `该账户验证码错误次数过多，请 ${minutes} 分钟后再试。`,
      `Too many wrong codes for this account. Try again in ${minutes} minutes.`,
    ),
    address: tr(
      `来自您网络地址的登录失败次数过多，请 ${minutes} 分钟后再试。`,
      `Too many failed sign-ins from your address. Try again in ${minutes} minutes.`,
    ),
  }[kind];
}

/** The client's address, as the sign-in limits count it. */
const addressOf = (c: CCtx) => c.req.header('cf-connecting-ip') ?? 'local';

/** Where a signed-in user lands. */
export const home = (u: User) => (u.role === 'operator' ? '/console/operator' : mbase(u.merchantId ?? 0));

const EmailPassword = ({ ctx, newPassword }: { ctx: PageCtx; newPassword?: boolean }) => (
  <>
    <label for="email">{ctx.tr('电子邮箱', 'E-mail')}</label>
    <input id="email" name="email" type="email" autocomplete="username" required maxlength={320} />
    <label for="password">{ctx.tr('密码', 'Password')}</label>
    <input
      id="password"
      name="password"
      type="password"
      autocomplete={newPassword ? 'new-password' : 'current-password'}
      required
      minlength={newPassword ? 10 : undefined}
      maxlength={200}
    />
  </>
);

function setupPage(ctx: PageCtx) {
  const { tr } = ctx;
  return page(
    ctx,
    tr('首次设置', 'First run'),
    <div class="card auth">
      <p>
        {tr(
          '还没有任何账户。请输入部署的 ADMIN_TOKEN，并创建第一个运营者账户。',
          'No account exists yet. Enter the deployment’s ADMIN_TOKEN and create the first operator account.',
        )}
      </p>
      <form method="post" action="/console/setup">
        <Csrf ctx={ctx} />
        <label for="token">ADMIN_TOKEN</label>
        <input id="token" name="token" type="password" autocomplete="off" required maxlength={512} />
        <EmailPassword ctx={ctx} newPassword />
        <button type="submit">{tr('创建运营者', 'Create the operator')}</button>
      </form>
    </div>,
    { bare: true },
  );
}

function signInPage(ctx: PageCtx, next: string) {
  const { tr } = ctx;
  return page(
    ctx,
    tr('登录', 'Sign in'),
    <div class="card auth">
      <form method="post" action="/console/signin">
        <Csrf ctx={ctx} />
        <input type="hidden" name="next" value={next} />
        <EmailPassword ctx={ctx} />
        <button type="submit">{tr('登录', 'Sign in')}</button>
      </form>
    </div>,
    { bare: true },
  );
}

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
    return c.html(setupPage({ ...ctx, flash: { kind: 'error', text: accountError(ctx.tr, r.error) } }), 400);
  return startAndGo(c, r.user, '/console/operator');
});

router.get('/signin', async (c) => {
  if ((await userCount(c.get('db'))) === 0) return c.redirect('/console', 303);
  return c.html(signInPage(c.get('ctx'), safeNext(c.req.query('next') ?? '')));
});

router.post('/signin', async (c) => {
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const next = safeNext(field(c, 'next'));
  const r = await signIn(c.get('db'), field(c, 'email'), c.get('form').get('password') ?? '', addressOf(c));
  if (r.ok) return startAndGo(c, r.user, next || home(r.user));
  const text = r.why === 'locked' ? lockedText(tr, r) : tr('邮箱或密码不正确。', 'The e-mail or password is wrong.');
  return c.html(signInPage({ ...ctx, flash: { kind: 'error', text } }, next), r.why === 'locked' ? 429 : 401);
});

async function startAndGo(c: CCtx, user: User, to: string) {
  const token = await startSession(c.get('db'), user);
  setCookie(c, SESSION_COOKIE, token, cookieOpts(c));
  return c.redirect(user.totpEnc ? '/console/mfa' : to, 303);
}

function mfaPage(ctx: PageCtx) {
  const { tr } = ctx;
  return page(
    ctx,
    tr('两步验证', 'Two-step verification'),
    <div class="card auth">
      <form method="post" action="/console/mfa">
        <Csrf ctx={ctx} />
        <label for="code">{tr('身份验证器中的 6 位数字', 'The 6-digit code from your authenticator app')}</label>
        <input
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength={6}
          required
        />
        <button type="submit">{tr('验证', 'Verify')}</button>
      </form>
    </div>,
    { bare: true },
  );
}

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
    const text =
      r.why === 'locked'
        ? lockedText(ctx.tr, r)
        : ctx.tr('验证码不正确或已使用。', 'The code is wrong or was used already.');
    return c.html(mfaPage({ ...ctx, flash: { kind: 'error', text } }), r.why === 'locked' ? 429 : 401);
  }
  await c
    .get('db')
    .update(consoleSessions)
    .set({ verified: true })
    .where(eq(consoleSessions.tokenHash, auth.session.tokenHash));
  return c.redirect(home(auth.user), 303);
});

router.post('/signout', async (c) => {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await endSession(c.get('db'), token);
  deleteCookie(c, SESSION_COOKIE, { path: '/console' });
  return redirectWith(c, '/console/signin', 'ok', c.get('ctx').tr('已退出。', 'Signed out.'));
});

router.get('/lang', (c) => {
  const lang = c.req.query('lang') === 'en' ? 'en' : 'zh';
  setCookie(c, LANG_COOKIE, lang, { ...cookieOpts(c, 365 * 86400), httpOnly: false });
  const to = c.req.query('to') ?? '/console';
  return c.redirect(/^\/console(\/[A-Za-z0-9/_.-]*)?$/.test(to) ? to : '/console', 303);
});

// ── account ──────────────────────────────────────────────────────────────────────────────

function accountPage(ctx: PageCtx, user: User, totp?: { secret: string; uri: string }) {
  const { tr } = ctx;
  return page(
    ctx,
    tr('账户', 'Account'),
    <>
      <div class="card">
        <h2>{tr('修改密码', 'Change password')}</h2>
        <form method="post" action="/console/account/password">
          <Csrf ctx={ctx} />
          <input type="hidden" name="email" value={user.email} autocomplete="username" />
          <label for="current">{tr('当前密码', 'Current password')}</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required maxlength={200} />
          <label for="next">{tr('新密码（至少 10 个字符）', 'New password (at least 10 characters)')}</label>
          <input
            id="next"
            name="next"
            type="password"
            autocomplete="new-password"
            required
            minlength={10}
            maxlength={200}
          />
          <button type="submit">{tr('修改密码', 'Change password')}</button>
        </form>
      </div>
      <div class="card">
        <h2>{tr('两步验证（TOTP）', 'Two-step verification (TOTP)')}</h2>
        {user.totpEnc ? (
          <form method="post" action="/console/account/totp/off">
            <Csrf ctx={ctx} />
            <p>{tr('已开启。', 'On.')}</p>
            <label for="totp-off-proof">
              {tr(
                '当前密码，或身份验证器中的 6 位数字',
                'Your current password, or a 6-digit code from your authenticator app',
              )}
            </label>
            <input
              id="totp-off-proof"
              name="current"
              type="password"
              autocomplete="current-password"
              required
              maxlength={200}
            />
            <button type="submit" class="danger">
              {tr('关闭两步验证', 'Turn off')}
            </button>
          </form>
        ) : totp ? (
          <form method="post" action="/console/account/totp/on">
            <Csrf ctx={ctx} />
            <p>
              {tr(
                '用身份验证器扫描二维码，或手动输入密钥，然后输入 6 位数字确认。',
                'Scan the code with your authenticator app, or type the key, then confirm with a 6-digit code.',
              )}
            </p>
            <div class="qr" role="img" aria-label={tr('TOTP 二维码', 'TOTP QR code')}>
              {raw(qrSvg(totp.uri))}
            </div>
            <p class="mono">{totp.secret}</p>
            <input type="hidden" name="secret" value={totp.secret} />
            <label for="code">{tr('验证码', 'Code')}</label>
            <input
              id="code"
              name="code"
              inputmode="numeric"
              pattern="[0-9]{6}"
              maxlength={6}
              required
              autocomplete="one-time-code"
            />
            <button type="submit">{tr('开启', 'Turn on')}</button>
          </form>
        ) : (
          <form method="post" action="/console/account/totp">
            <Csrf ctx={ctx} />
            <p>{tr('未开启。', 'Off.')}</p>
            <button type="submit">{tr('设置两步验证', 'Set up')}</button>
          </form>
        )}
      </div>
    </>,
  );
}

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
    return c.html(accountPage({ ...ctx, flash: { kind: 'error', text: lockedText(ctx.tr, r.locked) } }, user), 429);
  if (r.error)
    return c.html(accountPage({ ...ctx, flash: { kind: 'error', text: accountError(ctx.tr, r.error) } }, user), 400);
  await endOtherSessions(c.get('db'), user.id, session.tokenHash);
  return redirectWith(
    c,
    '/console/account',
    'ok',
    ctx.tr('密码已修改，其他设备上的登录已退出。', 'Password changed; other signed-in devices were signed out.'),
  );
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
  if (!(await enableTotp(c.env, c.get('db'), user, secret, field(c, 'code'))))
    return c.html(
      accountPage(
        { ...ctx, flash: { kind: 'error', text: ctx.tr('验证码不正确，请重试。', 'The code is wrong; try again.') } },
        user,
        {
          secret: /^[A-Z2-7]{32}$/.test(secret) ? secret : newTotpSecret(),
          uri: totpUri(/^[A-Z2-7]{32}$/.test(secret) ? secret : newTotpSecret(), user.email),
        },
      ),
      400,
    );
  return redirectWith(c, '/console/account', 'ok', ctx.tr('两步验证已开启。', 'Two-step verification is on.'));
});

router.post('/account/totp/off', async (c) => {
  const ctx = c.get('ctx');
  const user = c.get('auth')!.user;
  const r = await disableTotp(c.env, c.get('db'), user, c.get('form').get('current') ?? '', addressOf(c));
  if (!r.ok) {
    const text =
      r.why === 'locked'
        ? lockedText(ctx.tr, r)
        : ctx.tr(
            '密码或验证码不正确，两步验证仍开启。',
            'The password or code is wrong; two-step verification stays on.',
          );
    return c.html(accountPage({ ...ctx, flash: { kind: 'error', text } }, user), r.why === 'locked' ? 429 : 400);
  }
  return redirectWith(c, '/console/account', 'ok', ctx.tr('两步验证已关闭。', 'Two-step verification is off.'));
});

// ── invites ──────────────────────────────────────────────────────────────────────────────

function invitePage(ctx: PageCtx, token: string) {
  const { tr } = ctx;
  return page(
    ctx,
    tr('接受邀请', 'Accept the invitation'),
    <div class="card auth">
      <form method="post" action={`/console/invite/${token}`}>
        <Csrf ctx={ctx} />
        <EmailPassword ctx={ctx} newPassword />
        <button type="submit">{tr('创建账户', 'Create the account')}</button>
      </form>
    </div>,
    { bare: true },
  );
}

router.get('/invite/:token', async (c) => {
  const token = c.req.param('token');
  const ctx = c.get('ctx');
  if (!(await inviteValid(c.get('db'), token)))
    return c.html(
      page(
        ctx,
        ctx.tr('邀请无效', 'Invalid invitation'),
        <p>{ctx.tr('此邀请链接已使用或已过期。', 'This invitation link was used or has expired.')}</p>,
        { bare: true },
      ),
      404,
    );
  return c.html(invitePage(ctx, token));
});

router.post('/invite/:token', async (c) => {
  const ctx = c.get('ctx');
  const token = c.req.param('token');
  const r = await acceptInvite(c.get('db'), token, field(c, 'email'), c.get('form').get('password') ?? '');
  if ('error' in r)
    return c.html(invitePage({ ...ctx, flash: { kind: 'error', text: accountError(ctx.tr, r.error) } }, token), 400);
  return startAndGo(c, r.user, home(r.user));
});

export default router;
