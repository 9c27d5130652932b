/**
 * What the payer's page needs to follow an order, in one D1 query: the order, its app's
 * return/timeout URLs and signing secret, and whether the merchant acknowledged the notify.
 */
import { eq, sql } from 'drizzle-orm';
import { apps, deliveries, merchants, orders } from '../db/schema';
import { formatFen } from '../domain/money';
import { returnUrl } from '../domain/notify';
import type { Db } from '../env';
import { openSecret } from './secrets';

export const PAY_TOKEN = /^[A-Za-z0-9]{24}$/;

export async function payState(db: Db, token: string) {
  const [row] = await db
    .select({
      order: orders, appkey: apps.appkey, secretEnc: apps.secretEnc, appReturn: apps.returnUrl, appTimeout: apps.timeoutUrl,
      notify: deliveries.status, merchantName: merchants.name,
    })
    .from(orders)
    .innerJoin(apps, eq(apps.id, orders.appId))
    .innerJoin(merchants, eq(merchants.id, orders.merchantId))
    .leftJoin(deliveries, eq(deliveries.dedupeKey, sql`'notify:' || ${orders.id}`))
    .where(eq(orders.payToken, token));
  return row ?? null;
}

export type PayState = NonNullable<Awaited<ReturnType<typeof payState>>>;

/** The status poll's answer. A pending order past its expiry shows as expired to the payer. */
export async function statusView(env: Env, s: PayState, nowMs = Date.now()) {
  const o = s.order;
  const status = o.status === 'pending' && nowMs > o.expiresMs ? 'expired' : o.status;
  const target = o.returnUrl ?? s.appReturn;
  return {
    status,
    realprice: formatFen(o.realpriceFen),
    expires_at: Math.floor(o.expiresMs / 1000),
    acknowledged: s.notify === 'delivered',
    return_url: status === 'paid' && target ? await returnUrl(target, o, s.appkey, await openSecret(env.MASTER_KEY, s.secretEnc)) : null,
    timeout_url: status === 'expired' ? (o.timeoutUrl ?? s.appTimeout) : null,
  };
}
