/** The cashier page in a real headless Chromium against the real gateway (SPEC §5). */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import jsQR from 'jsqr';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, DESKTOP, launch, PHONE } from './browser';
import { admin, createOrder, gateway, merchantBase, sandboxShop, specSign } from './helpers';

const require = createRequire(import.meta.url);
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

let n = 0;
const key = (label: string) => `${label}${Date.now()}${++n}`;

describe('cashier page', () => {
  it.each([
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ])('shows amount, pay type, countdown and a QR that decodes to the payload (%s)', async (name, device) => {
    const k = key(name);
    const { app } = await sandboxShop(k);
    await createOrder(app, '25.00', `${k}-a`); // takes 25.00, so this order must pay 24.99
    const order = await createOrder(app, '25.00', `${k}-b`);
    const page = await browser.newPage({
      ...device,
      locale: 'zh-CN',
      extraHTTPHeaders: { 'accept-language': 'zh-CN,zh;q=0.9' },
    });
    await page.goto(order.pay_url);
    await expect.poll(() => page.locator('#amount').textContent()).toBe('¥24.99');
    expect(await page.locator('h1').textContent()).toBe('收银台');
    expect(await page.locator('.note').textContent()).toContain('订单金额 ¥25.00');
    expect(await page.locator('.scan').textContent()).toBe('请使用支付宝扫一扫');
    await expect.poll(() => page.locator('#countdown').textContent()).toMatch(/^(09:5\d|10:00)$/);
    expect(await page.locator('#amount').isVisible()).toBe(true);
    expect(await page.locator('#countdown').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, `cashier-${name}.png`), fullPage: true });
    const png = PNG.sync.read(await page.locator('#qr').screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(`https://qr.alipay.com/fkx-${k}`);
    const box = await page.locator('.card').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(device.viewport.width);
    await page.close();
  });

  it('has no serious accessibility violations (axe-core), in Chinese and English', async () => {
    const k = key('a11y');
    const { app } = await sandboxShop(k);
    const order = await createOrder(app, '9.90', k);
    for (const lang of ['zh-CN', 'en-US']) {
      const page = await browser.newPage({
        ...PHONE,
        locale: lang,
        extraHTTPHeaders: { 'accept-language': lang },
        bypassCSP: true,
      });
      await page.goto(order.pay_url);
      await page.addScriptTag({ path: require.resolve('axe-core') });
      const result = await page.evaluate(async () =>
        (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }),
      );
      const serious = result.violations
        .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
        .map((v: any) => `${v.id}: ${v.help}`);
      expect(serious, lang).toEqual([]);
      await page.close();
    }
  });

  it('speaks English when the browser prefers it', async () => {
    const k = key('en');
    const { app } = await sandboxShop(k);
    const order = await createOrder(app, '3.00', k);
    const page = await browser.newPage({
      ...DESKTOP,
      locale: 'en-US',
      extraHTTPHeaders: { 'accept-language': 'en-US,en;q=0.9,zh;q=0.5' },
    });
    await page.goto(order.pay_url);
    expect(await page.locator('h1').textContent()).toBe('Checkout');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('.scan').textContent()).toBe('Scan with Alipay');
    await page.close();
  });

  it('simulate payment pays through the monitor path and lands on the signed return URL', async () => {
    const k = key('sim');
    const { app } = await sandboxShop(k);
    const order = await createOrder(app, '18.80', k, { product_id: 'vip-1' });
    const page = await browser.newPage(PHONE);
    await page.goto(order.pay_url);
    await page.locator('#simulate').click();
    await page.waitForURL(`${merchantBase()}/page/${k}?**`, { timeout: 15_000 });
    const q = Object.fromEntries(new URL(page.url()).searchParams);
    expect(q).toMatchObject({
      price: '18.80',
      type: 'alipay',
      product_id: 'vip-1',
      order_id: String(order.order_id),
      out_order_id: k,
    });
    expect(q.sign).toBe(
      specSign([app.appkey, q.price, q.type, q.product_id, q.order_id, q.out_order_id], app.appsecret),
    );
    expect(await page.locator('h1').textContent()).toBe('Back at the shop');
    const seen = (await (await fetch(`${merchantBase()}/_log/${k}`)).json()) as { method: string; body: string }[];
    const notified = seen.filter((r) => r.method === 'POST');
    expect(notified).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(notified[0].body)).order_id).toBe(String(order.order_id));
    await page.close();
  });

  it('when the merchant never acknowledges, shows "payment received" after 10 s with a button to continue', async () => {
    const k = key('noack');
    const { app } = await sandboxShop(k, { notify: 'fail' });
    const order = await createOrder(app, '4.20', k);
    const page = await browser.newPage({ ...PHONE, locale: 'en-US' });
    await page.clock.install();
    await page.goto(order.pay_url);
    await page.locator('#simulate').click();
    // The page's polling timers run on the fake clock: advance it a second at a time until the payment shows.
    await expect
      .poll(
        async () => {
          await page.clock.runFor(1000);
          return page.locator('#state-paid').isVisible();
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(true);
    expect(await page.locator('#continue').isVisible()).toBe(false);
    await page.clock.fastForward(11_000);
    await page.clock.runFor(2_000);
    await expect.poll(() => page.locator('#state-received').isVisible()).toBe(true);
    expect(await page.locator('#state-received').textContent()).toBe('Payment received');
    await page.locator('#continue').click();
    await page.waitForURL(`${merchantBase()}/page/${k}?**`);
    const q = Object.fromEntries(new URL(page.url()).searchParams);
    expect(q.sign).toBe(
      specSign([app.appkey, q.price, q.type, q.product_id, q.order_id, q.out_order_id], app.appsecret),
    );
    await page.close();
  });

  it('an order left to expire sends the payer to the timeout URL', async () => {
    const k = key('exp');
    const { app } = await sandboxShop(k, { timeoutUrl: `${merchantBase()}/page/timeout-${k}` });
    const order = await createOrder(app, '6.00', k);
    const page = await browser.newPage(PHONE);
    await page.clock.install();
    await page.goto(order.pay_url);
    await page.clock.fastForward(601_000);
    await page.waitForURL(`${merchantBase()}/page/timeout-${k}`, { timeout: 15_000 });
    await page.close();
  });

  it('shows a clear page for closed and expired orders without a timeout URL', async () => {
    const k = key('closed');
    const { app } = await sandboxShop(k);
    const order = await createOrder(app, '7.00', k);
    const lookup = { appkey: app.appkey, order_id: String(order.order_id), out_order_id: '' };
    await fetch(`${gateway()}/api/cloudpay/close`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...lookup,
        sign: specSign([lookup.appkey, lookup.order_id, lookup.out_order_id], app.appsecret),
      }),
    });
    const page = await browser.newPage(DESKTOP);
    await page.goto(order.pay_url);
    expect(await page.locator('#state-closed').isVisible()).toBe(true);
    expect(await page.locator('#qr').isVisible()).toBe(false);
    const other = await createOrder(app, '7.00', `${k}-2`);
    await page.clock.install();
    await page.goto(other.pay_url);
    await page.clock.fastForward(601_000);
    await expect.poll(() => page.locator('#state-expired').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'cashier-expired.png') });
    await page.close();
  });
});

describe('monitor agent simulator', () => {
  it('brings a session online and pays an order, as a subprocess', async () => {
    const k = key('agent');
    const { merchant, app, session } = await sandboxShop(k, { online: false });
    expect((await admin('GET', `/merchants/${merchant.id}/sessions`)).data[0].state).toBe('new');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          [join(process.cwd(), 'scripts/agent.mjs'), '--config', session.monitor_config, ...args],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        p.on('exit', (code) => resolve({ code, out }));
      });
    const first = await run(['--once']);
    expect(first.code).toBe(0);
    expect(first.out).toContain(`session ${session.id} is online`);
    expect((await admin('GET', `/merchants/${merchant.id}/sessions`)).data[0].state).toBe('online');
    const order = await createOrder(app, '12.00', k);
    const paid = await run(['--once', '--pay', order.realprice]);
    expect(paid.out).toContain(`payment ${order.realprice} matched order ${k}`);
    await expect
      .poll(async () => (await admin('GET', `/orders/${order.order_id}`)).status, { timeout: 10_000 })
      .toBe('paid');
  });
});
