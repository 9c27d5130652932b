/**
 * The de-duplication window (src/domain/retention.ts): no duplicate of a report can be accepted
 * once its row is pruned — for any report accepted at any time and any time after the prune.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEDUPE_WINDOW_MS, prunable, REPORT_MAX_AGE_MS, seenAt, tooOldToReport } from '../../src/domain/retention';
import { VMQ_TOLERANCE_MS } from '../../src/domain/vmq';
import { MONITOR_TOLERANCE_MS } from '../../src/services/monitor';

const DAY = 86_400_000;
const T0 = 1_795_000_000_000;

describe('de-duplication window', () => {
  it('is longer than any way a duplicate can still be accepted', () => {
    // Native reports: paid_at at most 7 days old (and at most 300 s ahead); V免签 pushes: t within 300 s.
    expect(MONITOR_TOLERANCE_MS).toBe(300_000); // SPEC §4.2: more than 300 s off the gateway's clock is refused
    expect(REPORT_MAX_AGE_MS).toBe(7 * DAY);
    expect(DEDUPE_WINDOW_MS).toBeGreaterThan(REPORT_MAX_AGE_MS + MONITOR_TOLERANCE_MS);
    expect(DEDUPE_WINDOW_MS).toBeGreaterThan(VMQ_TOLERANCE_MS);
    expect(DEDUPE_WINDOW_MS - REPORT_MAX_AGE_MS).toBe(DAY);
  });

  it('a duplicate arriving after its row was pruned is refused by its paid_at', () => {
    fc.assert(
      fc.property(
        // first report: arrives at T0 + a, paid up to 7 days before it or 300 s after it
        fc.integer({ min: 0, max: 365 * DAY }),
        fc.integer({ min: -REPORT_MAX_AGE_MS, max: MONITOR_TOLERANCE_MS }),
        // the duplicate arrives this long after the first, with the same paid_at
        fc.integer({ min: 0, max: 400 * DAY }),
        (a, paidOffset, later) => {
          const arrived = T0 + a;
          const paid = arrived + paidOffset;
          expect(tooOldToReport(paid, arrived)).toBe(false); // the first was accepted
          const at = arrived + later;
          const seen = seenAt(paid, arrived);
          if (prunable(seen, at)) expect(tooOldToReport(paid, at)).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('a row is kept at least the window after it was seen, and only then may go', () => {
    expect(prunable(T0, T0 + DEDUPE_WINDOW_MS)).toBe(false);
    expect(prunable(T0, T0 + DEDUPE_WINDOW_MS + 1)).toBe(true);
    expect(seenAt(T0 + 5, T0)).toBe(T0 + 5);
    expect(tooOldToReport(T0 - REPORT_MAX_AGE_MS, T0)).toBe(false);
    expect(tooOldToReport(T0 - REPORT_MAX_AGE_MS - 1, T0)).toBe(true);
  });
});
