/**
 * Chinese in the test browser's screenshots: the console's zh page draws CJK characters with a real
 * face (Noto Sans SC from npm), not the .notdef box that every missing character shares.
 */
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from './browser';
import { gateway } from './helpers';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** One character in the page's own font stack, large; its pixels and the faces Chromium drew it with. */
async function drawn(page: Page, ch: string) {
  await page.evaluate((c) => {
    const document = (globalThis as any).document;
    const span = document.createElement('span');
    span.id = 'glyph';
    span.style.cssText = 'font-size:64px;line-height:1;display:inline-block;padding:4px;background:#fff;color:#000';
    span.textContent = c;
    document.querySelector('#glyph')?.remove();
    document.querySelector('main')!.append(span);
  }, ch);
  const png = PNG.sync.read(await page.locator('#glyph').screenshot());
  const ink = png.data.filter((v, i) => i % 4 === 0 && v < 128).length;
  const cdp = await page.context().newCDPSession(page);
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#glyph' });
  await cdp.send('CSS.enable');
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return { pixels: png.data.toString('base64'), ink, faces: fonts.map((f) => f.familyName) };
}

describe('CJK font in the test browser', () => {
  it('a zh console page draws 已 and 付 with Noto Sans SC: two different glyphs, neither the missing-glyph box', async () => {
    const page = await browser.newPage({ extraHTTPHeaders: { 'accept-language': 'zh-CN' } });
    await page.goto(`${gateway()}/console/signin`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    const yi = await drawn(page, '已');
    const fu = await drawn(page, '付');
    // A private-use code point no font here has: what a missing glyph looks like.
    const missing = await drawn(page, '\u{10FFFD}');
    expect(yi.pixels).not.toBe(fu.pixels);
    expect(yi.pixels).not.toBe(missing.pixels);
    expect(fu.pixels).not.toBe(missing.pixels);
    expect(yi.ink).toBeGreaterThan(100);
    expect(fu.ink).toBeGreaterThan(100);
    expect(yi.faces).toEqual(['Noto Sans SC']);
    expect(fu.faces).toEqual(['Noto Sans SC']);
    await page.close();
  });
});
