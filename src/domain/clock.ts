/** Local calendar day and minute-of-day in an IANA time zone (merchant "today", rule windows). */
import { Memo } from './memo';
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

type Wall = { y: number; m: number; d: number; minute: number };
/** Per zone, the last minute read and its wall clock: formatting is the costly part of a rule check. */
const lastWall = new Map<string, { minute: number; wall: Wall }>();

function wall(ms: number, timeZone: string): Wall {
  const minute = Math.floor(ms / 60_000);
  const last = lastWall.get(timeZone);
  if (last?.minute === minute) return last.wall;
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(ms)
      .map((x) => [x.type, Number(x.value)]),
  );
  const w = { y: p.year, m: p.month, d: p.day, minute: p.hour * 60 + p.minute };
  lastWall.set(timeZone, { minute, wall: w });
  return w;
}

export interface LocalClock {
  /** `YYYY-MM-DD` in the zone. */
  day: string;
  /** Minutes since local midnight, 0–1439. */
  minute: number;
}

export function localClock(nowMs: number, timeZone: string): LocalClock {
  const w = wall(nowMs, timeZone);
  return { day: `${w.y}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`, minute: w.minute };
}

/** `YYYY-MM-DD HH:MM:SS` of `ms` in the zone (offsets are whole minutes, so the seconds are UTC's). */
export function localDateTime(ms: number, timeZone: string): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const prefix = minutes.getOr(`${timeZone} ${Math.floor(ms / 60_000)}`, () => {
    const c = localClock(ms, timeZone);
    return `${c.day} ${two(Math.floor(c.minute / 60))}:${two(c.minute % 60)}`;
  });
  return `${prefix}:${two(Math.floor(ms / 1000) % 60)}`;
}

/** Formatted local minutes (lists show the same minutes on every load). */
const minutes = new Memo<string, string>(4096);

/** True when `timeZone` is an IANA zone the runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `ms`, in ms (whole minutes). */
function offsetMs(ms: number, timeZone: string): number {
  const w = wall(ms, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d) + w.minute * 60_000 - Math.floor(ms / 60_000) * 60_000;
}

const midnights = new Memo<string, number>(1024);

/** Unix ms of local midnight starting `day` (YYYY-MM-DD) in the zone (memoized: a pure function of both). */
export function startOfLocalDay(day: string, timeZone: string): number {
  return midnights.getOr(`${timeZone} ${day}`, () => computeStartOfLocalDay(day, timeZone));
}

function computeStartOfLocalDay(day: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const asUtc = Date.UTC(y, m - 1, d);
  const first = asUtc - offsetMs(asUtc, timeZone);
  const start = asUtc - offsetMs(first, timeZone);
  // A DST jump at 00:00 (America/Santiago, America/Havana) skips midnight: `start` is then 23:00 of
  // the day before, and the day begins at the jump, i.e. at midnight in the offset before it.
  return localClock(start, timeZone).day === day ? start : asUtc - offsetMs(start, timeZone);
}
