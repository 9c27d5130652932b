/**
 * epay's browser flow in a real headless Chromium against the real gateway (SPEC §12.1): v2board's
 * link without `type` → the type picker (the cashier's look, no serious accessibility violations)
 * → the cashier → simulate → the merchant's return URL with epay's signed fields.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launch, PHONE } from './browser';
import { gateway, merchantBase, sandboxShop } from './helpers';

const require = createRequire(import.meta.url);
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
/** PHP urlencode, as http_build_query writes values (v2board app/Payments/EPay.php builds its link with it). */
const phpUrlencode = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
const query = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([k, v]) => `${phpUrlencode(k)}=${phpUrlencode(v)}`)
    .join('&');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('epay in the browser', () => {
  it('v2board link → pick Alipay → cashier → simulate → back at the shop with the signed fields', async () => {
    const k = `epay${Date.now()}`;
    const { app } = await sandboxShop(k);
    // v2board's pay(): money = total_amount / 100, ksorted, signed over the urldecoded query, no type.
    const params: Record<string, string> = {
      money: '15.5',
      name: k,
      notify_url: `${merchantBase()}/success/${k}`,
      out_trade_no: k,
      pid: String(app.epay_pid),
      return_url: `${merchantBase()}/page/${k}`,
    };
    const sign = md5(
      Object.entries(params)
        .map(([key, v]) => `${key}=${v}`)
        .join('&') + app.appsecret,
    );
    const link = `${gateway()}/submit.php?${query({ ...params, sign, sign_type: 'MD5' })}`;

    const page = await browser.newPage({ ...PHONE, locale: 'zh-CN', bypassCSP: true });
    await page.goto(link);
    expect(await page.locator('h1').textContent()).toBe('选择支付方式');
    expect(await page.locator('#amount').textContent()).toBe('¥15.5');
    await page.addScriptTag({ path: require.resolve('axe-core') });
    const result = await page.evaluate(async () =>
      (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }),
    );
    expect(
      result.violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => v.id),
    ).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'epay-picker.png'), fullPage: true });

    await page.getByRole('button', { name: '支付宝' }).click();
    await page.waitForURL(`${gateway()}/pay/**`);
    expect(await page.locator('h1').textContent()).toBe('收银台');
    expect(await page.locator('#amount').textContent()).toBe('¥15.50');
    await page.locator('#simulate').click();
    await page.waitForURL(`${merchantBase()}/page/${k}?**`, { timeout: 15_000 });
    const q = Object.fromEntries(new URL(page.url()).searchParams);
    expect(q).toMatchObject({
      pid: String(app.epay_pid),
      out_trade_no: k,
      type: 'alipay',
      name: k,
      money: '15.5',
      trade_status: 'TRADE_SUCCESS',
      sign_type: 'MD5',
    });
    const { sign: got, sign_type: _, ...fields } = q;
    const text = Object.keys(fields)
      .sort()
      .map((key) => `${key}=${fields[key]}`)
      .join('&');
    expect(got).toBe(md5(text + app.appsecret));
    await page.close();
  });
});
