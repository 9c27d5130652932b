/**
 * Rotation strategies (SPEC §4.4): the order in which eligible sessions are tried for a new
 * order. The first is the strategy's pick; the rest follow (shuffled) so that a session whose
 * amount slots are all taken falls through to another.
 */
import type { Rotation } from './vocab';

export interface Candidate {
  id: number;
  /** Collected today in the merchant's day, fen. */
  todayFen: number;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Session ids in the order to try them. */
export function rankSessions(
  strategy: Rotation,
  candidates: readonly Candidate[],
  lastPaidSessionId: number | null,
  random: () => number = Math.random,
): number[] {
  const shuffled = shuffle([...candidates], random);
  let dropped: Candidate | undefined;
  if (strategy === 'smart_random') {
    dropped = shuffled.find((c) => c.id === lastPaidSessionId);
  } else if (strategy === 'uniform') {
    // The top collector (ties: any one of them, since the list is shuffled).
    dropped = shuffled.reduce<Candidate | undefined>(
      (top, c) => (!top || c.todayFen > top.todayFen ? c : top),
      undefined,
    );
  }
  if (!dropped || shuffled.length === 1) return shuffled.map((c) => c.id);
  return [...shuffled.filter((c) => c !== dropped), dropped].map((c) => c.id);
}
