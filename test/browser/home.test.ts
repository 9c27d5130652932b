/**
 * `/` and `/docs` in a real headless Chromium against the real gateway: the landing page speaks
 * Chinese by default and English by Accept-Language (SPEC §5, as the cashier) and leads to the
 * console and the API reference, whose introduction opens in Chinese with the English after it.
 * Text is asserted through the DOM (the test browser may lack CJK fonts).
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, DESKTOP, launch, PHONE } from './browser';
import { gateway } from './helpers';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('the landing page', () => {
  it.each([
    {
      lang: 'zh-CN',
      accept: 'zh-CN,zh;q=0.9',
      title: 'huipay 聚合支付网关',
      consoleText: '管理后台',
      docsText: '接口文档',
    },
    {
      lang: 'en',
      accept: 'en-US,en;q=0.9,zh;q=0.5',
      title: 'huipay payment gateway',
      consoleText: 'Console',
      docsText: 'API reference',
    },
  ])(
    '$lang by Accept-Language $accept, with links to /console and /docs',
    async ({ lang, accept, title, consoleText, docsText }) => {
      const page = await browser.newPage({ ...PHONE, extraHTTPHeaders: { 'accept-language': accept } });
      const res = await page.goto(`${gateway()}/`);
      expect(res!.headers().vary).toBe('Accept-Language');
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await page.locator('h1').textContent()).toBe(title);
      expect(await page.title()).toBe(title);
      const toConsole = page.locator('#to-console');
      expect(await toConsole.getAttribute('href')).toBe('/console');
      expect(await toConsole.locator('strong').textContent()).toBe(consoleText);
      expect(await page.locator('#to-docs strong').textContent()).toBe(docsText);
      const scroll = await page.evaluate(() => {
        const d = (globalThis as any).document.documentElement;
        return d.scrollWidth - d.clientWidth;
      });
      expect(scroll, 'no horizontal scroll on a phone').toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, `home-${lang}.png`), fullPage: true });
      await toConsole.click();
      await page.waitForURL(`${gateway()}/console**`);
      await page.close();
    },
  );

  it('leads to /docs, whose introduction is in Chinese first, then English', async () => {
    const page = await browser.newPage({ ...DESKTOP, extraHTTPHeaders: { 'accept-language': 'zh-CN' } });
    await page.goto(`${gateway()}/`);
    await page.locator('#to-docs').click();
    await page.waitForURL(`${gateway()}/docs`);
    const zh = page.getByText('huipay 是运行在 Cloudflare Workers 上的聚合支付网关。本文档列出它的全部公开接口。');
    await zh.waitFor({ timeout: 30_000 });
    const en = page.getByText('Every public interface of huipay:', { exact: false }).first();
    expect(await en.isVisible()).toBe(true);
    const [zhBox, enBox] = [await zh.boundingBox(), await en.boundingBox()];
    expect(zhBox!.y, 'the Chinese introduction comes first').toBeLessThan(enBox!.y);
    expect(await page.getByText('99735d2b550a3c0083694db41a90a2df').first().isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'docs-intro.png') });
    await page.close();
  });
});
