/** The deployment's order stores as the operator sees them (SPEC §14.1): merchants and size of each. */
import { boundStores, storeDb } from '../db/stores';
import type { Db } from '../env';
import { merchantsPerStore } from './merchants';

/** The database file size D1 reports for a store (`meta.size_after` of a trivial statement). */
async function sizeOf(store: Db): Promise<number> {
  const r = await store.$client.prepare('SELECT 1').run();
  return Number(r.meta.size_after ?? 0);
}

/** Every bound store in binding order, with its merchants and size. */
export async function storesOverview(env: Env, db: Db) {
  const bound = boundStores(env);
  const [counts, sizes] = await Promise.all([
    merchantsPerStore(db, bound),
    Promise.all(bound.map((name) => sizeOf(storeDb(env, name)))),
  ]);
  return counts.map((c, i) => ({ binding: c.store, merchants: c.merchants, size_bytes: sizes[i] }));
}
