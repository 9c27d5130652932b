/**
 * The jobs queue's producer side: one message shape per kind of later work, `sendTimed` for the
 * jobs that wait for their due time, and `wakeSweeper`, which rings the Sweeper so lost messages
 * are re-driven. Below services/: imported by anyone who enqueues; imports nothing of services/.
 */
import type { Mode, SessionType } from './domain/vocab';
import { hops } from './domain/schedule';

/** Rings the deployment's Sweeper (src/durable/sweeper.ts) so it sweeps by `atMs`, restart or not. */
export async function wakeSweeper(env: Env, atMs: number): Promise<void> {
  await env.SWEEPER.get(env.SWEEPER.idFromName('sweeper')).wake(atMs);
}

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
      /** The merchant's Collector shard that wrote the job (absent: 0), where it is confirmed. */
      shard?: number;
      payment: ReceivedPayment;
      match: OrderRef | null;
      matchedBy: 'auto' | 'manual' | null;
    }
  /** Mark a pending order expired (idempotent). */
  | { kind: 'expire'; outboxId: string; merchantId: number; mode: Mode; shard?: number; order: OrderRef }
  /** Make attempt `attempt` of a delivery once `dueMs` has come (0: now). Its id names its store. */
  | { kind: 'deliver'; deliveryId: number; attempt: number; dueMs: number }
  /** Ask an order's channel about it (active query, close at expiry) once `dueMs` has come (the id names its store). */
  | { kind: 'channel_query'; orderId: number; dueMs: number }
  /** Follow up a refund whose outcome is not known yet, once `dueMs` has come. Its id names its store. */
  | { kind: 'refund_check'; refundId: number; dueMs: number };

/** Jobs that wait for their `dueMs` (durable state in D1 re-drives them if a message is lost). */
export type TimedJob = Extract<Job, { kind: 'channel_query' | 'refund_check' }>;

/** How long after its due time the Sweeper re-drives a timed job whose message went missing. */
const SWEEP_MARGIN_MS = 120_000;

/**
 * Sends a timed job to arrive at its due time (the first ≤ 12 h hop of the wait; the consumer
 * sends the next), and rings the Sweeper for shortly after it: delayed messages do not survive a
 * restart of the local runtime, the job's `next_*_ms` in D1 does.
 */
export async function sendTimed(env: Env, job: TimedJob): Promise<void> {
  await wakeSweeper(env, job.dueMs + SWEEP_MARGIN_MS);
  const [first] = hops((job.dueMs - Date.now()) / 1000);
  await env.JOBS.send(job, first > 0 ? { delaySeconds: first } : undefined);
}

/** Jobs the Collector writes to its outbox. */
export type OutboxJob = Extract<Job, { outboxId: string }>;
