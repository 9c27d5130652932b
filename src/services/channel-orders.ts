/**
 * Orders through an official channel (SPEC §11.2): the merchant API is unchanged; the Collector
 * has decided the order goes to a channel (no amount hold: realprice = price). Server-to-server
 * methods (`qr`, `app`) talk to the provider during create, before the order is written, so a
 * refusal writes nothing (or falls back to sessions under official_then_personal). Browser
 * methods (`wap`, `page`) and `auto` are signed when the payer opens the cashier page.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { channelConfigs, orders, type App, type ChannelConfig, type Order } from '../db/schema';
import { channelFor, channelNamed } from '../channels/registry';
import type { BrowserStart, ChannelOrder } from '../channels/types';
import type { CreateOutcome } from '../durable/collector/types';
import { GATEPAY_CODES as C, type GatepayCode } from '../domain/gatepay';
import { randomToken } from '../domain/ids';
import { CREATE_METHODS, type ChannelMethod, type CreateMethod } from '../domain/vocab';
import type { Db } from '../env';
import { GatepayError } from '../errors';
import { sendTimed } from '../queues/jobs';
import { channelContext, configWithApp, implicitConfig, logCalls, notifyUrlOf } from './channels';
import type { Route } from './collector';
import { orderColumns } from './orders';
import type { RawParams } from './params';

type ChannelOutcome = Extract<CreateOutcome, { kind: 'channel' }>;

const fail = (code: GatepayCode, msg: string): never => {
  throw new GatepayError(code, msg);
};

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

/** The unsigned channel parameters of a create (SPEC §11.2), checked against the channel and its config. */
function channelParams(p: RawParams, cfg: ChannelConfig, appName: string) {
  const channel = channelNamed(cfg.channel) ?? fail(C.type_closed, `type closed: no channel ${cfg.channel}`);
  const method = (p.method || 'auto') as CreateMethod;
  if (!(CREATE_METHODS as readonly string[]).includes(method))
    fail(C.param_missing, `method invalid: one of ${CREATE_METHODS.join(', ')}`);
  if (method !== 'auto' && !channel.methods.includes(method))
    fail(C.param_missing, `method ${method} is not offered by ${channel.name} (it has ${channel.methods.join(', ')})`);
  if (method !== 'auto' && !cfg.methods.includes(method))
    fail(
      C.param_missing,
      `method ${method} is not enabled in this app's ${channel.name} config (enabled: ${cfg.methods.join(', ')})`,
    );
  const subject = p.subject || appName;
  if (subject.length > 256 || /\p{Cc}/u.test(subject))
    fail(C.param_missing, 'subject invalid: at most 256 characters, no control characters');
  if (p.client_ip && !IP.test(p.client_ip)) fail(C.param_missing, 'client_ip invalid: an IPv4 or IPv6 address');
  if (p.openid && !/^[\w-]{1,128}$/.test(p.openid))
    fail(C.param_missing, 'openid invalid: 1-128 letters, digits, _ or -');
  if (method === 'jsapi' && !p.openid) fail(C.param_missing, 'openid missing: method jsapi needs the payer openid');
  return { channel, method, subject, clientIp: p.client_ip || null, openid: p.openid || null };
}

/** The config an order goes through: the app's own, or (sandbox, no setup) the simulator's. */
async function configFor(env: Env, db: Db, outcome: ChannelOutcome): Promise<{ cfg: ChannelConfig; app: App }> {
  const channel = channelFor(outcome.order.type)!;
  const cfg = outcome.configId ?? (await implicitConfig(env, db, outcome.appId, channel.name)).id;
  const row = await configWithApp(db, cfg);
  if (!row) return fail(C.no_method, `no payment method available now: the ${channel.name} config was just removed`);
  return row;
}

/**
 * Creates an order through a channel; `fallback` when the provider refused or could not be
 * reached and official_then_personal lets collection sessions take it instead.
 * `existing` finds an order already made for this out_order_id (the idempotent answer).
 */
