/** The app's Hono environment and the router factory every route module uses. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { HonoOptions } from 'hono/hono-base';
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './db/schema';
import { HuipayError } from './errors';

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string; db: Db };
}

const handles = new WeakMap<D1Database, Db>();

/** The drizzle handle of a D1 binding, made once per isolate (its prepared queries live with it). */
export function makeDb(d1: D1Database): Db {
  let db = handles.get(d1);
  if (!db) handles.set(d1, (db = drizzle(d1, { schema })));
  return db;
}

/** A router whose zod validation failures become one clear error naming the field. */
export function createRouter(options: Pick<HonoOptions<object>, 'getPath'> = {}) {
  return new OpenAPIHono<AppEnv>({
    ...options,
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue.path.length ? issue.path.join('.') : result.target;
        throw new HuipayError('bad_request', `${field}: ${issue.message}`, { field });
      }
    },
  });
}
