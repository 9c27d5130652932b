/**
 * The points ledger (SPEC §7), on the merchant's order store beside its orders: the balance and
 * this month's count of live orders are the merchant's `books` row, and every balance change is
 * one D1 batch (one transaction) there — a guarded INSERT of the ledger row computes
 * `balance_after` from the balance and refuses to go below zero, then `books.points` is set to the
 * newest row's `balance_after`. So the balance always equals the sum of the deltas and never goes
 * negative, also when charges race: D1 runs one batch at a time, and each batch reads the balance
 * the previous one left. The plan (fees, quota) is the merchant's, in the control plane; the
 * hot paths take it from the Collector (`OrderPlan`), so a create sends nothing to `DB`.
 *
 * Charges: an onboarding fee at the first heartbeat after a monitor config was issued; an order
 * fee held at create (see `insertLiveOrder`) and given back (`refund_of_fee`) when the order
 * expires or is closed unpaid, so only paid orders cost points — and charged again if such an
 * order is paid after all (`chargeFeeAgain`). Sandbox is never charged.
 */
import { and, desc, eq, getTableColumns, inArray, lt, type SQL, sql } from 'drizzle-orm';
import {
  books,
  type Books,
  type LedgerRow,
  type Merchant,
  merchants,
  orders,
  pointsLedger,
  sessions,
  type Order,
  type Session,
} from '../db/schema';
import { controlDb, merchantStore, storeDb } from '../db/stores';
import { firstId } from '../domain/stores';
import { onboardingRef, orderFee, orderRef, type OrderPlan, quotaUsedIn } from '../domain/points';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { CHANNEL_ORDER_COLUMNS, ORDER_COLUMNS, type NewChannelOrder, type NewOrder } from '../db/queries';
import { syncAllModes } from './collector';
import { bumpVersion, requireMerchant } from './merchants';

/** The `balance_after` of the newest ledger row of the books row at hand. */
const NEWEST_BALANCE = `COALESCE(
  (SELECT balance_after FROM points_ledger WHERE merchant_id = books.merchant_id ORDER BY id DESC LIMIT 1), points)`;
/** Sets a merchant's balance to its newest ledger row's `balance_after` (run after every ledger insert). */
const SYNC_BALANCE = `UPDATE books SET points = ${NEWEST_BALANCE} WHERE merchant_id = ?`;
/** Makes sure a merchant has its books row (a merchant made before its store was written to has none). */
const OPEN_BOOKS = `INSERT INTO books (merchant_id) VALUES (?) ON CONFLICT DO NOTHING`;

/** A merchant's books: balance and quota count (zero before the first change). */
export async function booksOf(store: Db, merchantId: number): Promise<Books> {
  const row = await store.query.books.findFirst({ where: eq(books.merchantId, merchantId) });
  return row ?? { merchantId, points: 0, quotaMonth: null, quotaUsed: 0 };
}

/** A merchant with its books: what the admin view and the console show of it. */
export type MerchantAccount = Merchant & Omit<Books, 'merchantId'>;

/** Merchants with their books, one query per store they live on (an operator's list spans stores). */
export async function withBooks(env: Env, ms: Merchant[]): Promise<MerchantAccount[]> {
  const found = new Map<number, Books>();
  const byStore = Map.groupBy(ms, (m) => m.store);
  await Promise.all(
    [...byStore].map(async ([name, group]) => {
      const rows = await storeDb(env, name)
        .select()
        .from(books)
        .where(
          inArray(
            books.merchantId,
            group.map((m) => m.id),
          ),
        );
      for (const b of rows) found.set(b.merchantId, b);
    }),
  );
  return ms.map((m) => {
    const { merchantId: _, ...b } = found.get(m.id) ?? { merchantId: m.id, points: 0, quotaMonth: null, quotaUsed: 0 };
    return { ...m, ...b };
  });
}

/** One merchant with its books. */
export const withBooksOf = async (env: Env, m: Merchant) => (await withBooks(env, [m]))[0];

