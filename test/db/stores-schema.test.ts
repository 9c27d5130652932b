/**
 * The order tables are defined once (src/db/schema/order-store.ts) and generated into two
 * migration sets: migrations/ for DB and migrations/orders/ for ORDERS_n. After both are applied,
 * every order-store table and index must read the same in DB and in an order store.
 */
import { env } from 'cloudflare:test';
import { expect, it } from 'vitest';

const ORDER_TABLES = [
  'books',
  'channel_log',
  'deliveries',
  'delivery_attempts',
  'orders',
  'payments',
  'points_ledger',
  'refunds',
];

/**
 * Each order table's columns (name, type, not null, default, primary key; by name: DB grew some by
 * ALTER TABLE, so their order differs) and the CREATE statements of its indexes, whitespace folded.
 */
async function shape(d1: D1Database) {
  const out: Record<string, unknown> = {};
  for (const t of ORDER_TABLES) {
    const cols = await d1
      .prepare(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`)
      .bind(t)
      .all();
    const idx = await d1
      .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`)
      .bind(t)
      .all<{ sql: string }>();
    out[t] = {
      columns: [...cols.results].sort((x: any, y: any) => String(x.name).localeCompare(String(y.name))),
      indexes: idx.results.map((r) => r.sql.replace(/\s+/g, ' ')),
    };
  }
  return out;
}

it('gives DB and each order store the same order tables and indexes', async () => {
  const db = await shape(env.DB);
  for (const t of ORDER_TABLES) expect((db[t] as { columns: unknown[] }).columns.length).toBeGreaterThan(1);
  expect(await shape(env.ORDERS_1)).toEqual(db);
  expect(await shape(env.ORDERS_2)).toEqual(db);
});

it('keeps the control plane on DB alone: an order store has no merchants, apps or sessions', async () => {
  const names = await env.ORDERS_1.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all<{
    name: string;
  }>();
  const tables = names.results
    .map((r) => r.name)
    .filter((n) => !n.startsWith('_cf_') && !n.startsWith('sqlite_') && n !== 'd1_migrations');
  expect(tables.sort()).toEqual([...ORDER_TABLES].sort());
});
