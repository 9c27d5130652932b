/**
 * Spreading one merchant's live collection state over several Collectors ("shards"), for a
 * merchant whose creates and reports are more than one Durable Object can serve.
 *
 * - A session belongs to exactly one shard, chosen when it is created and never changed
 *   (`placeSession`): its amount holds, its matching and its reports' de-duplication keys live
 *   there, so unique amounts and exactly-once matching hold per shard as they held per
 *   merchant. A session never moves: its de-duplication keys would stay behind in the old shard.
 * - A create is routed by its order key (`probeOrder`): weighted rendezvous hashing over the
 *   shards that have enabled sessions of the order's pay type, weight = how many. The same key
 *   gives the same order of shards on every isolate with the same view, so a retried create
 *   reaches the shard that holds it; the next shards in its order are tried only when one has
 *   no session or no free amount (204).
 *
 * Fairness: a key lands first on shard k with probability w_k / Σw, so every enabled session of
 * the type gets the same share of creates as if all were in one Collector; inside a shard the
 * merchant's rotation strategy picks among that shard's eligible sessions (`random`: uniform;
 * `smart_random`: not the session of the shard's latest paid order; `uniform`: not the shard's
 * session with the most collected today). A shard whose sessions are all offline or full passes
 * its keys on, each key to its own next shard, so the overflow spreads evenly over the rest.
 */

/** The most shards a merchant may ask for. */
export const MAX_SHARDS = 16;

/** The Collector's object name: shard 0 keeps the name of the merchant's single Collector. */
export const collectorName = (merchantId: number, mode: string, shard: number): string =>
  shard === 0 ? `${merchantId}:${mode}` : `${merchantId}:${mode}:${shard}`;

/** 32-bit FNV-1a of a string's UTF-16 code units, finished with murmur3's mix. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The shards to try for an order key, best first: those with weight > 0, ordered by weighted
 * rendezvous score (−ln u / w, u uniform in (0, 1) from the key and the shard). With no weight
 * anywhere (no enabled session of the type yet), shard 0, which answers as a single Collector would.
 */
export function probeOrder(key: string, weights: readonly number[]): number[] {
  const scored: { shard: number; score: number }[] = [];
  weights.forEach((w, shard) => {
    if (!(w > 0)) return;
    const u = (hash32(`${key}\u0000${shard}`) + 0.5) / 4_294_967_296;
    scored.push({ shard, score: -Math.log(u) / w });
  });
  if (scored.length === 0) return [0];
  return scored.sort((a, b) => a.score - b.score || a.shard - b.shard).map((s) => s.shard);
}

/**
 * The shard for a new session: among the first `shards`, the one with the fewest sessions of
 * its type (`counts[k]`, missing = 0), the lowest on a tie — so each type stays spread evenly.
 */
export function placeSession(counts: readonly number[], shards: number): number {
  let best = 0;
  for (let k = 1; k < shards; k++) if ((counts[k] ?? 0) < (counts[best] ?? 0)) best = k;
  return best;
}

/** Why `collector_shards` cannot be lowered to `shards`: sessions live on the shards it would drop (null: it can). */
export function shardsRefusal(shards: number, sessionShards: readonly { id: number; shard: number }[]): string | null {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS)
    return `collector_shards: must be an integer from 1 to ${MAX_SHARDS}`;
  const stranded = sessionShards.filter((s) => s.shard >= shards);
  if (stranded.length === 0) return null;
  const ids = stranded.map((s) => s.id).slice(0, 10);
  return `collector_shards: sessions ${ids.join(', ')}${stranded.length > ids.length ? ', …' : ''} live on shard ${Math.max(...stranded.map((s) => s.shard))}; a session never moves (its payments' de-duplication keys stay with its shard), so the count cannot go below ${Math.max(...stranded.map((s) => s.shard)) + 1}`;
}
