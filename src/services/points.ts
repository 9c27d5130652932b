/**
 * The points ledger (SPEC §7). A balance change is one D1 batch (one transaction): a guarded
 * INSERT of the ledger row computes `balance_after` from the merchant's balance and refuses to go
 * below zero, then `merchants.points` is set to the newest row's `balance_after`. So the balance
 * always equals the sum of the deltas and never goes negative, also when charges race: D1 runs
 * one batch at a time, and each batch reads the balance the previous one left.
 *
 * Charges: an onboarding fee at the first heartbeat after a monitor config was issued; an order
 * fee held at create (see `insertLiveOrder`) and given back (`refund_of_fee`) when the order
 * expires or is closed unpaid, so only paid orders cost points — and charged again if such an
 * order is paid after all (`chargeFeeAgain`). Sandbox is never charged.
 */
import { and, desc, eq, getTableColumns, lt, type SQL, sql } from 'drizzle-orm';
import { type LedgerRow, merchants, orders, pointsLedger, type Order, type Session } from '../db/schema';
import { onboardingRef, orderFee, orderRef, quotaUsedIn } from '../domain/points';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { CHANNEL_ORDER_COLUMNS, ORDER_COLUMNS, type NewChannelOrder, type NewOrder } from '../db/queries';
import { requireMerchant } from './merchants';

/** The `balance_after` of the newest ledger row of the merchant row at hand. */
const NEWEST_BALANCE = `COALESCE(
  (SELECT balance_after FROM points_ledger WHERE merchant_id = merchants.id ORDER BY id DESC LIMIT 1), points)`;
/** Sets a merchant's balance to its newest ledger row's `balance_after` (run after every ledger insert). */
const SYNC_BALANCE = `UPDATE merchants SET points = ${NEWEST_BALANCE} WHERE id = ?`;

