/**
 * Payment reports: each recorded exactly once (de-duplicated on the session's bill `ref`, else on
 * session, type, amount and time) and matched to the hold of the same session, type and amount
 * whose window contains the payment time (`created ≤ paid_at ≤ expires + grace`, SPEC §4.5);
 * and hand assignment (补单) of an unmatched one. Each decision and its apply job are one
 * transaction.
 */
import { randomId } from '../../domain/ids';
import type { OrderRef, OutboxJob, PaymentReport, ReceivedPayment } from '../../queues/jobs';
import { consumeHold, wasMatched } from './holds';
import type { CollectorStore } from './store';
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
): { answer: ReportAnswer; job: OutboxJob | null } | null {
  const key = dedupeKey(input);
  const seen = store.sql.exec(`SELECT answer FROM reports WHERE dedupe_key = ?`, key).toArray()[0];
  if (seen) return { answer: JSON.parse(seen.answer as string) as ReportAnswer, job: null };
  if (store.sql.exec(`SELECT 1 FROM sessions WHERE id = ?`, input.sessionId).toArray().length === 0) return null;

  const now = Date.now();
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
    store.sql.exec(
      `INSERT INTO reports (dedupe_key, payment_id, payment, answer, app_id, out_order_id) VALUES (?, ?, ?, ?, ?, ?)`,
      key,
      payment.id,
      JSON.stringify(payment),
      JSON.stringify(answer),
      match?.appId ?? null,
      match?.outOrderId ?? null,
    );
    countPayment(store, input.sessionId, input.amountFen, now);
    if (match) consumeHold(store, match, input.sessionId);
    return store.enqueue({ kind: 'apply', payment, match, matchedBy: match ? 'auto' : null }, now);
  });
  return { answer, job };
}

/**
 * Hand-assigns a recorded, unmatched payment to an order (补单): a pending order (its hold is
 * taken) or, with `expired`, an order whose hold ended unpaid — at most one payment per order.
 */
export function assignReport(
  store: CollectorStore,
  paymentId: string,
  order: OrderRef,
  expired: boolean,
): AssignOutcome {
  const row = store.sql
    .exec(`SELECT dedupe_key, payment, app_id FROM reports WHERE payment_id = ?`, paymentId)
    .toArray()[0];
  if (!row) return { ok: false, reason: 'unknown_payment' };
  if (row.app_id !== null) return { ok: false, reason: 'already_matched' };
  const hold = store.sql
    .exec(`SELECT 1 FROM holds WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId)
    .toArray()[0];
  if (!hold && !expired) return { ok: false, reason: 'not_pending' };
  if (!hold && wasMatched(store, order)) return { ok: false, reason: 'order_taken' };
  const payment = JSON.parse(row.payment as string) as ReceivedPayment;
  const job = store.atomically(() => {
    store.sql.exec(
      `UPDATE reports SET app_id = ?, out_order_id = ? WHERE dedupe_key = ?`,
      order.appId,
      order.outOrderId,
      row.dedupe_key,
    );
    if (hold) consumeHold(store, order, payment.sessionId);
    return store.enqueue({ kind: 'apply', payment, match: order, matchedBy: 'manual' }, Date.now());
  });
  return { ok: true, job };
}
