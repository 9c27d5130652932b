/**
 * Payment reports: each recorded exactly once (de-duplicated on the session's bill `ref`, else on
 * session, type, amount and time) and matched to the hold of the same session, type and amount
 * whose window contains the payment time (`created ≤ paid_at ≤ expires + grace`, SPEC §4.5);
 * and hand assignment (补单) of an unmatched one. Each decision and its apply job are one
 * transaction. A report's row is its de-duplication key and stays for the window of
 * src/domain/retention.ts (`seen_ms`); prune.ts removes it after that.
 *
 * 补单 has two sides: the payment's (its row is marked assigned, so no second order can take
 * it) and the order's (its hold is taken, or for an expired order, no other payment took it;
 * the apply job goes out from there). On one Collector both happen in one transaction; when
 * the payment's session and the order live on different shards, services/payments.ts runs
 * the payment's side first and undoes it if the order's side refuses. A payment whose row was
 * pruned (received before the window) is assigned from D1's copy, which the caller passes.
 */
import { randomId } from '../../domain/ids';
import type { OrderRef, OutboxJob, PaymentReport, ReceivedPayment } from '../../jobs';
import { seenAt } from '../../domain/retention';
import { consumeHold, wasMatched } from './holds';
import type { CollectorStore, Row } from './store';
import type { AssignOutcome, ReportAnswer } from './types';

const dedupeKey = (r: PaymentReport) =>
  r.ref !== null ? `ref:${r.sessionId}:${r.ref}` : `tuple:${r.sessionId}:${r.type}:${r.amountFen}:${r.paidMs}`;

function countPayment(store: CollectorStore, sessionId: number, amountFen: number, now: number): void {
  store.sql.exec(
    `UPDATE sessions SET day_fen = CASE WHEN day = ?1 THEN day_fen + ?2 ELSE ?2 END,
       day_count = CASE WHEN day = ?1 THEN day_count + 1 ELSE 1 END, day = ?1 WHERE id = ?3`,
    store.today(now),
    amountFen,
    sessionId,
  );
}

/**
 * Records a report (or finds its first answer) and the job that applies it to D1. `job` is null
 * for a duplicate; the whole answer is null when this object does not know the session yet.
 */
export function recordReport(
  store: CollectorStore,
  input: PaymentReport,
  now = Date.now(),
): { answer: ReportAnswer; job: OutboxJob | null } | null {
  const key = dedupeKey(input);
  const seen = store.sql.exec(`SELECT answer FROM reports WHERE dedupe_key = ?`, key).toArray()[0];
  if (seen) return { answer: JSON.parse(seen.answer as string) as ReportAnswer, job: null };
  if (store.sql.exec(`SELECT 1 FROM sessions WHERE id = ?`, input.sessionId).toArray().length === 0) return null;

  const payment: ReceivedPayment = { id: randomId('pay'), ...input, receivedMs: now };
  const hold = store.sql
    .exec(
      `SELECT app_id, out_order_id FROM holds WHERE session_id = ? AND type = ? AND amount_fen = ?
         AND created_ms <= ?4 AND expires_ms + ? >= ?4`,
      input.sessionId,
      input.type,
      input.amountFen,
      input.paidMs,
      store.graceMs(),
    )
    .toArray()[0];
  const match: OrderRef | null = hold
    ? { appId: hold.app_id as number, outOrderId: hold.out_order_id as string }
    : null;
  const answer: ReportAnswer = {
    payment_id: payment.id,
    matched: match !== null,
    out_order_id: match?.outOrderId ?? null,
  };
  const job = store.atomically(() => {
    insertReport(store, key, payment, answer, match);
    countPayment(store, input.sessionId, input.amountFen, now);
    if (match) consumeHold(store, match, input.sessionId);
    return store.enqueue({ kind: 'apply', payment, match, matchedBy: match ? 'auto' : null }, now);
  });
  return { answer, job };
}

