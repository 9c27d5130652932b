/**
 * Channel configs (SPEC §11.1): saved per app and channel, keys checked by the channel, secrets
 * sealed with MASTER_KEY, a fingerprint in every answer; the implicit config a sandbox app gets
 * for the built-in simulator; and the context a channel works in (opened secrets, the transport
 * that reaches the simulator in-process, the channel log).
 */
import { and, eq, isNotNull, or, sql } from 'drizzle-orm';
import { controlDb, merchantStore } from '../db/stores';
import { apps, channelConfigs, channelLog, orders, type App, type ChannelConfig, type Order } from '../db/schema';
import { CHANNEL_NAMES, channelNamed } from '../channels/registry';
import type { AnyChannel, CallRecord, ChannelContext } from '../channels/types';
import { openSecret, sealSecret } from '../domain/secrets';
import type { ChannelMethod } from '../domain/vocab';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { simulatorIdentity, simulatorOf } from '../sandbox/registry';
import { requireApp } from './apps';
import { appFacts } from './collector';
import { Memo } from '../domain/memo';
import { certFetch, isOwnSandboxUrl, ownOrigins, providerFetch } from './loopback';
import { publishConfig } from './merchants';

const LOG_TEXT_LIMIT = 2048;

export function requireChannel(name: string): AnyChannel {
  const channel = channelNamed(name);
  if (!channel) throw new HuipayError('not_found', `no channel ${name}: huipay speaks ${CHANNEL_NAMES.join(', ')}`);
  return channel;
}

/** The provider fields the console's form offers: every input field but those the channel only refuses. */
export const offeredFields = (channel: AnyChannel) =>
  Object.keys(channel.input.shape).filter((f) => !channel.unsupportedFields?.includes(f));

/** The URL huipay gives the provider for notifies of this config. */
export const notifyUrlOf = (origin: string, cfg: Pick<ChannelConfig, 'id' | 'channel'>) =>
  `${origin}/channels/${cfg.channel}/notify/${cfg.id}`;

/** A config as admin answers show it: its settings through the channel's view, never a secret. */
export function configView(cfg: ChannelConfig, app: Pick<App, 'appkey' | 'mode'>, origin: string) {
  const channel = requireChannel(cfg.channel);
  return {
    id: cfg.id,
    appkey: app.appkey,
    channel: cfg.channel,
    mode: app.mode,
    enabled: cfg.enabled,
    methods: cfg.methods,
    implicit: cfg.implicit,
    notify_url: notifyUrlOf(origin, cfg),
    ...channel.view(cfg.settings, origin),
    created: Math.floor(cfg.createdMs / 1000),
    updated: Math.floor(cfg.updatedMs / 1000),
  };
}

export interface ConfigInput {
  methods?: ChannelMethod[];
  enabled?: boolean;
  [field: string]: unknown;
}

async function findConfig(db: Db, appId: number, channel: string) {
  return db.query.channelConfigs.findFirst({
    where: and(eq(channelConfigs.appId, appId), eq(channelConfigs.channel, channel)),
  });
}

/** After a change: the merchant's Collector routes creates, so it learns the change before we answer. */
async function publish(env: Env, db: Db, app: App): Promise<void> {
  await publishConfig(env, db, app.merchantId, app.mode);
}

