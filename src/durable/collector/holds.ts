/**
 * Amount holds: a pending order's unique amount on one session (SPEC §4.5). Choosing the session
 * (rules, rotation) and the free slot is one synchronous block of SQL, so two creates never get
 * the same slot. A hold ends when a payment takes it, the merchant closes the order, or its
 * window plus the grace period has passed — and only the Collector ends it, so D1, the holds and
 * the matching never disagree.
 */
import { randomToken } from '../../domain/ids';
import { storeToken } from '../../domain/stores';
import { rankSessions } from '../../domain/rotation';
import { ruleRefusal, type RuleSpec } from '../../domain/rules';
import { firstFreeSlot } from '../../domain/slots';
import type { OrderRef, OutboxJob } from '../../jobs';
import type { CollectorStore, Row } from './store';
import type { ExpireOutcome, HeldView, Hold, ReserveInput, ReserveResult } from './types';

const holdOf = (store: CollectorStore, order: OrderRef): Row | undefined =>
  store.sql
    .exec(`SELECT * FROM holds WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId)
    .toArray()[0];

/** True when a recorded payment took this order (it is, or is being marked, paid). */
export const wasMatched = (store: CollectorStore, order: OrderRef): boolean =>
  store.sql
    .exec(`SELECT 1 FROM reports WHERE app_id = ? AND out_order_id = ? LIMIT 1`, order.appId, order.outOrderId)
    .toArray().length > 0;

/** What the payer scans for `amountFen` on a session: its fixed-amount code (`fixed`), else its receive code. */
export function payloadFor(
  store: CollectorStore,
  sessionId: number,
  amountFen: number,
): { qrPayload: string; fixed: boolean } {
  const s = store.sql.exec(`SELECT qr_payload, amount_qr FROM sessions WHERE id = ?`, sessionId).toArray()[0];
  if (!s) return { qrPayload: '', fixed: false };
  const fixed = (JSON.parse(s.amount_qr as string) as Record<string, string>)[String(amountFen)];
  return { qrPayload: fixed ?? (s.qr_payload as string), fixed: fixed !== undefined };
}

/**
 * Picks a session by rules and rotation and holds a unique amount on it, atomically. The same
 * order key gets the same hold (and pay token) back while it is held.
 */
export function reserve(store: CollectorStore, input: ReserveInput): ReserveResult {
  const settings = store.settings();
  if (!settings) return { ok: false, reason: 'unconfigured' };
  const existing = holdOf(store, input.order);
  if (existing) {
    if (existing.fingerprint !== input.fingerprint) return { ok: false, reason: 'conflict' };
    const sessionId = existing.session_id as number;
    const amountFen = existing.amount_fen as number;
    const hold = {
      sessionId,
      amountFen,
      createdMs: existing.created_ms as number,
      expiresMs: existing.expires_ms as number,
      token: existing.token as string,
    };
    return { ok: true, hold: { ...hold, ...payloadFor(store, sessionId, amountFen) } };
  }
  const now = Date.now();
  const today = store.today(now, settings);
  const candidates = store.sql
    .exec(
      `SELECT * FROM sessions WHERE enabled = 1 AND type = ? AND last_seen_ms >= ?`,
      input.type,
      now - store.timeoutMs(),
    )
    .toArray()
    .map((s) => ({
      id: s.id as number,
      todayFen: s.day === today ? (s.day_fen as number) : 0,
      rule: s.rule ? (JSON.parse(s.rule as string) as RuleSpec) : null,
    }))
    .filter(
      (s) =>
        ruleRefusal(s.rule, {
          nowMs: now,
          amountFen: input.priceFen,
          region: input.region,
          collectedTodayFen: s.todayFen,
          defaultTimezone: settings.timezone,
        }) === null,
    );
  if (candidates.length === 0) return { ok: false, reason: 'no_session' };
  const lastPaid = Number(store.meta('last_paid_session') ?? Number.NaN);
  for (const sessionId of rankSessions(settings.rotation, candidates, Number.isNaN(lastPaid) ? null : lastPaid)) {
    // Only the amounts an offset can reach (the unique index on session, type, amount serves the range).
    const near = store.sql.exec(
      `SELECT amount_fen FROM holds WHERE session_id = ? AND type = ? AND amount_fen BETWEEN ? AND ?`,
      sessionId,
      input.type,
      input.priceFen - settings.maxOffsetFen,
      input.priceFen + settings.maxOffsetFen,
    );
    const taken = new Set(near.toArray().map((r) => r.amount_fen as number));
    const amountFen = firstFreeSlot(input.priceFen, settings.maxOffsetFen, settings.direction, taken);
    if (amountFen === null) continue;
    const hold: Hold = {
      sessionId,
      amountFen,
      createdMs: now,
      expiresMs: now + input.ttlMs,
      token: storeToken(settings.store ?? 'DB', randomToken(24)),
      ...payloadFor(store, sessionId, amountFen),
    };
    store.sql.exec(
      `INSERT INTO holds (app_id, out_order_id, fingerprint, session_id, type, amount_fen, created_ms, expires_ms, token)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      input.order.appId,
      input.order.outOrderId,
      input.fingerprint,
      sessionId,
      input.type,
      amountFen,
      hold.createdMs,
      hold.expiresMs,
      hold.token,
    );
    store.scheduleAlarm(hold.expiresMs + store.graceMs());
    return { ok: true, hold };
  }
  return { ok: false, reason: 'no_slot' };
}

