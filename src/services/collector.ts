/**
 * Reaching a merchant's Collector and keeping it in step with D1, and the routes to it: which
 * Collector serves an app or a pay token never changes (an app keeps its merchant and mode, an
 * order its app), so each isolate remembers them after one D1 read. That lets the hot paths
 * (create order, the payer's status poll) go straight to the merchant's own object and keeps
 * them off D1, the one database every merchant shares.
 *
 * This is the one place that knows a merchant's live state may be spread over several
 * Collectors (shards, src/domain/shards.ts): a session's shard is a column of its row, an
 * order's shard a column of the order, and a create is routed by `createShards` from each
 * isolate's view of how many enabled sessions of each pay type every shard has (re-read from D1
 * every `PLACEMENT_TTL_MS`). A merchant with one shard gets shard 0, the object it always had.
 */
import { and, eq } from 'drizzle-orm';
import { queries } from '../db/queries';
import { controlDb } from '../db/stores';
import { apps, channelConfigs, merchants, rules, sessions, type Rule, webhooks } from '../db/schema';
import { CHANNELS } from '../channels/registry';
import type { ChannelSlot } from '../domain/routing';
import { Memo } from '../domain/memo';
import { notifyTarget } from '../domain/notify';
import { collectorName, probeOrder } from '../domain/shards';
import type { RuleSpec } from '../domain/rules';
import type { Mode, PayType } from '../domain/vocab';
import type { OrderRef } from '../jobs';
import type { Db } from '../env';

export interface Route {
  merchantId: number;
  mode: Mode;
  /** Which of the merchant's Collectors for the mode (absent: 0). */
  shard?: number;
}

/** Durable Object ids by name, per namespace: deriving one hashes the name on every call. */
const ids = new WeakMap<Env['COLLECTOR'], Map<string, DurableObjectId>>();

/** The Collector of a merchant's mode (sandbox and live never share one), shard `shard` of it. */
export function collector(env: Env, merchantId: number, mode: Mode, shard = 0) {
  let known = ids.get(env.COLLECTOR);
  if (!known) ids.set(env.COLLECTOR, (known = new Map()));
  const name = collectorName(merchantId, mode, shard);
  let id = known.get(name);
  if (!id) known.set(name, (id = env.COLLECTOR.idFromName(name)));
  return env.COLLECTOR.get(id);
}

export type CollectorStub = ReturnType<typeof collector>;

export function ruleSpec(r: Rule): RuleSpec {
  return {
    startMinute: r.startMinute,
    endMinute: r.endMinute,
    timezone: r.timezone,
    minFen: r.minFen,
    maxFen: r.maxFen,
    regions: r.regions,
    dailyCapFen: r.dailyCapFen,
  };
}

/**
 * Pushes the merchant's settings and this mode's apps to each of its Collectors for the mode,
 * with the sessions (and their effective rules) each one owns.
 */
export async function syncCollector(env: Env, db: Db, merchantId: number, mode: Mode): Promise<void> {
  const [merchant, sessionRows, ruleRows, appRows, hookRows, configRows] = await db.batch([
    db.select().from(merchants).where(eq(merchants.id, merchantId)),
    db
      .select()
      .from(sessions)
      .where(and(eq(sessions.merchantId, merchantId), eq(sessions.mode, mode))),
    db.select().from(rules).where(eq(rules.merchantId, merchantId)),
    db
      .select()
      .from(apps)
      .where(and(eq(apps.merchantId, merchantId), eq(apps.mode, mode))),
    db
      .select({ webhook: webhooks })
      .from(webhooks)
      .innerJoin(apps, eq(apps.id, webhooks.appId))
      .where(and(eq(apps.merchantId, merchantId), eq(apps.mode, mode), eq(webhooks.enabled, true))),
    db
      .select({ cfg: channelConfigs })
      .from(channelConfigs)
      .innerJoin(apps, eq(apps.id, channelConfigs.appId))
      .where(and(eq(apps.merchantId, merchantId), eq(apps.mode, mode))),
  ]);
  const m = merchant[0];
  if (!m) return;
  const byId = new Map(ruleRows.map((r) => [r.id, ruleSpec(r)]));
  const shards = new Set([...Array(m.collectorShards).keys(), ...sessionRows.map((s) => s.shard)]);
  const appConfigs = appRows.map((a) => ({
    id: a.id,
    appkey: a.appkey,
    secretEnc: a.secretEnc,
    // A disabled merchant's apps answer 107 (API closed).
    enabled: a.enabled && m.enabled,
    mode: a.mode,
    payTypes: a.payTypes,
    orderTtlSeconds: a.orderTtlSeconds,
    allowUrlOverride: a.allowUrlOverride,
    hasReturnUrl: a.returnUrl !== null,
    hasNotifyUrl: notifyTarget(a) !== null,
    routing: a.routing,
    channels: channelSlots(configRows.map((r) => r.cfg).filter((c) => c.appId === a.id)),
    facts: {
      app: a,
      // Endpoints of the app's own mode (test endpoints take sandbox events, live ones live events).
      webhooks: hookRows
        .map((r) => r.webhook)
        .filter((w) => w.appId === a.id && w.mode === (a.mode === 'live' ? 'live' : 'test')),
      configs: configRows.map((r) => r.cfg).filter((c) => c.appId === a.id),
    },
  }));
  placements.delete(`${merchantId}:${mode}`);
  await Promise.all(
    [...shards].map((shard) =>
      collector(env, merchantId, mode, shard).sync({
        merchantId,
        mode,
        shard,
        version: m.configVersion,
        settings: {
          rotation: m.rotation,
          maxOffsetFen: m.maxOffsetFen,
          direction: m.offsetDirection,
          timezone: m.timezone,
          store: m.store,
          plan: { points: m.orderFeePoints, permille: m.orderFeePermille, monthlyQuota: m.monthlyQuota },
          merchantName: m.name,
        },
        sessions: sessionRows
          .filter((s) => s.shard === shard)
          .map((s) => ({
            id: s.id,
            type: s.type,
            enabled: s.enabled,
            rule: s.ruleId === null ? null : (byId.get(s.ruleId) ?? null),
            qrPayload: s.qrPayload,
            amountQr: s.amountQr,
            secretEnc: s.secretEnc,
          })),
        apps: appConfigs,
      }),
    ),
  );
}