function insertReport(
  store: CollectorStore,
  key: string,
  payment: ReceivedPayment,
  answer: ReportAnswer,
  match: OrderRef | null,
): void {
  store.sql.exec(
    `INSERT INTO reports (dedupe_key, payment_id, payment, answer, app_id, out_order_id, seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    key,
    payment.id,
    JSON.stringify(payment),
    JSON.stringify(answer),
    match?.appId ?? null,
    match?.outOrderId ?? null,
    seenAt(payment.paidMs, payment.receivedMs),
  );
}

/** A row made from D1's copy of a payment this object has no row for, seen now, under a key no report can have. */
function insertKnown(store: CollectorStore, known: ReceivedPayment, match: OrderRef | null): void {
  const answer: ReportAnswer = { payment_id: known.id, matched: false, out_order_id: null };
  const seen = { ...known, receivedMs: Math.max(known.receivedMs, Date.now()) };
  insertReport(store, `payment:${known.id}`, seen, answer, match);
}

/**
 * A payment's row here, or — when `known` (D1's copy) is given and this object has no row for it
 * (pruned, or the payment came in on another shard) — a row made from it, seen now, under a key
 * no report can have (`payment:<id>`). Call inside a transaction.
 */
function rowOf(store: CollectorStore, paymentId: string, known?: ReceivedPayment) {
  const find = () =>
    store.sql
      .exec(`SELECT dedupe_key, payment, app_id, out_order_id FROM reports WHERE payment_id = ?`, paymentId)
      .toArray()[0];
  const row = find();
  if (row || !known || known.id !== paymentId) return row;
  insertKnown(store, known, null);
  return find();
}

const assignedTo = (row: Row, order: OrderRef) => row.app_id === order.appId && row.out_order_id === order.outOrderId;

/** The payment's side of 补单: marks it assigned to `order`, unless another order has it. Call inside a transaction. */
function claim(
  store: CollectorStore,
  paymentId: string,
  order: OrderRef,
  known?: ReceivedPayment,
):
  | { ok: true; payment: ReceivedPayment; again: boolean }
  | { ok: false; reason: 'unknown_payment' | 'already_matched' } {
  const row = rowOf(store, paymentId, known);
  if (!row) return { ok: false, reason: 'unknown_payment' };
  const payment = JSON.parse(row.payment as string) as ReceivedPayment;
  if (row.app_id !== null)
    return assignedTo(row, order) ? { ok: true, payment, again: true } : { ok: false, reason: 'already_matched' };
  store.sql.exec(
    `UPDATE reports SET app_id = ?, out_order_id = ? WHERE dedupe_key = ?`,
    order.appId,
    order.outOrderId,
    row.dedupe_key,
  );
  return { ok: true, payment, again: false };
}

/**
 * The order's side of 补单, when the order can take a payment: its hold is there (pending), or
 * with `expired` no payment took it. `taken` when this very payment took it already.
 */
function orderTakes(
  store: CollectorStore,
  paymentId: string,
  order: OrderRef,
  expired: boolean,
): { ok: true; hold: boolean } | { ok: false; reason: 'not_pending' | 'order_taken' } | { ok: 'taken' } {
  const mine =
    store.sql
      .exec(
        `SELECT 1 FROM reports WHERE payment_id = ? AND app_id = ? AND out_order_id = ?`,
        paymentId,
        order.appId,
        order.outOrderId,
      )
      .toArray().length > 0;
  const hold =
    store.sql.exec(`SELECT 1 FROM holds WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId).toArray()
      .length > 0;
  if (hold) return { ok: true, hold: true };
  if (mine) return { ok: 'taken' };
  if (!expired) return { ok: false, reason: 'not_pending' };
  if (wasMatched(store, order)) return { ok: false, reason: 'order_taken' };
  return { ok: true, hold: false };
}

/**
 * Hand-assigns a payment to an order whose hold (or, with `expired`, whose expiry) lives here
 * (补单). With `claimed` the payment's side was done on another shard: only the order's side
 * runs, recording the payment here from `known`. Otherwise both sides run in one transaction;
 * `known` (D1's copy) lets a payment whose row was pruned be assigned.
 */
export function assignReport(
  store: CollectorStore,
  paymentId: string,
  order: OrderRef,
  expired: boolean,
  known?: ReceivedPayment,
  claimed = false,
): AssignOutcome {
  return store.atomically((): AssignOutcome => {
    const side = orderTakes(store, paymentId, order, expired);
    if (side.ok === 'taken') return { ok: true, job: null };
    if (!side.ok) return side;
    let payment: ReceivedPayment;
    if (claimed) {
      if (!known) return { ok: false, reason: 'unknown_payment' };
      payment = known;
      insertKnown(store, known, order);
    } else {
      const mark = claim(store, paymentId, order, known);
      if (!mark.ok) return mark;
      payment = mark.payment;
    }
    if (side.hold) consumeHold(store, order, payment.sessionId);
    return { ok: true, job: store.enqueue({ kind: 'apply', payment, match: order, matchedBy: 'manual' }, Date.now()) };
  });
}

/** The payment's side of a 补单 whose order lives on another shard (see `assignReport`). */
export function claimReport(
  store: CollectorStore,
  paymentId: string,
  order: OrderRef,
  known?: ReceivedPayment,
): { ok: true } | { ok: false; reason: 'unknown_payment' | 'already_matched' } {
  const r = store.atomically(() => claim(store, paymentId, order, known));
  return r.ok ? { ok: true } : r;
}

/** Undoes `claimReport` when the order's side refused (only the mark for that order). */
export function unclaimReport(store: CollectorStore, paymentId: string, order: OrderRef): void {
  store.sql.exec(
    `UPDATE reports SET app_id = NULL, out_order_id = NULL WHERE payment_id = ? AND app_id = ? AND out_order_id = ?`,
    paymentId,
    order.appId,
    order.outOrderId,
  );
}
