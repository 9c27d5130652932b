import { describe, expect, it } from 'vitest';
import { eventually, gatepay, ok, pay, setupMerchant, signedCreate, signedLookup } from '../helpers';

describe('merchant creates an order, the monitor reports the money, the order is paid', () => {
  it('goes from create to paid', async () => {
    const { app, merchant, sessions } = await setupMerchant();
    const created = await gatepay(
      'create',
      await signedCreate(app, { price: '10.00', out_order_id: 'A1', custom: 'user@example.com' }),
    );
    expect(created.code).toBe(100);
    expect(created.data.realprice).toBe('10.00');
    expect(created.data.price).toBe('10.00');
    expect(created.data.pay_url).toMatch(/^http:\/\/gw\.test\/pay\/[A-Za-z0-9]{24}$/);
    const report = await pay(sessions[0], '10.00');
    expect(report.status).toBe(200);
    expect(report.body.matched).toBe(true);
    expect(report.body.out_order_id).toBe('A1');
    const q = await eventually(async () => {
      const r = await gatepay('query', await signedLookup(app, String(created.data.order_id), ''));
      expect(r.data.status).toBe('paid');
      return r;
    });
    expect(q.data.paytime).toBeGreaterThan(0);
    const orders = await ok('GET', `/merchants/${merchant.id}/orders?status=paid`, undefined, 200);
    expect(orders.data.map((o: any) => o.id)).toEqual([created.data.order_id]);
  });
});