/** An operator's recharge (delta > 0) or adjustment (either sign); refused if the balance would go below zero. */
export async function adjustPoints(
  env: Env,
  merchantId: number,
  input: { delta: number; reason: 'recharge' | 'adjustment'; note?: string | null },
) {
  await requireMerchant(controlDb(env), merchantId);
  const store = await merchantStore(env, merchantId);
  const d1 = store.$client;
  if (input.reason === 'recharge' && input.delta <= 0)
    throw new HuipayError('bad_request', 'delta: a recharge adds points (> 0); use reason "adjustment" to debit');
  const now = Date.now();
  const [, inserted] = await d1.batch([
    d1.prepare(OPEN_BOOKS).bind(merchantId),
    d1
      .prepare(
        `INSERT INTO points_ledger (merchant_id, delta, reason, reference, note, balance_after, created_ms)
         SELECT merchant_id, ?2, ?3, NULL, ?4, points + ?2, ?5 FROM books WHERE merchant_id = ?1 AND points + ?2 >= 0 RETURNING id`,
      )
      .bind(merchantId, input.delta, input.reason, input.note ?? null, now),
    d1.prepare(SYNC_BALANCE).bind(merchantId),
  ]);
  const id = (inserted.results[0] as { id: number } | undefined)?.id;
  if (id === undefined) {
    const b = await booksOf(store, merchantId);
    throw new HuipayError(
      'conflict',
      `delta: the balance is ${b.points} points; a debit of ${-input.delta} would make it negative`,
    );
  }
  return (await store.query.pointsLedger.findFirst({ where: eq(pointsLedger.id, id) }))!;
}

/** A merchant's balance and ledger rows, newest first. */
export async function ledger(env: Env, merchantId: number, f: { cursor?: string; limit: number }) {
  await requireMerchant(controlDb(env), merchantId);
  const store = await merchantStore(env, merchantId);
  const [b, rows] = await Promise.all([
    booksOf(store, merchantId),
    store
      .select()
      .from(pointsLedger)
      .where(and(eq(pointsLedger.merchantId, merchantId), f.cursor ? lt(pointsLedger.id, Number(f.cursor)) : undefined))
      .orderBy(desc(pointsLedger.id))
      .limit(f.limit + 1),
  ]);
  const more = rows.length > f.limit;
  const data = more ? rows.slice(0, f.limit) : rows;
  return { balance: b.points, data, next_cursor: more ? String(data[data.length - 1].id) : null };
}

/** An order's fee in SQL: the plan's points and per-mille bound at `points` and `permille`, the amount in fen at `amount`. */
// Bound numbers may arrive as REAL: each is made an INTEGER, so the division rounds as in `orderFee`.
const fee = (amount: string, points: string, permille: string) =>
  `(CAST(${points} AS INTEGER) + (CAST(${amount} AS INTEGER) * CAST(${permille} AS INTEGER) + 999) / 1000)`;
/**
 * The guarded insert of a live order written with `columns` (by their names in the row; after
 * them come the month, the plan's fee points, fee per-mille and monthly quota, and the store's
 * first order id): only while the balance covers the fee and the quota has room. The order's id
 * is the store's next (ids are unique across stores, domain/stores.ts).
 */
function liveInsert(columns: readonly (keyof NewChannelOrder)[]) {
  const at = (c: keyof NewChannelOrder) => `?${columns.indexOf(c) + 1}`;
  const [month, points, permille, quota, first] = [1, 2, 3, 4, 5].map((i) => `?${columns.length + i}`);
  return {
    columns,
    sql: `INSERT INTO orders (id, ${columns.map((c) => orders[c].name).join(', ')})
  SELECT (SELECT MAX(COALESCE(MAX(id), 0) + 1, ${first}) FROM orders), ${columns.map((_, i) => `?${i + 1}`).join(', ')}
  FROM (SELECT ${at('merchantId')} AS id) x LEFT JOIN books b ON b.merchant_id = x.id
  WHERE COALESCE(b.points, 0) >= ${fee(at('priceFen'), points, permille)}
    AND (${quota} IS NULL OR b.quota_month IS NOT ${month} OR b.quota_used < ${quota})
  ON CONFLICT (app_id, out_order_id) DO NOTHING RETURNING id`,
  };
}
/** A session order's insert (the columns of the sandbox path's prepared insert), and a channel order's. */
const INSERT_LIVE_ORDER = liveInsert(ORDER_COLUMNS);
const INSERT_LIVE_CHANNEL_ORDER = liveInsert([...ORDER_COLUMNS, ...CHANNEL_ORDER_COLUMNS]);
/** Runs only right after the insert above added the order (`changes() = 1`): charge its fee, count it. */
const COUNT_AND_DEBIT = `INSERT INTO books (merchant_id, points, quota_month, quota_used)
  SELECT ?1, -${fee('?2', '?4', '?5')}, ?3, 1 WHERE changes() = 1
  ON CONFLICT (merchant_id) DO UPDATE SET points = points - ${fee('?2', '?4', '?5')},
    quota_used = CASE WHEN quota_month IS ?3 THEN quota_used ELSE 0 END + 1, quota_month = ?3`;
