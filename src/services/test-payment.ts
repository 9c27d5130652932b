/**
 * The console's sandbox test payment: an order of a sandbox app created through the merchant API's
 * own create path, its parameters signed with the app's secret as the merchant's server would.
 */
import type { App } from '../db/schema';
import { openSecret } from '../domain/secrets';
import { gatepaySign, SIGN_FIELDS } from '../domain/sign';
import type { Db } from '../env';
import { createOrder } from './orders';

/** Creates the test order of `price` (yuan, as typed) and `type`; throws the create's merchant-code HuipayError when refused. */
export async function createTestOrder(
  env: Env,
  db: Db,
  app: App,
  ask: { price: string; type: string },
  origin: string,
) {
  const p: Record<string, string> = {
    appkey: app.appkey,
    price: ask.price,
    type: ask.type,
    out_order_id: `console_test_${Date.now()}`,
    custom: 'console sandbox test',
  };
  p.sign = await gatepaySign(
    SIGN_FIELDS.create.map((f) => p[f]),
    await openSecret(env.MASTER_KEY, app.secretEnc),
  );
  return createOrder(env, db, p, { origin, region: { country: null, regionCode: null } });
}
