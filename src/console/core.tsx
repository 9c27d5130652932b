/**
 * The console's request plumbing: security headers with a per-request CSP nonce, the language,
 * the signed-in session, bounded form bodies, the Origin and CSRF checks on every POST, flash
 * messages across redirects, and the guards that authorise a merchant's pages on the server.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { and, eq } from 'drizzle-orm';
import { type App, apps, type ConsoleSession, type Merchant, type Order, orders, type User } from '../db/schema';
import { randomToken } from '../domain/ids';
import type { AppEnv } from '../env';
import { decodeForm } from '../domain/form';
import { readBody } from '../services/params';
import { pickLang, type Lang } from '../views/cashier';
import { csrfOk, mintPreToken, preTokenOk, sessionAndMerchant } from './auth';
import { page, translator, type Flash, type PageCtx } from './layout';

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
    tr: translator(lang),
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
  const { tr } = c.get('ctx');
  const origin = c.req.header('origin');
  if (origin && origin !== 'null' && origin !== new URL(c.req.url).origin)
    return problem(c, 403, tr('请求来自其他网站，已拒绝。', 'This form was posted from another site and was refused.'));
  const body = await readBody(c, MAX_FORM_BYTES);
  if (!body.ok)
    return problem(
      c,
      body.tooLarge ? 413 : 400,
      body.tooLarge
        ? tr('提交的内容过大。', 'The form is too large.')
        : tr('无法读取表单。', 'The form could not be read.'),
    );
  const decoded = decodeForm(body.text);
  if (!decoded.ok) return undecodable(c, decoded);
  const form = new URLSearchParams(decoded.pairs);
  if (!csrfOk(expected, form.get('_csrf') ?? undefined))
    return problem(
      c,
      403,
      tr(
        '表单已过期或来源不明（CSRF 校验失败），未做任何更改。请刷新页面后重试。',
        'The form expired or was not sent by this console (CSRF check failed); nothing was changed. Reload the page and try again.',
      ),
    );
  c.set('form', form);
  return null;
}

/** The 400 page for a form or query field whose percent-encoding is not UTF-8. */
const undecodable = (c: CCtx, d: { field: string; error: string }) =>
  problem(c, 400, c.get('ctx').tr(`${d.field}：不是有效的 UTF-8 百分号编码（% 本身请写作 %25）`, d.error));

/** A page with just a message (errors: 403, 404, 413…). */
export function problem(c: CCtx, status: 400 | 403 | 404 | 409 | 413 | 429, text: string) {
  const ctx = c.get('ctx');
  const title = {
    400: ['输入有误', 'Bad input'],
    403: ['已拒绝', 'Refused'],
    404: ['未找到', 'Not found'],
    409: ['无法完成', 'Not possible'],
    413: ['内容过大', 'Too large'],
    429: ['请稍后再试', 'Try again later'],
  }[status];
  return c.html(
    page(
      { ...ctx, flash: null },
      ctx.tr(title[0], title[1]),
      <p>
        {text} <a href="/console">{ctx.tr('返回控制台', 'Back to the console')}</a>
      </p>,
    ),
    status,
  );
}

export const notFound = (c: CCtx) =>
  problem(c, 404, c.get('ctx').tr('没有这个页面或记录。', 'There is no such page or record.'));

/** Redirect (303) with a message shown once on the next page. */
export function redirectWith(c: CCtx, to: string, kind: Flash['kind'], text: string) {
  setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify({ kind, text })), cookieOpts(c, 60));
  return c.redirect(to, 303);
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
  const merchant =
    preloaded?.id === mid
      ? preloaded
      : await c.get('db').query.merchants.findFirst({ where: (m, { eq }) => eq(m.id, mid) });
  if (!merchant || (user.role !== 'operator' && !merchant.enabled)) return notFound(c);
  c.set('merchant', merchant);
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
  if (id === null) return null;
  return (
    (await c
      .get('db')
      .query.orders.findFirst({ where: and(eq(orders.id, id), eq(orders.merchantId, c.get('merchant').id)) })) ?? null
  );
}

/** The merchant's own app named by the `appkey` path parameter, or null. */
export async function ownApp(c: CCtx): Promise<App | null> {
  const appkey = c.req.param('appkey') ?? '';
  if (!/^ak_[A-Za-z0-9]{1,40}$/.test(appkey)) return null;
  return (
    (await c
      .get('db')
      .query.apps.findFirst({ where: and(eq(apps.appkey, appkey), eq(apps.merchantId, c.get('merchant').id)) })) ?? null
  );
}

export { LANG_COOKIE };
