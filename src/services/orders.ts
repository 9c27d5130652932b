/**
 * The gatepay merchant API flows: create (verify → reserve a slot in the Collector → insert),
 * query and close. Every failure is a GatepayError with the spec's code and a message naming
 * the field and the likely cause.
 */
import { and, eq } from 'drizzle-orm';
import { orders, type Order } from '../db/schema';
import { randomToken } from '../domain/ids';
import { outboundUrlProblem } from '../domain/ssrf';
import { formatFen, parseYuan } from '../domain/money';
import { parseRegion, type PayerRegion } from '../domain/rules';
import { gatepaySign, safeEqual, SIGN_FIELDS, signFormula } from '../domain/sign';
import { PAY_TYPES, SESSION_TYPES, type PayType } from '../domain/vocab';
import type { Db } from '../env';
import { GATEPAY_CODES as C, GatepayError, unixSeconds } from '../errors';
import { appByKey, notifyTarget, type AppWithSecret } from './apps';
import { collector } from './collector';
import type { RawParams } from './params';

const OUT_ORDER_ID = /^[A-Za-z0-9_.|-]{1,64}$/;
const URL_FIELDS = ['notify_url', 'return_url', 'timeout_url'] as const;
const DEFAULT_MAX_FEN = 5_000_000;

export interface RequestContext {
  origin: string;
  /** Where Cloudflare places the request; the `payer_region` parameter, when given, wins. */
  region: PayerRegion;
}

const fail = (code: (typeof C)[keyof typeof C], msg: string): never => {
  throw new GatepayError(code, msg);
};

const present = (p: RawParams, f: string) => p[f] !== undefined && p[f] !== '';

/** Checks appkey, sign presence, the app, and the sign over the raw values of `fields`. */
async function authenticate(env: Env, db: Db, p: RawParams, fields: readonly string[], required: readonly string[]): Promise<AppWithSecret> {
  if (!present(p, 'appkey')) fail(C.appkey_missing, 'appkey missing');
  if (!present(p, 'sign')) fail(C.sign_missing, 'sign missing');
  for (const f of required) if (p[f] === undefined) fail(C.param_missing, `${f} missing`);
  const app = await appByKey(env, db, p.appkey);
  if (!app) return fail(C.appkey_invalid, 'appkey invalid: no app has this key');
  if (!app.enabled) fail(C.api_closed, 'API closed: this app is disabled');
  const expected = await gatepaySign(fields.map((f) => p[f] ?? ''), app.secret);
  if (!safeEqual(p.sign.toLowerCase(), expected)) {
    fail(C.sign_invalid, `sign invalid: expected ${signFormula(fields)} over the raw values as sent, lowercase hex`);
  }
  return app;
}

/** A per-order URL override: http(s), and for a live app's notify_url not an internal address. */
function checkUrl(field: string, value: string, live: boolean): void {
  const problem = value.length > 1024 ? 'must be at most 1024 characters' : outboundUrlProblem(value, live && field === 'notify_url');
  if (problem) fail(C.param_forbidden, `${field}: ${problem}`);
}

export function maxFen(env: Env): number {
  const parsed = parseYuan(env.MAX_AMOUNT ?? '', Number.MAX_SAFE_INTEGER);
  return parsed.ok ? parsed.value : DEFAULT_MAX_FEN;
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
  };
}

/** The order as the merchant API answers it: its facts and where the payer goes. */
export function orderView(o: Order, origin: string) {
  return { ...orderFacts(o), pay_url: `${origin}/pay/${o.payToken}`, qrcode_url: `${origin}/qrcode?text=${encodeURIComponent(o.qrPayload)}` };
}

