/**
 * `/docs`: the interactive API reference (Scalar, `@scalar/hono-api-reference`) over
 * `/openapi.json`. Its JS bundle is served by the worker itself from Workers static assets
 * (`public/docs/scalar.js`, copied from the npm package by `scripts/assets.mjs`): no CDN, and no
 * web fonts fetched. A per-request nonce lets the page's one inline script run under a strict CSP.
 */
import { Scalar } from '@scalar/hono-api-reference';
import type { MiddlewareHandler } from 'hono';
import { randomToken } from '../domain/ids';
import type { AppEnv } from '../env';

export const SCALAR_BUNDLE = '/docs/scalar.js';

export const docsPage: MiddlewareHandler<AppEnv> = async (c, next) => {
  const nonce = randomToken(16);
  c.header(
    'content-security-policy',
    `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`,
  );
  const scalar = Scalar({
    url: '/openapi.json',
    cdn: SCALAR_BUNDLE,
    nonce,
    pageTitle: 'huipay API reference',
    withDefaultFonts: false,
    telemetry: false,
    // Nothing that calls a hosted service: no AI agent, no MCP, no developer toolbar.
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: 'never',
    showToolbar: 'never',
  } as Parameters<typeof Scalar>[0]) as unknown as MiddlewareHandler<AppEnv>;
  return scalar(c, next);
};
