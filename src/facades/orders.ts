/**
 * What the facades share: an app seen as the create checks see it, and placing an order through
 * the one create path (services/orders.ts `placeRouted`: sessions or an official channel, by the
 * app's routing), with its outcome given as a reason each facade words in its own protocol.
 */
import type { App, Order } from '../db/schema';
import { type CheckedCreate, GATEPAY_CODES, urlHosts } from '../domain/gatepay';
import { notifyTarget } from '../domain/notify';
import type { PayerRegion } from '../domain/rules';
import type { Db } from '../env';
import type { EpayApp, EpayFields } from '../domain/epay';
import type { VmqApp, VmqFields } from '../domain/vmq';
import { HuipayError } from '../errors';
import { type ChannelAsk, isIpAddress } from '../services/channel-orders';
import type { FacadeStamp } from '../services/lifecycle';
import { placeRouted, type Routed } from '../services/placing';

/** The app as create checks need it (the mode's notify target decides whether one is configured). */
export const createView = (app: App): EpayApp & VmqApp => ({
  mode: app.mode,
  payTypes: app.payTypes,
  hasNotifyUrl: notifyTarget(app) !== null,
  hasReturnUrl: app.returnUrl !== null,
  allowUrlOverride: app.allowUrlOverride,
  ownHosts: urlHosts([app.notifyUrl, app.returnUrl, app.timeoutUrl, app.sandboxNotifyUrl, app.backupNotifyUrl]),
});

/**
 * Why a facade create made no order: the out_order_id is taken by other parameters (`changed`),
 * by a paid order (`paid`), by a closed or expired one (`final`); the app offers the pay type by
 * no channel and no session (`closed`); nothing can take the order now (`unavailable`); the
 * merchant's plan refuses it (`plan`, SPEC §7); the app is disabled (`disabled`).
 */
export type PlaceRefusal = 'changed' | 'paid' | 'final' | 'closed' | 'unavailable' | 'plan' | 'disabled';

export type FacadePlaced = { ok: true; order: Order } | { ok: false; reason: PlaceRefusal; detail: string };

const REASONS: Partial<Record<number, PlaceRefusal>> = {
  [GATEPAY_CODES.api_closed]: 'disabled',
  [GATEPAY_CODES.type_closed]: 'closed',
  [GATEPAY_CODES.quota]: 'plan',
};

/**
 * Places an order a facade has authenticated and checked, routed like any create (collection
 * sessions or an official channel, by the app's routing): a new one, the same pending one again,
 * or why not. `ask` is what the facade asks of a channel (method preference, item name, payer IP).
 */
export async function placeFacadeOrder(
  env: Env,
  db: Db,
  app: App,
  checked: { order: CheckedCreate; fingerprint: string },
  stamp: FacadeStamp,
  where: { region: PayerRegion; origin: string; ask: ChannelAsk },
): Promise<FacadePlaced> {
  const no = (reason: PlaceRefusal, detail: string) => ({ ok: false as const, reason, detail });
  let placed: Routed;
  try {
    placed = await placeRouted(
      env,
      db,
      { merchantId: app.merchantId, mode: app.mode },
      { appkey: app.appkey, order: checked.order, fingerprint: checked.fingerprint, region: where.region },
      checked.order.outOrderId,
      where.ask,
      where.origin,
      stamp,
    );
  } catch (err) {
    // A channel parameter the facade passed on was refused: no order, the reason as detail.
    if (err instanceof HuipayError && err.merchant) return no('unavailable', err.message);
    throw err;
  }
  switch (placed.kind) {
    case 'created':
      return { ok: true, order: placed.order };
    case 'unknown_app':
      return no('unavailable', 'the app is not known to its collector yet');
    case 'refused':
      return no(REASONS[placed.code] ?? 'unavailable', placed.msg);
  }
  const { existing, why } = placed;
  if (existing?.status === 'paid' || existing?.status === 'refunded') return no('paid', `order ${existing.id} is paid`);
  if (existing && (existing.status !== 'pending' || why === 'stale'))
    return no(
      'final',
      `order ${existing.id} is ${existing.status === 'pending' ? 'no longer payable' : existing.status}`,
    );
  if (
    !existing ||
    why === 'conflict' ||
    existing.facade !== stamp.facade ||
    (why === 'unchecked' && !sameRequest(existing, checked.order, stamp.fields(null)))
  )
    return no('changed', 'the out_order_id is used with other parameters');
  return { ok: true, order: existing };
}

/**
 * Whether a channel order is what a repeated facade create asks for (a session order's repeat is
 * compared in its Collector by the facade's fingerprint). The facade's echoed fields are compared
 * but for `money` (compared as the amount in fen) and `isAuto` (huipay's, not asked).
 */
function sameRequest(o: Order, asked: CheckedCreate, fields: EpayFields | VmqFields): boolean {
  const { money: _m, isAuto: _a, ...echoed } = fields as unknown as Record<string, unknown>;
  const stored = (o.facadeFields ?? {}) as Record<string, unknown>;
  return (
    o.priceFen === asked.priceFen &&
    o.type === asked.type &&
    o.custom === asked.custom &&
    o.notifyUrl === asked.notifyUrl &&
    o.returnUrl === asked.returnUrl &&
    Object.entries(echoed).every(([k, v]) => stored[k] === v)
  );
}

/** The payer's IP as a facade passes it to a provider: only a well-formed address (else the cashier's). */
export const payerIp = (raw: string | undefined) => (raw && isIpAddress(raw) ? raw : undefined);
