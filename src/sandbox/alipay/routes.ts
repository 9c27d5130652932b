/**
 * The Alipay simulator (SPEC §11.6): Alipay's server side for sandbox apps, at `/sandbox/alipay`.
 *
 * - `GET /keys`: the simulator's public key (what an app configures as `alipay_public_key`).
 * - `GET|POST /gateway.do`: parameters from the query and the form body; the request signature
 *   is verified with the public key of the sandbox app configured with that `app_id`; answers are
 *   signed `*_response` JSON. Server methods: precreate, query, close, refund, fastpay.refund.query.
 *   Browser methods (wap.pay, page.pay, and an App order string opened here) lead to the payer page.
 * - `GET /qr/:token`: what a precreate `qr_code` opens (a scan), then the payer page.
 * - `GET|POST /pay/:token`: the payer page, "pay" or "cancel". Paying sends the signed async
 *   notify to the trade's notify_url (retried on Alipay's schedule from the sweep) and, for page
 *   flows, redirects to the return_url with the signed sync-return fields.
 */
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { channelConfigs, apps, simTrades, type SimTrade } from '../../db/schema';
import { decodeForm } from '../../domain/form';
import { base64ToBytes, rsaVerify } from '../../domain/rsa';
import { createRouter, type AppEnv, type Db } from '../../env';
import { readBody } from '../../services/params';
import { cashierBack, type PayerBrand, payerPath, renderPayerPage, simulatorErrorPage } from '../payer-page';
import { paySimTrade, simulatorKeys } from '../store';
import { deliverSimulatedNotify } from '../notify';
import { API, type Params, signContent } from '../../channels/alipay/protocol';
import { notifier, returnUrl } from './notify';
import {
  type Body,
  BROWSER_APIS,
  CHANNEL,
  invalid,
  OPEN,
  openTrade,
  type Refusal,
  refuse,
  type Result,
  SERVER_APIS,
  SIMULATOR_GATEWAY,
  signedAnswer,
} from './trades';

const BRAND: PayerBrand = {
  name: '支付宝',
  nameEn: 'Alipay',
  colour: '#1677ff',
  base: '/sandbox/alipay/pay',
  accountLabel: 'APPID',
};
const errorPage = (code: string, msg: string) => simulatorErrorPage(BRAND, code, msg);

const sim = createRouter();

sim.get('/keys', async (c) => {
  const keys = await simulatorKeys(c.env, c.get('db'), CHANNEL);
  const origin = new URL(c.req.url).origin;
  return c.json({
    channel: CHANNEL,
    alipay_public_key: keys.publicKey,
    gateway_url: `${origin}${SIMULATOR_GATEWAY}`,
    note: 'sandbox apps configure alipay_public_key with this key; it signs every answer, notify and return of the simulator',
  });
});

// ── gateway.do ─────────────────────────────────────────────────────────────────────────────

/** The request's parameters: query and form body together; a name sent twice is refused. */
async function gatewayParams(c: Context<AppEnv>): Promise<{ ok: true; params: Params } | { ok: false; why: string }> {
  const params: Params = {};
  const add = (text: string) => {
    const decoded = decodeForm(text);
    if (!decoded.ok) return decoded.error;
    for (const [k, v] of decoded.pairs) {
      if (k in params) return `parameter ${k} is sent twice`;
      params[k] = v;
    }
    return null;
  };
  const inQuery = add(new URL(c.req.url).search.slice(1));
  if (inQuery) return { ok: false, why: inQuery };
  if (c.req.method === 'POST') {
    const body = await readBody(c);
    if (!body.ok) return { ok: false, why: body.error };
    const inBody = add(body.text);
    if (inBody) return { ok: false, why: inBody };
  }
  return { ok: true, params };
}

/** The sandbox configs that use this app_id: their apps' public keys may have signed the request. */
async function appKeys(db: Db, account: string): Promise<string[]> {
  const rows = await db
    .select({ settings: channelConfigs.settings })
    .from(channelConfigs)
    .innerJoin(apps, eq(apps.id, channelConfigs.appId))
    .where(and(eq(channelConfigs.channel, CHANNEL), eq(channelConfigs.account, account), eq(apps.mode, 'sandbox')));
  return rows.map((r) => r.settings.app_public_key).filter(Boolean);
}

/** Checks the common parameters and the signature; the biz_content on success. */
async function authenticate(db: Db, p: Params): Promise<{ ok: true; biz: Body } | { ok: false; result: Result }> {
  const fail = (result: Result) => ({ ok: false as const, result });
  for (const name of ['app_id', 'method', 'sign', 'timestamp'])
    if (!p[name])
      return fail(
        refuse('40001', 'Missing Required Arguments', `isv.missing-${name.replace('_', '-')}`, `缺少${name}参数`),
      );
  if ((p.sign_type ?? 'RSA') !== 'RSA2')
    return fail(
      invalid('isv.invalid-signature-type', `无效的签名类型 ${p.sign_type ?? '(缺省为RSA)'}：模拟器只支持RSA2`),
    );
  if (p.charset && p.charset.toLowerCase() !== 'utf-8')
    return fail(invalid('isv.invalid-charset', '模拟器只支持utf-8'));
  const keys = await appKeys(db, p.app_id);
  if (keys.length === 0)
    return fail(invalid('isv.invalid-app-id', `无效的AppID参数：没有沙箱应用配置了app_id ${p.app_id}`));
  const content = signContent(p);
  const verified = await Promise.all(keys.map((k) => rsaVerify(base64ToBytes(k), content, p.sign)));
  if (!verified.includes(true))
    return fail(
      invalid(
        'isv.invalid-signature',
        `验签出错，请检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`,
      ),
    );
  let biz: unknown = {};
  if (p.biz_content !== undefined) {
    try {
      biz = JSON.parse(p.biz_content);
    } catch {
      return fail(invalid('isv.invalid-parameter', 'biz_content不是合法的JSON'));
    }
  }
  if (typeof biz !== 'object' || biz === null || Array.isArray(biz))
    return fail(invalid('isv.invalid-parameter', 'biz_content必须是JSON对象'));
  const strings: Body = {};
  for (const [k, v] of Object.entries(biz)) if (typeof v === 'string' || typeof v === 'number') strings[k] = String(v);
  return { ok: true, biz: strings };
}

