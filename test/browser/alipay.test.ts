/**
 * An official-channel Alipay order in a real headless Chromium against the real gateway (SPEC
 * §11.2, §11.6): a sandbox app with no setup, `type=alipay`. On a PC the cashier shows the
 * provider's QR; the QR's URL opens the simulator's payer page (the phone); paying there marks
 * the order paid, the merchant server gets the signed notify, and the cashier sends the payer to
 * the return URL. On a phone the cashier goes straight to the simulator's WAP page and back.
 */
import { join } from 'node:path';
import jsQR from 'jsqr';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, DESKTOP, launch, PHONE } from './browser';
import { admin, createOrder, gateway, merchantBase, specSign } from './helpers';

const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

let n = 0;
const key = (label: string) => `${label}${Date.now()}${++n}`;

/** A sandbox merchant with no collection session and no channel config: Alipay goes to the simulator. */
async function zeroSetupShop(k: string) {
  const merchant = await admin('POST', '/merchants', { name: `Official ${k}` });
  const app = await admin('POST', `/merchants/${merchant.id}/apps`, {
    name: 'web',
    mode: 'sandbox',
    sandbox_notify_url: `${merchantBase()}/success/${k}`,
    return_url: `${merchantBase()}/page/${k}`,
  });
  return { merchant, app };
}

async function notifies(k: string) {
  return ((await (await fetch(`${merchantBase()}/_log/${k}`)).json()) as { method: string; body: string }[]).filter(
    (r) => r.method === 'POST',
  );
}

function expectSignedReturn(url: string, app: { appkey: string; appsecret: string }, orderId: number) {
  const q = Object.fromEntries(new URL(url).searchParams);
  expect(q).toMatchObject({ type: 'alipay', order_id: String(orderId) });
  expect(q.sign).toBe(specSign([app.appkey, q.price, q.type, q.product_id, q.order_id, q.out_order_id], app.appsecret));
}

describe('Alipay through the built-in simulator, in Chromium', () => {
  it('PC: the cashier shows the provider QR; the payer pays on the simulator; the cashier returns to the shop', async () => {
    const k = key('alipc');
    const { app } = await zeroSetupShop(k);
    const order = await createOrder(app, '23.45', k);
    expect(order).toMatchObject({ channel: 'alipay', method: 'auto', realprice: '23.45' });
    const cashier = await browser.newPage({ ...DESKTOP, locale: 'zh-CN' });
    await cashier.goto(order.pay_url);
    await expect.poll(() => cashier.locator('#amount').textContent()).toBe('¥23.45');
    expect(await cashier.locator('.note').textContent()).toBe('由支付宝官方收款，付款后自动到账。');
    expect(await cashier.locator('#page-pay').getAttribute('href')).toBe(`${order.pay_url}/go/page`);
    await cashier.screenshot({ path: join(ARTIFACTS, 'alipay-cashier-pc.png'), fullPage: true });
    const png = PNG.sync.read(await cashier.locator('#qr').screenshot());
    const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    expect(qr).toMatch(new RegExp(`^${gateway()}/sandbox/alipay/qr/[A-Za-z0-9]{24}$`));
    // The sandbox link (for a PC with no phone) carries the way back to this cashier page.
    const back = `${new URL(order.pay_url).pathname}?return=1`;
    expect(await cashier.locator('#open-simulator').getAttribute('href')).toBe(
      `${qr}?back=${encodeURIComponent(back)}`,
    );

    // The payer's phone opens the QR: the simulator's payer page.
    const phone = await browser.newPage({ ...PHONE, userAgent: IPHONE_UA });
    await phone.goto(qr!);
    await expect.poll(() => phone.locator('#amount').textContent()).toBe('¥23.45');
    expect(phone.url()).toMatch(new RegExp(`^${gateway()}/sandbox/alipay/pay/`));
    await phone.screenshot({ path: join(ARTIFACTS, 'alipay-simulator-payer-page.png'), fullPage: true });
    await phone.locator('#pay').click();
    await expect.poll(() => phone.locator('#message').textContent()).toBe('支付成功 Paid');

    // The order is paid once, the merchant server has the signed notify, the cashier goes back to the shop.
    await expect
      .poll(async () => (await admin('GET', `/orders/${order.order_id}`)).status, { timeout: 10_000 })
      .toBe('paid');
    await cashier.waitForURL(`${merchantBase()}/page/${k}?**`, { timeout: 15_000 });
    expectSignedReturn(cashier.url(), app, order.order_id);
    const sent = await notifies(k);
    expect(sent).toHaveLength(1);
    const f = Object.fromEntries(new URLSearchParams(sent[0].body));
    expect(f).toMatchObject({ order_id: String(order.order_id), price: '23.45', realprice: '23.45', type: 'alipay' });
    expect(f.sign).toBe(
      specSign(
        [app.appkey, f.order_id, f.out_order_id, f.price, f.realprice, f.type, f.paytime, f.extend],
        app.appsecret,
      ),
    );
    await phone.close();
    await cashier.close();
  });

  it('phone: the cashier redirects to the simulator`s WAP page; paying returns through the cashier to the shop', async () => {
    const k = key('aliwap');
    const { app } = await zeroSetupShop(k);
    const order = await createOrder(app, '9.90', k, { product_id: 'vip' });
    const page = await browser.newPage({ ...PHONE, userAgent: IPHONE_UA, locale: 'zh-CN' });
    await page.goto(order.pay_url);
    await page.waitForURL(`${gateway()}/sandbox/alipay/pay/**`);
    await expect.poll(() => page.locator('#amount').textContent()).toBe('¥9.90');
    await page.screenshot({ path: join(ARTIFACTS, 'alipay-phone-wap.png'), fullPage: true });
    await page.locator('#pay').click();
    await page.waitForURL(`${merchantBase()}/page/${k}?**`, { timeout: 15_000 });
    expectSignedReturn(page.url(), app, order.order_id);
    expect(new URL(page.url()).searchParams.get('product_id')).toBe('vip');
    expect(await page.locator('h1').textContent()).toBe('Back at the shop');
    await page.screenshot({ path: join(ARTIFACTS, 'alipay-phone-returned.png') });
    expect((await admin('GET', `/orders/${order.order_id}`)).status).toBe('paid');
    expect(await notifies(k)).toHaveLength(1);
    await page.close();
  });

  it('phone, the payer cancels: back on the cashier, still waiting, with a way back to Alipay', async () => {
    const k = key('alicancel');
    const { app } = await zeroSetupShop(k);
    const order = await createOrder(app, '1.23', k);
    const page = await browser.newPage({ ...PHONE, userAgent: IPHONE_UA, locale: 'en-US' });
    await page.goto(order.pay_url);
    await page.waitForURL(`${gateway()}/sandbox/alipay/pay/**`);
    await page.locator('#cancel').click();
    await page.waitForURL(`${order.pay_url}?return=1`);
    expect(await page.locator('#state-pending').isVisible()).toBe(true);
    expect(await page.locator('#continue-pay').textContent()).toBe('Continue to Alipay');
    expect((await admin('GET', `/orders/${order.order_id}`)).status).toBe('pending');
    await page.close();
  });
});