/** An operator's recharge (delta > 0) or adjustment (either sign); refused if the balance would go below zero. */
export async function adjustPoints(
  d1: D1Database,
  db: Db,
  merchantId: number,
  input: { delta: number; reason: 'recharge' | 'adjustment'; note?: string | null },
) {
  await requireMerchant(db, merchantId);
  if (input.reason === 'recharge' && input.delta <= 0)
    throw new HuipayError('bad_request', 'delta: a recharge adds points (> 0); use reason "adjustment" to debit');
  const now = Date.now();
  const [inserted] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO points_ledger (merchant_id, delta, reason, reference, note, balance_after, created_ms)
         SELECT id, ?2, ?3, NULL, ?4, points + ?2, ?5 FROM merchants WHERE id = ?1 AND points + ?2 >= 0 RETURNING id`,
      )
      .bind(merchantId, input.delta, input.reason, input.note ?? null, now),
    d1.prepare(SYNC_BALANCE).bind(merchantId),
  ]);
  const id = (inserted.results[0] as { id: number } | undefined)?.id;
  if (id === undefined) {
    const m = await requireMerchant(db, merchantId);
    throw new HuipayError(
      'conflict',
      `delta: the balance is ${m.points} points; a debit of ${-input.delta} would make it negative`,
    );
  }
  return (await db.query.pointsLedger.findFirst({ where: eq(pointsLedger.id, id) }))!;
}

/** A merchant's balance and ledger rows, newest first. */
export async function ledger(db: Db, merchantId: number, f: { cursor?: string; limit: number }) {
  const m = await requireMerchant(db, merchantId);
  const rows = await db
    .select()
    .from(pointsLedger)
    .where(and(eq(pointsLedger.merchantId, merchantId), f.cursor ? lt(pointsLedger.id, Number(f.cursor)) : undefined))
    .orderBy(desc(pointsLedger.id))
    .limit(f.limit + 1);
  const more = rows.length > f.limit;
  const data = more ? rows.slice(0, f.limit) : rows;
  return { balance: m.points, data, next_cursor: more ? String(data[data.length - 1].id) : null };
}

/** An order's fee in SQL, the amount in fen bound at `param` (as `orderFee` in the domain). */
const fee = (param: string) => `(m.order_fee_points + (CAST(${param} AS INTEGER) * m.order_fee_permille + 999) / 1000)`;
/**
 * The guarded insert of a live order written with `columns` (by their names in the row; the
 * month is the parameter after them): only while the balance covers the fee and the quota has room.
 */
function liveInsert(columns: readonly (keyof NewChannelOrder)[]) {
  const at = (c: keyof NewChannelOrder) => `?${columns.indexOf(c) + 1}`;
  return {
    columns,
    sql: `INSERT INTO orders (${columns.map((c) => orders[c].name).join(', ')})
  SELECT ${columns.map((_, i) => `?${i + 1}`).join(', ')} FROM merchants m
  WHERE m.id = ${at('merchantId')} AND m.points >= ${fee(at('priceFen'))}
    AND (m.monthly_quota IS NULL OR m.quota_month IS NOT ?${columns.length + 1} OR m.quota_used < m.monthly_quota)
  ON CONFLICT (app_id, out_order_id) DO NOTHING RETURNING id`,
  };
}
/** A session order's insert (the columns of the sandbox path's prepared insert), and a channel order's. */
const INSERT_LIVE_ORDER = liveInsert(ORDER_COLUMNS);
const INSERT_LIVE_CHANNEL_ORDER = liveInsert([...ORDER_COLUMNS, ...CHANNEL_ORDER_COLUMNS]);
/** Runs only right after the insert above added the order (`changes() = 1`): charge its fee, count it. */
const COUNT_AND_DEBIT = `UPDATE merchants AS m SET points = m.points - ${fee('?2')},
    quota_used = CASE WHEN m.quota_month IS ?3 THEN m.quota_used ELSE 0 END + 1, quota_month = ?3
  WHERE m.id = ?1 AND changes() = 1`;
/** Runs only right after the debit above (`changes() = 1`): its ledger row, with the balance it left. */
const LEDGER_ORDER_FEE = `INSERT INTO points_ledger (merchant_id, delta, reason, reference, balance_after, created_ms)
  SELECT m.id, -${fee('?1')}, 'order_fee', 'order:' || o.id, m.points, ?3
  FROM orders o JOIN merchants m ON m.id = o.merchant_id
  WHERE o.pay_token = ?2 AND ${fee('?1')} > 0 AND changes() = 1`;

/**
 * Inserts a live order only if the merchant's balance covers its fee and its monthly quota has
 * room, charging the fee and counting the order in the same transaction. One D1 round trip (a
 * batch of three statements, where a sandbox order takes one). Session and channel orders alike
 * (a row with `channel` set is written with its channel columns). Returns the new id, or nothing
 * when the order exists already or a limit refused it (`planRefusal` tells which).
 */
export async function insertLiveOrder(
  d1: D1Database,
  row: NewOrder | NewChannelOrder,
  month: string,
): Promise<number | undefined> {
  const insert = 'channel' in row && row.channel !== null ? INSERT_LIVE_CHANNEL_ORDER : INSERT_LIVE_ORDER;
  const r = row as NewChannelOrder;
  // Each value as drizzle writes it for its column (JSON columns as text).
  const values = [...insert.columns.map((c) => (r[c] === null ? null : orders[c].mapToDriverValue(r[c]))), month];
  // An identical create's retry carries the same pay token: its insert does nothing, so neither
  // does the rest (keyed on `changes()`, not on the token).
  const [inserted] = await d1.batch([
    d1.prepare(insert.sql).bind(...values),
    d1.prepare(COUNT_AND_DEBIT).bind(row.merchantId, row.priceFen, month),
    d1.prepare(LEDGER_ORDER_FEE).bind(row.priceFen, row.payToken, row.createdMs),
  ]);
  return (inserted.results[0] as { id: number } | undefined)?.id;
}

/** Why a live create was refused by the plan (code 110), or null when neither limit applies now. */
export async function planRefusal(db: Db, merchantId: number, priceFen: number, month: string): Promise<string | null> {
  const m = await requireMerchant(db, merchantId);
  if (m.monthlyQuota !== null && quotaUsedIn(m, month) >= m.monthlyQuota)
    return `plan exceeded: the monthly quota of ${m.monthlyQuota} live orders for ${month} is used up; ask the operator to raise it`;
  const due = orderFee(priceFen, { points: m.orderFeePoints, permille: m.orderFeePermille });
  if (m.points < due)
    return `points insufficient: this order's fee is ${due} points and the balance is ${m.points}; recharge to take more orders`;
  return null;
}

/** Gives back an unpaid order's fee (expired or closed); idempotent, a no-op for orders that paid none. */
export async function refundOrderFee(d1: D1Database, order: Pick<Order, 'id' | 'merchantId' | 'mode' | 'status'>) {
  if (order.mode !== 'live' || (order.status !== 'expired' && order.status !== 'closed')) return;
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO points_ledger (merchant_id, delta, reason, reference, balance_after, created_ms)
         SELECT m.id, -l.delta, 'refund_of_fee', l.reference, m.points - l.delta, ?3
         FROM points_ledger l JOIN merchants m ON m.id = l.merchant_id
         WHERE l.reason = 'order_fee' AND l.reference = ?2 AND m.id = ?1
           AND (SELECT status FROM orders WHERE id = ?4) IN ('expired', 'closed')
         ON CONFLICT DO NOTHING`,
      )
      .bind(order.merchantId, orderRef(order.id), Date.now(), order.id),
    d1.prepare(SYNC_BALANCE).bind(order.merchantId),
  ]);
}

/**
 * For the batch that marks an order paid, right after the statement that did (it runs only when
 * that changed a row, `changes() = 1`): an order paid after its fee was given back (补单 of an
 * expired order, a payment the provider vouches for after an expiry or close) is charged that fee
 * again, as `order_fee` with reference `order:<id>#paid`, so each paid order keeps one fee (SPEC
 * §7). Only if the balance covers it: the payer's money is real, so the order is paid either way,
 * and with the balance short it is paid with no fee charged (the balance never goes below zero).
 * `paidOrder` is the SQL of the order's id once it is paid by this payment.
 */
