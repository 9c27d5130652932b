/**
 * Order stores, the pure part (SPEC §14.1): their names, and how an order id or a pay token names
 * its store. `DB` is store 0, `ORDERS_n` store n. Order, delivery and refund ids are unique
 * across stores: store n numbers them from n × ID_SPAN + 1. A pay token of store n > 0 is `<n>-` and 24 letters
 * and digits; one of `DB` is the 24 alone (as every token was before stores).
 */

/** Every binding name a store may have, in binding order. */
export const STORE_NAMES: readonly string[] = ['DB', ...Array.from({ length: 64 }, (_, i) => `ORDERS_${i + 1}`)];

/** How many order ids each store has: store n's are n × ID_SPAN + 1 … (n + 1) × ID_SPAN. */
export const ID_SPAN = 10_000_000_000_000;

/** The index of a store's name: 0 for `DB`, n for `ORDERS_n`. */
export const storeIndex = (name: string) => STORE_NAMES.indexOf(name);

/** The store an order, delivery or refund id belongs to. */
export const storeOfId = (id: number): string => STORE_NAMES[Math.floor(id / ID_SPAN)] ?? 'DB';

/** The smallest order, delivery or refund id a store gives (its inserts take max(this, newest + 1)). */
export const firstId = (name: string) => storeIndex(name) * ID_SPAN + 1;

/** A pay token for an order on `store`, from 24 random letters and digits. */
export const storeToken = (store: string, random: string) =>
  store === 'DB' ? random : `${storeIndex(store)}-${random}`;

/** What a pay token looks like: `<store>-` (1–64) then 24 letters and digits, or (`DB`) the 24 alone. */
export const PAY_TOKEN = /^(?:([1-9]|[1-5][0-9]|6[0-4])-)?[A-Za-z0-9]{24}$/;

/** The store a pay token's order is on (the caller checks the token's shape). */
export const storeOfToken = (token: string): string => STORE_NAMES[Number(PAY_TOKEN.exec(token)?.[1] ?? 0)];
