/** What a route needs to know of where a request came from and where the gateway is. */
import type { Context } from 'hono';
import type { PayerRegion } from '../domain/rules';
import type { AppEnv } from '../env';

/** The gateway's public origin for links it hands out: `PUBLIC_URL` if set, else the request's. */
export function publicOrigin(c: Context<AppEnv>): string {
  return (c.env.PUBLIC_URL || new URL(c.req.url).origin).replace(/\/+$/, '');
}

/** Where Cloudflare places the caller (used when the merchant does not pass `payer_region`). */
export function cfRegion(c: Context<AppEnv>): PayerRegion {
  const cf = c.req.raw.cf as { country?: string; regionCode?: string } | undefined;
  return { country: cf?.country ?? null, regionCode: cf?.regionCode ?? null };
}
