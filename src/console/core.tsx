/**
 * The console's request plumbing: security headers with a per-request CSP nonce, the language,
 * the signed-in session, bounded form bodies, the Origin and CSRF checks on every POST, flash
 * messages across redirects, and the guards that authorise a merchant's pages on the server.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { App, ConsoleSession, Merchant, Order, User } from '../db/schema';
import { randomToken } from '../domain/ids';
import { HuipayError } from '../errors';
import type { AppEnv, Db } from '../env';
import { storeDb } from '../db/stores';
import { decodeForm } from '../domain/form';
import { merchantApp } from '../services/apps';
import { findMerchant } from '../services/merchants';
import { merchantOrder } from '../services/order-detail';
import { readBody } from '../services/params';
import { pickLang, type Lang } from '../views/cashier';
import { sessionAndMerchant } from '../services/sign-in';
import { csrfOk, mintPreToken, preTokenOk } from './auth';
import { labels } from './i18n';
import { page, type Flash, type PageCtx } from './layout';

export const SESSION_COOKIE = 'hp_console';
const PRE_COOKIE = 'hp_pre';
const FLASH_COOKIE = 'hp_flash';
const LANG_COOKIE = 'hp_lang';
/** Room for the largest console form (a session with many fixed-amount codes). */
const MAX_FORM_BYTES = 64 * 1024;

export interface ConsoleEnv {
  Bindings: AppEnv['Bindings'];
  Variables: AppEnv['Variables'] & {
    ctx: PageCtx;
    auth: { session: ConsoleSession; user: User } | null;
    form: URLSearchParams;
    merchant: Merchant;
    /** The merchant's order store (`/console/m/:mid/*`). */
    store: Db;
  };
}
export type CCtx = Context<ConsoleEnv>;

export const secure = (c: Context) => new URL(c.req.url).protocol === 'https:';

export function cookieOpts(c: Context, maxAge?: number) {
  return {
    path: '/console',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: secure(c),
    ...(maxAge ? { maxAge } : {}),
  };
}

function langOf(c: Context): Lang {
  const chosen = getCookie(c, LANG_COOKIE);
  return chosen === 'en' || chosen === 'zh' ? chosen : pickLang(c.req.header('accept-language'));
}

/** Headers, nonce, language, session, flash; and for POST: size limit, same origin, CSRF token. */
export const plumbing: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const nonce = randomToken(16);
  const lang = langOf(c);
  const path = new URL(c.req.url).pathname;
  const named = path.match(/^\/console\/m\/(\d{1,15})(\/|$)/)?.[1];
  const { auth, merchant } = await sessionAndMerchant(
    c.get('db'),
    getCookie(c, SESSION_COOKIE),
    named ? Number(named) : null,
  );
  if (merchant) c.set('merchant', merchant);
  let pre = getCookie(c, PRE_COOKIE);
  if (!auth && !(await preTokenOk(c.env.MASTER_KEY, pre))) {
    pre = await mintPreToken(c.env.MASTER_KEY);
    setCookie(c, PRE_COOKIE, pre, cookieOpts(c));
  }
  const flashRaw = getCookie(c, FLASH_COOKIE);
  let flash: Flash | null = null;
  if (flashRaw && c.req.method === 'GET') {
    try {
      flash = JSON.parse(decodeURIComponent(flashRaw)) as Flash;
    } catch {
      /* ignore a mangled flash */
    }
    deleteCookie(c, FLASH_COOKIE, { path: '/console' });
  }
  c.set('auth', auth);
  c.set('ctx', {
    lang,
    t: labels(lang),
    nonce,
    csrf: auth?.session.csrf ?? pre ?? '',
    user: auth?.user ?? null,
    merchant: null,
    path,
    flash,
  });
  c.header(
    'content-security-policy',
    [
      "default-src 'none'",
      `style-src 'nonce-${nonce}' 'unsafe-inline'`,
      `script-src 'nonce-${nonce}'`,
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  );
  c.header('referrer-policy', 'same-origin');
  c.header('cache-control', 'no-store');
  // Hono's c.req.query() keeps bad percent-encoding as raw text: refuse it before any page reads it.
  const query = decodeForm(new URL(c.req.url).search.slice(1));
  if (!query.ok) return undecodable(c, query);
  if (c.req.method === 'POST') {
    const refusal = await checkPost(c, auth?.session.csrf ?? pre ?? '');
    if (refusal) return refusal;
  }
  await next();
};