export async function createChannelOrder(
  env: Env,
  db: Db,
  route: Route,
  outcome: ChannelOutcome,
  p: RawParams,
  origin: string,
  existing: () => Promise<Order | undefined>,
): Promise<{ kind: 'order'; order: Order } | { kind: 'existing' } | { kind: 'fallback'; msg: string }> {
  if (await existing()) return { kind: 'existing' };
  const { cfg, app } = await configFor(env, db, outcome);
  const { channel, method, subject, clientIp, openid } = channelParams(p, cfg, app.name);
  const o = outcome.order;
  const nowMs = Date.now();
  const row = {
    ...orderColumns(route, outcome.appId, o),
    realpriceFen: o.priceFen,
    sessionId: 0,
    payToken: randomToken(24),
    qrPayload: '',
    createdMs: nowMs,
    expiresMs: nowMs + outcome.ttlMs,
    channel: channel.name,
    method,
    channelConfigId: cfg.id,
    providerTradeNo: providerTradeNo(nowMs),
    subject,
    clientIp,
    openid,
    payInfo: null as string | null,
    nextQueryMs: nowMs + 60_000,
  };
  const { ctx, calls } = await channelContext(env, cfg, app.mode, origin);
  if (method === 'qr' || method === 'app' || method === 'jsapi') {
    const made = await channel.create(ctx, channelOrderOf(row), method, notifyUrlOf(origin, cfg));
    if (made.kind !== 'ok') {
      await logCalls(db, cfg.id, calls);
      if (outcome.fallback) return { kind: 'fallback', msg: made.msg };
      return fail(C.no_method, `no payment method available now: ${made.msg}`);
    }
    row.qrPayload = made.value.qrCode ?? '';
    row.payInfo = made.value.payInfo ?? null;
  }
  const [inserted] = await db
    .insert(orders)
    .values(row)
    .onConflictDoNothing({ target: [orders.appId, orders.outOrderId] })
    .returning();
  if (!inserted) return { kind: 'existing' };
  await logCalls(db, cfg.id, calls, { orderId: inserted.id });
  await sendTimed(env, { kind: 'channel_query', orderId: inserted.id, dueMs: inserted.nextQueryMs! });
  return { kind: 'order', order: inserted };
}

// ── the cashier page ───────────────────────────────────────────────────────────────────────

async function contextOf(env: Env, db: Db, o: Order, origin: string) {
  const row = o.channelConfigId === null ? null : await configWithApp(db, o.channelConfigId);
  if (!row) return null;
  return { row, ...(await channelContext(env, row.cfg, o.mode, origin)) };
}

/**
 * What the payer needs for a server-to-server method the cashier chose for an `auto` order (the
 * QR on a PC, the JSAPI parameters inside WeChat), asked of the provider now if the order has none
 * yet; the first answer stored wins. Null when the provider cannot give it now.
 */
export async function ensureMade(
  env: Env,
  db: Db,
  o: Order,
  method: 'qr' | 'jsapi',
  origin: string,
): Promise<string | null> {
  const have = method === 'qr' ? o.qrPayload : o.payInfo;
  if (have) return have;
  const c = await contextOf(env, db, o, origin);
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
 * payer comes back to the cashier page. Null when the config does not offer the method or the
 * provider cannot be reached now.
 */
export async function providerPage(
  env: Env,
  db: Db,
  o: Order,
  method: ChannelMethod,
  origin: string,
  payerIp: string | null,
): Promise<BrowserStart | null> {
  const c = await contextOf(env, db, o, origin);
  if (!c?.row.cfg.methods.includes(method)) return null;
  const start = await c.channel.payUrl(c.ctx, channelOrderOf(o), method, {
    notifyUrl: notifyUrlOf(origin, c.row.cfg),
    returnUrl: `${origin}/pay/${o.payToken}?return=1`,
    payerIp: o.clientIp ?? payerIp,
  });
  await logCalls(db, c.row.cfg.id, c.calls, { orderId: o.id });
  return start.kind === 'ok' ? start.value : null;
}

/** The methods of an order's config (what `auto` may choose from). */
export async function configMethods(db: Db, o: Order): Promise<ChannelMethod[]> {
  if (o.channelConfigId === null) return [];
  const cfg = await db.query.channelConfigs.findFirst({ where: eq(channelConfigs.id, o.channelConfigId) });
  return cfg?.methods ?? [];
}
