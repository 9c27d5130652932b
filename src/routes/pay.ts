/** The payer's side: the cashier page, the status it polls, and the sandbox simulate button. */
import type { Context } from 'hono';
import { randomToken } from '../domain/ids';
import { createRouter, type AppEnv } from '../env';
import { HuipayError } from '../errors';
import { simulatorOf } from '../sandbox/registry';
import type { BrowserStart } from '../channels/types';
import { autoSubmitPage } from '../views/auto-submit';
import { cashierAction, deviceOf, heldStatus, payState, statusView, type PayState } from '../services/cashier';
import { ensureMade, providerPage } from '../services/channel-orders';
import { queryNow } from '../services/channel-payments';
import { orderConfig } from '../services/channels';
import { collector } from '../services/collector';
import { type ChannelModel, pickLang, renderCashier } from '../views/cashier';
import { publicOrigin } from './origin';
import { idStore } from '../db/stores';

const pay = createRouter();

async function stateOf(c: Context<AppEnv>): Promise<PayState> {
  const token = c.req.param('token') ?? '';
  const state = await payState(c.env, token);
  if (!state) throw new HuipayError('not_found', 'no such payment page');
  return state;
}

/** The payer's IP as Cloudflare saw it (WeChat H5 wants it in `scene_info`). */
const payerIp = (c: Context<AppEnv>) => c.req.header('cf-connecting-ip') ?? null;

/** Sends the payer's browser to the provider: a redirect, or an auto-submitting form page. */
function start(c: Context<AppEnv>, to: BrowserStart) {
  if (to.kind === 'redirect') return c.redirect(to.url, 302);
  const nonce = randomToken(16);
  const action = new URL(to.action);
  c.header('cache-control', 'no-store');
  c.header(
    'content-security-policy',
    `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action ${action.origin}; base-uri 'none'; frame-ancestors 'none'`,
  );
  c.header('referrer-policy', 'no-referrer');
  return c.html(autoSubmitPage('正在前往支付页面… Redirecting to the payment page…', to.action, to.fields, nonce));
}

/**
 * A simulator's QR or payer-page link with the way back to this cashier page (`back`): paid on the
 * same PC, the simulator's page then leads back here, and from here to the shop. Other links (an
 * Alipay gateway.do, whose parameters are all signed) are left as they are.
 */
function withBack(url: string | null | undefined, o: { payToken: string }): string | null {
  if (!url) return null;
  const u = new URL(url);
  if (u.search || !/^\/sandbox\/\w+\/(qr|pay)\/[^/]+$/.test(u.pathname)) return url;
  u.searchParams.set('back', `/pay/${o.payToken}?return=1`);
  return u.toString();
}

/**
 * A pending channel order's page: the provider's page (wap, page, auto on a phone) the browser is
 * sent to, or what the page shows (the provider's QR, JSAPI, links); the payer coming back
 * (`?return=1`) makes huipay ask the provider at once, in case its notify is late or lost.
 */
async function channelPage(
  c: Context<AppEnv>,
  s: PayState,
): Promise<{ start: BrowserStart } | { model: ChannelModel }> {
  const db = idStore(c.env, s.order.id);
  const origin = publicOrigin(c);
  const o = s.order;
  const back = c.req.query('return') !== undefined;
  const device = deviceOf(c.req.header('user-agent'));
  // The order's config, read once: the methods `auto` may choose from, and what the provider is asked with.
  const found = await orderConfig(c.env, o);
  const action = cashierAction(o.method, device, found?.cfg.methods ?? [], o.openid !== null);
  const model: ChannelModel = {
    qr: null,
    unavailable: false,
    pageUrl: null,
    continueUrl: null,
    simulatorUrl: null,
    inApp: false,
    jsapi: null,
  };
  const simulatorLink = (payInfo: string) => {
    if (found && o.mode === 'sandbox')
      model.simulatorUrl = withBack(simulatorOf(found.cfg.channel)?.appLink(found.cfg.settings, payInfo, origin), o);
  };
  if (action.kind === 'redirect') {
    if (!back) {
      const to = await providerPage(c.env, db, o, found, action.method, origin, payerIp(c));
      if (to) return { start: to };
      model.unavailable = true;
    } else model.continueUrl = `${origin}/pay/${o.payToken}/go/${action.method}`;
  } else if (action.kind === 'jsapi') {
    model.jsapi = await ensureMade(c.env, db, o, found, 'jsapi', origin);
    model.unavailable = model.jsapi === null;
    if (model.jsapi) simulatorLink(model.jsapi);
  } else if (action.kind === 'qr') {
    model.qr = await ensureMade(c.env, db, o, found, 'qr', origin);
    model.unavailable = model.qr === null;
    if (action.pageLink) model.pageUrl = `${origin}/pay/${o.payToken}/go/page`;
    if (o.mode === 'sandbox' && model.qr?.startsWith(`${origin}/sandbox/`)) model.simulatorUrl = withBack(model.qr, o);
  } else {
    model.inApp = true;
    if (o.payInfo) simulatorLink(o.payInfo);
  }
  return { model };
}

