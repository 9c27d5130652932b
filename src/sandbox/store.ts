/**
 * What every built-in simulator shares: its own key pair, made once per deployment and kept in
 * D1 with the private half sealed by MASTER_KEY (the first writer wins a race; everyone then
 * reads the winner), the public material it issues for that key (UnionPay: a certificate chain),
 * and the rule that a simulator serves sandbox apps only.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { apps, channelConfigs, type ChannelConfig, simKeys, simRefunds, simTrades, type SimTrade } from '../db/schema';
import { base64ToBytes, bytesToBase64, generateRsaKeyPair } from '../domain/rsa';
import { openSecret, sealSecret } from '../domain/secrets';
import type { Db } from '../env';
import type { SimulatorIdentity } from '../channels/types';
import type { SimulatorIssuer } from './types';

export interface SimulatorKeys extends SimulatorIdentity {
  /** PKCS#8 DER of the simulator's private key (signs answers, notifies, returns). */
  pkcs8: Uint8Array;
  /** SPKI DER of its public key, and the same as base64 (what apps configure as the provider's key). */
  spki: Uint8Array;
}

const loaded = new Map<string, Promise<SimulatorKeys>>();

async function load(env: Env, db: Db, channel: string, issue?: SimulatorIssuer): Promise<SimulatorKeys> {
  let row = await db.query.simKeys.findFirst({ where: eq(simKeys.channel, channel) });
  if (!row) {
    const pair = await generateRsaKeyPair();
    await db
      .insert(simKeys)
      .values({
        channel,
        privateEnc: await sealSecret(env.MASTER_KEY, bytesToBase64(pair.pkcs8)),
        publicKey: bytesToBase64(pair.spki),
        material: issue ? await issue(pair) : {},
      })
      .onConflictDoNothing();
    row = (await db.query.simKeys.findFirst({ where: eq(simKeys.channel, channel) }))!;
  }
  return {
    pkcs8: base64ToBytes(await openSecret(env.MASTER_KEY, row.privateEnc)),
    spki: base64ToBytes(row.publicKey),
    publicKey: row.publicKey,
    material: row.material ?? {},
  };
}

/** The simulator's key pair for `channel` (and what `issue` made for it), made on first use. */
export function simulatorKeys(env: Env, db: Db, channel: string, issue?: SimulatorIssuer): Promise<SimulatorKeys> {
  const id = `${env.MASTER_KEY}\u0000${channel}`;
  let keys = loaded.get(id);
  if (!keys) {
    keys = load(env, db, channel, issue);
    keys.catch(() => loaded.delete(id));
    loaded.set(id, keys);
  }
  return keys;
}

/** `n` random decimal digits (simulated transaction numbers). */
export const randomDigits = (n: number) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b % 10).join('');

/** The sandbox apps' configs of `channel` for provider account `account` (whose keys a simulator trusts). */
export async function sandboxConfigs(db: Db, channel: string, account: string): Promise<ChannelConfig[]> {
  const rows = await db
    .select({ cfg: channelConfigs })
    .from(channelConfigs)
    .innerJoin(apps, eq(apps.id, channelConfigs.appId))
    .where(and(eq(channelConfigs.channel, channel), eq(channelConfigs.account, account), eq(apps.mode, 'sandbox')));
  return rows.map((r) => r.cfg);
}

/** The opened secrets of a config (a simulator plays the provider, which holds e.g. the merchant's API v3 key). */
export async function configSecrets<T>(env: Env, cfg: ChannelConfig): Promise<T> {
  return JSON.parse(await openSecret(env.MASTER_KEY, cfg.secretsEnc)) as T;
}

export type SimRefund = typeof simRefunds.$inferSelect;

/** The refund of trade `tradeId` keyed `requestNo` (the provider's idempotency key), if any. */
export const simRefundOf = (db: Db, tradeId: number, requestNo: string): Promise<SimRefund | undefined> =>
  db.query.simRefunds.findFirst({
    where: and(eq(simRefunds.tradeId, tradeId), eq(simRefunds.outRequestNo, requestNo)),
  });

/**
 * Records a refund of a simulated trade, keyed by the provider's idempotency key: `created` (the
 * trade's refunded sum updated; `fullStatus` once it is all refunded), the same refund again
 * (`repeat`), the key used for another amount (`conflict`), or more than is left (`exceeds`).
 * One statement checks the room left, so concurrent refunds never exceed the trade.
 */