sim.on(['GET', 'POST'], '/gateway.do', async (c) => {
  const db = c.get('db');
  const origin = new URL(c.req.url).origin;
  const read = await gatewayParams(c);
  const p = read.ok ? read.params : {};
  const method = p.method ?? '';
  const auth = read.ok
    ? await authenticate(db, p)
    : { ok: false as const, result: invalid('isv.invalid-parameter', read.why) };
  const browser = BROWSER_APIS.includes(method);
  let result: Result;
  if (!auth.ok) result = auth.result;
  else if (browser) {
    const opened = await openTrade(db, p, auth.biz, origin, 'WAIT_BUYER_PAY');
    if (opened.ok) return c.redirect(`/sandbox/alipay/pay/${opened.trade.token}`, 302);
    result = opened.result;
  } else if (SERVER_APIS[method]) result = await SERVER_APIS[method](db, p, auth.biz, origin);
  else result = invalid('isv.invalid-method', `不存在的方法名 ${method}`);
  if (browser) {
    const r = result as Refusal;
    return c.html(errorPage(`${r.code} ${r.sub_code}`, r.sub_msg), 400);
  }
  return c.body(await signedAnswer(c.env, db, method, result), 200, {
    'content-type': 'application/json;charset=utf-8',
  });
});

// ── the payer ──────────────────────────────────────────────────────────────────────────────

const byToken = (db: Db, token: string) =>
  db.query.simTrades.findFirst({ where: and(eq(simTrades.channel, CHANNEL), eq(simTrades.token, token)) });

sim.get('/qr/:token', async (c) => {
  const db = c.get('db');
  const t = await byToken(db, c.req.param('token'));
  if (!t) return c.html(errorPage('ACQ.TRADE_NOT_EXIST', '二维码无效'), 404);
  await db
    .update(simTrades)
    .set({ status: 'WAIT_BUYER_PAY' })
    .where(and(eq(simTrades.id, t.id), eq(simTrades.status, 'CREATED')));
  return c.redirect(payerPath(BRAND.base, t.token, c.req.query('back')), 302);
});

function pageModel(t: SimTrade, message: string | null, back: string | null, nowMs = Date.now()) {
  const expired = t.expiresMs !== null && nowMs >= t.expiresMs;
  const payable = OPEN.includes(t.status) && !expired;
  return {
    token: t.token,
    subject: t.subject,
    amountFen: t.amountFen,
    account: t.account,
    outTradeNo: t.outTradeNo,
    status: t.status,
    payable,
    message:
      message ??
      (t.status === 'TRADE_SUCCESS'
        ? '支付成功 Paid'
        : t.status === 'TRADE_CLOSED'
          ? '交易已关闭 Trade closed'
          : expired
            ? '交易已超时 Trade expired'
            : null),
    backUrl: payable ? null : (t.quitUrl ?? t.returnUrl ?? back),
    back,
    paid: t.status === 'TRADE_SUCCESS' || t.status === 'TRADE_FINISHED',
  };
}

sim.get('/pay/:token', async (c) => {
  const t = await byToken(c.get('db'), c.req.param('token'));
  if (!t) return c.html(errorPage('ACQ.TRADE_NOT_EXIST', '交易不存在'), 404);
  c.header('cache-control', 'no-store');
  return c.html(renderPayerPage(pageModel(t, null, cashierBack(c.req.query('back'))), BRAND));
});

sim.post('/pay/:token', async (c) => {
  const db = c.get('db');
  const t = await byToken(db, c.req.param('token'));
  if (!t) return c.html(errorPage('ACQ.TRADE_NOT_EXIST', '交易不存在'), 404);
  const body = await readBody(c);
  const form = new URLSearchParams(body.ok ? body.text : '');
  const back = cashierBack(form.get('back'));
  if (form.get('action') === 'cancel') {
    const quit = t.quitUrl ?? t.returnUrl ?? back;
    if (quit) return c.redirect(quit, 302);
    return c.html(renderPayerPage(pageModel(t, '已取消付款 Payment cancelled', back), BRAND));
  }
  const paid = await paySimTrade(db, t, OPEN, 'TRADE_SUCCESS', form.get('notify') === 'skip');
  if (!paid) return c.html(renderPayerPage(pageModel(t, null, back), BRAND), 409);
  if (paid.notifyState === 'pending')
    await deliverSimulatedNotify(c.env, db, paid.id, notifier, new URL(c.req.url).origin);
  if (paid.returnUrl && paid.api !== API.app) return c.redirect(await returnUrl(c.env, db, paid), 302);
  return c.html(renderPayerPage(pageModel(paid, '支付成功 Paid', back), BRAND));
});

export default sim;
