/** Collection sessions: adding wallets, their live state, and changes the Collector must learn. */
import { and, count, eq, sql } from 'drizzle-orm';
import { sessions, type Session } from '../db/schema';
import { randomLabel, randomToken } from '../domain/ids';
import type { Mode, SessionType } from '../domain/vocab';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { collector } from './collector';
import { placeSession } from '../domain/shards';
import { fenField, requireMerchant, requireRule, publishConfig } from './merchants';
import { sealSecret } from '../domain/secrets';

export interface SessionInput {
  type: SessionType;
  label: string;
  qr_payload: string;
  mode: Mode;
  rule_id?: number | null;
  amount_qr: { amount: string; payload: string }[];
}

const amountQrMap = (list: { amount: string; payload: string }[]) =>
  Object.fromEntries(list.map((e, i) => [String(fenField(`amount_qr.${i}.amount`, e.amount)), e.payload]));

/** The text the "scan to go online" QR code holds. */
export const monitorConfig = (origin: string, session: Session, secret: string) =>
  JSON.stringify({ v: 1, endpoint: `${origin}/monitor/v1`, session: session.id, secret });

/** The V免签 app's config string, `host/key` (SPEC §12.2); null when VMQ_MONITOR_DOMAIN is not set. */
export const vmqConfig = (domain: string, session: Session, secret: string): string | null =>
  domain && session.vmqHost ? `${session.vmqHost}.${domain}/${secret}` : null;

export async function createSession(env: Env, db: Db, merchantId: number, input: SessionInput) {
  const merchant = await requireMerchant(db, merchantId);
  if (input.rule_id) await requireRule(db, merchantId, input.rule_id);
  const secret = randomToken(32);
  // Its Collector shard, for good: the one with the fewest sessions of its type and mode.
  const counts: number[] = [];
  for (const r of await db
    .select({ shard: sessions.shard, n: count() })
    .from(sessions)
    .where(and(eq(sessions.merchantId, merchantId), eq(sessions.mode, input.mode), eq(sessions.type, input.type)))
    .groupBy(sessions.shard))
    counts[r.shard] = r.n;
  const [session] = await db
    .insert(sessions)
    .values({
      merchantId,
      mode: input.mode,
      type: input.type,
      label: input.label,
      qrPayload: input.qr_payload,
      amountQr: amountQrMap(input.amount_qr),
      secretEnc: await sealSecret(env.MASTER_KEY, secret),
      ruleId: input.rule_id === undefined ? merchant.defaultRuleId : input.rule_id,
      vmqHost: randomLabel(12),
      configSeq: 1,
      onboardPending: true,
      shard: placeSession(counts, merchant.collectorShards),
    })
    .returning();
  await publishConfig(env, db, merchantId, input.mode);
  return { session, secret };
}

export async function requireSession(db: Db, id: number): Promise<Session> {
  const s = await db.query.sessions.findFirst({ where: eq(sessions.id, id) });
  if (!s) throw new HuipayError('not_found', `session ${id} not found`);
  return s;
}

export interface SessionPatch {
  enabled?: boolean;
  rule_id?: number | null;
  label?: string;
  qr_payload?: string;
  amount_qr?: { amount: string; payload: string }[];
}

export async function updateSession(env: Env, db: Db, id: number, patch: SessionPatch): Promise<Session> {
  const s = await requireSession(db, id);
  if (patch.rule_id) await requireRule(db, s.merchantId, patch.rule_id);
  const [updated] = await db
    .update(sessions)
    .set({
      enabled: patch.enabled,
      ruleId: patch.rule_id,
      label: patch.label,
      qrPayload: patch.qr_payload,
      amountQr: patch.amount_qr && amountQrMap(patch.amount_qr),
    })
    .where(eq(sessions.id, id))
    .returning();
  await publishConfig(env, db, s.merchantId, s.mode);
  return updated;
}

/**
 * Issues a new secret and monitor config. Reusing a session that is not online now is a "scan to
 * go online" (SPEC §7): the new config's first heartbeat is charged the onboarding fee. Rotating
 * the secret of a session online right now is not: its first heartbeat just keeps it online,
 * uncharged, so a rotation never takes an online session offline.
 */
export async function rotateSessionSecret(env: Env, db: Db, id: number) {
  const current = await requireSession(db, id);
  const online = (await liveOf(env, current))?.online ?? false;
  const secret = randomToken(32);
  const [session] = await db
    .update(sessions)
    .set({
      secretEnc: await sealSecret(env.MASTER_KEY, secret),
      configSeq: sql`${sessions.configSeq} + 1`,
      onboardPending: !online,
      offlineReason: null,
    })
    .where(eq(sessions.id, id))
    .returning();
  // Its Collectors verify payment reports with the secret: the old one must stop working there too.
  await publishConfig(env, db, session.merchantId, session.mode);
  return { session, secret };
}

/** A merchant's sessions with their live state from the Collectors. */
export async function listSessions(env: Env, db: Db, merchantId: number) {
  await requireMerchant(db, merchantId);
  const rows = await db.select().from(sessions).where(eq(sessions.merchantId, merchantId)).orderBy(sessions.id);
  const lives = await liveStates(env, merchantId, rows);
  const live = new Map(lives.map((l) => [l.id, l]));
  return rows.map((s) => ({ session: s, live: live.get(s.id) }));
}

/** One session's live state. */
export async function liveOf(env: Env, s: Session) {
  return (await collector(env, s.merchantId, s.mode, s.shard).live()).find((l) => l.id === s.id);
}

/** The live state of these sessions of one merchant, from each Collector (mode and shard) that owns some. */
export async function liveStates(env: Env, merchantId: number, rows: Pick<Session, 'mode' | 'shard'>[]) {
  const owners = [...new Set(rows.map((r) => `${r.mode}:${r.shard}`))].map((k) => k.split(':'));
  const lives = await Promise.all(
    owners.map(([mode, shard]) => collector(env, merchantId, mode as Mode, Number(shard)).live()),
  );
  return lives.flat();
}

/** The merchant's own session with this id, or null. */
export async function merchantSession(db: Db, merchantId: number, id: number): Promise<Session | null> {
  return (
    (await db.query.sessions.findFirst({ where: and(eq(sessions.id, id), eq(sessions.merchantId, merchantId)) })) ??
    null
  );
}
