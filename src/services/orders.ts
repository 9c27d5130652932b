/**
 * The gatepay merchant API flows: create (the merchant's Collector authenticates, checks and
 * reserves a slot → insert), query and close. Every failure is a GatepayError with the spec's
 * code and a message naming the field and the likely cause.
 */
import { and, eq } from 'drizzle-orm';
import { queries, type NewOrder } from '../db/queries';
import { orders, type Order } from '../db/schema';
import { type CheckedCreate, GATEPAY_CODES as C, signRefusal, type GatepayCode } from '../domain/gatepay';
import { formatFen } from '../domain/money';
import type { PayerRegion } from '../domain/rules';
import { SIGN_FIELDS } from '../domain/sign';
import type { Db } from '../env';
import { GatepayError, unixSeconds } from '../errors';
import { appByKey, type AppWithSecret } from './apps';
import { appRoute, collector, payTokens, type Route, withSynced } from './collector';
import type { CreateOutcome } from '../durable/collector/types';
import type { RawParams } from './params';
import type { OrderRef } from '../queues/jobs';
import { createChannelOrder } from './channel-orders';
import { closeChannelOrder } from './channel-payments';

export interface RequestContext {
  origin: string;
  /** Where Cloudflare places the request; the `payer_region` parameter, when given, wins. */
  region: PayerRegion;
}

const fail = (code: GatepayCode, msg: string): never => {
  throw new GatepayError(code, msg);
};

const present = (p: RawParams, f: string) => p[f] !== undefined && p[f] !== '';

/** The checks that need no app: appkey, sign and the signed fields present. */
export function requirePresent(p: RawParams, signed: readonly string[]): void {
  if (!present(p, 'appkey')) fail(C.appkey_missing, 'appkey missing');
  if (!present(p, 'sign')) fail(C.sign_missing, 'sign missing');
  for (const f of signed) if (p[f] === undefined) fail(C.param_missing, `${f} missing`);
}

/** Checks appkey, sign presence, the app, and the sign over the raw values of `fields`. */
export async function authenticate(env: Env, db: Db, p: RawParams, fields: readonly string[]): Promise<AppWithSecret> {
  requirePresent(p, []);
  const app = await appByKey(env, db, p.appkey);
  if (!app) return fail(C.appkey_invalid, 'appkey invalid: no app has this key');
  if (!app.enabled) fail(C.api_closed, 'API closed: this app is disabled');
  const badSign = await signRefusal(fields, p, app.secret);
  if (badSign) fail(badSign.code, badSign.msg);
  return app;
}

/** The order as merchants see it (merchant API answers, webhook events). */
export function orderFacts(o: Order) {
  return {
    order_id: o.id,
    out_order_id: o.outOrderId,
    status: o.status,
    price: formatFen(o.priceFen),
    realprice: formatFen(o.realpriceFen),
    type: o.type,
    custom: o.custom,
    product_id: o.productId,
    paytime: o.paidMs === null ? 0 : unixSeconds(o.paidMs),
    created: unixSeconds(o.createdMs),
    expires: unixSeconds(o.expiresMs),
    expires_at: unixSeconds(o.expiresMs),
    channel: o.channel,
    method: o.method,
    refunded: formatFen(o.refundedFen),
  };
}

/**
 * The order as the merchant API answers it: its facts and where the payer goes. The QR image is
 * of what the payer scans: the session's code, the provider's QR (`qr`), else the cashier page.
 */
export function orderView(o: Order, origin: string) {
  const payUrl = `${origin}/pay/${o.payToken}`;
  return {
    ...orderFacts(o),
    pay_url: payUrl,
    qrcode_url: `${origin}/qrcode?text=${encodeURIComponent(o.qrPayload || payUrl)}`,
    ...(o.payInfo ? { pay_info: o.payInfo } : {}),
  };
}

/**
 * `POST /api/cloudpay/create`: one Collector call (app, sign, checks, routing, slot), one D1
 * insert. An order the Collector routes to an official channel is made by the channel instead
 * (and comes back here for a slot when the channel fails under official_then_personal).
 */
