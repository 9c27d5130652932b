/** The gateway's public origin for links it hands out: `PUBLIC_URL` if set, else the request's. */
import type { Context } from 'hono';
import type { AppEnv } from '../env';

export function publicOrigin(c: Pick<Context<AppEnv>, 'env' | 'req'>): string {
  return (c.env.PUBLIC_URL || new URL(c.req.url).origin).replace(/\/+$/, '');
}
