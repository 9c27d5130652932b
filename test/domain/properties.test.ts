/** Properties (fast-check) of money, signing and rules: what must hold for every input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFen, parseYuan } from '../../src/domain/money';
import { inWindow, regionAllowed, ruleRefusal, type RuleSpec } from '../../src/domain/rules';
import { gatepaySign } from '../../src/domain/sign';
import { firstFreeSlot, slotCandidates } from '../../src/domain/slots';
import { md5 } from '../helpers';

const MAX = 5_000_000;

describe('money', () => {
  it('format → parse is the identity for every amount from 0.01 to the maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), (fen) => {
        const s = formatFen(fen);
        expect(s).toMatch(/^\d+\.\d{2}$/);
        expect(parseYuan(s, MAX)).toEqual({ ok: true, value: fen });
      }),
      { numRuns: 2000 },
    );
  });

  it('parse agrees with decimal arithmetic on every valid string, and never yields a non-integer', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,9}(\.\d{1,2})?$/), (s) => {
        const r = parseYuan(s, Number.MAX_SAFE_INTEGER);
        const [w, f = ''] = s.split('.');
        const expected = BigInt(w) * 100n + BigInt(f.padEnd(2, '0'));
        if (expected === 0n) expect(r.ok).toBe(false);
        else expect(r).toEqual({ ok: true, value: Number(expected) });
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every string outside the grammar', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 14 }).filter((s) => !/^\d{1,9}(\.\d{1,2})?$/.test(s)),
        (s) => {
          expect(parseYuan(s, MAX).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('sign canonicalisation', () => {
  const field = fc.string({ maxLength: 20 });
  it('is md5(md5(concatenation) + secret) of the exact strings: any change to a value changes the sign', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(field, { minLength: 1, maxLength: 6 }),
        field,
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 3 }),
        async (values, secret, i, extra) => {
          const sign = await gatepaySign(values, secret);
          expect(sign).toBe(await md5((await md5(values.join(''))) + secret));
          const changed = [...values];
          changed[i % values.length] += extra;
          expect(await gatepaySign(changed, secret)).not.toBe(sign);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('rules', () => {
  const minute = fc.integer({ min: 0, max: 1439 });
  it('a window and its complement cover each minute exactly once (start ≠ end)', () => {
    fc.assert(
      fc.property(minute, minute, minute, (start, end, m) => {
        fc.pre(start !== end);
        expect(inWindow(m, start, end) !== inWindow(m, end, start)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('an unrestricted rule allows everything; each restriction only ever removes', () => {
    const open: RuleSpec = {
      startMinute: 0,
      endMinute: 0,
      timezone: 'Asia/Shanghai',
      minFen: null,
      maxFen: null,
      regions: [],
      dailyCapFen: null,
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4e12 }),
        fc.integer({ min: 1, max: MAX }),
        fc.integer({ min: 0, max: MAX }),
        fc.record({
          minFen: fc.option(fc.integer({ min: 1, max: MAX })),
          maxFen: fc.option(fc.integer({ min: 1, max: MAX })),
          dailyCapFen: fc.option(fc.integer({ min: 1, max: MAX })),
        }),
        (now, amount, collected, limits) => {
          const ctx = {
            nowMs: now,
            amountFen: amount,
            region: { country: 'CN', regionCode: 'GD' },
            collectedTodayFen: collected,
            defaultTimezone: 'Asia/Shanghai',
          };
          expect(ruleRefusal(open, ctx)).toBeNull();
          const refusal = ruleRefusal({ ...open, ...limits }, ctx);
          const expected =
            (limits.minFen !== null && amount < limits.minFen) ||
            (limits.maxFen !== null && amount > limits.maxFen) ||
            (limits.dailyCapFen !== null && collected + amount > limits.dailyCapFen);
          expect(refusal !== null).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a listed country admits all its provinces; a listed province admits only itself', () => {
    const code = fc.stringMatching(/^[A-Z]{2}$/);
    fc.assert(
      fc.property(code, code, code, (country, p1, p2) => {
        expect(regionAllowed([country], { country, regionCode: p1 })).toBe(true);
        expect(regionAllowed([`${country}-${p1}`], { country, regionCode: p2 })).toBe(p1 === p2);
      }),
    );
  });
});

describe('slots', () => {
  it('the free slot is never taken, stays within the offset, and null means every candidate is taken', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom('down' as const, 'up' as const),
        fc.array(fc.integer({ min: 1, max: 100_200 }), { maxLength: 120 }),
        (price, offset, dir, takenList) => {
          const taken = new Set(takenList);
          const slot = firstFreeSlot(price, offset, dir, taken);
          const candidates = slotCandidates(price, offset, dir);
          if (slot === null) expect(candidates.every((c) => taken.has(c))).toBe(true);
          else {
            expect(taken.has(slot)).toBe(false);
            expect(Math.abs(slot - price)).toBeLessThanOrEqual(offset);
            expect(slot).toBeGreaterThan(0);
            expect(candidates.slice(0, candidates.indexOf(slot)).every((c) => taken.has(c))).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
