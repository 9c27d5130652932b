import { describe, expect, it } from 'vitest';
import { rankSessions, type Candidate } from '../../src/domain/rotation';
import type { Rotation } from '../../src/domain/vocab';

/** Deterministic PRNG (mulberry32), uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = Array.from({ length: 400 }, (_, i) => i + 1);
const STRATEGIES: Rotation[] = ['smart_random', 'uniform', 'random'];

const c = (id: number, todayFen = 0): Candidate => ({ id, todayFen });
const FOUR = [c(11, 30_000), c(12, 120_000), c(13, 0), c(14, 45_050)]; // 12 collected the most
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** How many times each id comes first over all seeds. */
function firstCounts(strategy: Rotation, candidates: Candidate[], lastPaid: number | null, seeds = SEEDS) {
  const counts = new Map<number, number>();
  for (const seed of seeds) {
    const first = rankSessions(strategy, candidates, lastPaid, mulberry32(seed))[0];
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return counts;
}

describe('mulberry32 test helper', () => {
  it('yields distinct values in [0, 1) and replays by seed', () => {
    const r = mulberry32(1);
    const xs = [r(), r(), r()];
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(3);
    expect(mulberry32(1)()).toBe(xs[0]);
  });
});

describe('rankSessions: always a permutation of the candidate ids', () => {
  const sets: [string, Candidate[], number | null][] = [
    ['four, lastPaid among them', FOUR, 12],
    ['four, lastPaid elsewhere', FOUR, 99],
    ['four, no lastPaid', FOUR, null],
    ['two', [c(1, 500), c(2, 100)], 1],
    ['one', [c(7, 100)], 7],
    ['ties', [c(1, 500), c(2, 500), c(3, 500)], 2],
    ['eight', Array.from({ length: 8 }, (_, i) => c(100 + i, i * 1000)), 103],
  ];
  it.each(STRATEGIES.flatMap((s) => sets.map(([label, cands, last]) => [s, label, cands, last] as const)))(
    '%s, %s',
    (strategy, _label, cands, last) => {
      const ids = sorted(cands.map((x) => x.id));
      const before = JSON.stringify(cands);
      for (const seed of SEEDS) {
        const ranked = rankSessions(strategy, cands, last, mulberry32(seed));
        expect(ranked).toHaveLength(cands.length);
        expect(sorted(ranked)).toEqual(ids);
      }
      expect(JSON.stringify(cands)).toBe(before); // input untouched
    },
  );

  it.each(STRATEGIES)('%s with no candidates is empty', (strategy) => {
    expect(rankSessions(strategy, [], 1, mulberry32(1))).toEqual([]);
  });

  it.each(STRATEGIES)('%s with the default Math.random is a permutation', (strategy) => {
    expect(sorted(rankSessions(strategy, FOUR, 12))).toEqual([11, 12, 13, 14]);
  });

  it.each(STRATEGIES)('%s is deterministic for a given random source', (strategy) => {
    for (const seed of SEEDS.slice(0, 20)) {
      expect(rankSessions(strategy, FOUR, 12, mulberry32(seed))).toEqual(
        rankSessions(strategy, FOUR, 12, mulberry32(seed)),
      );
    }
  });
});

describe('single candidate is returned whatever the strategy', () => {
  it.each<[Rotation, Candidate, number | null]>([
    ['smart_random', c(7, 100), 7], // the last paid one, but the only one
    ['smart_random', c(7, 100), null],
    ['uniform', c(7, 999_999), null], // the top collector, but the only one
    ['random', c(7, 0), 3],
  ])('%s %o lastPaid %s', (strategy, only, last) => {
    for (const seed of SEEDS.slice(0, 20))
      expect(rankSessions(strategy, [only], last, mulberry32(seed))).toEqual([only.id]);
  });
});

describe('smart_random', () => {
  it('never ranks the last-paid session first when another exists; it is tried last', () => {
    for (const last of [11, 12, 13, 14]) {
      for (const seed of SEEDS) {
        const ranked = rankSessions('smart_random', FOUR, last, mulberry32(seed));
        expect(ranked[0]).not.toBe(last);
        expect(ranked[ranked.length - 1]).toBe(last);
      }
    }
  });

  it('with two sessions, always picks the other one', () => {
    for (const seed of SEEDS) expect(rankSessions('smart_random', [c(1), c(2)], 1, mulberry32(seed))).toEqual([2, 1]);
  });

  it('picks every other session first over enough seeds', () => {
    const counts = firstCounts('smart_random', FOUR, 12);
    expect(sorted([...counts.keys()])).toEqual([11, 13, 14]);
  });

  it('without a last-paid session among the candidates, any may come first', () => {
    expect(sorted([...firstCounts('smart_random', FOUR, null).keys()])).toEqual([11, 12, 13, 14]);
    expect(sorted([...firstCounts('smart_random', FOUR, 99).keys()])).toEqual([11, 12, 13, 14]);
  });

  it('ignores todayFen', () => {
    const counts = firstCounts('smart_random', FOUR, 11);
    expect(counts.get(12)).toBeGreaterThan(0); // the top collector can be picked
  });
});

describe('uniform', () => {
  it('never ranks the top collector first when another exists; it is tried last', () => {
    for (const seed of SEEDS) {
      const ranked = rankSessions('uniform', FOUR, null, mulberry32(seed));
      expect(ranked[0]).not.toBe(12);
      expect(ranked[ranked.length - 1]).toBe(12);
    }
  });

  it('ignores lastPaid', () => {
    for (const seed of SEEDS) {
      const ranked = rankSessions('uniform', FOUR, 13, mulberry32(seed));
      expect(ranked[0]).not.toBe(12);
      expect(ranked[ranked.length - 1]).toBe(12);
    }
    expect(firstCounts('uniform', FOUR, 13).get(13)).toBeGreaterThan(0);
  });

  it('picks at random among the rest (not the least collected only)', () => {
    expect(sorted([...firstCounts('uniform', FOUR, null).keys()])).toEqual([11, 13, 14]);
  });

  it('with two sessions, always picks the smaller collector', () => {
    for (const seed of SEEDS)
      expect(rankSessions('uniform', [c(1, 900), c(2, 901)], null, mulberry32(seed))).toEqual([1, 2]);
  });

  it('ties at the top: exactly one top collector is dropped to the end', () => {
    const cands = [c(1, 500), c(2, 500), c(3, 100)];
    const lastIds = new Set<number>();
    for (const seed of SEEDS) {
      const ranked = rankSessions('uniform', cands, null, mulberry32(seed));
      lastIds.add(ranked[2]);
      expect([1, 2]).toContain(ranked[2]);
    }
    expect(sorted([...lastIds])).toEqual([1, 2]);
  });

  it('all at zero: any session may come first', () => {
    const cands = [c(1), c(2), c(3)];
    expect(sorted([...firstCounts('uniform', cands, null).keys()]).length).toBeGreaterThanOrEqual(2);
  });
});

describe('random', () => {
  it('reaches every session first over enough seeds', () => {
    expect(sorted([...firstCounts('random', FOUR, 12).keys()])).toEqual([11, 12, 13, 14]);
  });

  it('reaches every session in every position', () => {
    const seen = new Set<string>();
    for (const seed of SEEDS)
      rankSessions('random', FOUR, 12, mulberry32(seed)).forEach((id, pos) => seen.add(`${id}@${pos}`));
    expect(seen.size).toBe(16);
  });

  it('is roughly uniform: each of 4 sessions first in 18–32% of 4000 runs', () => {
    const seeds = Array.from({ length: 4000 }, (_, i) => 1000 + i);
    const counts = firstCounts('random', FOUR, null, seeds);
    for (const id of [11, 12, 13, 14]) {
      const share = (counts.get(id) ?? 0) / seeds.length;
      expect(share).toBeGreaterThan(0.18);
      expect(share).toBeLessThan(0.32);
    }
  });

  it('every one of the 6 orders of 3 sessions occurs', () => {
    const orders = new Set(
      SEEDS.map((seed) => rankSessions('random', [c(1), c(2), c(3)], null, mulberry32(seed)).join(',')),
    );
    expect(orders.size).toBe(6);
  });
});
