/** Orders through the Alipay channel against the built-in simulator, end to end inside workerd. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { eventually, gatepay, merchantLog, ok, signedCreate, signedLookup, specSign } from '../helpers';
import { scanAndPay, zeroSetupApp } from '../channels/helpers';

describe('zero-setup sandbox: alipay orders go to the simulator', () => {
  it('creates a qr order, the payer scans and pays, the order is paid and the merchant notified', async () => {
    const { app, raw } = await zeroSetupApp();
    const k = `zs-${Date.now()}`;
    const created = await gatepay('create', {
      ...(await signedCreate(app, { price: '12.34', out_order_id: k })),
      method: 'qr',
    });
    expect(created.code, created.msg).toBe(100);
    expect(created.data).toMatchObject({
      price: '12.34',
      realprice: '12.34',
      channel: 'alipay',
      method: 'qr',
      status: 'pending',
      refunded: '0.00',
    });
    const order = await ok('GET', `/orders/${created.data.order_id}`, undefined, 200);
    expect(order.provider_trade_no).toMatch(/^hp\d{8}[A-Za-z0-9]{22}$/);
    const qrText = new URL(created.data.qrcode_url).searchParams.get('text')!;
    expect(qrText).toMatch(/^http:\/\/gw\.test\/sandbox\/alipay\/qr\/[A-Za-z0-9]{24}$/);
    const paid = await scanAndPay(qrText);
    expect(paid.status).toBe(200);
    const q = await gatepay('query', await signedLookup(app, String(created.data.order_id), ''));
    expect(q.data.status).toBe('paid');
    expect(q.data.paytime).toBeGreaterThan(0);
    const key = raw.notify_url.split('/').pop();
    const seen = await eventually(async () => {
      const log = await merchantLog(key);
      expect(log).toHaveLength(1);
      return log;
    });
    const f = Object.fromEntries(new URLSearchParams(seen[0].body));
    expect(f).toMatchObject({
      order_id: String(created.data.order_id),
      out_order_id: k,
      price: '12.34',
      realprice: '12.34',
      type: 'alipay',
    });
    expect(f.sign).toBe(
      await specSign(
        [app.appkey, f.order_id, f.out_order_id, f.price, f.realprice, f.type, f.paytime, f.extend],
        app.appsecret,
      ),
    );
    const payments = await ok(
      'GET',
      `/merchants/${order.app_id ? (await ok('GET', `/orders/${order.id}`, undefined, 200)).app_id && '' : ''}`,
      undefined,
      200,
    ).catch(() => null);
    void payments;
    expect(env).toBeTruthy();
  });
});
