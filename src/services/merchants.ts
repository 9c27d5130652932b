/** Merchants, their settings and collection rules (operator/admin flows). */
import { and, count, desc, eq, gte, sql } from 'drizzle-orm';
import { books, merchants, rules, sessions, type Merchant, users } from '../db/schema';
import { boundStores, rememberStore, storeDb } from '../db/stores';
import { shardsRefusal } from '../domain/shards';
import { parseYuan } from '../domain/money';
import type { Mode } from '../domain/vocab';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { syncAllModes, syncCollector } from './collector';

const MAX_OFFSET_LIMIT_FEN = 100;

export async function requireMerchant(db: Db, id: number): Promise<Merchant> {
  const m = await db.query.merchants.findFirst({ where: eq(merchants.id, id) });
  if (!m) throw new HuipayError('not_found', `merchant ${id} not found`);
  return m;
}

/** Yuan string → fen for a setting, or a 400 naming the field. */
export function fenField(field: string, yuan: string, maxFen = Number.MAX_SAFE_INTEGER): number {
  const r = parseYuan(yuan, maxFen);
  if (!r.ok) throw new HuipayError('bad_request', `${field}: ${r.error}`);
  return r.value;
}

export async function requireRule(db: Db, merchantId: number, ruleId: number, field = 'rule_id'): Promise<void> {
  const r = await db.query.rules.findFirst({ where: and(eq(rules.id, ruleId), eq(rules.merchantId, merchantId)) });
  if (!r) throw new HuipayError('bad_request', `${field}: merchant ${merchantId} has no rule ${ruleId}`);
}

/** `config_version + 1`, for every write the Collector must learn. */
export const bumpVersion = { configVersion: sql`${merchants.configVersion} + 1` };

/** After a change a merchant's Collectors must learn (apps, configs, sessions, endpoints): bump its version, sync the mode. */
export async function publishConfig(env: Env, db: Db, merchantId: number, mode: Mode): Promise<void> {
  await db.update(merchants).set(bumpVersion).where(eq(merchants.id, merchantId));
  await syncCollector(env, db, merchantId, mode);
}

export interface SettingsInput {
  rotation?: Merchant['rotation'];
  max_offset?: string;
  offset_direction?: Merchant['offsetDirection'];
  default_rule_id?: number | null;
  timezone?: string;
  collector_shards?: number;
}

