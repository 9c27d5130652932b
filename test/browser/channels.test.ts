/**
 * Official channels end to end in a real headless Chromium against the real gateway, for one
 * method of each new provider on a PC and on a phone: the cashier page → the provider
 * simulator's payer page (WeChat Pay Native QR / H5, UnionPay PC / WAP front consume form, QQ
 * Wallet QR) → "pay" → the order is paid → the merchant's server receives the signed gatepay
 * notify → the browser lands on the merchant's return URL with a valid sign. Screenshots of the
 * cashier and the payer page land in test-artifacts/.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, DESKTOP, launch, PHONE } from './browser';
import { createOrder, merchantBase, sandboxShop, specSign } from './helpers';

const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const PC_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

let n = 0;
const key = (label: string) => `${label}${Date.now()}${++n}`;

/** The cashier shows the provider QR: the sandbox link opens the simulator as a scan would. */
async function viaQr(page: Page, shot: string) {
  await expect.poll(() => page.locator('#qr').isVisible()).toBe(true);
  await page.screenshot({ path: join(ARTIFACTS, `${shot}-cashier.png`), fullPage: true });
  await page.locator('#open-simulator').click();
}

/** The cashier sent the browser to the provider's page by itself (H5 redirect, UnionPay form). */
async function viaRedirect(page: Page, shot: string) {
  await page.waitForURL(/\/sandbox\/(wechat|unionpay)\/pay\//);
  void shot;
}

const CASES = [
  ['wechat', 'desktop', DESKTOP, PC_UA, '微信支付', viaQr, 'NATIVE'],
  ['wechat', 'phone', PHONE, PHONE_UA, '微信支付', viaRedirect, 'MWEB'],
  ['unionpay', 'desktop', DESKTOP, PC_UA, '银联在线支付', viaRedirect, 'front07'],
  ['unionpay', 'phone', PHONE, PHONE_UA, '银联在线支付', viaRedirect, 'front08'],
  ['qqpay', 'desktop', DESKTOP, PC_UA, 'QQ钱包', viaQr, 'NATIVE'],
  ['qqpay', 'phone', PHONE, PHONE_UA, 'QQ钱包', viaQr, 'NATIVE'],
] as const;

describe('cashier → provider simulator → paid → notify → return', () => {
  it.each(CASES)('%s on a %s', async (type, name, device, userAgent, brand, reach, api) => {
    const k = key(`${type}${name}`);
    const { app } = await sandboxShop(k);
    const order = await createOrder(app, '12.30', k, { type, subject: `Test ${type}` });
    expect(order).toMatchObject({ channel: type, type, realprice: '12.30' });
    const page = await browser.newPage({
      ...device,
      userAgent,
      locale: 'zh-CN',
      extraHTTPHeaders: { 'accept-language': 'zh-CN' },
    });
    await page.goto(order.pay_url);
    await reach(page, `channel-${type}-${name}`);
    // The simulator's payer page, in the provider's name.
    await page.waitForURL(/\/sandbox\/\w+\/pay\//);
    expect(await page.locator('header').textContent()).toContain(brand);
    expect(await page.locator('#amount').textContent()).toBe('¥12.30');
    expect(await page.locator('#trade-status').textContent()).toContain(api);
    await page.screenshot({ path: join(ARTIFACTS, `channel-${type}-${name}-payer.png`), fullPage: true });
    await page.locator('#pay').click();
    // Browser methods come back by themselves. A QR opened on this device (no phone to scan with)
    // shows that it is paid and a button back to the cashier, which then goes on to the shop.
    if (reach === viaQr) {
      await expect.poll(() => page.locator('#message').textContent()).toBe('支付成功 Paid');
      const back = page.locator('#back');
      expect(await back.isVisible()).toBe(true);
      expect(await back.textContent()).toBe('返回商户 Back to the merchant');
      expect(await back.getAttribute('href')).toBe(`${new URL(order.pay_url).pathname}?return=1`);
      await page.screenshot({ path: join(ARTIFACTS, `channel-${type}-${name}-paid.png`), fullPage: true });
      await back.click();
    }
    const returnUrl = `${merchantBase()}/page/${k}`;
    await page.waitForURL((u) => u.toString().startsWith(returnUrl), { timeout: 30_000 });
    const ret = Object.fromEntries(new URL(page.url()).searchParams);
    expect(ret).toMatchObject({ price: '12.30', type, order_id: String(order.order_id), out_order_id: k });
    expect(ret.sign).toBe(
      specSign([app.appkey, ret.price, ret.type, ret.product_id, ret.order_id, ret.out_order_id], app.appsecret),
    );
    const log = (await (await fetch(`${merchantBase()}/_log/${k}`)).json()) as { body: string }[];
    const notifies = log
      .map((l) => Object.fromEntries(new URLSearchParams(l.body)))
      .filter((f) => f.order_id === String(order.order_id));
    expect(notifies).toHaveLength(1);
    const f = notifies[0];
    expect(f).toMatchObject({ type, price: '12.30', realprice: '12.30', out_order_id: k });
    expect(f.sign).toBe(
      specSign(
        [app.appkey, f.order_id, f.out_order_id, f.price, f.realprice, f.type, f.paytime, f.extend],
        app.appsecret,
      ),
    );
    await page.screenshot({ path: join(ARTIFACTS, `channel-${type}-${name}-returned.png`), fullPage: true });
    await page.close();
  });
});

describe('the cashier of an official-channel order with a 64-character order number', () => {
  const PC_1366 = { viewport: { width: 1366, height: 768 } };
  it.each([
    ['PC', PC_1366, PC_UA],
    ['phone', PHONE, PHONE_UA],
  ] as const)(
    'keeps the time and the order number on one line each, with no horizontal scroll (%s)',
    async (name, device, userAgent) => {
      const k = key(`row${name}`);
      const outOrderId = `${k}-`.padEnd(64, 'SO.20261201|0007_');
      expect(outOrderId).toHaveLength(64);
      const { app } = await sandboxShop(k);
      const order = await createOrder(app, '12.30', outOrderId, { type: 'wechat', method: 'qr' });
      const page = await browser.newPage({ ...device, userAgent, locale: 'zh-CN' });
      await page.goto(order.pay_url);
      await expect.poll(() => page.locator('#qr').isVisible()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, `cashier-long-order-no-${name}.png`), fullPage: true });
      const m = await page.evaluate((id) => {
        // In the page (no DOM types here): the time's row, and the innermost element holding the order number.
        const w = globalThis as any;
        const measure = (el: any) => ({
          height: el.getBoundingClientRect().height,
          line: Number.parseFloat(w.getComputedStyle(el).lineHeight),
          right: el.getBoundingClientRect().right,
          text: el.textContent,
        });
        const countdown = w.document.getElementById('countdown');
        const number = [...w.document.querySelectorAll('#pay *')].find(
          (el: any) => el.children.length === 0 && el.textContent.includes(id),
        );
        return {
          time: measure(countdown.parentElement),
          countdown: measure(countdown),
          number: {
            ...measure(number),
            title: number.getAttribute('title'),
            select: w.getComputedStyle(number).userSelect,
          },
          card: w.document.querySelector('.card').getBoundingClientRect().right,
          scroll: w.document.documentElement.scrollWidth - w.innerWidth,
        };
      }, outOrderId);
      expect(m.time.height, 'the time row is one line').toBe(m.time.line);
      expect(m.countdown.height, 'the time is one line').toBe(m.countdown.line);
      expect(m.number.height, 'the order number is one line').toBe(m.number.line);
      expect(m.number.right).toBeLessThanOrEqual(m.card);
      // Cut for the eye, whole to copy: the full value is the element's text and its title, selected at a tap.
      expect(m.number.text).toBe(outOrderId);
      expect(m.number.title).toBe(outOrderId);
      expect(m.number.select).toBe('all');
      expect(m.scroll, 'no horizontal scroll').toBeLessThanOrEqual(0);
      await page.close();
    },
  );
});
