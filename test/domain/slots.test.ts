import { describe, expect, it } from 'vitest';
import { firstFreeSlot, slotCandidates } from '../../src/domain/slots';
import type { Direction } from '../../src/domain/vocab';

describe('slotCandidates', () => {
  it.each<[number, number, Direction, number[]]>([
    // default: 10.20 with max offset 0.10, downwards
    [1020, 10, 'down', [1020, 1019, 1018, 1017, 1016, 1015, 1014, 1013, 1012, 1011, 1010]],
    [1020, 10, 'up', [1020, 1021, 1022, 1023, 1024, 1025, 1026, 1027, 1028, 1029, 1030]],
    [1020, 3, 'down', [1020, 1019, 1018, 1017]],
    [1020, 3, 'up', [1020, 1021, 1022, 1023]],
    [1020, 0, 'down', [1020]],
    [1020, 0, 'up', [1020]],
    // near zero: never 0 or negative
    [3, 10, 'down', [3, 2, 1]],
    [1, 10, 'down', [1]],
    [10, 10, 'down', [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]],
    [11, 10, 'down', [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]],
    [1, 2, 'up', [1, 2, 3]],
    [100, 5, 'down', [100, 99, 98, 97, 96, 95]],
  ])('%i fen, offset %i, %s', (price, offset, direction, expected) => {
    expect(slotCandidates(price, offset, direction)).toEqual(expected);
  });

  it.each<[number, number, number, number]>([
    [1, 10, 1, 1],
    [5, 100, 1, 5],
    [50, 50, 1, 50],
    [60, 50, 10, 51],
  ])('down from %i by %i: lowest %i, %i slots, all positive integers', (price, offset, lowest, count) => {
    const c = slotCandidates(price, offset, 'down');
    expect(c).toHaveLength(count);
    expect(c[c.length - 1]).toBe(lowest);
    expect(c.every((a) => a > 0 && Number.isInteger(a))).toBe(true);
    expect(new Set(c).size).toBe(c.length);
  });
});

describe('firstFreeSlot', () => {
  it.each<[string, number, number, Direction, number[], number | null]>([
    ['nothing taken (down)', 1020, 10, 'down', [], 1020],
    ['nothing taken (up)', 1020, 10, 'up', [], 1020],
    ['price taken (down)', 1020, 10, 'down', [1020], 1019],
    ['price taken (up)', 1020, 10, 'up', [1020], 1021],
    ['first three taken (down)', 1020, 10, 'down', [1020, 1019, 1018], 1017],
    ['first three taken (up)', 1020, 10, 'up', [1020, 1021, 1022], 1023],
    ['a hole is reused (down)', 1020, 10, 'down', [1020, 1018, 1017], 1019],
    ['a hole is reused (up)', 1020, 10, 'up', [1020, 1022], 1021],
    ['taken amounts of the other direction do not matter', 1020, 2, 'down', [1020, 1021, 1022], 1019],
    ['only the last slot free (down)', 1020, 3, 'down', [1020, 1019, 1018], 1017],
    ['all taken (down)', 1020, 3, 'down', [1020, 1019, 1018, 1017], null],
    ['all taken (up)', 1020, 3, 'up', [1020, 1021, 1022, 1023], null],
    ['all taken, beyond-range amounts also taken', 1020, 1, 'down', [1021, 1020, 1019, 1018], null],
    ['maxOffset 0, free', 1020, 0, 'down', [1019, 1021], 1020],
    ['maxOffset 0, taken', 1020, 0, 'down', [1020], null],
    ['maxOffset 0, taken (up)', 1020, 0, 'up', [1020], null],
    ['near zero: 0.03 with 0.01 and 0.02 … taken', 3, 10, 'down', [3, 2], 1],
    ['near zero: every positive slot taken gives null, never 0', 3, 10, 'down', [3, 2, 1], null],
    ['0.01 taken, down: null', 1, 10, 'down', [1], null],
    ['0.01 taken, up: 0.02', 1, 10, 'up', [1], 2],
  ])('%s', (_label, price, offset, direction, taken, expected) => {
    expect(firstFreeSlot(price, offset, direction, new Set(taken))).toBe(expected);
  });
});