export async function updateSettings(env: Env, db: Db, merchantId: number, input: SettingsInput): Promise<Merchant> {
  await requireMerchant(db, merchantId);
  let maxOffsetFen: number | undefined;
  if (input.max_offset !== undefined) {
    maxOffsetFen = /^0+(\.0{1,2})?$/.test(input.max_offset)
      ? 0
      : fenField('max_offset', input.max_offset, MAX_OFFSET_LIMIT_FEN);
  }
  if (input.default_rule_id) await requireRule(db, merchantId, input.default_rule_id, 'default_rule_id');
  if (input.collector_shards !== undefined) {
    const placed = await db
      .select({ id: sessions.id, shard: sessions.shard })
      .from(sessions)
      .where(and(eq(sessions.merchantId, merchantId), gte(sessions.shard, input.collector_shards)));
    const refusal = shardsRefusal(input.collector_shards, placed);
    if (refusal) throw new HuipayError('conflict', refusal);
  }
  const [m] = await db
    .update(merchants)
    .set({
      rotation: input.rotation,
      maxOffsetFen,
      offsetDirection: input.offset_direction,
      defaultRuleId: input.default_rule_id,
      timezone: input.timezone,
      collectorShards: input.collector_shards,
      ...bumpVersion,
    })
    .where(eq(merchants.id, merchantId))
    .returning();
  await syncAllModes(env, db, merchantId);
  return m;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export interface RuleInput {
  name: string;
  start_time: string;
  end_time: string;
  timezone: string | null;
  min_amount: string | null;
  max_amount: string | null;
  regions: string[];
  daily_cap: string | null;
}

export async function createRule(db: Db, merchantId: number, input: RuleInput) {
  await requireMerchant(db, merchantId);
  const fen = (field: string, v: string | null) => (v === null ? null : fenField(field, v));
  const minFen = fen('min_amount', input.min_amount);
  const maxFen = fen('max_amount', input.max_amount);
  if (minFen !== null && maxFen !== null && minFen > maxFen)
    throw new HuipayError('bad_request', 'max_amount: must not be below min_amount');
  const [rule] = await db
    .insert(rules)
    .values({
      merchantId,
      name: input.name,
      startMinute: minutes(input.start_time),
      endMinute: minutes(input.end_time),
      timezone: input.timezone,
      minFen,
      maxFen,
      regions: [...new Set(input.regions)],
      dailyCapFen: fen('daily_cap', input.daily_cap),
    })
    .returning();
  return rule;
}

/** Renames, disables or enables a merchant; its Collectors learn it (a disabled merchant's apps answer 107). */
export async function setMerchantEnabled(
  env: Env,
  db: Db,
  merchantId: number,
  input: { name?: string; enabled?: boolean; store?: string },
): Promise<Merchant> {
  const now = await requireMerchant(db, merchantId);
  if (input.store !== undefined && input.store !== now.store)
    throw new HuipayError(
      'unprocessable',
      `store: merchant ${merchantId} lives on ${now.store}; a merchant's store does not change once set`,
      { field: 'store' },
    );
  const [m] = await db
    .update(merchants)
    .set({ name: input.name, enabled: input.enabled, ...bumpVersion })
    .where(eq(merchants.id, merchantId))
    .returning();
  await syncAllModes(env, db, merchantId);
  return m;
}

/**
 * Creates a merchant (no apps, no points yet) on `store`, or on the bound store with the fewest
 * merchants (ties: binding order), and opens its books there. An unbound store is 422.
 */
export async function createMerchant(
  env: Env,
  db: Db,
  input: { name: string; timezone?: string; store?: string },
): Promise<Merchant> {
  const bound = boundStores(env);
  if (input.store !== undefined && !bound.includes(input.store))
    throw new HuipayError(
      'unprocessable',
      `store: ${input.store} is not an order store of this deployment (bound: ${bound.join(', ')})`,
      { field: 'store' },
    );
  const store = input.store ?? (await fewestMerchants(db, bound));
  const [m] = await db.insert(merchants).values({ name: input.name, timezone: input.timezone, store }).returning();
  rememberStore(m.id, store);
  await storeDb(env, store).insert(books).values({ merchantId: m.id }).onConflictDoNothing();
  return m;
}

/** How many merchants each bound store has, in binding order. */
export async function merchantsPerStore(db: Db, bound: string[]): Promise<{ store: string; merchants: number }[]> {
  const rows = await db.select({ store: merchants.store, n: count() }).from(merchants).groupBy(merchants.store);
  return bound.map((store) => ({ store, merchants: rows.find((r) => r.store === store)?.n ?? 0 }));
}

/** The bound store with the fewest merchants (the first of a tie). */
async function fewestMerchants(db: Db, bound: string[]): Promise<string> {
  const counts = await merchantsPerStore(db, bound);
  return counts.reduce((a, b) => (b.merchants < a.merchants ? b : a)).store;
}

/** The newest merchants, newest first. */
export const newestMerchants = (db: Db, limit: number) =>
  db.select().from(merchants).orderBy(desc(merchants.id)).limit(limit);

/** The merchant with this id, or null. */
export async function findMerchant(db: Db, id: number): Promise<Merchant | null> {
  return (await db.query.merchants.findFirst({ where: eq(merchants.id, id) })) ?? null;
}

/** A merchant's collection rules, oldest first. */
export const merchantRules = (db: Db, merchantId: number) =>
  db.select().from(rules).where(eq(rules.merchantId, merchantId)).orderBy(rules.id);

/** A merchant's console users. */
export const merchantUsers = (db: Db, merchantId: number) =>
  db.select().from(users).where(eq(users.merchantId, merchantId));
