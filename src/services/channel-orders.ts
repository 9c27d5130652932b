/**
 * Orders through an official channel (SPEC §11.2): the merchant API is unchanged; the Collector
 * has decided the order goes to a channel (no amount hold: realprice = price) — for the gatepay
 * API and the facades alike, which differ only in what they ask of the channel (`ChannelAsk`).
 * Server-to-server methods (`qr`, `app`, `jsapi`) talk to the provider during create, before the
 * order is written, so a refusal writes nothing (or falls back to sessions under
 * official_then_personal); the plan is checked before the provider is called, and a trade the
 * order's insert then does not record (a plan refusal in a race) is closed at the provider.
 * Browser methods (`wap`, `page`) and `auto` are signed when the payer opens the cashier page.
 * A live order is written by the plan's guarded insert (SPEC §7: fee held, quota counted, or 110).
 */
import { and, eq, isNull } from 'drizzle-orm';
import { type NewChannelOrder, nextId } from '../db/queries';
import { storeDb } from '../db/stores';
import { firstId, storeToken } from '../domain/stores';
import { orders, type ChannelConfig, type Order } from '../db/schema';
import { channelFor, channelNamed } from '../channels/registry';
import type { BrowserStart, ChannelOrder } from '../channels/types';
import type { CreateOutcome, MerchantFacts } from '../durable/collector/types';
import { GATEPAY_CODES as C, type GatepayCode } from '../domain/gatepay';
import { randomToken } from '../domain/ids';
import { planMonth } from '../domain/points';
import { CREATE_METHODS, type ChannelMethod, type CreateMethod } from '../domain/vocab';
import type { Db } from '../env';
import { failMerchant } from '../errors';
import { sendTimed } from '../jobs';
import { type ConfigWithApp, channelContext, implicitConfig, logCalls, notifyUrlOf, orderConfig } from './channels';
import type { Route } from './collector';
import { type FacadeStamp, orderColumns } from './lifecycle';
import { insertLiveOrder, planRefusal } from './points';
import type { RawParams } from './params';

type ChannelOutcome = Extract<CreateOutcome, { kind: 'channel' }>;

/** What a channel needs of an order (stored, or about to be). */
export function channelOrderOf(
  o: Pick<Order, 'providerTradeNo' | 'realpriceFen' | 'subject' | 'createdMs' | 'expiresMs' | 'clientIp' | 'openid'> & {
    providerTxnId?: string | null;
  },
): ChannelOrder {
  return {
    providerTradeNo: o.providerTradeNo ?? '',
    amountFen: o.realpriceFen,
    subject: o.subject ?? '',
    createdMs: o.createdMs,
    expiresMs: o.expiresMs,
    clientIp: o.clientIp,
    openid: o.openid,
    providerTxnId: o.providerTxnId ?? null,
  };
}

/** huipay's order number at the provider: unguessable, unique, ≤ 64 of letters and digits. */
const providerTradeNo = (nowMs: number) =>
  `hp${new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '')}${randomToken(22)}`;

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]{2,39})$/;

/** True for what may be sent to a provider as the payer's IP address. */
export const isIpAddress = (s: string) => IP.test(s);

/** What a create asks of a channel besides the order: the unsigned parameters of SPEC §11.2. */
export interface ChannelAsk {
  /** The gatepay API's `method` as sent (absent or '': auto), checked against the channel and its config. */
  method?: string;
  /** A facade's choice: this method when the channel and the app's config offer it, else `auto`; never refused. */
  prefer?: ChannelMethod;
  subject?: string;
  clientIp?: string;
  openid?: string;
}

/** The channel parameters of a gatepay create request. */
export const channelAsk = (p: RawParams): ChannelAsk => ({
  method: p.method,
  subject: p.subject,
  clientIp: p.client_ip,
  openid: p.openid,
});