export function chargeFeeAgain(db: Db, merchantId: number, paidOrder: SQL) {
  // Query builders, not `db.run`: drizzle's D1 batch cannot bind a raw statement's parameters.
  // Its INSERT … SELECT names every column in the table's order, so the row gives each one.
  const row: Record<keyof LedgerRow, SQL> = {
    id: sql`NULL`,
    merchantId: sql`m.id`,
    delta: sql`-r.delta`,
    reason: sql`'order_fee'`,
    reference: sql`r.reference || '#paid'`,
    note: sql`NULL`,
    balanceAfter: sql`m.points - r.delta`,
    createdMs: sql`${Date.now()}`,
  };
  const columns = Object.keys(getTableColumns(pointsLedger)) as (keyof LedgerRow)[];
  const values = sql.join(
    columns.map((c) => row[c]),
    sql`, `,
  );
  return [
    db
      .insert(pointsLedger)
      .select(
        sql`SELECT ${values} FROM points_ledger r JOIN merchants m ON m.id = r.merchant_id
        WHERE m.id = ${merchantId} AND r.reason = 'refund_of_fee' AND r.reference = 'order:' || ${paidOrder}
          AND m.points >= r.delta AND changes() = 1`,
      )
      .onConflictDoNothing(),
    db
      .update(merchants)
      .set({ points: sql.raw(NEWEST_BALANCE) })
      .where(eq(merchants.id, merchantId)),
  ] as const;
}

export type Onboarding = { ok: true } | { ok: false; fee: number; balance: number };

/**
 * A heartbeat of a session whose monitor config was issued and not yet charged: charges the
 * onboarding fee once (live only) and clears the pending mark. When the balance is short the
 * session stays offline with the reason recorded; the next heartbeat tries again.
 */
export async function onboard(d1: D1Database, s: Session): Promise<Onboarding> {
  const ref = onboardingRef(s.id, s.configSeq);
  const live = s.mode === 'live' ? 1 : 0;
  const [, , , , state] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO points_ledger (merchant_id, delta, reason, reference, balance_after, created_ms)
         SELECT m.id, -m.onboarding_fee, 'onboarding', ?3, m.points - m.onboarding_fee, ?4
         FROM sessions s JOIN merchants m ON m.id = s.merchant_id
         WHERE s.id = ?1 AND s.config_seq = ?2 AND s.onboard_pending = 1 AND ?5 = 1
           AND m.onboarding_fee > 0 AND m.points >= m.onboarding_fee
         ON CONFLICT DO NOTHING`,
      )
      .bind(s.id, s.configSeq, ref, Date.now(), live),
    d1.prepare(SYNC_BALANCE).bind(s.merchantId),
    d1
      .prepare(
        `UPDATE sessions SET onboard_pending = 0, offline_reason = NULL
         WHERE id = ?1 AND config_seq = ?2 AND onboard_pending = 1 AND (?4 = 0
           OR (SELECT onboarding_fee FROM merchants WHERE id = sessions.merchant_id) = 0
           OR EXISTS (SELECT 1 FROM points_ledger WHERE reason = 'onboarding' AND reference = ?3))`,
      )
      .bind(s.id, s.configSeq, ref, live),
    d1
      .prepare(
        `UPDATE sessions SET offline_reason = 'insufficient_points' WHERE id = ?1 AND config_seq = ?2 AND onboard_pending = 1`,
      )
      .bind(s.id, s.configSeq),
    d1
      .prepare(
        `SELECT s.onboard_pending AS pending, m.points AS balance, m.onboarding_fee AS fee
         FROM sessions s JOIN merchants m ON m.id = s.merchant_id WHERE s.id = ?1`,
      )
      .bind(s.id),
  ]);
  const r = state.results[0] as { pending: number; balance: number; fee: number } | undefined;
  if (!r?.pending) return { ok: true };
  return { ok: false, fee: r.fee, balance: r.balance };
}

/** The plan fields an operator sets per merchant. */
export interface PlanInput {
  onboarding_fee?: number;
  order_fee_points?: number;
  order_fee_permille?: number;
  monthly_quota?: number | null;
}

export async function updatePlan(db: Db, merchantId: number, input: PlanInput) {
  await requireMerchant(db, merchantId);
  const [m] = await db
    .update(merchants)
    .set({
      onboardingFee: input.onboarding_fee,
      orderFeePoints: input.order_fee_points,
      orderFeePermille: input.order_fee_permille,
      monthlyQuota: input.monthly_quota,
    })
    .where(eq(merchants.id, merchantId))
    .returning();
  return m;
}
