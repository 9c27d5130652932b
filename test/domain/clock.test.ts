import { describe, expect, it } from 'vitest';
import { isTimeZone, localClock, startOfLocalDay } from '../../src/domain/clock';

/* Expected wall times were checked with Python's zoneinfo (IANA tzdata), not with the code under test. */
const SH = 'Asia/Shanghai';
const NY = 'America/New_York';

describe('localClock', () => {
  it.each<[string, number, string, string, number]>([
    // 2026-04-20T07:31Z
    ['afternoon in Shanghai', Date.UTC(2026, 3, 20, 7, 31), SH, '2026-04-20', 15 * 60 + 31],
    ['same instant in UTC', Date.UTC(2026, 3, 20, 7, 31), 'UTC', '2026-04-20', 7 * 60 + 31],
    ['same instant in New York (EDT)', Date.UTC(2026, 3, 20, 7, 31), NY, '2026-04-20', 3 * 60 + 31],
    // local midnight must read 0, not 24:00 of the day before
    ['midnight in Shanghai', Date.UTC(2026, 3, 20, 16, 0), SH, '2026-04-21', 0],
    ['one minute before midnight in Shanghai', Date.UTC(2026, 3, 20, 15, 59), SH, '2026-04-20', 1439],
    ['midnight UTC', Date.UTC(2026, 3, 20), 'UTC', '2026-04-20', 0],
    ['last minute of the day UTC', Date.UTC(2026, 3, 20, 23, 59, 59, 999), 'UTC', '2026-04-20', 1439],
    ['seconds are truncated, not rounded', Date.UTC(2026, 3, 20, 7, 31, 59, 999), 'UTC', '2026-04-20', 451],
    ['new year in Shanghai while UTC is still in 2025', Date.UTC(2025, 11, 31, 16, 0), SH, '2026-01-01', 0],
    ['the same instant in UTC', Date.UTC(2025, 11, 31, 16, 0), 'UTC', '2025-12-31', 960],
    ['New York is a day behind', Date.UTC(2026, 3, 20, 3, 0), NY, '2026-04-19', 23 * 60],
    // spring forward 2026-03-08: 02:00 EST -> 03:00 EDT (07:00Z)
    ['NY before spring forward', Date.UTC(2026, 2, 8, 6, 59), NY, '2026-03-08', 1 * 60 + 59],
    ['NY at spring forward', Date.UTC(2026, 2, 8, 7, 0), NY, '2026-03-08', 3 * 60],
    ['NY midnight before spring forward (EST)', Date.UTC(2026, 2, 8, 5, 0), NY, '2026-03-08', 0],
    // fall back 2026-11-01: 02:00 EDT -> 01:00 EST (06:00Z); 01:30 happens twice
    ['NY midnight before fall back (EDT)', Date.UTC(2026, 10, 1, 4, 0), NY, '2026-11-01', 0],
    ['NY one minute earlier', Date.UTC(2026, 10, 1, 3, 59), NY, '2026-10-31', 1439],
    ['NY 01:30 EDT (first)', Date.UTC(2026, 10, 1, 5, 30), NY, '2026-11-01', 90],
    ['NY 01:30 EST (second)', Date.UTC(2026, 10, 1, 6, 30), NY, '2026-11-01', 90],
    ['NY 23:00 EST after fall back', Date.UTC(2026, 10, 2, 4, 0), NY, '2026-11-01', 23 * 60],
    ['Kolkata half-hour offset', Date.UTC(2026, 3, 19, 18, 30), 'Asia/Kolkata', '2026-04-20', 0],
    ['Kolkata one minute earlier', Date.UTC(2026, 3, 19, 18, 29), 'Asia/Kolkata', '2026-04-19', 1439],
    ['leap day', Date.UTC(2028, 1, 29, 12, 0), SH, '2028-02-29', 20 * 60],
  ])('%s', (_label, ms, tz, day, minute) => {
    expect(localClock(ms, tz)).toEqual({ day, minute });
  });
});

