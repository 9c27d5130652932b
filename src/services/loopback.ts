/**
 * Reaching a provider: the built-in simulators are part of this worker, and a Worker's `fetch` to
 * its own hostname does not reliably reach itself in production, so URLs of this deployment's own
 * `/sandbox/` routes (a stored path like `/sandbox/alipay/gateway.do`, or an absolute URL on one of
 * our own origins) are handed to the app's `fetch` in-process. Every other URL goes over HTTP with
 * no redirects followed and the provider timeout.
 */
import { CERT_BINDING } from '../channels/provider-url';

type Handler = (req: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

let self: Handler | null = null;

/** Called once by the app builder: how to serve a request in-process. */
export function registerSelf(handler: Handler): void {
  self = handler;
}

/** Serves `req` with this worker's own routes, without leaving the isolate. */
export async function selfFetch(req: Request, env: Env): Promise<Response> {
  if (!self) throw new Error('the app has not registered itself for in-process requests');
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
  return self(req, env, ctx);
}

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/** True when `url` is one of this deployment's own simulator URLs (a path, or on one of `origins`). */
export function isOwnSandboxUrl(url: string, origins: readonly string[]): boolean {
  if (url.startsWith('/sandbox/')) return true;
  const o = originOf(url);
  return o !== null && origins.includes(o) && new URL(url).pathname.startsWith('/sandbox/');
}

/** The origins this worker knows as its own: the public URL and the one the current request came in on. */
export function ownOrigins(env: Env, requestOrigin?: string | null): string[] {
  return [originOf(env.PUBLIC_URL || ''), requestOrigin ? originOf(requestOrigin) : null].filter(
    (o): o is string => o !== null,
  );
}

export const providerTimeoutMs = (env: Env) => (Number(env.PROVIDER_TIMEOUT_SECONDS) || 10) * 1000;

/**
 * A fetch for provider calls: in-process for our own `/sandbox/` URLs (resolved against `origin`),
 * else real HTTP. Both are bounded by the provider timeout; redirects are never followed.
 */
export function providerFetch(
  env: Env,
  origin: string,
  timeoutMs = providerTimeoutMs(env),
  outside: (url: string, init: RequestInit) => Promise<Response> = fetch,
) {
  const origins = ownOrigins(env, origin);
  return async (url: string, init: RequestInit): Promise<Response> => {
    if (!isOwnSandboxUrl(url, origins)) {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        return await outside(url, { ...init, redirect: 'manual', signal });
      } catch (err) {
        throw signal.aborted ? new Error(`no answer within ${timeoutMs / 1000} s`) : err;
      }
    }
    const req = new Request(url.startsWith('/') ? `${origin}${url}` : url, init);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      return await Promise.race([selfFetch(req, env), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * A provider fetch that presents the client certificate of the Workers mTLS certificate binding
 * `binding` (`[[mtls_certificates]]` in wrangler.toml), or null when the deployment has no such
 * binding. Our own simulators are still reached in-process (they ask for no certificate).
 */
export function certFetch(env: Env, origin: string, binding: string) {
  const fetcher = CERT_BINDING.test(binding) ? (env as unknown as Record<string, unknown>)[binding] : undefined;
  if (typeof (fetcher as Fetcher | undefined)?.fetch !== 'function') return null;
  return providerFetch(env, origin, providerTimeoutMs(env), (url, init) => (fetcher as Fetcher).fetch(url, init));
}
