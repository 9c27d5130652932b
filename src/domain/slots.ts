/**
 * Unique amount slots (SPEC §4.5): a pending order's realprice is the asked price moved by
 * 0, 1, 2 … max_offset fen (down by default, or up), the first not already held on its session.
 */
import type { Direction } from './vocab';

/** The amounts to try, in order: price, price∓1, … price∓maxOffset (never ≤ 0). */
export function slotCandidates(priceFen: number, maxOffsetFen: number, direction: Direction): number[] {
  const step = direction === 'down' ? -1 : 1;
  const out: number[] = [];
  for (let k = 0; k <= maxOffsetFen; k++) {
    const amount = priceFen + step * k;
    if (amount <= 0) break;
    out.push(amount);
  }
  return out;
}

/** The first free amount, or null when every slot is taken. */
export function firstFreeSlot(
  priceFen: number,
  maxOffsetFen: number,
  direction: Direction,
  taken: ReadonlySet<number>,
): number | null {
  return slotCandidates(priceFen, maxOffsetFen, direction).find((a) => !taken.has(a)) ?? null;
}
