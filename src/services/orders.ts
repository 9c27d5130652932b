/**
 * The gatepay merchant API flows: create (the merchant's Collector authenticates, checks, routes
 * and reserves a slot → insert; or an official channel makes the order), query and close. Every
 * failure is a merchant-code HuipayError with the spec's code and a message naming the field and the likely cause.
 */
import { and, eq } from 'drizzle-orm';
import { orders, type Order } from '../db/schema';
import { GATEPAY_CODES as C, signRefusal } from '../domain/gatepay';
import type { PayerRegion } from '../domain/rules';
import { SIGN_FIELDS, type SignKind } from '../domain/sign';
import { merchantStore } from '../db/stores';
import type { Db } from '../env';
import { failMerchant } from '../errors';
import { appByKey, type AppWithSecret } from './apps';
import { channelAsk } from './channel-orders';
import { closeChannelOrder } from './channel-payments';
import { appRoute } from './collector';
import { backgroundOrigin, closeHeld, orderFacts, settleClose } from './lifecycle';
import type { RawParams } from './params';
import { type Placed, placeRouted } from './placing';

export interface RequestContext {
  origin: string;
  /** Where Cloudflare places the request; the `payer_region` parameter, when given, wins. */
  region: PayerRegion;
}

const present = (p: RawParams, f: string) => p[f] !== undefined && p[f] !== '';

/** The checks that need no app: appkey, sign and the signed fields present. */
export function requirePresent(p: RawParams, signed: readonly string[]): void {
  if (!present(p, 'appkey')) failMerchant(C.appkey_missing, 'appkey missing');
  if (!present(p, 'sign')) failMerchant(C.sign_missing, 'sign missing');
  for (const f of signed) if (p[f] === undefined) failMerchant(C.param_missing, `${f} missing`);
}

/** Checks appkey, sign presence, the app, and the sign of `kind` over the raw values. */
export async function authenticate(env: Env, db: Db, p: RawParams, kind: SignKind): Promise<AppWithSecret> {
  requirePresent(p, []);
  const app = await appByKey(env, db, p.appkey);
  if (!app) return failMerchant(C.appkey_invalid, 'appkey invalid: no app has this key');
  if (!app.enabled) failMerchant(C.api_closed, 'API closed: this app is disabled');
  const badSign = await signRefusal(kind, p, app.secret);
  if (badSign) failMerchant(badSign.code, badSign.msg);
  return app;
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
 * insert; or, routed to an official channel, the channel's order (`placeRouted`).
 */
export async function createOrder(env: Env, db: Db, p: RawParams, ctx: RequestContext) {
  requirePresent(p, SIGN_FIELDS.create.slice(1));
  const route = await appRoute(db, p.appkey);
  if (!route) return failMerchant(C.appkey_invalid, 'appkey invalid: no app has this key');
  const input = { params: p, region: ctx.region };
  const placed = await placeRouted(env, db, route, input, p.out_order_id, channelAsk(p), ctx.origin);
  if (placed.kind === 'unknown_app') return failMerchant(C.appkey_invalid, 'appkey invalid: no app has this key');
  if (placed.kind === 'refused') return failMerchant(placed.code, placed.msg);
  if (placed.kind === 'created') return { ...orderView(placed.order, ctx.origin), params: p };
  return { ...orderView(existingOrder(placed), ctx.origin), params: p };
}

/** A gatepay create whose out_order_id is taken: the same pending order again (100), or 211 / 212. */
function existingOrder({ existing, why, asked }: Extract<Placed, { kind: 'taken' }>): Order {
  if (!existing) return failMerchant(C.out_order_conflict, 'out_order_id already used with different parameters');
  if (existing.status !== 'pending' || why === 'stale') {
    return failMerchant(
      C.order_final,
      `order already ${existing.status === 'pending' ? 'expired' : existing.status}: use a new out_order_id`,
    );
  }
  if (
    why === 'conflict' ||
    !asked ||
    existing.priceFen !== asked.priceFen ||
    existing.type !== asked.type ||
    existing.custom !== asked.custom
  ) {
    return failMerchant(
      C.out_order_conflict,
      'out_order_id already used with different parameters (price, type or custom)',
    );
  }
  return existing;
}

/** Finds the app's order named by exactly one of order_id and out_order_id (authenticated by the sign of `kind`). */
export async function findOrder(
  env: Env,
  db: Db,
  p: RawParams,
  kind: SignKind = 'query',
): Promise<{ app: AppWithSecret; order: Order; store: Db }> {
  const app = await authenticate(env, db, p, kind);
  const byId = present(p, 'order_id');
  const byOut = present(p, 'out_order_id');
  if (!byId && !byOut) failMerchant(C.param_missing, 'order_id or out_order_id missing: give one of them');
  if (byId && byOut)
    failMerchant(
      C.param_missing,
      'order_id and out_order_id are both set: give exactly one of them, the other empty or absent',
    );
  if (byId && !/^\d{1,15}$/.test(p.order_id)) failMerchant(C.param_missing, 'order_id invalid: must be an integer');
  const store = await merchantStore(env, app.merchantId);
  const order = await store.query.orders.findFirst({
    where: and(
      eq(orders.appId, app.id),
      byId ? eq(orders.id, Number(p.order_id)) : eq(orders.outOrderId, p.out_order_id),
    ),
  });
  if (!order) {
    return failMerchant(C.param_missing, 'order not found: no order of this app has that order_id / out_order_id');
  }
  return { app, order, store };
}

/** `POST /api/cloudpay/query`. */
export async function queryOrder(env: Env, db: Db, p: RawParams, origin: string) {
  const { order } = await findOrder(env, db, p);
  return orderView(order, origin);
}

/** `POST /api/cloudpay/close`: pending → closed, freeing the amount slot. Closing a closed order is a no-op. */
export async function closeOrder(env: Env, db: Db, p: RawParams, origin: string) {
  const { order, store } = await findOrder(env, db, p);
  const closed = await closePending(env, store, order, origin);
  if ('refusal' in closed) return failMerchant(C.order_final, closed.refusal);
  return orderView(closed.order, origin);
}

/**
 * Closes a pending order (every API and the console) and gives back its order fee: a channel
 * order is closed at its provider first (a payment found there makes it paid: refused); a
 * session order's slot is freed in its Collector. A paid or expired order is refused. `db` is
 * the order's store.
 */
export async function closePending(
  env: Env,
  db: Db,
  order: Order,
  origin = backgroundOrigin(env),
): Promise<{ order: Order } | { refusal: string }> {
  if (order.status === 'closed') return { order };
  if (order.status !== 'pending') return { refusal: `order already ${order.status}: it cannot be closed` };
  if (order.channel !== null) {
    const after = await closeChannelOrder(env, db, order, origin);
    if (after.status === 'paid') return { refusal: 'order already paid at the provider: it cannot be closed' };
    // Its fee comes back once the provider confirms the close (a close retried later gives it back
    // then), so a payment the provider still takes meanwhile keeps the one fee it was charged.
    return settleClose(db, after, after.nextQueryMs === null);
  }
  return closeHeld(env, db, order);
}
