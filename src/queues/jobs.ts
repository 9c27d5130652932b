/** The messages on the jobs queue: one shape per kind of later work. */
import type { Mode, SessionType } from '../domain/vocab';

/** A received payment as the Collector recorded it. */
export interface ReceivedPayment {
  id: string;
  sessionId: number;
  type: SessionType;
  amountFen: number;
  paidMs: number;
  ref: string | null;
  payer: string | null;
  receivedMs: number;
}

export interface OrderRef {
  appId: number;
  outOrderId: string;
}

export type Job =
  /** Record a payment in D1 and, when matched, mark its order paid (idempotent). */
  | { kind: 'apply'; outboxId: string; merchantId: number; mode: Mode; payment: ReceivedPayment; match: OrderRef | null; matchedBy: 'auto' | 'manual' | null }
  /** Mark a pending order expired (idempotent). */
  | { kind: 'expire'; outboxId: string; merchantId: number; mode: Mode; order: OrderRef }
  /** Make attempt `attempt` of a delivery once `dueMs` has come (0: now). */
  | { kind: 'deliver'; deliveryId: number; attempt: number; dueMs: number };

/** Jobs the Collector writes to its outbox. */
export type OutboxJob = Extract<Job, { outboxId: string }>;