pay.get('/:token', async (c) => {
  let s = await stateOf(c);
  if (s.order.channel !== null && s.order.status === 'pending' && c.req.query('return') !== undefined) {
    await queryNow(c.env, idStore(c.env, s.order.id), s.order.id, publicOrigin(c));
    s = await stateOf(c);
  }
  const view = await statusView(c.env, s);
  let channel: ChannelModel | null = null;
  if (s.order.channel !== null && view.status === 'pending') {
    const page = await channelPage(c, s);
    if ('start' in page) return start(c, page.start);
    channel = page.model;
  }
  const nonce = randomToken(16);
  cashierHeaders(c, nonce);
  return c.html(renderCashier(cashierModel(s, view, channel, nonce), pickLang(c.req.header('accept-language'))));
});

/** The cashier page is never cached, runs only its own nonce'd script and sends no referrer. */
function cashierHeaders(c: Context<AppEnv>, nonce: string) {
  c.header('cache-control', 'no-store');
  c.header(
    'content-security-policy',
    `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  c.header('referrer-policy', 'no-referrer');
}

/** What the cashier page shows of an order, its status and its channel step. */
function cashierModel(
  s: PayState,
  view: Awaited<ReturnType<typeof statusView>>,
  channel: ChannelModel | null,
  nonce: string,
): Parameters<typeof renderCashier>[0] {
  const o = s.order;
  return {
    token: o.payToken,
    merchantName: s.merchantName,
    outOrderId: o.outOrderId,
    type: o.type,
    priceFen: o.priceFen,
    realpriceFen: o.realpriceFen,
    qrPayload: o.qrPayload,
    expiresMs: o.expiresMs,
    status: view.status,
    sandbox: o.mode === 'sandbox',
    returnUrl: view.return_url,
    timeoutUrl: view.timeout_url ?? o.timeoutUrl ?? s.appTimeout,
    acknowledged: view.acknowledged,
    nonce,
    channel,
  };
}

/** Sends the payer to the provider's `wap` or `page` payment page for a pending channel order. */
pay.get('/:token/go/:method', async (c) => {
  const s = await stateOf(c);
  const method = c.req.param('method');
  if (s.order.channel === null || (method !== 'wap' && method !== 'page'))
    throw new HuipayError('not_found', 'no such payment page');
  if (s.order.status !== 'pending' || Date.now() >= s.order.expiresMs)
    return c.redirect(`/pay/${s.order.payToken}`, 302);
  const to = await providerPage(
    c.env,
    idStore(c.env, s.order.id),
    s.order,
    await orderConfig(c.env, s.order),
    method,
    publicOrigin(c),
    payerIp(c),
  );
  if (!to) return c.redirect(`/pay/${s.order.payToken}?return=1`, 302);
  return start(c, to);
});

/**
 * The payer's browser back from a provider that returns by a form POST (UnionPay's `frontUrl`):
 * nothing in it is trusted; the page asks the provider itself (`?return=1`).
 */
pay.post('/:token', async (c) => {
  const s = await stateOf(c);
  return c.redirect(`/pay/${s.order.payToken}?return=1`, 303);
});

pay.get('/:token/status', async (c) => {
  const view = (await heldStatus(c.env, c.req.param('token'))) ?? (await statusView(c.env, await stateOf(c)));
  c.header('cache-control', 'no-store');
  return c.json(view);
});

/** Sandbox only: pays the order through the same path a monitor agent's report takes. */
pay.post('/:token/simulate', async (c) => {
  const { order: o } = await stateOf(c);
  if (o.mode !== 'sandbox') throw new HuipayError('forbidden', 'simulate is only for sandbox orders');
  if (o.channel !== null)
    throw new HuipayError(
      'bad_request',
      `order ${o.id} is paid through ${o.channel}: pay it on the simulator's payer page`,
    );
  if (o.type !== 'alipay' && o.type !== 'wechat')
    throw new HuipayError('bad_request', `type ${o.type} has no collection session to simulate`);
  const answer = await collector(c.env, o.merchantId, o.mode, o.shard).report({
    sessionId: o.sessionId,
    type: o.type,
    amountFen: o.realpriceFen,
    paidMs: Date.now(),
    ref: `simulate-${o.id}`,
    payer: 'sandbox simulator',
  });
  if (!answer) throw new HuipayError('conflict', "the order's session is no longer known to its collector");
  return c.json(answer);
});

export default pay;
