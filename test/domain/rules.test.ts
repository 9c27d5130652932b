import { describe, expect, it } from 'vitest';
import {
  inWindow,
  regionAllowed,
  ruleRefusal,
  type PayerRegion,
  type RuleContext,
  type RuleSpec,
} from '../../src/domain/rules';

const hm = (h: number, m = 0) => h * 60 + m;

describe('inWindow [start, end)', () => {
  it.each<[string, number, number, number, boolean]>([
    ['09:00-18:00 at 09:00 (start included)', hm(9), hm(9), hm(18), true],
    ['09:00-18:00 at 08:59', hm(8, 59), hm(9), hm(18), false],
    ['09:00-18:00 at 12:30', hm(12, 30), hm(9), hm(18), true],
    ['09:00-18:00 at 17:59', hm(17, 59), hm(9), hm(18), true],
    ['09:00-18:00 at 18:00 (end excluded)', hm(18), hm(9), hm(18), false],
    ['09:00-18:00 at 00:00', 0, hm(9), hm(18), false],
    ['09:00-18:00 at 23:59', 1439, hm(9), hm(18), false],
    ['00:00-23:59 at 00:00', 0, 0, 1439, true],
    ['00:00-23:59 at 23:59 (end excluded)', 1439, 0, 1439, false],
    // wraps midnight
    ['22:00-02:00 at 22:00', hm(22), hm(22), hm(2), true],
    ['22:00-02:00 at 21:59', hm(21, 59), hm(22), hm(2), false],
    ['22:00-02:00 at 23:59', 1439, hm(22), hm(2), true],
    ['22:00-02:00 at 00:00', 0, hm(22), hm(2), true],
    ['22:00-02:00 at 01:59', hm(1, 59), hm(22), hm(2), true],
    ['22:00-02:00 at 02:00', hm(2), hm(22), hm(2), false],
    ['22:00-02:00 at 12:00', hm(12), hm(22), hm(2), false],
    ['23:59-00:01 at 00:00', 0, 1439, 1, true],
    ['23:59-00:01 at 00:01', 1, 1439, 1, false],
    ['18:00-00:00 at 23:59', 1439, hm(18), 0, true],
    ['18:00-00:00 at 00:00', 0, hm(18), 0, false],
    ['18:00-00:00 at 17:59', hm(17, 59), hm(18), 0, false],
    // start == end: all day
    ['00:00-00:00 at 00:00', 0, 0, 0, true],
    ['00:00-00:00 at 23:59', 1439, 0, 0, true],
    ['09:00-09:00 at 08:59', hm(8, 59), hm(9), hm(9), true],
    ['09:00-09:00 at 09:00', hm(9), hm(9), hm(9), true],
    ['09:00-09:00 at 15:00', hm(15), hm(9), hm(9), true],
  ])('%s', (_label, minute, start, end, expected) => {
    expect(inWindow(minute, start, end)).toBe(expected);
  });
});

describe('regionAllowed', () => {
  it.each<[string, string[], PayerRegion, boolean]>([
    ['empty list allows anyone', [], { country: 'US', regionCode: 'CA' }, true],
    ['empty list allows an unknown payer', [], {}, true],
    ['empty list allows a null country', [], { country: null, regionCode: null }, true],
    ['CN allows CN', ['CN'], { country: 'CN' }, true],
    ['CN allows CN with a province', ['CN'], { country: 'CN', regionCode: 'GD' }, true],
    ['CN allows lower-case cn', ['CN'], { country: 'cn', regionCode: 'gd' }, true],
    ['CN refuses US', ['CN'], { country: 'US', regionCode: 'CA' }, false],
    ['CN refuses HK', ['CN'], { country: 'HK' }, false],
    ['CN refuses a missing country', ['CN'], {}, false],
    ['CN refuses a null country', ['CN'], { country: null, regionCode: 'GD' }, false],
    ['CN refuses an empty country', ['CN'], { country: '' }, false],
    ['CN-GD allows CN/GD', ['CN-GD'], { country: 'CN', regionCode: 'GD' }, true],
    ['CN-GD allows lower-case cn/gd', ['CN-GD'], { country: 'cn', regionCode: 'gd' }, true],
    ['CN-GD allows mixed case Cn/gD', ['CN-GD'], { country: 'Cn', regionCode: 'gD' }, true],
    ['CN-GD refuses CN/BJ', ['CN-GD'], { country: 'CN', regionCode: 'BJ' }, false],
    ['CN-GD refuses CN without province', ['CN-GD'], { country: 'CN' }, false],
    ['CN-GD refuses CN with null province', ['CN-GD'], { country: 'CN', regionCode: null }, false],
    ['CN-GD refuses US/GD', ['CN-GD'], { country: 'US', regionCode: 'GD' }, false],
    ['CN-GD refuses a missing country with GD', ['CN-GD'], { regionCode: 'GD' }, false],
    ['CN-GD refuses a bare province code as country', ['CN-GD'], { country: 'GD' }, false],
    ['CN-GD,CN-SH allows CN/SH', ['CN-GD', 'CN-SH'], { country: 'CN', regionCode: 'SH' }, true],
    ['CN-GD,US allows US/CA', ['CN-GD', 'US'], { country: 'US', regionCode: 'CA' }, true],
    ['CN-GD,US refuses CN/ZJ', ['CN-GD', 'US'], { country: 'CN', regionCode: 'ZJ' }, false],
    ['CN does not match a prefix CNX', ['CN'], { country: 'CNX' }, false],
  ])('%s', (_label, regions, region, expected) => {
    expect(regionAllowed(regions, region)).toBe(expected);
  });
});