/** The hold of a pending order (what the payer must pay, until when, whose), or null once it ended. */
export function held(store: CollectorStore, order: OrderRef): HeldView | null {
  const h = holdOf(store, order);
  return h
    ? {
        amountFen: h.amount_fen as number,
        expiresMs: h.expires_ms as number,
        token: h.token as string,
        fingerprint: h.fingerprint as string,
      }
    : null;
}

/**
 * Frees an order's hold (merchant close, or a create whose key turned out to belong to an older
 * order). With `token`, only the hold taken for that order is freed. `matched`: a payment took it.
 */
export function release(store: CollectorStore, order: OrderRef, token?: string): 'released' | 'matched' | 'absent' {
  const freed = store.sql
    .exec(
      `DELETE FROM holds WHERE app_id = ? AND out_order_id = ? AND (?3 IS NULL OR token = ?3) RETURNING 1`,
      order.appId,
      order.outOrderId,
      token ?? null,
    )
    .toArray();
  if (freed.length > 0) return 'released';
  return wasMatched(store, order) ? 'matched' : 'absent';
}

/** A payment took the hold: free it, and remember the session for `smart_random` rotation. */
export function consumeHold(store: CollectorStore, order: OrderRef, sessionId: number): void {
  store.sql.exec(`DELETE FROM holds WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId);
  store.setMeta('last_paid_session', String(sessionId));
}

/**
 * Ends one order's hold if its window and grace are over, with its expiry job in the outbox
 * (call inside a transaction). An order with no hold and no payment is expired as well: its hold
 * ended earlier (the expiry job is idempotent), so D1 catches up.
 */
export function expireOne(
  store: CollectorStore,
  order: OrderRef & { token: string },
  now: number,
): { outcome: ExpireOutcome; job: OutboxJob | null } {
  const found = holdOf(store, order);
  // A hold of another order under the same key (taken after this one ended) is not this order's.
  const h = found && (found.token === '' || found.token === order.token) ? found : undefined;
  if (h && (h.expires_ms as number) + store.graceMs() > now) return { outcome: 'not_due', job: null };
  if (!h && wasMatched(store, order)) return { outcome: 'matched', job: null };
  if (h) store.sql.exec(`DELETE FROM holds WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId);
  const ref = { appId: order.appId, outOrderId: order.outOrderId };
  return { outcome: 'expired', job: store.enqueue({ kind: 'expire', order: ref }, now) };
}

/** Ends every hold whose window and grace are over; their expiry jobs (call inside a transaction). */
export function expireDue(store: CollectorStore, now: number): OutboxJob[] {
  const due = store.sql
    .exec(`DELETE FROM holds WHERE expires_ms <= ? RETURNING app_id, out_order_id`, now - store.graceMs())
    .toArray();
  return due.map((h) =>
    store.enqueue({ kind: 'expire', order: { appId: h.app_id as number, outOrderId: h.out_order_id as string } }, now),
  );
}
