/**
 * The D1 bindings a wrangler.toml declares (`[[d1_databases]]` tables, in order): `DB` and any
 * order stores `ORDERS_n` (SPEC §14.1), each with its migrations folder. `npm start` and the
 * deploy guide apply migrations to every one of them.
 */
import { readFileSync } from 'node:fs';

/** `[{ binding, migrationsDir }]` of every `[[d1_databases]]` table in the file. */
export function d1Bindings(path = 'wrangler.toml') {
  const out = [];
  let current = null;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line.startsWith('[')) {
      current = line === '[[d1_databases]]' ? {} : null;
      if (current) out.push(current);
      continue;
    }
    const kv = current && line.match(/^(\w+)\s*=\s*"([^"]*)"$/);
    if (kv) current[kv[1]] = kv[2];
  }
  return out.map((t) => ({ binding: t.binding, migrationsDir: t.migrations_dir ?? 'migrations' }));
}