/** 09:00–18:00 Asia/Shanghai, 1.00–500.00 yuan, mainland China, 1000.00 a day. */
const RULE: RuleSpec = {
  startMinute: hm(9),
  endMinute: hm(18),
  timezone: 'Asia/Shanghai',
  minFen: 100,
  maxFen: 50_000,
  regions: ['CN'],
  dailyCapFen: 100_000,
};
const OPEN: RuleSpec = {
  startMinute: 0,
  endMinute: 0,
  timezone: null,
  minFen: null,
  maxFen: null,
  regions: [],
  dailyCapFen: null,
};

// 2026-04-20T01:00Z = 09:00 in Shanghai, 2026-04-19 21:00 in New York (EDT)
const AT_0900_SH = Date.UTC(2026, 3, 20, 1, 0);
const CTX: RuleContext = {
  nowMs: AT_0900_SH,
  amountFen: 1020,
  region: { country: 'CN', regionCode: 'GD' },
  collectedTodayFen: 0,
  defaultTimezone: 'Asia/Shanghai',
};

describe('ruleRefusal', () => {
  it.each<[string, RuleSpec | null, Partial<RuleContext>, string | null]>([
    [
      'null rule allows everything',
      null,
      { nowMs: Date.UTC(2026, 3, 20, 20), amountFen: 99_999_999, region: {}, collectedTodayFen: 10 ** 12 },
      null,
    ],
    [
      'open rule allows everything',
      OPEN,
      { nowMs: Date.UTC(2026, 3, 20, 20), amountFen: 99_999_999, region: {}, collectedTodayFen: 10 ** 12 },
      null,
    ],
    ['the base context passes', RULE, {}, null],

    // active hours in the rule's own zone
    ['08:59 in Shanghai', RULE, { nowMs: Date.UTC(2026, 3, 20, 0, 59) }, 'outside active hours'],
    ['09:00 in Shanghai', RULE, { nowMs: Date.UTC(2026, 3, 20, 1, 0) }, null],
    ['17:59 in Shanghai', RULE, { nowMs: Date.UTC(2026, 3, 20, 9, 59) }, null],
    ['18:00 in Shanghai', RULE, { nowMs: Date.UTC(2026, 3, 20, 10, 0) }, 'outside active hours'],
    [
      'the rule zone wins over the default zone',
      RULE,
      { nowMs: AT_0900_SH, defaultTimezone: 'America/New_York' },
      null,
    ],
    [
      'a rule zone of UTC ignores a Shanghai default',
      { ...RULE, timezone: 'UTC' },
      { nowMs: AT_0900_SH },
      'outside active hours',
    ], // 01:00 UTC

    // no rule zone: the merchant's default zone applies
    [
      'default New York: 09:00 Shanghai is 21:00 the evening before in New York',
      { ...RULE, timezone: null },
      { nowMs: AT_0900_SH, defaultTimezone: 'America/New_York' },
      'outside active hours',
    ],
    [
      'default New York: 08:59 EDT',
      { ...RULE, timezone: null },
      { nowMs: Date.UTC(2026, 3, 20, 12, 59), defaultTimezone: 'America/New_York' },
      'outside active hours',
    ],
    [
      'default New York: 09:00 EDT',
      { ...RULE, timezone: null },
      { nowMs: Date.UTC(2026, 3, 20, 13, 0), defaultTimezone: 'America/New_York' },
      null,
    ],
    [
      'default New York: 09:00 EST in winter is 14:00Z',
      { ...RULE, timezone: null },
      { nowMs: Date.UTC(2026, 0, 15, 14, 0), defaultTimezone: 'America/New_York' },
      null,
    ],
    [
      'default New York: 13:59Z in winter is 08:59 EST',
      { ...RULE, timezone: null },
      { nowMs: Date.UTC(2026, 0, 15, 13, 59), defaultTimezone: 'America/New_York' },
      'outside active hours',
    ],
    ['default Shanghai: 09:00 Shanghai', { ...RULE, timezone: null }, { nowMs: AT_0900_SH }, null],

    // a night window 22:00–02:00 Shanghai
    [
      'night window at 23:30 Shanghai',
      { ...RULE, startMinute: hm(22), endMinute: hm(2) },
      { nowMs: Date.UTC(2026, 3, 20, 15, 30) },
      null,
    ],
    [
      'night window at 01:59 Shanghai',
      { ...RULE, startMinute: hm(22), endMinute: hm(2) },
      { nowMs: Date.UTC(2026, 3, 20, 17, 59) },
      null,
    ],
    [
      'night window at 02:00 Shanghai',
      { ...RULE, startMinute: hm(22), endMinute: hm(2) },
      { nowMs: Date.UTC(2026, 3, 20, 18, 0) },
      'outside active hours',
    ],
    [
      'night window at 09:00 Shanghai',
      { ...RULE, startMinute: hm(22), endMinute: hm(2) },
      { nowMs: AT_0900_SH },
      'outside active hours',
    ],

    // amount bounds, inclusive
    ['0.99 below 1.00', RULE, { amountFen: 99 }, 'below minimum amount'],
    ['1.00 is the minimum', RULE, { amountFen: 100 }, null],
    ['500.00 is the maximum', RULE, { amountFen: 50_000 }, null],
    ['500.01 above 500.00', RULE, { amountFen: 50_001 }, 'above maximum amount'],
    ['no minimum', { ...RULE, minFen: null }, { amountFen: 1 }, null],
    ['no maximum', { ...RULE, maxFen: null, dailyCapFen: null }, { amountFen: 99_999_999 }, null],

    // regions
    ['payer from US', RULE, { region: { country: 'US', regionCode: 'CA' } }, 'payer region not allowed'],
    ['payer region unknown', RULE, { region: {} }, 'payer region not allowed'],
    ['payer lower-case cn', RULE, { region: { country: 'cn' } }, null],
    [
      'province rule CN-GD, payer in GD',
      { ...RULE, regions: ['CN-GD'] },
      { region: { country: 'CN', regionCode: 'GD' } },
      null,
    ],
    [
      'province rule CN-GD, payer in BJ',
      { ...RULE, regions: ['CN-GD'] },
      { region: { country: 'CN', regionCode: 'BJ' } },
      'payer region not allowed',
    ],

    // daily cap: collected + amount > cap refused, == cap allowed
    ['cap: 990.00 collected + 10.00 = 1000.00', RULE, { collectedTodayFen: 99_000, amountFen: 1000 }, null],
    [
      'cap: 990.00 collected + 10.01 > 1000.00',
      RULE,
      { collectedTodayFen: 99_000, amountFen: 1001 },
      'daily cap reached',
    ],
    ['cap: already 1000.00 collected', RULE, { collectedTodayFen: 100_000, amountFen: 100 }, 'daily cap reached'],
    ['cap: 0 collected, amount == cap', { ...RULE, maxFen: null, dailyCapFen: 5000 }, { amountFen: 5000 }, null],
    [
      'cap: 0 collected, amount over cap',
      { ...RULE, maxFen: null, dailyCapFen: 5000 },
      { amountFen: 5001 },
      'daily cap reached',
    ],
    ['no cap', { ...RULE, dailyCapFen: null }, { collectedTodayFen: 10 ** 12 }, null],
    ['cap of 0 refuses everything', { ...RULE, dailyCapFen: 0 }, { amountFen: 100 }, 'daily cap reached'],
  ])('%s', (_label, rule, ctx, expected) => {
    expect(ruleRefusal(rule, { ...CTX, ...ctx })).toBe(expected);
  });

  it('every refusal reason is a non-empty string', () => {
    const reasons = [
      ruleRefusal(RULE, { ...CTX, nowMs: Date.UTC(2026, 3, 20, 0, 59) }),
      ruleRefusal(RULE, { ...CTX, amountFen: 99 }),
      ruleRefusal(RULE, { ...CTX, amountFen: 50_001 }),
      ruleRefusal(RULE, { ...CTX, region: {} }),
      ruleRefusal(RULE, { ...CTX, collectedTodayFen: 100_000 }),
    ];
    expect(new Set(reasons).size).toBe(5);
    for (const r of reasons) expect(r && r.length > 0).toBe(true);
  });
});
