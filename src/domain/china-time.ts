/**
 * China time (UTC+8, no daylight saving) as the providers write it: UnionPay and QQ Wallet
 * `yyyyMMddHHmmss`, WeChat Pay v3 RFC 3339 with `+08:00`. Every parser returns a UTC instant in
 * ms, or null for text that is not exactly one (a date that does not exist included).
 */
const OFFSET_MS = 8 * 3_600_000;

const wall = (ms: number) => new Date(Math.floor(ms / 1000) * 1000 + OFFSET_MS).toISOString().slice(0, 19);

/** `yyyyMMddHHmmss` in China time. */
export const compactChinaTime = (ms: number) => wall(ms).replace(/\D/g, '');

/** RFC 3339 in China time: `2026-01-31T16:30:05+08:00`. */
export const rfc3339China = (ms: number) => `${wall(ms)}+08:00`;

/** `yyyyMMddHHmmss` China time → instant. */
export function parseCompactChinaTime(text: string | undefined): number | null {
  const m = text?.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/);
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - OFFSET_MS;
  return Number.isNaN(ms) || compactChinaTime(ms) !== text ? null : ms;
}

/** RFC 3339 with any offset (WeChat writes `+08:00`) → instant; fractions of a second are dropped. */
export function parseRfc3339(text: string | undefined): number | null {
  const m = text?.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/);
  if (!m) return null;
  const local = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  const check = new Date(local).toISOString().slice(0, 19);
  if (Number.isNaN(local) || check !== `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`) return null;
  const offset = m[7] === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (+m[9] * 3_600_000 + +m[10] * 60_000);
  return local - offset;
}
