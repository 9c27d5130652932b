/** The app's Hono environment and the router factory every route module uses. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './db/schema';
import { ApiError } from './errors';

export type Db = DrizzleD1Database<typeof schema>;

export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string; db: Db };
}

export const makeDb = (d1: D1Database): Db => drizzle(d1, { schema });

/** A router whose zod validation failures become one clear error naming the field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue.path.length ? issue.path.join('.') : result.target;
        throw new ApiError('bad_request', `${field}: ${issue.message}`);
      }
    },
  });
}
