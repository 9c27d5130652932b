/**
 * The gatepay merchant API flows: create (the merchant's Collector authenticates, checks, routes
 * and reserves a slot → insert; or an official channel makes the order), query and close. Every
 * failure is a GatepayError with the spec's code and a message naming the field and the likely cause.
 */
import { and, eq } from 'drizzle-orm';
import { queries, type NewOrder } from '../db/queries';
import { orders, type Order } from '../db/schema';
import { GATEPAY_CODES as C, signRefusal, type GatepayCode } from '../domain/gatepay';
import { formatFen } from '../domain/money';
import type { PayerRegion } from '../domain/rules';
import { SIGN_FIELDS, type SignKind } from '../domain/sign';
import type { Db } from '../env';
import { GatepayError, unixSeconds } from '../errors';
import { appByKey, type AppWithSecret } from './apps';
import { appRoute, collector, createShards, payTokens, type Route, withSynced } from './collector';
import type { CheckedCreateInput, CreateInput, CreateOutcome, Hold } from '../durable/collector/types';
import type { CheckedCreate } from '../domain/gatepay';
import type { EpayFields } from '../domain/epay';
import type { VmqFields } from '../domain/vmq';
import type { Facade } from '../domain/vocab';
import type { RawParams } from './params';
import { insertLiveOrder, planRefusal, refundOrderFee } from './points';
import { planMonth } from '../domain/points';
import type { OrderRef } from '../queues/jobs';
import { type ChannelAsk, channelAsk, createChannelOrder } from './channel-orders';
import { backgroundOrigin, closeChannelOrder } from './channel-payments';

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