export async function createOrder(env: Env, db: Db, p: RawParams, ctx: RequestContext) {
  requirePresent(p, SIGN_FIELDS.create.slice(1));
  const route = await appRoute(db, p.appkey);
  if (!route) return fail(C.appkey_invalid, 'appkey invalid: no app has this key');
  const ask = (personalOnly: boolean) =>
    withSynced<CreateOutcome>(
      env,
      db,
      route,
      (c) => c.create({ params: p, region: ctx.region, personalOnly }),
      (r) => r.kind === 'unknown_app',
    );
  let outcome = await ask(false);
  let channelFailure: string | null = null;
  if (outcome.kind === 'channel') {
    const o = outcome.order;
    const ref = { appId: outcome.appId, outOrderId: p.out_order_id };
    const asked = { price: o.priceFen, type: o.type, custom: o.custom };
    const made = await createChannelOrder(env, db, route, outcome, p, ctx.origin, () => findByKey(db, ref));
    if (made.kind === 'order') return { ...orderView(made.order, ctx.origin), params: p };
    if (made.kind === 'existing') return existingOutcome(await findByKey(db, ref), asked, ctx.origin, p);
    channelFailure = made.msg;
    outcome = await ask(true);
  }
  if (outcome.kind === 'unknown_app') return fail(C.appkey_invalid, 'appkey invalid: no app has this key');
  if (outcome.kind === 'refused' && channelFailure && outcome.code === C.no_method)
    return fail(
      C.no_method,
      `no payment method available now: ${channelFailure}; and ${outcome.msg.replace(/^no payment method available now: /, '')}`,
    );
  if (outcome.kind === 'refused') return fail(outcome.code, outcome.msg);
  if (outcome.kind === 'channel') return fail(C.unknown, 'routing: a channel was chosen for a sessions-only create');
  const ref = { appId: outcome.appId, outOrderId: p.out_order_id };
  if (outcome.kind === 'conflict') return existingOutcome(await findByKey(db, ref), 'conflict', ctx.origin, p);
  const { hold, order: o } = outcome;
  const row: NewOrder = {
    ...orderColumns(route, outcome.appId, o),
    realpriceFen: hold.amountFen,
    sessionId: hold.sessionId,
    payToken: hold.token,
    qrPayload: hold.qrPayload,
    createdMs: hold.createdMs,
    expiresMs: hold.expiresMs,
  };
  const [inserted] = await queries(db).insertOrder.all(row);
  if (inserted) {
    const order: Order = {
      ...NO_CHANNEL,
      ...row,
      id: inserted.id,
      status: 'pending',
      paymentId: null,
      paidMs: null,
      closedMs: null,
    };
    payTokens.remember(order.payToken, { ...route, order: ref });
    return { ...orderView(order, ctx.origin), params: p };
  }
  // The out_order_id has an order already. If it is this hold's order (an identical create's
  // insert landed first), answer it; else the hold belongs to no order: free it (only it).
  const existing = await findByKey(db, ref);
  const ours = existing?.payToken === hold.token;
  if (!ours) await collector(env, route.merchantId, route.mode).release(ref, hold.token);
  return existingOutcome(
    existing,
    ours ? { price: o.priceFen, type: o.type, custom: o.custom } : 'stale',
    ctx.origin,
    p,
  );
}

/** The columns of a new order that come from the checked create request, however it is paid. */
export function orderColumns(route: Route, appId: number, o: CheckedCreate) {
  return {
    merchantId: route.merchantId,
    appId,
    mode: route.mode,
    outOrderId: o.outOrderId,
    type: o.type,
    priceFen: o.priceFen,
    custom: o.custom,
    productId: o.productId,
    notifyUrl: o.notifyUrl,
    returnUrl: o.returnUrl,
    timeoutUrl: o.timeoutUrl,
  };
}

/** The channel columns of an order paid into a collection session. */
const NO_CHANNEL = {
  channel: null,
  method: null,
  channelConfigId: null,
  providerTradeNo: null,
  providerTxnId: null,
  payInfo: null,
  subject: null,
  clientIp: null,
  openid: null,
  nextQueryMs: null,
  queryAttempts: 0,
  refundedFen: 0,
} satisfies Partial<Order>;

