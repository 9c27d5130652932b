/** Reaching a merchant's Collector and keeping its configuration in step with D1. */
import { and, eq } from 'drizzle-orm';
import { merchants, rules, sessions, type Rule } from '../db/schema';
import type { RuleSpec } from '../domain/rules';
import type { Mode } from '../domain/vocab';
import type { Db } from '../env';

export function collector(env: Env, merchantId: number, mode: Mode) {
  return env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchantId}:${mode}`));
}

export function ruleSpec(r: Rule): RuleSpec {
  return { startMinute: r.startMinute, endMinute: r.endMinute, timezone: r.timezone, minFen: r.minFen, maxFen: r.maxFen, regions: r.regions, dailyCapFen: r.dailyCapFen };
}

/** Pushes the merchant's settings and this mode's sessions (with effective rules) to its Collector. */
export async function syncCollector(env: Env, db: Db, merchantId: number, mode: Mode): Promise<void> {
  const [merchant, sessionRows, ruleRows] = await db.batch([
    db.select().from(merchants).where(eq(merchants.id, merchantId)),
    db.select().from(sessions).where(and(eq(sessions.merchantId, merchantId), eq(sessions.mode, mode))),
    db.select().from(rules).where(eq(rules.merchantId, merchantId)),
  ]);
  const m = merchant[0];
  if (!m) return;
  const byId = new Map(ruleRows.map((r) => [r.id, ruleSpec(r)]));
  await collector(env, merchantId, mode).sync({
    merchantId,
    mode,
    version: m.configVersion,
    settings: { rotation: m.rotation, maxOffsetFen: m.maxOffsetFen, direction: m.offsetDirection, timezone: m.timezone },
    sessions: sessionRows.map((s) => ({
      id: s.id,
      type: s.type,
      enabled: s.enabled,
      rule: s.ruleId === null ? null : (byId.get(s.ruleId) ?? null),
      qrPayload: s.qrPayload,
      amountQr: s.amountQr,
    })),
  });
}

/** Pushes both modes (after a change to merchant-wide settings or rules). */
export async function syncAllModes(env: Env, db: Db, merchantId: number): Promise<void> {
  await Promise.all([syncCollector(env, db, merchantId, 'sandbox'), syncCollector(env, db, merchantId, 'live')]);
}
