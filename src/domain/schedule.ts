/**
 * The notification retry schedule (SPEC §6.4): attempt at once, then after each delay in turn
 * (default 1 min, 5 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 16 h, 24 h: 11 attempts, ~56 h).
 * A queue delay is at most 12 h in production, so longer waits travel as several hops.
 */
export const DEFAULT_RETRY_DELAYS = [60, 300, 600, 1800, 3600, 7200, 14400, 28800, 57600, 86400];
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/** Reads `NOTIFY_SCHEDULE_SECONDS` ("60,300,…"); the default when unset or malformed. */
export function retryDelays(setting: string | undefined): number[] {
  if (!setting?.trim()) return DEFAULT_RETRY_DELAYS;
  const parts = setting.split(',').map((s) => Number(s.trim()));
  return parts.length > 0 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 7 * 86400)
    ? parts
    : DEFAULT_RETRY_DELAYS;
}

/** The delay in seconds before attempt `next` (2-based), or null when attempts are used up. */
export function delayBefore(next: number, delays: readonly number[]): number | null {
  return next >= 2 && next - 2 < delays.length ? delays[next - 2] : null;
}

/** Splits a wait into queue hops of at most 12 h: the first hop now, the rest later. */
export function hops(totalSeconds: number): number[] {
  const out: number[] = [];
  let left = Math.max(0, Math.ceil(totalSeconds));
  do {
    const hop = Math.min(left, MAX_QUEUE_DELAY_SECONDS);
    out.push(hop);
    left -= hop;
  } while (left > 0);
  return out;
}

/** When a pending channel order is asked about (SPEC §11.3): about 1 min and 5 min after create, then at expiry. */
const QUERY_STAGES_MS = [60_000, 300_000];

/** The next active query of a channel order after `nowMs`: the next stage before expiry, else the expiry itself. */
export function nextQueryMs(createdMs: number, expiresMs: number, nowMs: number): number {
  const stage = QUERY_STAGES_MS.map((d) => createdMs + d).find((t) => t > nowMs && t < expiresMs);
  return stage ?? Math.max(expiresMs, nowMs);
}

/** After an unknown outcome (no answer, 5xx, system error): wait 1, 2, 5, 10, 30 min, then hourly. Never give up. */
const UNKNOWN_RETRY_S = [60, 120, 300, 600, 1800, 3600];
export const unknownRetryMs = (attempts: number) =>
  UNKNOWN_RETRY_S[Math.min(Math.max(attempts, 0), UNKNOWN_RETRY_S.length - 1)] * 1000;