/** Checks appkey, sign presence, the app, and the sign of `kind` over the raw values. */
export async function authenticate(env: Env, db: Db, p: RawParams, kind: SignKind): Promise<AppWithSecret> {
  requirePresent(p, []);
  const app = await appByKey(env, db, p.appkey);
  if (!app) return fail(C.appkey_invalid, 'appkey invalid: no app has this key');
  if (!app.enabled) fail(C.api_closed, 'API closed: this app is disabled');
  const badSign = await signRefusal(kind, p, app.secret);
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

/** How a facade marks the orders it makes: its name and the strings its notify must echo. */
export interface FacadeStamp {
  facade: Facade;
  /** Its fields for an order on `hold`, or (null) through an official channel. */
  fields: (hold: Hold | null) => EpayFields | VmqFields;
}

/**
 * The result of placing an order. `taken`: the out_order_id has an order already, or the
 * Collector holds it — for other parameters (`conflict`), for these (`same`: a repeat), or no
 * longer (`stale`: it was paid, closed, or its time is up and its expiry is on its way).
 */
export type Placed =
  | { kind: 'created'; order: Order }
  /** The Collector routes the order to an official channel: the channel makes it (createOrder). */
  | { kind: 'channel'; outcome: Extract<CreateOutcome, { kind: 'channel' }> }
  | { kind: 'refused'; code: GatepayCode; msg: string }
  | { kind: 'unknown_app' }
  | {
      kind: 'taken';
      existing: Order | null;
      /** `unchecked`: an official channel's order of this key exists; its parameters are not compared yet. */
      why: 'conflict' | 'stale' | 'same' | 'unchecked';
      asked: CheckedCreate | null;
    };

/** Where a routed create ended: an order (new or taken) or why none; never still `channel`. */
export type Routed = Exclude<Placed, { kind: 'channel' }>;

/**
 * Every way of creating an order ends here: one Collector call (checks, rules, rotation and a
 * unique amount, atomically) and one D1 insert. The gatepay API passes its raw parameters (the
 * Collector checks its sign); a facade passes a create it has already authenticated and checked.
 * A sharded merchant's create goes to the shards `createShards` names for its key, the next one
 * only when a shard has no session or free amount (204).
 */
export async function placeOrder(
  env: Env,
  db: Db,
  route: Route,
  input: CreateInput | CheckedCreateInput,
  outOrderId: string,
  stamp?: FacadeStamp,
): Promise<Placed> {
  const [appkey, type] =
    'params' in input ? [input.params.appkey, input.params.type] : [input.appkey, input.order.type];
  const shards = await createShards(db, route, type ?? '', `${appkey}\u0000${outOrderId}`);
  const create = (shard: number) =>
    withSynced<CreateOutcome>(
      env,
      db,
      { ...route, shard },
      (c) => c.create(input),
      (r) => r.kind === 'unknown_app',
    );
  /** 204 from a Collector that knows the app: no session or no free amount there. */
  const full = (r: CreateOutcome): r is Extract<CreateOutcome, { kind: 'refused' }> & { appId: number } =>
    r.kind === 'refused' && r.code === C.no_method && r.appId !== undefined;
  let outcome: CreateOutcome = { kind: 'unknown_app' };
  let shard = 0;
  for (const k of shards) {
    outcome = await create((shard = k));
    if (!full(outcome)) break;
  }
  if (full(outcome)) {
    // No slot for a new order, but the key may name an order that exists: answer that (212 / 211).
    const existing = await findByKey(db, { appId: outcome.appId, outOrderId });
    // A pending order of this key on a shard not tried (this isolate's view of the shards is
    // older than the order): its hold answers the repeat, as the same order or a conflict.
    if (existing?.status === 'pending' && existing.channel === null && !shards.includes(existing.shard))
      outcome = await create((shard = existing.shard));
    if (existing && full(outcome)) return { kind: 'taken', existing, why: 'stale', asked: null };
  }
  if (outcome.kind === 'unknown_app' || outcome.kind === 'refused') return outcome;
  if (outcome.kind === 'channel') return { kind: 'channel', outcome };
  const ref = { appId: outcome.appId, outOrderId };
  if (outcome.kind === 'conflict') return taken(db, ref, 'conflict', null);
  const { hold, order: o } = outcome;
  const row: NewOrder = {
    ...orderColumns(route, outcome.appId, o),
    realpriceFen: hold.amountFen,
    sessionId: hold.sessionId,
    shard,
    payToken: hold.token,
    qrPayload: hold.qrPayload,
    createdMs: hold.createdMs,
    expiresMs: hold.expiresMs,
    facade: stamp?.facade ?? null,
    facadeFields: stamp ? stamp.fields(hold) : null,
  };
  const month = planMonth(hold.createdMs, outcome.timezone);
  const insertedId =
    route.mode === 'live' ? await insertLiveOrder(env.DB, row, month) : (await queries(db).insertOrder.all(row))[0]?.id;
  if (insertedId !== undefined) {
    const order: Order = {
      ...NO_CHANNEL,
      ...row,
      id: insertedId,
      status: 'pending',
      paymentId: null,
      paidMs: null,
      closedMs: null,
    };
    payTokens.remember(order.payToken, { ...route, shard, order: ref });
    return { kind: 'created', order };
  }
  // Nothing inserted: the out_order_id has an order already, or (live) the plan refused it. If the
  // key's order is this hold's (an identical create's insert landed first), it is the same order;
  // else the hold belongs to no order: free it (only it).
  const existing = await findByKey(db, ref);
  const ours = existing?.payToken === hold.token;
  if (!ours) await collector(env, route.merchantId, route.mode, shard).release(ref, hold.token);
  if (!existing && route.mode === 'live') {
    const msg = (await planRefusal(db, route.merchantId, o.priceFen, month)) ?? 'plan exceeded or points insufficient';
    return { kind: 'refused', code: C.quota, msg };
  }
  if (existing && !ours && existing.shard !== shard) {
    const elsewhere = await heldElsewhere(env, existing, o, outcome.fingerprint);
    if (elsewhere) return elsewhere;
  }
  return { kind: 'taken', existing: existing ?? null, why: ours ? 'same' : 'stale', asked: o };
}

/**
 * A sharded merchant's repeat of a create whose order another shard holds (an earlier attempt
 * found the first shard full and the next took it; the shard tried first now had room): a
 * pending order that shard still holds is the same order when its parameters are, else a
 * conflict. Null when the order is not pending or its hold there has ended (it is final).
 */
async function heldElsewhere(
  env: Env,
  existing: Order,
  asked: CheckedCreate,
  fingerprint: string,
): Promise<Placed | null> {
  if (existing.status !== 'pending' || existing.channel !== null) return null;
  const there = await collector(env, existing.merchantId, existing.mode, existing.shard).held({
    appId: existing.appId,
    outOrderId: existing.outOrderId,
  });
  if (there?.token !== existing.payToken) return null;
  return { kind: 'taken', existing, why: there.fingerprint === fingerprint ? 'same' : 'conflict', asked };
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

async function taken(
  db: Db,
  ref: OrderRef,
  why: 'conflict' | 'stale' | 'same' | 'unchecked',
  asked: CheckedCreate | null,
): Promise<Extract<Placed, { kind: 'taken' }>> {
  return { kind: 'taken', existing: (await findByKey(db, ref)) ?? null, why, asked };
}

/**
 * Places an order where the app's routing sends it — the one routing decision, in the Collector,
 * for the gatepay API and the facades alike: collection sessions (`placeOrder`), or an official
 * channel, which makes the order itself; when the channel refuses or cannot be reached under
 * official_then_personal, the sessions are asked once more for a slot.
 */
export async function placeRouted(
  env: Env,
  db: Db,
  route: Route,
  input: CreateInput | CheckedCreateInput,
  outOrderId: string,
  ask: ChannelAsk,
  origin: string,
  stamp?: FacadeStamp,
): Promise<Routed> {
  const placed = await placeOrder(env, db, route, input, outOrderId, stamp);
  if (placed.kind !== 'channel') return placed;
  const { outcome } = placed;
  const ref = { appId: outcome.appId, outOrderId };
  const made = await createChannelOrder(env, db, route, outcome, ask, origin, () => findByKey(db, ref), stamp);
  if (made.kind === 'order') return { kind: 'created', order: made.order };
  if (made.kind === 'existing') return taken(db, ref, 'unchecked', outcome.order);
  if (made.kind === 'refused') return made;
  const again = await placeOrder(env, db, route, { ...input, personalOnly: true }, outOrderId, stamp);
  if (again.kind === 'channel')
    return { kind: 'refused', code: C.unknown, msg: 'routing: a channel was chosen for a sessions-only create' };
  if (again.kind === 'refused' && again.code === C.no_method)
    return {
      ...again,
      msg: `no payment method available now: ${made.msg}; and ${again.msg.replace(/^no payment method available now: /, '')}`,
    };
  return again;
}

/**
 * `POST /api/cloudpay/create`: one Collector call (app, sign, checks, routing, slot), one D1
 * insert; or, routed to an official channel, the channel's order (`placeRouted`).
 */
export async function createOrder(env: Env, db: Db, p: RawParams, ctx: RequestContext) {
  requirePresent(p, SIGN_FIELDS.create.slice(1));
  const route = await appRoute(db, p.appkey);
  if (!route) return fail(C.appkey_invalid, 'appkey invalid: no app has this key');
  const input = { params: p, region: ctx.region };
  const placed = await placeRouted(env, db, route, input, p.out_order_id, channelAsk(p), ctx.origin);
  if (placed.kind === 'unknown_app') return fail(C.appkey_invalid, 'appkey invalid: no app has this key');
  if (placed.kind === 'refused') return fail(placed.code, placed.msg);
  if (placed.kind === 'created') return { ...orderView(placed.order, ctx.origin), params: p };
  return { ...orderView(existingOrder(placed), ctx.origin), params: p };
}

/** A gatepay create whose out_order_id is taken: the same pending order again (100), or 211 / 212. */
function existingOrder({ existing, why, asked }: Extract<Placed, { kind: 'taken' }>): Order {
  if (!existing) return fail(C.out_order_conflict, 'out_order_id already used with different parameters');
  if (existing.status !== 'pending' || why === 'stale') {
    return fail(
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
    return fail(C.out_order_conflict, 'out_order_id already used with different parameters (price, type or custom)');
  }
  return existing;
}

/** Finds the app's order named by exactly one of order_id and out_order_id (authenticated by the sign of `kind`). */
export async function findOrder(
  env: Env,
  db: Db,
  p: RawParams,
  kind: SignKind = 'query',
): Promise<{ app: AppWithSecret; order: Order }> {
  const app = await authenticate(env, db, p, kind);
  const byId = present(p, 'order_id');
  const byOut = present(p, 'out_order_id');
  if (!byId && !byOut) fail(C.param_missing, 'order_id or out_order_id missing: give one of them');
  if (byId && byOut)
    fail(
      C.param_missing,
      'order_id and out_order_id are both set: give exactly one of them, the other empty or absent',
    );
  if (byId && !/^\d{1,15}$/.test(p.order_id)) fail(C.param_missing, 'order_id invalid: must be an integer');
  const order = await db.query.orders.findFirst({
    where: and(
      eq(orders.appId, app.id),
      byId ? eq(orders.id, Number(p.order_id)) : eq(orders.outOrderId, p.out_order_id),
    ),
  });
  if (!order) {
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
  const { order } = await findOrder(env, db, p);
  const closed = await closePending(env, db, order, origin);
  if ('refusal' in closed) return fail(C.order_final, closed.refusal);
  return orderView(closed.order, origin);
}

/**
 * Closes a pending order (every API and the console) and gives back its order fee: a channel
 * order is closed at its provider first (a payment found there makes it paid: refused); a
 * session order's slot is freed in its Collector. A paid or expired order is refused.
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
    return settleClose(env, db, after, after.nextQueryMs === null);
  }
  const outcome = await collector(env, order.merchantId, order.mode, order.shard).release({
    appId: order.appId,
    outOrderId: order.outOrderId,
  });
  if (outcome === 'matched') return { refusal: 'order already paid: it cannot be closed' };
  const [closed] = await db
    .update(orders)
    .set({ status: 'closed', closedMs: Date.now() })
    .where(and(eq(orders.id, order.id), eq(orders.status, 'pending')))
    .returning();
  return settleClose(env, db, closed ?? (await db.query.orders.findFirst({ where: eq(orders.id, order.id) })));
}

/** After a close: the closed order with its order fee given back (when `final`), or why it is not closed. */
async function settleClose(
  env: Env,
  _db: Db,
  now: Order | undefined,
  final = true,
): Promise<{ order: Order } | { refusal: string }> {
  if (now?.status !== 'closed') return { refusal: `order already ${now?.status ?? 'gone'}: it cannot be closed` };
  if (final) await refundOrderFee(env.DB, now);
  return { order: now };
}
