/**
 * Order stores (SPEC §14.1) on real local D1: the test pool binds DB, ORDERS_1 and ORDERS_2. A
 * merchant goes to the store with the fewest merchants (or the one it names), keeps it for good,
 * and its orders, deliveries and points live there alone — ids unique across stores, the pay token
 * naming its store — while the merchant API, cashier, notify and admin views answer as before.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  admin,
  BASE,
  eventually,
  gatepay,
  merchantLog,
  monitor,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  signedLookup,
  uniqueKey,
} from '../helpers';

const ID_SPAN = 10_000_000_000_000;
const stores = async () =>
  (await ok('GET', '/stores')).data as { binding: string; merchants: number; size_bytes: number }[];
const rowCount = async (d1: D1Database, sql: string, ...binds: unknown[]) =>
  (await d1
    .prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

describe('stores', () => {
  it('lists every bound store in binding order with its merchants and size', async () => {
    const before = await stores();
    expect(before.map((s) => s.binding)).toEqual(['DB', 'ORDERS_1', 'ORDERS_2']);
    for (const s of before) expect(s.size_bytes).toBeGreaterThan(0);
    const m = await ok('POST', '/merchants', { name: 'Counted', store: 'ORDERS_2' });
    expect(m.store).toBe('ORDERS_2');
    const after = await stores();
    expect(after.map((s) => s.merchants)).toEqual([before[0].merchants, before[1].merchants, before[2].merchants + 1]);
  });

  it('puts a merchant without a store on the one with the fewest merchants, ties in binding order', async () => {
    for (let i = 0; i < 4; i++) {
      const counts = await stores();
      const least = Math.min(...counts.map((s) => s.merchants));
      const expected = counts.find((s) => s.merchants === least)!.binding;
      const m = await ok('POST', '/merchants', { name: `Spread ${i}` });
      expect(m.store).toBe(expected);
      expect((await ok('GET', `/merchants/${m.id}`)).store).toBe(expected);
    }
  });

  it('refuses an unknown store (422 naming the field) and writes no merchant', async () => {
    const before = (await ok('GET', '/merchants')).data.length;
    for (const store of ['ORDERS_9', 'orders_1', 'ORDERS_65', '']) {
      const r = await admin('POST', '/merchants', { name: 'Nowhere', store });
      expect(r.status).toBe(422);
      expect(r.body.error.message).toMatch(/^store: /);
    }
    expect((await ok('GET', '/merchants')).data.length).toBe(before);
  });

  it("keeps a merchant's store: the same store is accepted, another is 422 saying it does not change", async () => {
    const m = await ok('POST', '/merchants', { name: 'Fixed', store: 'ORDERS_1' });
    expect((await ok('PATCH', `/merchants/${m.id}`, { store: 'ORDERS_1', name: 'Fixed 2' })).name).toBe('Fixed 2');
    const r = await admin('PATCH', `/merchants/${m.id}`, { store: 'DB' });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toBe(
      `store: merchant ${m.id} lives on ORDERS_1; a merchant's store does not change once set`,
    );
    expect((await ok('GET', `/merchants/${m.id}`)).store).toBe('ORDERS_1');
  });
});

describe('a merchant on ORDERS_1', () => {
  it('has its orders, payments, deliveries and points there alone, ids unique across stores', async () => {
    const key = uniqueKey('st');
    const notifyUrl = `https://merchant.example/success/${key}`;
    const one = await setupMerchant({ store: 'ORDERS_1', app: { notify_url: notifyUrl } });
    const zero = await setupMerchant({ store: 'DB' });
    const made = (await gatepay('create', await signedCreate(one.app, { price: '3.00', out_order_id: key }))).data;
    const onDb = (await gatepay('create', await signedCreate(zero.app, { price: '3.00', out_order_id: key }))).data;
    // Store 1 numbers its orders from 1 × 10^13 + 1; DB keeps the ids it always had.
    expect(made.order_id).toBeGreaterThan(ID_SPAN);
    expect(made.order_id).toBeLessThan(2 * ID_SPAN);
    expect(onDb.order_id).toBeLessThan(ID_SPAN);
    const token = made.pay_url.split('/').pop();
    expect(token).toMatch(/^1-[A-Za-z0-9]{24}$/);
    expect(onDb.pay_url.split('/').pop()).toMatch(/^[A-Za-z0-9]{24}$/);

    const page = await SELF.fetch(`${BASE}/pay/${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(key);
    expect(((await (await SELF.fetch(`${BASE}/pay/${token}/status`)).json()) as any).status).toBe('pending');

    await pay(one.sessions[0], made.realprice, { ref: `ref-${key}` });
    await eventually(async () => expect((await merchantLog(key)).length).toBe(1));
    const q = await gatepay('query', await signedLookup(one.app, String(made.order_id), ''));
    expect(q.data.status).toBe('paid');

    const where = 'WHERE merchant_id = ?';
    expect(await rowCount(env.ORDERS_1, `SELECT COUNT(*) AS n FROM orders ${where}`, one.merchant.id)).toBe(1);
    expect(await rowCount(env.DB, `SELECT COUNT(*) AS n FROM orders ${where}`, one.merchant.id)).toBe(0);
    expect(await rowCount(env.ORDERS_2, `SELECT COUNT(*) AS n FROM orders ${where}`, one.merchant.id)).toBe(0);
    expect(await rowCount(env.ORDERS_1, `SELECT COUNT(*) AS n FROM payments ${where}`, one.merchant.id)).toBe(1);
    expect(await rowCount(env.DB, `SELECT COUNT(*) AS n FROM payments ${where}`, one.merchant.id)).toBe(0);
    const delivery = await env.ORDERS_1.prepare(`SELECT id, status FROM deliveries WHERE order_id = ?`)
      .bind(made.order_id)
      .first<{ id: number; status: string }>();
    expect(delivery?.status).toBe('delivered');
    expect(delivery!.id).toBeGreaterThan(ID_SPAN);
    // The live sessions' onboarding fee and the recharge: the ledger and balance beside the orders.
    const ledger = await ok('GET', `/merchants/${one.merchant.id}/points`);
    expect(ledger.balance).toBe(1_000_000 - 100);
    expect(ledger.data.map((r: any) => r.reason)).toEqual(['onboarding', 'recharge']);
    expect(await rowCount(env.ORDERS_1, `SELECT COUNT(*) AS n FROM points_ledger ${where}`, one.merchant.id)).toBe(2);
    expect(await rowCount(env.DB, `SELECT COUNT(*) AS n FROM points_ledger ${where}`, one.merchant.id)).toBe(0);
    expect((await ok('GET', `/merchants/${one.merchant.id}`)).points).toBe(1_000_000 - 100);

    // Admin reads by id find the order on its store; another store's id range is simply not found.
    expect((await ok('GET', `/orders/${made.order_id}`)).out_order_id).toBe(key);
    const deliveries = (await ok('GET', `/orders/${made.order_id}/deliveries`)).data;
    expect(deliveries.map((d: any) => d.id)).toEqual([delivery!.id]);
    expect((await ok('POST', `/deliveries/${delivery!.id}/resend`, undefined, 200)).attempts).toBe(2);
    expect((await admin('GET', `/orders/${3 * ID_SPAN + 1}`)).status).toBe(404);
    expect((await admin('POST', `/deliveries/${9 * ID_SPAN + 1}/resend`)).status).toBe(404);
    const listed = await ok('GET', `/merchants/${one.merchant.id}/orders`);
    expect(listed.data.map((o: any) => o.id)).toEqual([made.order_id]);
  });
});

describe('a payment report, verified by its Collector once the isolate knows the session', () => {
  it('takes the current secret only: after a rotation the old one is refused (401), the new one reports', async () => {
    const { sessions } = await setupMerchant({ store: 'ORDERS_2' });
    const s = sessions[0];
    const report = (secret: string, ref: string) =>
      monitor({ ...s, secret }, 'payments', { type: 'alipay', amount: '1.23', paid_at: Date.now(), ref });
    // The first report teaches this isolate the session's Collector; the second is checked there.
    expect((await report(s.secret, uniqueKey('r'))).status).toBe(200);
    expect((await report(s.secret, uniqueKey('r'))).status).toBe(200);
    const bad = await report('not-the-secret', uniqueKey('r'));
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toMatch(/^X-Huipay-Signature mismatch/);
    const rotated = await ok('POST', `/sessions/${s.id}/rotate-secret`, undefined, 200);
    expect((await report(s.secret, uniqueKey('r'))).status).toBe(401);
    expect((await report(rotated.secret, uniqueKey('r'))).status).toBe(200);
  });
});
