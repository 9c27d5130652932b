/**
 * What the payer's page needs to follow an order. While the order is pending and this isolate
 * knows its Collector, the Collector answers the status poll from the order's amount hold; else
 * one query of the order's store (the token names it) gives the order and whether the merchant
 * acknowledged the notify, and the order's Collector its app's return/timeout URLs and signing
 * secret (nothing is read of the control plane).
 */
import { queries } from '../db/queries';
import { appFacts, collector, payTokens } from './collector';
import { formatFen } from '../domain/money';
import { signedReturnUrl } from '../domain/notify';
import { boundStores, storeDb } from '../db/stores';
import { PAY_TOKEN, storeOfToken } from '../domain/stores';
import { unixSeconds } from '../errors';
import { openSecret } from '../domain/secrets';

export async function payState(env: Env, token: string) {
  const name = storeOfToken(token);
  if (!PAY_TOKEN.test(token) || !boundStores(env).includes(name)) return null;
  const found = await queries(storeDb(env, name)).payOrder.get({ token });
  const order = found?.order;
  const facts = order && (await appFacts(env, order.merchantId, order.mode, order.appId));
  const app = facts?.apps[0]?.app;
  const state =
    found && facts && app
      ? {
          ...found,
          appkey: app.appkey,
          secretEnc: app.secretEnc,
          appReturn: app.returnUrl,
          appTimeout: app.timeoutUrl,
          merchantName: facts.merchantName,
        }
      : null;
  const o = state?.order;
  // Only orders on a collection session have a hold their Collector can answer polls from.
  if (o?.status === 'pending' && o.channel === null)
    payTokens.remember(token, {
      merchantId: o.merchantId,
      mode: o.mode,
      shard: o.shard,
      order: { appId: o.appId, outOrderId: o.outOrderId },
    });
  else payTokens.forget(token);
  return state;
}

export type PayState = NonNullable<Awaited<ReturnType<typeof payState>>>;

export interface StatusView {
  status: string;
  realprice: string;
  expires_at: number;
  acknowledged: boolean;
  return_url: string | null;
  timeout_url: string | null;
}

/** The status of a pending order from its Collector's hold, with no D1 query; null when the Collector cannot tell. */
export async function heldStatus(env: Env, token: string, nowMs = Date.now()): Promise<StatusView | null> {
  const route = payTokens.route(token);
  if (!route) return null;
  const hold = await collector(env, route.merchantId, route.mode, route.shard).held(route.order);
  if (!hold || nowMs > hold.expiresMs) return null;
  return view('pending', hold.amountFen, hold.expiresMs);
}

/** The status poll's answer. A pending order past its expiry shows as expired to the payer. */
export async function statusView(env: Env, s: PayState, nowMs = Date.now()): Promise<StatusView> {
  const o = s.order;
  const status = o.status === 'pending' && nowMs > o.expiresMs ? 'expired' : o.status;
  const target = o.returnUrl ?? s.appReturn;
  return view(status, o.realpriceFen, o.expiresMs, {
    acknowledged: s.notify === 'delivered',
    return_url:
      status === 'paid' && target
        ? await signedReturnUrl(target, o, s.appkey, await openSecret(env.MASTER_KEY, s.secretEnc))
        : null,
    timeout_url: status === 'expired' ? (o.timeoutUrl ?? s.appTimeout) : null,
  });
}

/** A status answer; what follows payment or expiry only when given. */
function view(status: string, realpriceFen: number, expiresMs: number, after: Partial<StatusView> = {}): StatusView {
  return {
    status,
    realprice: formatFen(realpriceFen),
    expires_at: unixSeconds(expiresMs),
    acknowledged: false,
    return_url: null,
    timeout_url: null,
    ...after,
  };
}

/** Where the payer's browser is: inside the WeChat app, a phone's browser (or another wallet's), or a PC. */
export type Device = 'wechat' | 'phone' | 'pc';

export function deviceOf(userAgent: string | undefined): Device {
  const ua = userAgent ?? '';
  if (/MicroMessenger/i.test(ua)) return 'wechat';
  return /Mobi|Android|iPhone|iPod|iPad|HarmonyOS|AlipayClient|QQ\//i.test(ua) ? 'phone' : 'pc';
}

/** What the cashier does for a pending channel order. */
export type CashierAction =
  | { kind: 'redirect'; method: 'wap' | 'page' }
  | { kind: 'qr'; pageLink: boolean }
  | { kind: 'jsapi' }
  | { kind: 'app' };

/**
 * The cashier's choice for a channel order (SPEC §11.2): the order's method, or for `auto` by
 * device: inside WeChat, JSAPI when the merchant gave the payer's openid (else the QR, which
 * WeChat reads by a long press); a phone goes to the provider's phone page (`wap`); a PC gets the
 * QR (with a link to the provider's PC page) or the PC page; then whatever the config offers.
 */
export function cashierAction(
  method: string | null,
  device: Device,
  offered: readonly string[],
  hasOpenid: boolean,
): CashierAction {
  if (method === 'wap' || method === 'page') return { kind: 'redirect', method };
  if (method === 'qr') return { kind: 'qr', pageLink: false };
  if (method === 'jsapi') return { kind: 'jsapi' };
  if (method === 'app') return { kind: 'app' };
  const has = (m: string) => offered.includes(m);
  if (device === 'wechat' && hasOpenid && has('jsapi')) return { kind: 'jsapi' };
  if (device === 'wechat' && has('qr')) return { kind: 'qr', pageLink: false };
  if (device !== 'pc' && has('wap')) return { kind: 'redirect', method: 'wap' };
  if (has('qr')) return { kind: 'qr', pageLink: device === 'pc' && has('page') };
  if (has('page')) return { kind: 'redirect', method: 'page' };
  if (has('wap')) return { kind: 'redirect', method: 'wap' };
  return { kind: 'app' };
}
