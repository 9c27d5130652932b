/**
 * The provider URL a channel config stores (Alipay `gateway_url`, WeChat and QQ Wallet `base_url`,
 * UnionPay `base_url`): this deployment's own simulator as its path (sandbox apps only), or an
 * http(s) URL in normal form — for a live app, https on one of the provider's own hosts.
 */
import { normalizeHttpUrl } from '../domain/ssrf';
import { configInvalid } from '../errors';

/** The URL to store, and whether it is this deployment's own simulator (then stored as its path). */
export interface ProviderUrl {
  url: string;
  simulated: boolean;
}

export function checkProviderUrl(
  field: string,
  url: string,
  ctx: { mode: string; ownSimulator: (url: string) => string | null },
  o: { liveHosts: readonly string[]; provider: string },
): ProviderUrl {
  const own = ctx.ownSimulator(url);
  if (own !== null) {
    if (ctx.mode !== 'sandbox') throw configInvalid(field, 'is the built-in simulator, which serves sandbox apps only');
    return { url: own, simulated: true };
  }
  const parsed = normalizeHttpUrl(url);
  if (!parsed.ok) throw configInvalid(field, parsed.error);
  const u = new URL(parsed.url);
  if (ctx.mode === 'live' && (u.protocol !== 'https:' || !o.liveHosts.includes(u.hostname)))
    throw configInvalid(field, `must be ${o.provider} over https for a live app`);
  return { url: parsed.url.replace(/\/+$/, '') || parsed.url, simulated: false };
}

/** A stored provider URL as callers see it: our simulator's path made absolute on `origin`. */
export const absoluteUrl = (url: string, origin: string) => (url.startsWith('/') ? `${origin}${url}` : url);

/** A binding name an mTLS client certificate may be bound under (`QQPAY_CERT`, `MTLS_CERT_1234`). */
export const CERT_BINDING = /^[A-Z][A-Z0-9_]{0,62}CERT[A-Z0-9_]{0,62}$/;