/** Runs only right after the debit above (`changes() = 1`): its ledger row, with the balance it left. */
const LEDGER_ORDER_FEE = `INSERT INTO points_ledger (merchant_id, delta, reason, reference, balance_after, created_ms)
  SELECT b.merchant_id, -${fee('?1', '?4', '?5')}, 'order_fee', 'order:' || o.id, b.points, ?3
  FROM orders o JOIN books b ON b.merchant_id = o.merchant_id
  WHERE o.pay_token = ?2 AND ${fee('?1', '?4', '?5')} > 0 AND changes() = 1`;

/**
 * Inserts a live order into its store only if the merchant's balance covers its fee and its
 * monthly quota has room, charging the fee and counting the order in the same transaction. One
 * D1 round trip (a batch of three statements, where a sandbox order takes one). Session and
 * channel orders alike (a row with `channel` set is written with its channel columns). Returns
 * the new id, or nothing when the order exists already or a limit refused it (`planRefusal`
 * tells which).
 */
export async function insertLiveOrder(
  store: Db,
  storeName: string,
  row: NewOrder | NewChannelOrder,
  month: string,
  plan: OrderPlan,
): Promise<number | undefined> {
  const d1 = store.$client;
  const insert = 'channel' in row && row.channel !== null ? INSERT_LIVE_CHANNEL_ORDER : INSERT_LIVE_ORDER;
  const r = row as NewChannelOrder;
  const planValues = [plan.points, plan.permille];
  // Each value as drizzle writes it for its column (JSON columns as text).
  const values = [
    ...insert.columns.map((c) => (r[c] === null ? null : orders[c].mapToDriverValue(r[c]))),
    month,
    ...planValues,
    plan.monthlyQuota,
    firstId(storeName),
  ];
  // An identical create's retry carries the same pay token: its insert does nothing, so neither
  // does the rest (keyed on `changes()`, not on the token).
  const [inserted] = await d1.batch([
    d1.prepare(insert.sql).bind(...values),
    d1.prepare(COUNT_AND_DEBIT).bind(row.merchantId, row.priceFen, month, ...planValues),
    d1.prepare(LEDGER_ORDER_FEE).bind(row.priceFen, row.payToken, row.createdMs, ...planValues),
  ]);
  return (inserted.results[0] as { id: number } | undefined)?.id;
}

/** Why a live create was refused by the plan (code 110), or null when neither limit applies now. */
export async function planRefusal(
  store: Db,
  merchantId: number,
  priceFen: number,
  month: string,
  plan: OrderPlan,
): Promise<string | null> {
  const b = await booksOf(store, merchantId);
  if (plan.monthlyQuota !== null && quotaUsedIn(b, month) >= plan.monthlyQuota)
    return `plan exceeded: the monthly quota of ${plan.monthlyQuota} live orders for ${month} is used up; ask the operator to raise it`;
  const due = orderFee(priceFen, plan);
  if (b.points < due)
    return `points insufficient: this order's fee is ${due} points and the balance is ${b.points}; recharge to take more orders`;
  return null;
}

