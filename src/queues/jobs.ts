/** The messages on the jobs queue: one shape per kind of later work. */
import type { Mode, SessionType } from '../domain/vocab';

/** A monitor agent's report of money received on a session. */
export interface PaymentReport {
  sessionId: number;
  type: SessionType;
  amountFen: number;
  paidMs: number;
  ref: string | null;
  payer: string | null;
}

/** A report as the Collector recorded it. */
export interface ReceivedPayment extends PaymentReport {
  id: string;
  receivedMs: number;
}

export interface OrderRef {
  appId: number;
  outOrderId: string;
}

export type Job =
  /** Record a payment in D1 and, when matched, mark its order paid (idempotent). */
  | {
      kind: 'apply';
      outboxId: string;
      merchantId: number;
      mode: Mode;
      payment: ReceivedPayment;
      match: OrderRef | null;
      matchedBy: 'auto' | 'manual' | null;
    }
  /** Mark a pending order expired (idempotent). */
  | { kind: 'expire'; outboxId: string; merchantId: number; mode: Mode; order: OrderRef }
  /** Make attempt `attempt` of a delivery once `dueMs` has come (0: now). */
  | { kind: 'deliver'; deliveryId: number; attempt: number; dueMs: number };

/** Jobs the Collector writes to its outbox. */
export type OutboxJob = Extract<Job, { outboxId: string }>;
