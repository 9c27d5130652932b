/**
 * The console's sign-in pages: first run (the first operator, with ADMIN_TOKEN), sign-in, the
 * second factor, the account page (password, TOTP on and off) and an invite's sign-up form.
 */
import { raw } from 'hono/html';
import type { User } from '../../db/schema';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../domain/password';
import { qrSvg } from '../../views/qr';
import { Csrf, Label, type PageCtx } from '../layout';

/** E-mail and password fields; `newPassword` states the policy and asks the browser for a new one. */
const EmailPassword = ({ ctx, newPassword }: { ctx: PageCtx; newPassword?: boolean }) => (
  <>
    <label for="email">{ctx.t.email}</label>
    <input id="email" name="email" type="email" autocomplete="username" required maxlength={320} />
    <Label
      for="password"
      text={ctx.t.password}
      hint={newPassword ? ctx.t.passwordRule(PASSWORD_MIN, PASSWORD_MAX) : undefined}
    />
    <input
      id="password"
      name="password"
      type="password"
      autocomplete={newPassword ? 'new-password' : 'current-password'}
      required
      minlength={newPassword ? PASSWORD_MIN : undefined}
      maxlength={PASSWORD_MAX}
    />
  </>
);

/** First run: the ADMIN_TOKEN and the first operator's e-mail and password. */
export function SetupForm({ ctx }: { ctx: PageCtx }) {
  const { t } = ctx;
  return (
    <div class="card auth">
      <p>
        {t.firstRunIntro} <code class="mono">ADMIN_TOKEN</code>
        {t.firstRunIntroEnd}
      </p>
      <form method="post" action="/console/setup">
        <Csrf ctx={ctx} />
        <label for="token">
          {t.adminToken} <span class="mono">ADMIN_TOKEN</span>
        </label>
        <input id="token" name="token" type="password" autocomplete="off" required maxlength={512} />
        <EmailPassword ctx={ctx} newPassword />
        <button type="submit">{t.createOperator}</button>
      </form>
    </div>
  );
}

/** The sign-in form; `next` is where a success goes. */
export function SignInForm({ ctx, next }: { ctx: PageCtx; next: string }) {
  const { t } = ctx;
  return (
    <div class="card auth">
      <form method="post" action="/console/signin">
        <Csrf ctx={ctx} />
        <input type="hidden" name="next" value={next} />
        <EmailPassword ctx={ctx} />
        <button type="submit">{t.signIn}</button>
      </form>
    </div>
  );
}

/** The second factor's code. */
export function MfaForm({ ctx }: { ctx: PageCtx }) {
  const { t } = ctx;
  return (
    <div class="card auth">
      <form method="post" action="/console/mfa">
        <Csrf ctx={ctx} />
        <label for="code">{t.authenticatorCode}</label>
        <input
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength={6}
          required
        />
        <button type="submit">{t.verify}</button>
      </form>
    </div>
  );
}

/** The account page: change the password; turn TOTP on (with `totp`, the secret being set up) or off. */
export function Account({ ctx, user, totp }: { ctx: PageCtx; user: User; totp?: { secret: string; uri: string } }) {
  const { t } = ctx;
  return (
    <>
      <div class="card">
        <h2>{t.changePassword}</h2>
        <form method="post" action="/console/account/password">
          <Csrf ctx={ctx} />
          <input type="hidden" name="email" value={user.email} autocomplete="username" />
          <label for="current">{t.currentPassword}</label>
          <input
            id="current"
            name="current"
            type="password"
            autocomplete="current-password"
            required
            maxlength={PASSWORD_MAX}
          />
          <Label for="next" text={t.newPassword} hint={t.passwordRule(PASSWORD_MIN, PASSWORD_MAX)} />
          <input
            id="next"
            name="next"
            type="password"
            autocomplete="new-password"
            required
            minlength={PASSWORD_MIN}
            maxlength={PASSWORD_MAX}
          />
          <button type="submit">{t.changePassword}</button>
        </form>
      </div>
      <div class="card">
        <h2>{t.twoStepTotp}</h2>
        {user.totpEnc ? (
          <form method="post" action="/console/account/totp/off">
            <Csrf ctx={ctx} />
            <p>{t.totpOn}</p>
            <label for="totp-off-proof">{t.totpOffProof}</label>
            <input
              id="totp-off-proof"
              name="current"
              type="password"
              autocomplete="current-password"
              required
              maxlength={PASSWORD_MAX}
            />
            <button type="submit" class="danger">
              {t.turnOffTotp}
            </button>
          </form>
        ) : totp ? (
          <form method="post" action="/console/account/totp/on">
            <Csrf ctx={ctx} />
            <p>{t.totpScan}</p>
            <div class="qr" role="img" aria-label={t.totpQr}>
              {raw(qrSvg(totp.uri))}
            </div>
            <p class="mono">{totp.secret}</p>
            <input type="hidden" name="secret" value={totp.secret} />
            <label for="code">{t.code}</label>
            <input
              id="code"
              name="code"
              inputmode="numeric"
              pattern="[0-9]{6}"
              maxlength={6}
              required
              autocomplete="one-time-code"
            />
            <button type="submit">{t.turnOn}</button>
          </form>
        ) : (
          <form method="post" action="/console/account/totp">
            <Csrf ctx={ctx} />
            <p>{t.totpOff}</p>
            <button type="submit">{t.setUpTotp}</button>
          </form>
        )}
      </div>
    </>
  );
}

/** An invite's sign-up form (e-mail and a new password). */
export function InviteForm({ ctx, token }: { ctx: PageCtx; token: string }) {
  const { t } = ctx;
  return (
    <div class="card auth">
      <form method="post" action={`/console/invite/${token}`}>
        <Csrf ctx={ctx} />
        <EmailPassword ctx={ctx} newPassword />
        <button type="submit">{t.createAccount}</button>
      </form>
    </div>
  );
}