async function checkPost(c: CCtx, expected: string): Promise<Response | null> {
  const { t } = c.get('ctx');
  const origin = c.req.header('origin');
  if (origin && origin !== 'null' && origin !== new URL(c.req.url).origin) return problem(c, 403, t.foreignOrigin);
  const body = await readBody(c, MAX_FORM_BYTES);
  if (!body.ok) return problem(c, body.tooLarge ? 413 : 400, body.tooLarge ? t.formTooLarge : t.formUnreadable);
  const decoded = decodeForm(body.text);
  if (!decoded.ok) return undecodable(c, decoded);
  const form = new URLSearchParams(decoded.pairs);
  if (!csrfOk(expected, form.get('_csrf') ?? undefined)) return problem(c, 403, t.csrfFailed);
  c.set('form', form);
  return null;
}

/** The 400 page for a form or query field whose percent-encoding is not UTF-8. */
const undecodable = (c: CCtx, d: { field: string; error: string }) =>
  problem(c, 400, c.get('ctx').t.undecodable(d.field, d.error));

/** A page with just a message (errors: 403, 404, 413…). */
export function problem(c: CCtx, status: 400 | 403 | 404 | 409 | 413 | 429, text: string) {
  const ctx = c.get('ctx');
  return c.html(
    page(
      { ...ctx, flash: null },
      ctx.t.problemTitle[status],
      <p>
        {text} <a href="/console">{ctx.t.backToConsole}</a>
      </p>,
    ),
    status,
  );
}

export const notFound = (c: CCtx) => problem(c, 404, c.get('ctx').t.noSuchPage);

/** Redirect (303) with a message shown once on the next page. */
export function redirectWith(c: CCtx, to: string, kind: Flash['kind'], text: string, detail?: string) {
  const flash: Flash = detail === undefined ? { kind, text } : { kind, text, detail };
  setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify(flash)), cookieOpts(c, 60));
  return c.redirect(to, 303);
}

/** Back to `to` with what was refused: the console's label, and the service's own message (naming the field) as detail. */
export const refuse = (c: CCtx, to: string, detail: string) =>
  redirectWith(c, to, 'error', c.get('ctx').t.refused, detail);

/** Runs a service call, then back to `to` saying `ok`; a HuipayError (bad URL, wrong state, …) is refused. */
export async function attempt(c: CCtx, to: string, ok: string, run: () => Promise<unknown>) {
  try {
    await run();
  } catch (err) {
    if (err instanceof HuipayError) return refuse(c, to, err.message);
    throw err;
  }
  return redirectWith(c, to, 'ok', ok);
}

/** Signed in (and past the second factor) or sent to sign in. */
export const requireUser: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const auth = c.get('auth');
  if (!auth) return c.redirect(`/console/signin?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
  if (!auth.session.verified) return c.redirect('/console/mfa', 303);
  await next();
};

export const requireOperator: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.get('auth')?.user.role !== 'operator') return notFound(c);
  await next();
};

/** `/console/m/:mid/*`: the operator reaches any merchant; a merchant user only its own (else 404, nothing runs). */
export const requireMerchantAccess: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const user = c.get('auth')!.user;
  const raw = c.req.param('mid') ?? '';
  const mid = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(mid) || (user.role !== 'operator' && user.merchantId !== mid)) return notFound(c);
  // Read with the session when the path named it (plumbing), else now.
  const preloaded = c.get('merchant') as Merchant | undefined;
  const merchant = preloaded?.id === mid ? preloaded : await findMerchant(c.get('db'), mid);
  if (!merchant || (user.role !== 'operator' && !merchant.enabled)) return notFound(c);
  c.set('merchant', merchant);
  c.set('store', storeDb(c.env, merchant.store));
  c.get('ctx').merchant = merchant;
  await next();
};

export const consoleRouter = () => new Hono<ConsoleEnv>();

/** A form field trimmed, or '' when absent. */
export const field = (c: CCtx, name: string) => (c.get('form').get(name) ?? '').trim();

/** A positive integer id from a path parameter, or null. */
export function idParam(c: CCtx, name: string): number | null {
  const v = c.req.param(name) ?? '';
  return /^\d{1,15}$/.test(v) ? Number(v) : null;
}

/** The merchant's own order named by the `id` path parameter, or null (another merchant's order is not found). */
export async function ownOrder(c: CCtx): Promise<Order | null> {
  const id = idParam(c, 'id');
  return id === null ? null : merchantOrder(c.get('store'), c.get('merchant').id, id);
}

/** The merchant's own app named by the `appkey` path parameter, or null. */
export async function ownApp(c: CCtx): Promise<App | null> {
  const appkey = c.req.param('appkey') ?? '';
  return /^ak_[A-Za-z0-9]{1,40}$/.test(appkey) ? merchantApp(c.get('db'), c.get('merchant').id, appkey) : null;
}

export { LANG_COOKIE };
