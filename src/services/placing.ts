/**
 * Placing an order, for the gatepay API and the facades alike: the one routing decision in the
 * merchant's Collector (checks, rules, rotation and a unique amount, atomically) and the one D1
 * insert of a session order on the merchant's store (`placeOrder`), or the official channel that
 * makes the order itself (`placeRouted`). An out_order_id that already has an order answers as
 * `taken`, with why. `db` is the control plane (read only to teach a Collector what it has not
 * learnt yet); the orders are read and written on the merchant's store.
 */
import { and, eq } from 'drizzle-orm';
import { queries, type NewOrder } from '../db/queries';
import { merchantStore } from '../db/stores';
import { firstId } from '../domain/stores';
import { orders, type Order } from '../db/schema';
import { GATEPAY_CODES as C, type CheckedCreate, type GatepayCode } from '../domain/gatepay';
import { planMonth } from '../domain/points';
import type { CheckedCreateInput, CreateInput, CreateOutcome } from '../durable/collector/types';
import type { Db } from '../env';
import type { OrderRef } from '../jobs';
import { type ChannelAsk, createChannelOrder } from './channel-orders';
import { collector, createShards, payTokens, type Route, withSynced } from './collector';
import { type FacadeStamp, orderColumns } from './lifecycle';
import { insertLiveOrder, planRefusal } from './points';

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
  const store = await merchantStore(env, route.merchantId);
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
    const existing = await findByKey(store, { appId: outcome.appId, outOrderId });
    // A pending order of this key on a shard not tried (this isolate's view of the shards is
    // older than the order): its hold answers the repeat, as the same order or a conflict.
    if (existing?.status === 'pending' && existing.channel === null && !shards.includes(existing.shard))
      outcome = await create((shard = existing.shard));
    if (existing && full(outcome)) return { kind: 'taken', existing, why: 'stale', asked: null };
  }
  if (outcome.kind === 'unknown_app' || outcome.kind === 'refused') return outcome;
  if (outcome.kind === 'channel') return { kind: 'channel', outcome };
  const ref = { appId: outcome.appId, outOrderId };
  if (outcome.kind === 'conflict') return taken(store, ref, 'conflict', null);
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
  const { merchant } = outcome;
  const month = planMonth(hold.createdMs, merchant.timezone);
  const insertedId =
    route.mode === 'live'
      ? await insertLiveOrder(store, merchant.store, row, month, merchant.plan)
      : (await queries(store).insertOrder.all({ ...row, first: firstId(merchant.store) }))[0]?.id;
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
  const existing = await findByKey(store, ref);
  const ours = existing?.payToken === hold.token;
  if (!ours) await collector(env, route.merchantId, route.mode, shard).release(ref, hold.token);
  if (!existing && route.mode === 'live') {
    const msg =
      (await planRefusal(store, route.merchantId, o.priceFen, month, merchant.plan)) ??
      'plan exceeded or points insufficient';
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
  const store = await merchantStore(env, route.merchantId);
  const made = await createChannelOrder(env, db, route, outcome, ask, origin, () => findByKey(store, ref), stamp);
  if (made.kind === 'order') return { kind: 'created', order: made.order };
  if (made.kind === 'existing') return taken(store, ref, 'unchecked', outcome.order);
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