/** Gives back an unpaid order's fee (expired or closed); idempotent, a no-op for orders that paid none. */
export async function refundOrderFee(store: Db, order: Pick<Order, 'id' | 'merchantId' | 'mode' | 'status'>) {
  if (order.mode !== 'live' || (order.status !== 'expired' && order.status !== 'closed')) return;
  const d1 = store.$client;
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO points_ledger (merchant_id, delta, reason, reference, balance_after, created_ms)
         SELECT b.merchant_id, -l.delta, 'refund_of_fee', l.reference, b.points - l.delta, ?3
         FROM points_ledger l JOIN books b ON b.merchant_id = l.merchant_id
         WHERE l.reason = 'order_fee' AND l.reference = ?2 AND b.merchant_id = ?1
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
    merchantId: sql`b.merchant_id`,
    delta: sql`-r.delta`,
    reason: sql`'order_fee'`,
    reference: sql`r.reference || '#paid'`,
    note: sql`NULL`,
    balanceAfter: sql`b.points - r.delta`,
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
        sql`SELECT ${values} FROM points_ledger r JOIN books b ON b.merchant_id = r.merchant_id
        WHERE b.merchant_id = ${merchantId} AND r.reason = 'refund_of_fee' AND r.reference = 'order:' || ${paidOrder}
          AND b.points >= r.delta AND changes() = 1`,
      )
      .onConflictDoNothing(),
    db
      .update(books)
      .set({ points: sql.raw(NEWEST_BALANCE) })
      .where(eq(books.merchantId, merchantId)),
  ] as const;
}

export type Onboarding = { ok: true } | { ok: false; fee: number; balance: number };

/**
 * A heartbeat of a session whose monitor config was issued and not yet charged: charges the
 * onboarding fee once (live only) on the merchant's store and then clears the pending mark in the
 * control plane. When the balance is short the session stays offline with the reason recorded;
 * the next heartbeat tries again. A crash between the two leaves the charge made (once: its
 * reference is unique) and the mark set; the next heartbeat finds the charge and clears it.
 */
export async function onboard(env: Env, s: Session): Promise<Onboarding> {
  const control = controlDb(env);
  const m = await requireMerchant(control, s.merchantId);
  const ref = onboardingRef(s.id, s.configSeq);
  let balance: number | null = null;
  if (s.mode === 'live' && m.onboardingFee > 0) {
    const d1 = (await merchantStore(env, s.merchantId)).$client;
    const [, , , charged] = await d1.batch([
      d1.prepare(OPEN_BOOKS).bind(s.merchantId),
      d1
        .prepare(
          `INSERT INTO points_ledger (merchant_id, delta, reason, reference, balance_after, created_ms)
           SELECT merchant_id, -CAST(?2 AS INTEGER), 'onboarding', ?3, points - CAST(?2 AS INTEGER), ?4
           FROM books WHERE merchant_id = ?1 AND points >= ?2
           ON CONFLICT DO NOTHING`,
        )
        .bind(s.merchantId, m.onboardingFee, ref, Date.now()),
      d1.prepare(SYNC_BALANCE).bind(s.merchantId),
      d1
        .prepare(
          `SELECT b.points AS balance, EXISTS (SELECT 1 FROM points_ledger WHERE reason = 'onboarding' AND reference = ?2) AS done
           FROM books b WHERE b.merchant_id = ?1`,
        )
        .bind(s.merchantId, ref),
    ]);
    const r = charged.results[0] as { balance: number; done: number };
    if (!r.done) balance = r.balance;
  }
  const pending = and(eq(sessions.id, s.id), eq(sessions.configSeq, s.configSeq), eq(sessions.onboardPending, true));
  if (balance !== null) {
    await control.update(sessions).set({ offlineReason: 'insufficient_points' }).where(pending);
    return { ok: false, fee: m.onboardingFee, balance };
  }
  await control.update(sessions).set({ onboardPending: false, offlineReason: null }).where(pending);
  return { ok: true };
}

/** The plan fields an operator sets per merchant. */
export interface PlanInput {
  onboarding_fee?: number;
  order_fee_points?: number;
  order_fee_permille?: number;
  monthly_quota?: number | null;
}

/** Sets a merchant's plan; its Collectors learn it (they hand it to every create's guarded insert). */
export async function updatePlan(env: Env, db: Db, merchantId: number, input: PlanInput) {
  await requireMerchant(db, merchantId);
  const [m] = await db
    .update(merchants)
    .set({
      onboardingFee: input.onboarding_fee,
      orderFeePoints: input.order_fee_points,
      orderFeePermille: input.order_fee_permille,
      monthlyQuota: input.monthly_quota,
      ...bumpVersion,
    })
    .where(eq(merchants.id, merchantId))
    .returning();
  await syncAllModes(env, db, merchantId);
  return m;
}
