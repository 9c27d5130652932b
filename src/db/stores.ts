/**
 * Order stores (SPEC §14.1): `DB` holds the control plane and is the first store; `ORDERS_1` …
 * `ORDERS_64` are further D1 databases holding only the order tables (migrations/orders). A
 * merchant lives on one store for good, so which store serves a merchant is a fact an isolate may
 * remember forever; an order id and a pay token name their store themselves (domain/stores.ts).
 */
import { eq } from 'drizzle-orm';
import { type Db, makeDb } from '../env';
import { HuipayError } from '../errors';
import { Memo } from '../domain/memo';
import { merchants } from './schema';
import { STORE_NAMES, storeOfId } from '../domain/stores';

const bindingOf = (env: Env, name: string) => (env as unknown as Record<string, D1Database | undefined>)[name];

/** The stores this deployment has bound, in binding order (`DB` first). */
export function boundStores(env: Env): string[] {
  return STORE_NAMES.filter((name) => bindingOf(env, name) !== undefined);
}

const names = new WeakMap<Db, string>();

/** The drizzle handle of a bound store; a store the deployment does not bind is a configuration error. */
export function storeDb(env: Env, name: string): Db {
  const d1 = bindingOf(env, name);
  if (!d1) throw new HuipayError('internal', `order store ${name} is not bound in this deployment (wrangler.toml)`);
  const db = makeDb(d1);
  names.set(db, name);
  return db;
}

/** The binding name of a store's handle (`DB` for the control plane's). */
export const nameOf = (db: Db): string => names.get(db) ?? 'DB';

/** The control plane (`DB`). */
export const controlDb = (env: Env): Db => storeDb(env, 'DB');

/** The store of an order, delivery or refund id, as a handle. */
export const idStore = (env: Env, id: number): Db => storeDb(env, storeOfId(id));

/** The store an id names when this deployment binds it; else a 404 saying `missing`. */
export function knownIdStore(env: Env, id: number, missing: string): Db {
  if (!boundStores(env).includes(storeOfId(id))) throw new HuipayError('not_found', missing);
  return idStore(env, id);
}

const merchantStores = new Memo<number, string>(100_000);

/** The store a merchant lives on (read once per isolate: it never changes); null when there is no such merchant. */
export async function storeNameOf(env: Env, merchantId: number): Promise<string | null> {
  const known = merchantStores.get(merchantId);
  if (known) return known;
  const [row] = await controlDb(env)
    .select({ store: merchants.store })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .limit(1);
  return row ? merchantStores.set(merchantId, row.store) : null;
}

/** The handle of a merchant's store (`DB` for a merchant that does not exist: it has no rows anywhere). */
export async function merchantStore(env: Env, merchantId: number): Promise<Db> {
  return storeDb(env, (await storeNameOf(env, merchantId)) ?? 'DB');
}

/** Remembers a merchant's store (at creation), so its first requests need no read. */
export const rememberStore = (merchantId: number, store: string) => void merchantStores.set(merchantId, store);

/**
 * Runs `read` on every bound store, at most `concurrency` at a time, and returns the results in
 * binding order: the operator-wide views merge these.
 */
export async function eachStore<T>(env: Env, read: (db: Db, name: string) => Promise<T>, concurrency = 8) {
  const bound = boundStores(env);
  const out: T[] = new Array(bound.length);
  let next = 0;
  const worker = async () => {
    while (next < bound.length) {
      const i = next++;
      out[i] = await read(storeDb(env, bound[i]), bound[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bound.length) }, worker));
  return out;
}
