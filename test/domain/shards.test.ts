/** Sharding a merchant's Collectors (src/domain/shards.ts): routing by key, fairness, placement. */
import { describe, expect, it } from 'vitest';
import { collectorName, MAX_SHARDS, placeSession, probeOrder, shardsRefusal } from '../../src/domain/shards';

const keys = (n: number) => Array.from({ length: n }, (_, i) => `ak_demo\u0000order-${i}`);

describe('probeOrder', () => {
  it('one shard, or no weight anywhere: shard 0 only, as a single Collector', () => {
    expect(probeOrder('k', [4])).toEqual([0]);
    expect(probeOrder('k', [])).toEqual([0]);
    expect(probeOrder('k', [0, 0, 0])).toEqual([0]);
  });

  it('the same key gives the same order every time; only shards with sessions, each once', () => {
    for (const k of keys(200)) {
      const order = probeOrder(k, [2, 0, 1, 3]);
      expect(probeOrder(k, [2, 0, 1, 3])).toEqual(order);
      expect([...order].sort()).toEqual([0, 2, 3]);
    }
  });

  it('a key lands first on each shard in proportion to its sessions (fair per session)', () => {
    const weights = [1, 2, 3, 2];
    const first = [0, 0, 0, 0];
    const n = 40_000;
    for (const k of keys(n)) first[probeOrder(k, weights)[0]]++;
    const total = weights.reduce((a, b) => a + b, 0);
    // Each session's share of creates: shard share / its sessions = 1 / total, within 3 %.
    weights.forEach((w, shard) => expect(Math.abs(first[shard] / n / w - 1 / total) * total).toBeLessThan(0.03));
  });

  it("a shard that cannot take orders passes its keys on evenly to the others (each key's own next shard)", () => {
    const weights = [1, 1, 1, 1];
    const second = [0, 0, 0, 0];
    let fromZero = 0;
    for (const k of keys(40_000)) {
      const order = probeOrder(k, weights);
      if (order[0] !== 0) continue;
      fromZero++;
      second[order[1]]++;
    }
    expect(second[0]).toBe(0);
    for (const s of [1, 2, 3]) expect(Math.abs(second[s] / fromZero - 1 / 3)).toBeLessThan(0.03);
  });

  it('adding a shard moves only the keys that now go to it (rendezvous hashing)', () => {
    let moved = 0;
    let wrong = 0;
    for (const k of keys(20_000)) {
      const before = probeOrder(k, [1, 1, 1])[0];
      const after = probeOrder(k, [1, 1, 1, 1])[0];
      if (after !== before) {
        moved++;
        if (after !== 3) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(Math.abs(moved / 20_000 - 1 / 4)).toBeLessThan(0.02);
  });
});

describe('placeSession', () => {
  it.each([
    [[], 1, 0],
    [[], 4, 0],
    [[1], 4, 1],
    [[1, 1, 1, 1], 4, 0],
    [[2, 1, 2, 2], 4, 1],
    [[0, 0, 5], 2, 0], // a shard beyond the setting (kept from a higher one) takes no new session
    [[3, 3], 4, 2],
  ])('counts %j over %i shards → shard %i', (counts, shards, expected) => {
    expect(placeSession(counts, shards)).toBe(expected);
  });

  it('keeps each type spread evenly: n sessions over k shards differ by at most one', () => {
    const counts: number[] = [];
    for (let i = 0; i < 23; i++) {
      const s = placeSession(counts, 4);
      counts[s] = (counts[s] ?? 0) + 1;
    }
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

describe('collector_shards', () => {
  it('names: shard 0 keeps the single Collector name', () => {
    expect(collectorName(7, 'live', 0)).toBe('7:live');
    expect(collectorName(7, 'live', 3)).toBe('7:live:3');
  });

  it('can be raised any time; lowered only above the highest shard with sessions', () => {
    expect(shardsRefusal(4, [])).toBeNull();
    expect(shardsRefusal(2, [{ id: 5, shard: 1 }])).toBeNull();
    expect(shardsRefusal(2, [{ id: 5, shard: 3 }])).toMatch(
      /^collector_shards: sessions 5 live on shard 3; .*cannot go below 4/,
    );
    expect(shardsRefusal(0, [])).toMatch(/from 1 to 16/);
    expect(shardsRefusal(MAX_SHARDS + 1, [])).toMatch(/from 1 to 16/);
  });
});