/** `POST /api/cloudpay/create`. */
export async function createOrder(env: Env, db: Db, p: RawParams, ctx: RequestContext) {
  const app = await authenticate(env, db, p, SIGN_FIELDS.create, ['price', 'type', 'out_order_id', 'custom']);
  for (const f of ['price', 'type', 'out_order_id']) if (!present(p, f)) fail(C.param_missing, `${f} missing`);
  const overrides = URL_FIELDS.filter((f) => present(p, f));
  if (overrides.length && !app.allowUrlOverride) {
    fail(C.param_forbidden, `${overrides[0]} is not allowed: this app does not accept per-order URL overrides (enable allow_url_override)`);
  }
  overrides.forEach((f) => checkUrl(f, p[f], app.mode === 'live'));
  const price = parseYuan(p.price, maxFen(env));
  if (!price.ok) return fail(C.price_invalid, `price invalid: ${price.error}`);
  if (!(PAY_TYPES as readonly string[]).includes(p.type)) fail(C.type_invalid, `type invalid: must be one of ${PAY_TYPES.join(', ')}`);
  const type = p.type as PayType;
  if (!app.payTypes.includes(type) || !(SESSION_TYPES as readonly string[]).includes(type)) {
    fail(C.type_closed, `type ${type} is closed for this app`);
  }
  if (!OUT_ORDER_ID.test(p.out_order_id)) fail(C.param_missing, 'out_order_id invalid: 1-64 characters of A-Z a-z 0-9 _ . | -');
  if (p.custom.length > 255) fail(C.param_missing, 'custom invalid: at most 255 characters');
  const productId = p.product_id ?? '';
  if (productId.length > 64) fail(C.param_missing, 'product_id invalid: at most 64 characters');
  if (!(p.return_url || app.returnUrl)) fail(C.return_url_missing, 'return URL not configured for this app');
  if (!(p.notify_url || notifyTarget(app))) fail(C.notify_url_missing, 'notify URL not configured for this app');
  const region = present(p, 'payer_region') ? parseRegion(p.payer_region) : ctx.region;
  if (!region) return fail(C.param_missing, 'payer_region invalid: an ISO country code (US) or China province code (CN-GD)');

  const ref = { appId: app.id, outOrderId: p.out_order_id };
  const reserved = await collector(env, app.merchantId, app.mode).reserve({
    order: ref,
    fingerprint: JSON.stringify([price.value, type, p.custom]),
    type,
    priceFen: price.value,
    ttlMs: app.orderTtlSeconds * 1000,
    region,
  });
  if (!reserved.ok) {
    if (reserved.reason === 'conflict') return existingOutcome(db, ref, 'conflict', ctx.origin, p);
    return fail(C.no_method, reserved.reason === 'no_slot'
      ? 'no payment method available now: every amount slot near this price is taken, try again shortly'
      : `no payment method available now: no online ${type} session accepts this order`);
  }
  const { hold } = reserved;
  const inserted = await db
    .insert(orders)
    .values({
      merchantId: app.merchantId, appId: app.id, mode: app.mode, outOrderId: p.out_order_id, type,
      priceFen: price.value, realpriceFen: hold.amountFen, custom: p.custom, productId, sessionId: hold.sessionId,
      payToken: randomToken(24), qrPayload: hold.qrPayload,
      notifyUrl: p.notify_url || null, returnUrl: p.return_url || null, timeoutUrl: p.timeout_url || null,
      createdMs: hold.createdMs, expiresMs: hold.expiresMs,
    })
    .onConflictDoNothing({ target: [orders.appId, orders.outOrderId] })
    .returning();
  if (inserted[0]) return { ...orderView(inserted[0], ctx.origin), params: p };
  // The out_order_id has an order already. A slot taken just now belongs to no order: free it.
  if (hold.fresh) await collector(env, app.merchantId, app.mode).release(ref);
  return existingOutcome(db, ref, hold.fresh ? 'stale' : { price: price.value, type, custom: p.custom }, ctx.origin, p);
}

type Asked = { price: number; type: string; custom: string };

/**
 * A create whose out_order_id is taken: the same pending order again (100), or 211 / 212.
 * `conflict`: the Collector holds the key for other parameters; `stale`: it no longer holds it
 * (the order's time is up and its expiry is on its way).
 */
async function existingOutcome(db: Db, ref: { appId: number; outOrderId: string }, asked: Asked | 'conflict' | 'stale', origin: string, params: RawParams) {
  const existing = await db.query.orders.findFirst({ where: and(eq(orders.appId, ref.appId), eq(orders.outOrderId, ref.outOrderId)) });
  if (!existing) return fail(C.out_order_conflict, 'out_order_id already used with different parameters');
  if (existing.status !== 'pending' || asked === 'stale') {
    return fail(C.order_final, `order already ${existing.status === 'pending' ? 'expired' : existing.status}: use a new out_order_id`);
  }
  if (asked === 'conflict' || existing.priceFen !== asked.price || existing.type !== asked.type || existing.custom !== asked.custom) {
    return fail(C.out_order_conflict, 'out_order_id already used with different parameters (price, type or custom)');
  }
  return { ...orderView(existing, origin), params };
}

/** Finds the app's order named by order_id or out_order_id (authenticated query/close). */
async function findOrder(env: Env, db: Db, p: RawParams): Promise<{ app: AppWithSecret; order: Order }> {
  const app = await authenticate(env, db, p, SIGN_FIELDS.query, []);
  const byId = present(p, 'order_id');
  if (!byId && !present(p, 'out_order_id')) fail(C.param_missing, 'order_id or out_order_id missing: give one of them');
  if (byId && !/^\d{1,15}$/.test(p.order_id)) fail(C.param_missing, 'order_id invalid: must be an integer');
  const order = await db.query.orders.findFirst({
    where: and(eq(orders.appId, app.id), byId ? eq(orders.id, Number(p.order_id)) : eq(orders.outOrderId, p.out_order_id)),
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
  const outcome = await collector(env, app.merchantId, app.mode).release({ appId: app.id, outOrderId: order.outOrderId });
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

