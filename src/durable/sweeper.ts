/**
 * Sweeper: one Durable Object for the whole deployment whose alarm runs the sweep (re-drive
 * overdue deliveries, expire forgotten orders) while later work is pending. Durable Object alarms
 * are persisted, so after a crash or a restart of `wrangler dev` the alarm still rings and the
 * work resumes — without the cron trigger, which stays as the production safety net.
 * Code that schedules work rings it with `wakeSweeper` (src/jobs.ts).
 */
import { DurableObject } from 'cloudflare:workers';
import { sweep } from '../queues/sweeper';

/** The alarm rings at most this often while work is pending. */
export const SWEEP_CADENCE_MS = 60_000;

export class Sweeper extends DurableObject<Env> {
  /** Makes sure the alarm rings at `atMs` or earlier. */
  async wake(atMs: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
  }

  /** Sweeps, then rings again when the earliest pending work will be due (never sooner than the cadence). */
  async alarm(): Promise<void> {
    const next = await sweep(this.env);
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + SWEEP_CADENCE_MS));
  }
}