/** What a create asks of the channel, checked against the channel and its config (105 naming the field). */
function channelParams(ask: ChannelAsk, cfg: ChannelConfig, appName: string) {
  const channel = channelNamed(cfg.channel) ?? failMerchant(C.type_closed, `type closed: no channel ${cfg.channel}`);
  const offered = (m: ChannelMethod) => channel.methods.includes(m) && cfg.methods.includes(m);
  const method = (ask.prefer ? (offered(ask.prefer) ? ask.prefer : 'auto') : ask.method || 'auto') as CreateMethod;
  if (!(CREATE_METHODS as readonly string[]).includes(method))
    failMerchant(C.param_missing, `method invalid: one of ${CREATE_METHODS.join(', ')}`);
  if (method !== 'auto' && !channel.methods.includes(method))
    failMerchant(
      C.param_missing,
      `method ${method} is not offered by ${channel.name} (it has ${channel.methods.join(', ')})`,
    );
  if (method !== 'auto' && !cfg.methods.includes(method))
    failMerchant(
      C.param_missing,
      `method ${method} is not enabled in this app's ${channel.name} config (enabled: ${cfg.methods.join(', ')})`,
    );
  const subject = ask.subject || appName;
  if (subject.length > 256 || /\p{Cc}/u.test(subject))
    failMerchant(C.param_missing, 'subject invalid: at most 256 characters, no control characters');
  if (ask.clientIp && !IP.test(ask.clientIp))
    failMerchant(C.param_missing, 'client_ip invalid: an IPv4 or IPv6 address');
  if (ask.openid && !/^[\w-]{1,128}$/.test(ask.openid))
    failMerchant(C.param_missing, 'openid invalid: 1-128 letters, digits, _ or -');
  if (method === 'jsapi' && !ask.openid)
    failMerchant(C.param_missing, 'openid missing: method jsapi needs the payer openid');
  return { channel, method, subject, clientIp: ask.clientIp || null, openid: ask.openid || null };
}

/**
 * The config an order goes through, from the merchant's Collector: the app's own, or (sandbox, no
 * setup) the simulator's, made on first use; null when just removed.
 */
async function configFor(env: Env, db: Db, route: Route, outcome: ChannelOutcome): Promise<ConfigWithApp | null> {
  const channel = channelFor(outcome.order.type)!;
  const cfg = outcome.configId ?? (await implicitConfig(env, db, outcome.appId, channel.name)).id;
  return orderConfig(env, { ...route, appId: outcome.appId, channelConfigId: cfg });
}

export type ChannelMade =
  | { kind: 'order'; order: Order }
  /** An order of this out_order_id exists already (its parameters are not compared here). */
  | { kind: 'existing' }
  /** The provider refused or could not be reached, and official_then_personal lets sessions try. */
  | { kind: 'fallback'; msg: string }
  /** No order: the provider's answer (204) or the merchant's plan (110). */
  | { kind: 'refused'; code: GatepayCode; msg: string };

/**
 * Creates an order through a channel. A live order is written by the same guarded insert as a
 * session order (its fee held and its month's quota counted, or refused with 110). `existing`
 * finds an order already made for this out_order_id (the idempotent answer); `stamp` marks an
 * order a facade makes, so its notify is the facade's.
 */
export async function createChannelOrder(
  env: Env,
  db: Db,
  route: Route,
  outcome: ChannelOutcome,
  ask: ChannelAsk,
  origin: string,
  existing: () => Promise<Order | undefined>,
  stamp?: FacadeStamp,
): Promise<ChannelMade> {
  if (await existing()) return { kind: 'existing' };
  const { merchant } = outcome;
  const store = storeDb(env, merchant.store);
  const found = await configFor(env, db, route, outcome);
  if (!found)
    return {
      kind: 'refused',
      code: C.no_method,
      msg: 'no payment method available now: the channel config was just removed',
    };
  const { cfg, app } = found;
  const { channel, method, subject, clientIp, openid } = channelParams(ask, cfg, app.name);
  const o = outcome.order;
  const nowMs = Date.now();
  const row: NewChannelOrder = {
    ...orderColumns(route, outcome.appId, o),
    realpriceFen: o.priceFen,
    sessionId: 0,
    shard: 0,
    payToken: storeToken(merchant.store, randomToken(24)),
    qrPayload: '',
    createdMs: nowMs,
    expiresMs: nowMs + outcome.ttlMs,
    facade: stamp?.facade ?? null,
    facadeFields: stamp ? stamp.fields(null) : null,
    channel: channel.name,
    method,
    channelConfigId: cfg.id,
    providerTradeNo: providerTradeNo(nowMs),
    subject,
    clientIp,
    openid,
    payInfo: null,
    nextQueryMs: nowMs + 60_000,
  };
  const month = planMonth(nowMs, merchant.timezone);
  const planRefused = (msg: string | null) =>
    ({ kind: 'refused', code: C.quota, msg: msg ?? 'plan exceeded or points insufficient' }) as const;
  const { ctx, calls } = await channelContext(env, cfg, app.mode, origin);
  const serverToServer = method === 'qr' || method === 'app' || method === 'jsapi';
  if (serverToServer) {
    // The plan first: a create it refuses never opens a trade at the provider.
    const refusal =
      route.mode === 'live' ? await planRefusal(store, route.merchantId, o.priceFen, month, merchant.plan) : null;
    if (refusal) return planRefused(refusal);
    const made = await channel.create(ctx, channelOrderOf(row), method, notifyUrlOf(origin, cfg));
    if (made.kind !== 'ok') {
      await logCalls(store, cfg.id, calls);
      if (outcome.fallback) return { kind: 'fallback', msg: made.msg };
      return { kind: 'refused', code: C.no_method, msg: `no payment method available now: ${made.msg}` };
    }
    row.qrPayload = made.value.qrCode ?? '';
    row.payInfo = made.value.payInfo ?? null;
  }
  const inserted = await insertOrder(store, merchant, row, month);
  if (!inserted) {
    // The trade just opened belongs to no order (the plan refused it in a race, or an identical
    // create landed first): close it at the provider, best effort (an unknown outcome is only logged).
    if (serverToServer) await channel.close(ctx, channelOrderOf(row));
    await logCalls(store, cfg.id, calls);
    if ((await existing()) || route.mode !== 'live') return { kind: 'existing' };
    return planRefused(await planRefusal(store, route.merchantId, o.priceFen, month, merchant.plan));
  }
  await logCalls(store, cfg.id, calls, { orderId: inserted.id });
  await sendTimed(env, { kind: 'channel_query', orderId: inserted.id, dueMs: inserted.nextQueryMs! });
  return { kind: 'order', order: inserted };
}