export async function recordSimRefund(
  db: Db,
  t: SimTrade,
  requestNo: string,
  amountFen: number,
  extra: Record<string, string>,
  fullStatus: string,
): Promise<{ kind: 'created' | 'repeat'; refund: SimRefund; trade: SimTrade } | { kind: 'conflict' | 'exceeds' }> {
  const find = () => simRefundOf(db, t.id, requestNo);
  const again = (r: SimRefund) =>
    r.amountFen === amountFen ? { kind: 'repeat' as const, refund: r, trade: t } : { kind: 'conflict' as const };
  const seen = await find();
  if (seen) return again(seen);
  const inserted = await db.all<{ id: number }>(sql`
    INSERT INTO sim_refunds (trade_id, out_request_no, amount_fen, created_ms, extra)
    SELECT ${t.id}, ${requestNo}, ${amountFen}, ${Date.now()}, ${JSON.stringify(extra)}
    WHERE (SELECT COALESCE(SUM(amount_fen), 0) FROM sim_refunds WHERE trade_id = ${t.id}) + ${amountFen} <= ${t.amountFen}
    ON CONFLICT (trade_id, out_request_no) DO NOTHING RETURNING id`);
  if (inserted.length === 0) {
    const raced = await find();
    return raced ? again(raced) : { kind: 'exceeds' };
  }
  const refunded = sql`(SELECT SUM(amount_fen) FROM sim_refunds WHERE trade_id = ${t.id})`;
  const [trade] = await db
    .update(simTrades)
    .set({
      refundedFen: refunded,
      status: sql`CASE WHEN ${refunded} >= ${simTrades.amountFen} THEN ${fullStatus} ELSE ${simTrades.status} END`,
    })
    .where(eq(simTrades.id, t.id))
    .returning();
  return { kind: 'created', refund: (await find())!, trade };
}

/** The simulated trade of `channel` that merchant `account` numbered `outTradeNo` (none when the number is missing). */
export async function findSimTrade(
  db: Db,
  channel: string,
  account: string,
  outTradeNo: string | undefined,
): Promise<SimTrade | undefined> {
  if (!outTradeNo) return undefined;
  return db.query.simTrades.findFirst({
    where: and(eq(simTrades.channel, channel), eq(simTrades.account, account), eq(simTrades.outTradeNo, outTradeNo)),
  });
}

/** A simulated refund by the provider's idempotency key, with its trade (looked up by `channel` and merchant `account`). */
export async function findSimRefund(
  db: Db,
  channel: string,
  account: string,
  requestNo: string,
): Promise<{ r: SimRefund; t: SimTrade } | undefined> {
  const [row] = await db
    .select({ r: simRefunds, t: simTrades })
    .from(simRefunds)
    .innerJoin(simTrades, eq(simTrades.id, simRefunds.tradeId))
    .where(and(eq(simTrades.channel, channel), eq(simTrades.account, account), eq(simRefunds.outRequestNo, requestNo)));
  return row;
}

/** Closes a simulated trade while it is open (one of `openStatuses`): the trade after, closed or as it already was. */
export async function closeSimTrade(
  db: Db,
  t: SimTrade,
  openStatuses: string[],
  closedStatus: string,
): Promise<SimTrade> {
  const [closed] = await db
    .update(simTrades)
    .set({ status: closedStatus, closedMs: Date.now() })
    .where(and(eq(simTrades.id, t.id), inArray(simTrades.status, openStatuses)))
    .returning();
  return closed ?? (await db.query.simTrades.findFirst({ where: eq(simTrades.id, t.id) }))!;
}

/** Pays a simulated trade the payer confirmed (once, while it is open and not expired): the trade after, or null. */
export async function paySimTrade(
  db: Db,
  t: SimTrade,
  openStatuses: string[],
  paidStatus: string,
  skipNotify: boolean,
): Promise<SimTrade | null> {
  const now = Date.now();
  const [paid] = await db
    .update(simTrades)
    .set({
      status: paidStatus,
      paidMs: now,
      notifyState: !t.notifyUrl ? 'none' : skipNotify ? 'skipped' : 'pending',
      nextNotifyMs: !t.notifyUrl || skipNotify ? null : now,
    })
    .where(
      and(
        eq(simTrades.id, t.id),
        inArray(simTrades.status, openStatuses),
        sql`(${simTrades.expiresMs} IS NULL OR ${simTrades.expiresMs} > ${now})`,
      ),
    )
    .returning();
  return paid ?? null;
}
