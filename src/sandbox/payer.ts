/**
 * The payer's routes every simulator shares (WeChat Pay, UnionPay, QQ Wallet): `GET /qr/:token`
 * (what a scanned QR opens), `GET /pay/:token` (the payer page) and `POST /pay/:token` ("pay",
 * "cancel", optionally without the async notify). Paying marks the trade paid once, while it is
 * open and not past its expiry, and sends the provider's notify at once (later attempts come
 * from the sweep); what the browser sees next is the provider's own (`afterPay`).
 */
import { and, eq } from 'drizzle-orm';
import type { Context, Hono } from 'hono';
import { simTrades, type SimTrade } from '../db/schema';
import type { AppEnv, Db } from '../env';
import { readBody } from '../services/params';
import { cashierBack, type PayerBrand, payerPath, renderPayerPage, simulatorErrorPage } from './payer-page';
import { paySimTrade } from './store';
import { deliverSimulatedNotify } from './notify';
import type { SimNotifier } from './types';

export interface PayerSpec {
  channel: string;
  brand: PayerBrand;
  /** The provider's "no such trade" code, for the error page. */
  notFound: string;
  /** Statuses in which the trade can be paid, and the one paying sets. */
  open: string[];
  paidStatus: string;
  /** Statuses shown as paid (a refunded trade was paid). */
  paidStatuses: string[];
  notifier: SimNotifier;
  /** After paying, what the browser gets (a redirect or a form back to the merchant); null: the page saying paid. */
  afterPay?: (c: Context<AppEnv>, paid: SimTrade) => Promise<Response | null>;
}

export function mountPayer(sim: Hono<AppEnv>, spec: PayerSpec): void {
  const { brand } = spec;
  const byToken = (db: Db, token: string) =>
    db.query.simTrades.findFirst({ where: and(eq(simTrades.channel, spec.channel), eq(simTrades.token, token)) });
  const missing = (c: Context<AppEnv>, what: string) => c.html(simulatorErrorPage(brand, spec.notFound, what), 404);

  const model = (t: SimTrade, message: string | null, back: string | null, nowMs = Date.now()) => {
    const expired = t.expiresMs !== null && nowMs >= t.expiresMs;
    const payable = spec.open.includes(t.status) && !expired;
    const paid = spec.paidStatuses.includes(t.status);
    return {
      token: t.token,
      subject: t.subject,
      amountFen: t.amountFen,
      account: t.account,
      outTradeNo: t.outTradeNo,
      status: `${t.api} ${t.status}`,
      payable,
      paid,
      message:
        message ?? (paid ? '支付成功 Paid' : !payable ? (expired ? '订单已过期 Expired' : '订单已关闭 Closed') : null),
      backUrl: payable ? null : (t.returnUrl ?? back),
      back,
    };
  };
  const page = (t: SimTrade, back: string | null, message: string | null = null) =>
    renderPayerPage(model(t, message, back), brand);

  sim.get('/qr/:token', async (c) => {
    const t = await byToken(c.get('db'), c.req.param('token'));
    if (!t) return missing(c, '二维码无效 Unknown QR code');
    return c.redirect(payerPath(brand.base, t.token, c.req.query('back')), 302);
  });

  sim.get('/pay/:token', async (c) => {
    const t = await byToken(c.get('db'), c.req.param('token'));
    if (!t) return missing(c, '订单不存在 No such trade');
    c.header('cache-control', 'no-store');
    return c.html(page(t, cashierBack(c.req.query('back'))));
  });

  sim.post('/pay/:token', async (c) => {
    const db = c.get('db');
    const t = await byToken(db, c.req.param('token'));
    if (!t) return missing(c, '订单不存在 No such trade');
    const body = await readBody(c);
    const form = new URLSearchParams(body.ok ? body.text : '');
    const back = cashierBack(form.get('back'));
    if (form.get('action') === 'cancel') {
      const quit = t.returnUrl ?? back;
      if (quit) return c.redirect(quit, 302);
      return c.html(page(t, back, '已取消支付 Payment cancelled'));
    }
    const paid = await paySimTrade(db, t, spec.open, spec.paidStatus, form.get('notify') === 'skip');
    if (!paid) return c.html(page(t, back), 409);
    if (paid.notifyState === 'pending')
      await deliverSimulatedNotify(c.env, db, paid.id, spec.notifier, new URL(c.req.url).origin);
    return (await spec.afterPay?.(c, paid)) ?? c.html(page(paid, back, '支付成功 Paid'));
  });
}