/**
 * Writes a channel order on the merchant's store: a live one through the plan's guarded insert, a
 * sandbox one as is; null when none was added.
 */
async function insertOrder(
  store: Db,
  merchant: MerchantFacts,
  row: NewChannelOrder,
  month: string,
): Promise<Order | undefined> {
  if (row.mode === 'live') {
    const id = await insertLiveOrder(store, merchant.store, row, month, merchant.plan);
    return id === undefined ? undefined : store.query.orders.findFirst({ where: eq(orders.id, id) });
  }
  const [inserted] = await store
    .insert(orders)
    .values({ ...row, id: nextId('orders', firstId(merchant.store)) as unknown as number })
    .onConflictDoNothing({ target: [orders.appId, orders.outOrderId] })
    .returning();
  return inserted;
}

// ── the cashier page ───────────────────────────────────────────────────────────────────────

async function contextOf(env: Env, o: Order, found: ConfigWithApp | null, origin: string) {
  if (!found) return null;
  return { row: found, ...(await channelContext(env, found.cfg, o.mode, origin)) };
}

/**
 * What the payer needs for a server-to-server method the cashier chose for an `auto` order (the
 * QR on a PC, the JSAPI parameters inside WeChat), asked of the provider now if the order has none
 * yet; the first answer stored wins. `found` is the order's config (`orderConfig`). Null when the
 * provider cannot give it now.
 */
export async function ensureMade(
  env: Env,
  db: Db /* the order's store */,
  o: Order,
  found: ConfigWithApp | null,
  method: 'qr' | 'jsapi',
  origin: string,
): Promise<string | null> {
  const have = method === 'qr' ? o.qrPayload : o.payInfo;
  if (have) return have;
  const c = await contextOf(env, o, found, origin);
  if (!c?.row.cfg.methods.includes(method)) return null;
  const made = await c.channel.create(c.ctx, channelOrderOf(o), method, notifyUrlOf(origin, c.row.cfg));
  await logCalls(db, c.row.cfg.id, c.calls, { orderId: o.id });
  const value = made.kind === 'ok' ? (method === 'qr' ? made.value.qrCode : made.value.payInfo) : undefined;
  if (!value) return null;
  if (method === 'qr')
    await db
      .update(orders)
      .set({ qrPayload: value })
      .where(and(eq(orders.id, o.id), eq(orders.qrPayload, '')));
  else
    await db
      .update(orders)
      .set({ payInfo: value })
      .where(and(eq(orders.id, o.id), isNull(orders.payInfo)));
  const now = await db.query.orders.findFirst({ where: eq(orders.id, o.id) });
  return (method === 'qr' ? now?.qrPayload : now?.payInfo) || null;
}

/**
 * Where a `wap` or `page` payment starts (a signed URL or a form for the payer's browser); the
 * payer comes back to the cashier page. `found` is the order's config (`orderConfig`). Null when
 * the config does not offer the method or the provider cannot be reached now.
 */
export async function providerPage(
  env: Env,
  db: Db /* the order's store */,
  o: Order,
  found: ConfigWithApp | null,
  method: ChannelMethod,
  origin: string,
  payerIp: string | null,
): Promise<BrowserStart | null> {
  const c = await contextOf(env, o, found, origin);
  if (!c?.row.cfg.methods.includes(method)) return null;
  const start = await c.channel.payUrl(c.ctx, channelOrderOf(o), method, {
    notifyUrl: notifyUrlOf(origin, c.row.cfg),
    returnUrl: `${origin}/pay/${o.payToken}?return=1`,
    payerIp: o.clientIp ?? payerIp,
  });
  await logCalls(db, c.row.cfg.id, c.calls, { orderId: o.id });
  return start.kind === 'ok' ? start.value : null;
}