/** `PUT /apps/:appkey/channels/:channel`: creates or replaces the app's config of this channel. */
export async function saveConfig(env: Env, db: Db, appkey: string, name: string, body: ConfigInput, origin: string) {
  const channel = requireChannel(name);
  const app = await requireApp(db, appkey);
  const { methods, enabled, ...fields } = body;
  const parsed = channel.input.strict().safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HuipayError('bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const unsupported = (methods ?? []).filter((m) => !channel.methods.includes(m));
  if (unsupported.length)
    throw new HuipayError(
      'bad_request',
      `methods: ${unsupported.join(', ')} not offered by ${name} (it has ${channel.methods.join(', ')})`,
    );
  const existing = await findConfig(db, app.id, name);
  const previous =
    existing && !existing.implicit
      ? { settings: existing.settings, secrets: JSON.parse(await openSecret(env.MASTER_KEY, existing.secretsEnc)) }
      : null;
  let prepared: Awaited<ReturnType<AnyChannel['prepare']>>;
  try {
    prepared = await channel.prepare(parsed.data, {
      mode: app.mode,
      previous,
      simulator: () => simulatorIdentity(env, db, name),
      ownSimulator: (url) => {
        const gateway = simulatorOf(name)?.gateway;
        const own =
          gateway && isOwnSandboxUrl(url, ownOrigins(env, origin)) && new URL(url, origin).pathname === gateway;
        return own ? gateway : null;
      },
    });
  } catch (err) {
    if (err instanceof HuipayError && err.code === 'config_invalid')
      throw new HuipayError('unprocessable', err.message);
    throw err;
  }
  const values = {
    account: prepared.account,
    enabled: enabled ?? existing?.enabled ?? true,
    methods: [...new Set(methods ?? (existing && !existing.implicit ? existing.methods : channel.methods))],
    settings: prepared.settings as Record<string, string>,
    secretsEnc: await sealSecret(env.MASTER_KEY, JSON.stringify(prepared.secrets)),
    implicit: false,
    updatedMs: Date.now(),
  };
  const [cfg] = await db
    .insert(channelConfigs)
    .values({ appId: app.id, channel: name, ...values })
    .onConflictDoUpdate({ target: [channelConfigs.appId, channelConfigs.channel], set: values })
    .returning();
  await publish(env, db, app);
  return { cfg, app, created: !existing };
}

export async function getConfig(db: Db, appkey: string, name: string) {
  requireChannel(name);
  const app = await requireApp(db, appkey);
  const cfg = await findConfig(db, app.id, name);
  if (!cfg) throw new HuipayError('not_found', `app ${appkey} has no ${name} channel config`);
  return { cfg, app };
}

/** The app's channel configs, oldest first. */
export const configsOfApp = (db: Db, appId: number) =>
  db.select().from(channelConfigs).where(eq(channelConfigs.appId, appId)).orderBy(channelConfigs.id);

export async function listConfigs(db: Db, appkey: string) {
  const app = await requireApp(db, appkey);
  return { rows: await configsOfApp(db, app.id), app };
}

/**
 * Removes a config, unless orders or refunds still need it (a pending order, a close or refund
 * not yet confirmed by the provider): their notifies and queries are verified with its keys.
 */
export async function deleteConfig(env: Env, db: Db, appkey: string, name: string): Promise<void> {
  const { cfg, app } = await getConfig(db, appkey, name);
  const store = await merchantStore(env, app.merchantId);
  const [busy] = await store
    .select({ n: sql<number>`COUNT(*)` })
    .from(orders)
    .where(
      and(
        eq(orders.channelConfigId, cfg.id),
        or(
          eq(orders.status, 'pending'),
          isNotNull(orders.nextQueryMs),
          sql`${orders.id} IN (SELECT order_id FROM refunds WHERE status = 'pending')`,
        ),
      ),
    );
  if (Number(busy?.n ?? 0) > 0)
    throw new HuipayError(
      'conflict',
      `${busy.n} order(s) of this config are pending or wait for the provider (a close or a refund): close them or wait, then delete`,
    );
  await db.delete(channelConfigs).where(eq(channelConfigs.id, cfg.id));
  await publish(env, db, app);
}

/** The config a sandbox app with no setup uses for `name`: made once (keys generated), then reused. */
export async function implicitConfig(env: Env, db: Db, appId: number, name: string): Promise<ChannelConfig> {
  const existing = await findConfig(db, appId, name);
  if (existing) return existing;
  const channel = requireChannel(name);
  const simulator = simulatorOf(name);
  if (!simulator) throw new Error(`channel ${name} has no built-in simulator`);
  const prepared = await simulator.implicit(appId, await simulatorIdentity(env, db, name));
  await db
    .insert(channelConfigs)
    .values({
      appId,
      channel: name,
      account: prepared.account,
      methods: [...channel.methods],
      settings: prepared.settings as Record<string, string>,
      secretsEnc: await sealSecret(env.MASTER_KEY, JSON.stringify(prepared.secrets)),
      implicit: true,
    })
    .onConflictDoNothing();
  const made = (await findConfig(db, appId, name))!;
  await publish(env, db, (await db.query.apps.findFirst({ where: eq(apps.id, appId) }))!);
  return made;
}

/** A channel and its context for one config: secrets opened, calls collected for the channel log. */
export async function channelContext(env: Env, cfg: ChannelConfig, mode: App['mode'], origin: string) {
  const channel = requireChannel(cfg.channel);
  const calls: CallRecord[] = [];
  const ctx: ChannelContext<unknown, unknown> = {
    configId: cfg.id,
    mode,
    settings: cfg.settings,
    secrets: JSON.parse(await openSecret(env.MASTER_KEY, cfg.secretsEnc)),
    origin,
    fetch: providerFetch(env, origin),
    certFetch: (binding) => certFetch(env, origin, binding),
    record: (call) => void calls.push(call),
  };
  return { channel, ctx, calls };
}

/** Writes collected provider calls to the channel log (on the merchant's store), tied to an order or a refund. */
export async function logCalls(
  store: Db,
  configId: number,
  calls: CallRecord[],
  refs: { orderId?: number | null; refundId?: number | null } = {},
): Promise<void> {
  if (calls.length === 0) return;
  const rows = calls.map((c) => ({
    configId,
    orderId: refs.orderId ?? null,
    refundId: refs.refundId ?? null,
    kind: 'call' as const,
    api: c.api,
    startedMs: c.startedMs,
    durationMs: c.durationMs,
    request: c.request.slice(0, LOG_TEXT_LIMIT),
    status: c.status,
    response: c.response?.slice(0, LOG_TEXT_LIMIT) ?? null,
    outcome: c.outcome,
    error: c.error,
  }));
  await store.insert(channelLog).values(rows);
}

/** `POST .../channels/:channel/check`: one harmless signed call, and what the provider made of it. */
export async function checkConfig(env: Env, db: Db, appkey: string, name: string, origin: string) {
  const { cfg, app } = await getConfig(db, appkey, name);
  const { channel, ctx, calls } = await channelContext(env, cfg, app.mode, origin);
  const result = await channel.check(ctx);
  await logCalls(await merchantStore(env, app.merchantId), cfg.id, calls);
  return { channel: name, config_id: cfg.id, ...result };
}

/** A config and the app it belongs to. */
export interface ConfigWithApp {
  cfg: ChannelConfig;
  app: App;
}

/** The app a config belongs to (for notifies, which name only the config). */
export async function configWithApp(db: Db, configId: number): Promise<ConfigWithApp | null> {
  const [row] = await db
    .select({ cfg: channelConfigs, app: apps })
    .from(channelConfigs)
    .innerJoin(apps, eq(apps.id, channelConfigs.appId))
    .where(eq(channelConfigs.id, configId));
  return row ?? null;
}

/**
 * The config a channel order goes through, with its app, from the merchant's Collector (no
 * control-plane read); one it has not learnt yet from D1. Null for a session order or a config
 * since removed.
 */
export async function orderConfig(
  env: Env,
  o: Pick<Order, 'channelConfigId' | 'merchantId' | 'mode' | 'appId'>,
): Promise<ConfigWithApp | null> {
  if (o.channelConfigId === null) return null;
  const facts = (await appFacts(env, o.merchantId, o.mode, o.appId))?.apps[0];
  const cfg = facts?.configs?.find((c) => c.id === o.channelConfigId);
  if (facts && cfg) return { cfg, app: facts.app };
  return configWithApp(controlDb(env), o.channelConfigId);
}

const configOwners = new Memo<number, Pick<Order, 'merchantId' | 'mode' | 'appId'>>(20_000);

/**
 * A config by its id (a provider notify names only that), with its app: from its merchant's
 * Collector once this isolate has seen the config (whose app never changes), else from D1.
 */
export async function configById(env: Env, configId: number): Promise<ConfigWithApp | null> {
  const owner = configOwners.get(configId);
  if (owner) return orderConfig(env, { ...owner, channelConfigId: configId });
  const found = await configWithApp(controlDb(env), configId);
  if (found)
    configOwners.set(configId, { merchantId: found.app.merchantId, mode: found.app.mode, appId: found.app.id });
  return found;
}