const findByKey = (db: Db, ref: OrderRef) =>
  db.query.orders.findFirst({ where: and(eq(orders.appId, ref.appId), eq(orders.outOrderId, ref.outOrderId)) });

type Asked = { price: number; type: string; custom: string };

/**
 * A create whose out_order_id is taken: the same pending order again (100), or 211 / 212.
 * `conflict`: the Collector holds the key for other parameters; `stale`: the key's order is an
 * older one than the slot just held (final, or pending with its expiry on the way).
 */
function existingOutcome(
  existing: Order | undefined,
  asked: Asked | 'conflict' | 'stale',
  origin: string,
  params: RawParams,
) {
  if (!existing) return fail(C.out_order_conflict, 'out_order_id already used with different parameters');
  if (existing.status !== 'pending' || asked === 'stale') {
    return fail(
      C.order_final,
      `order already ${existing.status === 'pending' ? 'expired' : existing.status}: use a new out_order_id`,
    );
  }
  if (
    asked === 'conflict' ||
    existing.priceFen !== asked.price ||
    existing.type !== asked.type ||
    existing.custom !== asked.custom
  ) {
    return fail(C.out_order_conflict, 'out_order_id already used with different parameters (price, type or custom)');
  }
  return { ...orderView(existing, origin), params };
}

/** Finds the app's order named by order_id or out_order_id (authenticated by the sign over `fields`). */
export async function findOrder(
  env: Env,
  db: Db,
  p: RawParams,
  fields: readonly string[] = SIGN_FIELDS.query,
): Promise<{ app: AppWithSecret; order: Order }> {
  const app = await authenticate(env, db, p, fields);
  const byId = present(p, 'order_id');
  if (!byId && !present(p, 'out_order_id')) fail(C.param_missing, 'order_id or out_order_id missing: give one of them');
  if (byId && !/^\d{1,15}$/.test(p.order_id)) fail(C.param_missing, 'order_id invalid: must be an integer');
  const order = await db.query.orders.findFirst({
    where: and(
      eq(orders.appId, app.id),
      byId ? eq(orders.id, Number(p.order_id)) : eq(orders.outOrderId, p.out_order_id),
    ),
  });
  if (!order || (byId && present(p, 'out_order_id') && order.outOrderId !== p.out_order_id)) {
    return fail(C.param_missing, 'order not found: no order of this app has that order_id / out_order_id');
  }
  return { app, order };
}

/** `POST /api/cloudpay/query`. */
export async function queryOrder(env: Env, db: Db, p: RawParams, origin: string) {
  const { order } = await findOrder(env, db, p);
  return orderView(order, origin);
}

/** `POST /api/cloudpay/close`: pending → closed, freeing the amount slot. Closing a closed order is a no-op. */
export async function closeOrder(env: Env, db: Db, p: RawParams, origin: string) {
  const { app, order } = await findOrder(env, db, p);
  if (order.status === 'closed') return orderView(order, origin);
  if (order.status !== 'pending') fail(C.order_final, `order already ${order.status}: it cannot be closed`);
  if (order.channel !== null) return orderView(await closeChannelOrder(env, db, order, origin), origin);
  const outcome = await collector(env, app.merchantId, app.mode).release({
    appId: app.id,
    outOrderId: order.outOrderId,
  });
  if (outcome === 'matched') fail(C.order_final, 'order already paid: it cannot be closed');
  const [closed] = await db
    .update(orders)
    .set({ status: 'closed', closedMs: Date.now() })
    .where(and(eq(orders.id, order.id), eq(orders.status, 'pending')))
    .returning();
  if (closed) return orderView(closed, origin);
  const now = await db.query.orders.findFirst({ where: eq(orders.id, order.id) });
  if (now?.status === 'closed') return orderView(now, origin);
  return fail(C.order_final, `order already ${now?.status ?? 'gone'}: it cannot be closed`);
}
