/**
 * What the facades share: an app seen as the create checks see it, and placing an order through
 * the one create path (services/orders.ts `placeOrder`), with its outcome given as a reason each
 * facade words in its own protocol.
 */
import type { App, Order } from '../db/schema';
import type { CheckedCreate, CreateApp } from '../domain/gatepay';
import { GATEPAY_CODES } from '../domain/gatepay';
import { notifyTarget } from '../domain/notify';
import type { PayerRegion } from '../domain/rules';
import type { Db } from '../env';
import { type FacadeStamp, placeOrder } from '../services/orders';

/** The app as create checks need it (the mode's notify target decides whether one is configured). */
export const createView = (app: App): Pick<CreateApp, 'mode' | 'payTypes' | 'hasNotifyUrl' | 'hasReturnUrl'> => ({
  mode: app.mode,
  payTypes: app.payTypes,
  hasNotifyUrl: notifyTarget(app) !== null,
  hasReturnUrl: app.returnUrl !== null,
});

/**
 * Why a facade create made no order: the out_order_id is taken by other parameters (`changed`),
 * by a paid order (`paid`), by a closed or expired one (`final`); no session can take the order
 * now (`unavailable`); the app is disabled (`disabled`).
 */
export type PlaceRefusal = 'changed' | 'paid' | 'final' | 'unavailable' | 'disabled';

export type FacadePlaced = { ok: true; order: Order } | { ok: false; reason: PlaceRefusal; detail: string };

/** Places an order a facade has authenticated and checked: a new one, the same pending one again, or why not. */
export async function placeFacadeOrder(
  env: Env,
  db: Db,
  app: App,
  checked: { order: CheckedCreate; fingerprint: string },
  stamp: FacadeStamp,
  region: PayerRegion,
): Promise<FacadePlaced> {
  const placed = await placeOrder(
    env,
    db,
    { merchantId: app.merchantId, mode: app.mode },
    { appkey: app.appkey, order: checked.order, fingerprint: checked.fingerprint, region },
    checked.order.outOrderId,
    stamp,
  );
  const no = (reason: PlaceRefusal, detail: string) => ({ ok: false as const, reason, detail });
  switch (placed.kind) {
    case 'created':
      return { ok: true, order: placed.order };
    case 'unknown_app':
      return no('unavailable', 'the app is not known to its collector yet');
    case 'refused':
      return no(placed.code === GATEPAY_CODES.api_closed ? 'disabled' : 'unavailable', placed.msg);
    case 'channel': // a facade's checked create is never routed to an official channel (yet)
      return no('unavailable', 'official channels are not offered through this facade yet');
  }
  const { existing, why } = placed;
  if (existing?.status === 'paid' || existing?.status === 'refunded') return no('paid', `order ${existing.id} is paid`);
  if (existing && (existing.status !== 'pending' || why === 'stale'))
    return no(
      'final',
      `order ${existing.id} is ${existing.status === 'pending' ? 'no longer payable' : existing.status}`,
    );
  if (!existing || why === 'conflict' || existing.facade !== stamp.facade)
    return no('changed', 'the out_order_id is used with other parameters');
  return { ok: true, order: existing };
}