describe('startOfLocalDay', () => {
  it.each<[string, string, number]>([
    ['2026-04-20', SH, Date.UTC(2026, 3, 19, 16)],
    ['2026-01-01', SH, Date.UTC(2025, 11, 31, 16)],
    ['2028-02-29', SH, Date.UTC(2028, 1, 28, 16)],
    ['2026-04-20', 'UTC', Date.UTC(2026, 3, 20)],
    ['2026-12-31', 'UTC', Date.UTC(2026, 11, 31)],
    ['2026-04-20', NY, Date.UTC(2026, 3, 20, 4)],
    ['2026-01-15', NY, Date.UTC(2026, 0, 15, 5)],
    // the day of spring forward starts in EST, the next one in EDT
    ['2026-03-08', NY, Date.UTC(2026, 2, 8, 5)],
    ['2026-03-09', NY, Date.UTC(2026, 2, 9, 4)],
    // the day of fall back starts in EDT, the next one in EST
    ['2026-11-01', NY, Date.UTC(2026, 10, 1, 4)],
    ['2026-11-02', NY, Date.UTC(2026, 10, 2, 5)],
    ['2026-04-20', 'Asia/Kolkata', Date.UTC(2026, 3, 19, 18, 30)],
    // Europe/London: fall back 2026-10-25 at 02:00 BST, the day starts in BST
    ['2026-10-25', 'Europe/London', Date.UTC(2026, 9, 24, 23)],
    // Zones whose spring-forward skips local midnight (00:00 -> 01:00): the day starts at the jump.
    ['2026-03-08', 'America/Havana', Date.UTC(2026, 2, 8, 5)],
    ['2026-09-06', 'America/Santiago', Date.UTC(2026, 8, 6, 4)],
  ])('%s in %s', (day, tz, ms) => {
    expect(startOfLocalDay(day, tz)).toBe(ms);
  });

  it.each<[string, string]>([
    ['2026-03-08', NY],
    ['2026-11-01', NY],
    ['2026-04-20', SH],
    ['2026-03-08', 'America/Havana'],
    ['2026-09-06', 'America/Santiago'],
  ])('%s in %s: the start is in the day and one ms earlier is not', (day, tz) => {
    const start = startOfLocalDay(day, tz);
    expect(localClock(start, tz).day).toBe(day);
    expect(localClock(start - 1, tz).day).not.toBe(day);
  });
});

describe('startOfLocalDay over every day of 2026', () => {
  const days: string[] = [];
  for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 86_400_000)
    days.push(new Date(ms).toISOString().slice(0, 10));

  it.each<[string]>([
    [SH],
    ['UTC'],
    [NY],
    ['Europe/London'],
    ['Asia/Kolkata'],
    ['America/Santiago'],
    ['America/Havana'],
    ['Australia/Lord_Howe'], // 30-minute DST shift
    ['Pacific/Chatham'], // +12:45 / +13:45
  ])('%s: each start is local midnight of that day (or the first instant after a skipped one)', (tz) => {
    expect(days).toHaveLength(365);
    for (const day of days) {
      const start = startOfLocalDay(day, tz);
      expect(localClock(start, tz).day, `${day} ${tz}`).toBe(day);
      expect(localClock(start - 1, tz).day, `${day} ${tz}`).not.toBe(day);
    }
  });
});

describe('isTimeZone', () => {
  it.each<[string, boolean]>([
    [SH, true],
    ['UTC', true],
    [NY, true],
    ['Europe/London', true],
    ['Asia/Kolkata', true],
    ['Mars/Olympus_Mons', false],
    ['Asia/Beijing', false], // not an IANA zone
    ['China Standard Time', false],
    ['not a zone', false],
    ['Asia/Shanghai ', false],
  ])('%j -> %s', (tz, ok) => {
    expect(isTimeZone(tz)).toBe(ok);
  });
});