/** Per pay type a channel serves, the app's config of that channel (or none yet). */
function channelSlots(configs: { id: number; channel: string; enabled: boolean; implicit: boolean }[]) {
  const slots: Partial<Record<PayType, ChannelSlot>> = {};
  for (const ch of CHANNELS) {
    const cfg = configs.find((c) => c.channel === ch.name);
    slots[ch.payType] = cfg
      ? { configId: cfg.id, enabled: cfg.enabled, implicit: cfg.implicit }
      : { configId: null, enabled: false, implicit: false };
  }
  return slots;
}

/** Pushes both modes (after a change to merchant-wide settings or rules). */
export async function syncAllModes(env: Env, db: Db, merchantId: number): Promise<void> {
  await Promise.all([syncCollector(env, db, merchantId, 'sandbox'), syncCollector(env, db, merchantId, 'live')]);
}

/** Runs a Collector call; if the object has not learnt what it was asked about yet, syncs it and asks once more. */
export async function withSynced<T>(
  env: Env,
  db: Db,
  route: Route,
  call: (c: CollectorStub) => Promise<T>,
  unknown: (r: T) => boolean,
): Promise<T> {
  const stub = collector(env, route.merchantId, route.mode, route.shard ?? 0);
  const first = await call(stub);
  if (!unknown(first)) return first;
  await syncCollector(env, db, route.merchantId, route.mode);
  return call(stub);
}

const appRoutes = new Memo<string, Route>(10_000);

/** The Collector of an app, or null when no app has this key. */
export async function appRoute(db: Db, appkey: string): Promise<Route | null> {
  const known = appRoutes.get(appkey);
  if (known) return known;
  const row = await queries(db).appRoute.get({ appkey });
  return row ? appRoutes.set(appkey, { merchantId: row.merchantId, mode: row.mode }) : null;
}

/** How long an isolate trusts its view of which shards have sessions of a type before reading D1 again. */
export const PLACEMENT_TTL_MS = 30_000;

/** Per merchant and mode: enabled sessions per pay type and shard, and when this isolate read them. */
const placements = new Memo<string, { readMs: number; weights: Record<string, number[]> }>(10_000);

async function shardWeights(db: Db, route: Route, type: string, nowMs: number): Promise<number[]> {
  const key = `${route.merchantId}:${route.mode}`;
  let known = placements.get(key);
  if (!known || nowMs - known.readMs > PLACEMENT_TTL_MS) {
    const rows = await queries(db).sessionShards.all({ merchantId: route.merchantId, mode: route.mode });
    const weights: Record<string, number[]> = {};
    for (const r of rows) {
      const list = (weights[r.type] ??= []);
      while (list.length <= r.shard) list.push(0);
      list[r.shard] = r.n;
    }
    known = placements.set(key, { readMs: nowMs, weights });
  }
  return known.weights[type] ?? [];
}

/**
 * The shards a create of this order key and pay type tries, in order (see src/domain/shards.ts):
 * `[0]` for a merchant whose sessions all live on its one Collector. The view may be up to
 * `PLACEMENT_TTL_MS` old; a shard that cannot take the order answers 204 and the next is tried,
 * and a retry that lands elsewhere is recognised at insert (services/orders.ts).
 */
export async function createShards(db: Db, route: Route, type: string, orderKey: string, nowMs = Date.now()) {
  return probeOrder(orderKey, await shardWeights(db, route, type, nowMs));
}

/** A pending order as the payer's page finds it: its Collector and key there. */
export interface TokenRoute extends Route {
  order: OrderRef;
}

const tokenRoutes = new Memo<string, TokenRoute>(20_000);

/** Pending orders' tokens: remembered at create and page load, forgotten once the order is final. */
export const payTokens = {
  remember: (token: string, route: TokenRoute) => void tokenRoutes.set(token, route),
  forget: (token: string) => tokenRoutes.delete(token),
  route: (token: string) => tokenRoutes.get(token),
};

/**
 * The facts of a merchant's apps in a mode (one app, or all) from its Collector — rows, webhook
 * endpoints, the merchant's name — so the payer's page and the notify fan-out read nothing of the
 * control plane; a Collector not yet synced with them is synced first. Null when there is no such app.
 */
export async function appFacts(env: Env, merchantId: number, mode: Mode, appId?: number) {
  return withSynced(
    env,
    controlDb(env),
    { merchantId, mode },
    (c) => c.appFacts(appId),
    (r) => r === null,
  );
}
