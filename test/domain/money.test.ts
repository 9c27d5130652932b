import { describe, expect, it } from 'vitest';
import { formatFen, parseYuan } from '../../src/domain/money';

/** MAX_AMOUNT = "50000.00" in wrangler.toml, i.e. the spec's default maximum in fen. */
const DEFAULT_MAX = 5_000_000;
const BIG_MAX = 100_000_000_000; // 1,000,000,000.00 yuan: above the largest 9-digit amount

describe('parseYuan accepts decimal yuan strings', () => {
  it.each<[string, number, number]>([
    ['1', DEFAULT_MAX, 100],
    ['0.01', DEFAULT_MAX, 1],
    ['0.1', DEFAULT_MAX, 10],
    ['10.2', DEFAULT_MAX, 1020],
    ['10.20', DEFAULT_MAX, 1020],
    ['9.99', DEFAULT_MAX, 999],
    ['199.00', DEFAULT_MAX, 19900],
    ['0.29', DEFAULT_MAX, 29], // 0.29 * 100 is 28.999999999999996 in floats
    ['1.15', DEFAULT_MAX, 115], // 1.15 * 100 is 114.99999999999999 in floats
    ['4.35', DEFAULT_MAX, 435], // 4.35 * 100 is 434.99999999999994 in floats
    ['007.5', DEFAULT_MAX, 750], // leading zeros match ^\d{1,9}
    ['50000', DEFAULT_MAX, 5_000_000], // exactly the maximum is allowed
    ['50000.00', DEFAULT_MAX, 5_000_000],
    ['49999.99', DEFAULT_MAX, 4_999_999],
    ['999999999.99', BIG_MAX, 99_999_999_999],
    ['999999999', BIG_MAX, 99_999_999_900],
  ])('%j (max %i) -> %i fen', (input, max, fen) => {
    expect(parseYuan(input, max)).toEqual({ ok: true, value: fen });
  });
});

describe('parseYuan rejects anything else', () => {
  it.each<[string, unknown, number]>([
    ['exponent', '1e2', DEFAULT_MAX],
    ['negative', '-1', DEFAULT_MAX],
    ['explicit plus', '+1', DEFAULT_MAX],
    ['zero', '0', DEFAULT_MAX],
    ['zero with decimals', '0.00', DEFAULT_MAX],
    ['zero with one decimal', '0.0', DEFAULT_MAX],
    ['three decimals', '1.234', DEFAULT_MAX],
    ['three zero decimals', '1.000', DEFAULT_MAX],
    ['leading space', ' 1', DEFAULT_MAX],
    ['trailing space', '1 ', DEFAULT_MAX],
    ['trailing newline', '1\n', DEFAULT_MAX],
    ['trailing dot', '1.', DEFAULT_MAX],
    ['empty', '', DEFAULT_MAX],
    ['leading dot', '.5', DEFAULT_MAX],
    ['comma decimal', '1,5', DEFAULT_MAX],
    ['thousands separator', '1,000.00', DEFAULT_MAX],
    ['hex', '0x10', DEFAULT_MAX],
    ['Infinity', 'Infinity', DEFAULT_MAX],
    ['NaN', 'NaN', DEFAULT_MAX],
    ['full-width digits', '１０', DEFAULT_MAX],
    ['ten integer digits', '1000000000', BIG_MAX * 10],
    ['number 1', 1, DEFAULT_MAX],
    ['number 10.2', 10.2, DEFAULT_MAX],
    ['bigint', 1n, DEFAULT_MAX],
    ['undefined', undefined, DEFAULT_MAX],
    ['null', null, DEFAULT_MAX],
    ['array', ['1'], DEFAULT_MAX],
    ['String object', new String('1'), DEFAULT_MAX],
    ['over the default max by one fen', '50000.01', DEFAULT_MAX],
    ['far over the default max', '999999999.99', DEFAULT_MAX],
    ['over a small max', '1.01', 100],
  ])('%s', (_label, input, max) => {
    const r = parseYuan(input, max);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(typeof r.error).toBe('string');
    expect(r.error.trim().length).toBeGreaterThan(0);
    expect(r).not.toHaveProperty('value');
  });

  it('names the maximum, formatted as yuan, when over it', () => {
    const r = parseYuan('50000.01', DEFAULT_MAX);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('50000.00');
  });

  it('says why for zero, distinct from the format error', () => {
    const zero = parseYuan('0.00', DEFAULT_MAX);
    const bad = parseYuan('1e2', DEFAULT_MAX);
    expect(zero.ok || bad.ok).toBe(false);
    if (!zero.ok && !bad.ok) expect(zero.error).not.toBe(bad.error);
  });
});

describe('formatFen', () => {
  it.each<[number, string]>([
    [1020, '10.20'],
    [1, '0.01'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [0, '0.00'],
    [1018, '10.18'],
    [5_000_000, '50000.00'],
    [99_999_999_999, '999999999.99'],
    [-1, '-0.01'],
    [-1020, '-10.20'],
  ])('%i -> %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  it.each<[number]>([[0.5], [10.2], [NaN], [Infinity], [-Infinity], [2 ** 53]])('%d throws', (fen) => {
    expect(() => formatFen(fen)).toThrow(RangeError);
  });

  it.each<[string]>([['0.01'], ['10.20'], ['999.99'], ['50000.00'], ['123.45']])('round-trips %s', (text) => {
    const r = parseYuan(text, DEFAULT_MAX);
    expect(r.ok && formatFen(r.value)).toBe(text);
  });
});
