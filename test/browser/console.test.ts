/**
 * The console walked as a user in real Chromium against the real gateway (SPEC §13): first run
 * with ADMIN_TOKEN, the operator creates a merchant, its user and recharges points; the merchant
 * signs in, creates an app and sessions, scans to go online (the agent simulator uses the monitor
 * config the page shows, read from its QR code) and is charged the fee, takes a sandbox payment,
 * filters transactions by each filter, opens the order and resends its notify, adds a webhook and
 * test-sends it, assigns an unmatched payment. Every page is screenshotted (phone and desktop) and
 * checked by axe-core in Chinese and English.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import jsQR from 'jsqr';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { untranslated } from '../zh-labels';
import { ARTIFACTS, DESKTOP, launch, PHONE } from './browser';
import { gateway, merchantBase } from './helpers';

const require = createRequire(import.meta.url);
const PASSWORD = 'walk-through-password-1';
const k = `walk${Date.now()}`;
let browser: Browser;
let op: BrowserContext;
let shop: BrowserContext;
let merchantId = 0;
/** Every page the walk visited, for the screenshot and accessibility pass. */
const visited = new Map<string, string>();

beforeAll(async () => {
  browser = await launch();
  op = await browser.newContext({
    ...DESKTOP,
    locale: 'zh-CN',
    extraHTTPHeaders: { 'accept-language': 'zh-CN,zh;q=0.9' },
  });
  shop = await browser.newContext({
    ...DESKTOP,
    locale: 'zh-CN',
    extraHTTPHeaders: { 'accept-language': 'zh-CN,zh;q=0.9' },
  });
});
afterAll(async () => {
  await browser?.close();
});

function agent(config: string, args: string[]) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, [join(process.cwd(), 'scripts/agent.mjs'), '--config', config, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

async function visit(page: Page, name: string, path: string) {
  await page.goto(`${gateway()}${path}`);
  visited.set(name, path);
}

const flash = (page: Page) => page.locator('.flash').first().textContent();

/** A new context signed in as the operator (who reaches every merchant's pages), in a language. */
async function asOperator(opts: BrowserContextOptions, lang: 'zh' | 'en' = 'zh', extra: BrowserContextOptions = {}) {
  const accept = lang === 'zh' ? 'zh-CN' : 'en-US';
  const ctx = await browser.newContext({
    ...opts,
    locale: accept,
    extraHTTPHeaders: { 'accept-language': accept },
    ...extra,
  });
  await ctx.addCookies((await op.cookies()).filter((c) => c.name === 'hp_console'));
  return ctx;
}

/**
 * The labels of a page that are not Chinese: every text node and every label attribute (button
 * values, placeholders, aria-label, title, alt, the phone layout's data-label) outside data —
 * identifiers (.mono), dumps (pre), form values and what the user typed ([translate=no]), the English switch.
 */
async function notChinese(page: Page): Promise<string[]> {
  const texts: string[] = await page.evaluate(() => {
    const doc = (globalThis as any).document;
    const DATA = 'script, style, pre, textarea, .mono, [translate="no"], [lang="en"]';
    const out: string[] = [];
    const walker = doc.createTreeWalker(doc.body, 4 /* text */);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (!n.parentElement.closest(DATA) && n.textContent.trim()) out.push(n.textContent.trim());
    for (const el of doc.body.querySelectorAll('[placeholder], [aria-label], [title], [alt], [data-label], input'))
      if (!el.closest(DATA)) {
        for (const a of ['placeholder', 'aria-label', 'title', 'alt', 'data-label'])
          if (el.getAttribute(a)) out.push(el.getAttribute(a));
        if (['submit', 'button', 'reset'].includes(el.type) && el.value) out.push(el.value);
      }
    return out;
  });
  return texts.filter((t) => untranslated(t).length > 0);
}

/** Reads the monitor config from the page's QR code (what a phone would scan) and checks it equals the text shown. */
async function scanMonitorQr(page: Page): Promise<string> {
  const png = PNG.sync.read(await page.locator('#monitor-qr').screenshot());
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(decoded?.data).toBe(await page.locator('#monitor-config').textContent());
  return decoded!.data;
}

describe('console walk-through', () => {
  it('first run: ADMIN_TOKEN, then the first operator', async () => {
    const page = await op.newPage();
    await visit(page, 'setup', '/console');
    expect(await page.locator('h1').textContent()).toBe('首次设置');
    expect(await notChinese(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'console-setup.png'), fullPage: true });
    await page.fill('#token', inject('adminToken'));
    await page.fill('#email', 'operator@walk.example');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL('**/console/operator');
    expect(await page.locator('h1').textContent()).toBe('商户管理');
    visited.set('operator-merchants', '/console/operator');
  });

  it('the operator creates a merchant and its user, and recharges points', async () => {
    const page = await op.newPage();
    await visit(page, 'operator-merchants', '/console/operator');
    await page.fill('#m-name', `Walk shop ${k}`);
    await page.click('form[action="/console/operator/merchants"] button');
    await page.waitForURL('**/console/operator/merchants/*');
    merchantId = Number(page.url().split('/').pop());
    visited.set('operator-merchant', `/console/operator/merchants/${merchantId}`);
    await page.fill('#u-email', `owner-${k}@walk.example`);
    await page.fill('#u-password', PASSWORD);
    await page.click(`form[action$="/users"] button`);
    expect(await flash(page)).toContain(`owner-${k}@walk.example`);
    await page.fill('#pt-delta', '500');
    await page.click(`form[action$="/points"] button`);
    expect(await flash(page)).toBe('完成，余额 500。');
    expect(await page.locator('#op-balance').textContent()).toBe('500');
    await page.screenshot({ path: join(ARTIFACTS, 'console-operator-merchant.png'), fullPage: true });
  });

  let appkey = '';
  let liveConfig = '';
  let sandboxConfig = '';

  it('the merchant signs in, creates a sandbox app (secret shown once) and a live and a sandbox session', async () => {
    const page = await shop.newPage();
    await visit(page, 'signin', '/console/signin');
    expect(await notChinese(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'console-signin.png') });
    await page.fill('#email', `owner-${k}@walk.example`);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`**/console/m/${merchantId}`);
    const base = `/console/m/${merchantId}`;
    visited.set('dashboard', base);
    await visit(page, 'apps', `${base}/apps`);
    await page.fill('#a-name', 'Walk web');
    await page.selectOption('#a-mode', 'sandbox');
    await page.fill('#a-sandbox_notify_url', `${merchantBase()}/success/${k}`);
    await page.fill('#a-return_url', `${merchantBase()}/page/${k}`);
    await page.click(`form[action="${base}/apps"] button[type=submit]`);
    appkey = (await page.locator('#appkey').textContent())!;
    expect(await page.locator('#appsecret').textContent()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await notChinese(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'console-app-secret.png'), fullPage: true });
    visited.set('app-edit', `${base}/apps/${appkey}`);

    await visit(page, 'sessions', `${base}/sessions`);
    await page.fill('#s-label', 'Live wallet');
    await page.fill('#s-qr', `https://qr.alipay.com/live-${k}`);
    await page.click(`form[action="${base}/sessions"] button`);
    liveConfig = await scanMonitorQr(page);
    expect(await page.locator('main p').first().textContent()).toContain('上码费 100 积分');
    expect(await notChinese(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'console-scan-to-go-online.png'), fullPage: true });

    await visit(page, 'sessions', `${base}/sessions`);
    await page.fill('#s-label', 'Sandbox wallet');
    await page.selectOption('#s-mode', 'sandbox');
    await page.fill('#s-qr', `https://qr.alipay.com/sandbox-${k}`);
    await page.click(`form[action="${base}/sessions"] button`);
    sandboxConfig = await scanMonitorQr(page);
  });

  it('scanning to go online: the agent uses the config the page showed; the live session is charged the fee once', async () => {
    const live = await agent(liveConfig, ['--once']);
    expect(live.out).toMatch(/session \d+ is online/);
    expect((await agent(sandboxConfig, ['--once'])).code).toBe(0);
    expect((await agent(liveConfig, ['--once'])).code).toBe(0);
    const page = await shop.newPage();
    const base = `/console/m/${merchantId}`;
    await visit(page, 'sessions', `${base}/sessions`);
    expect(await page.locator('tbody').first().locator('tr').count()).toBe(2);
    expect(await page.locator('tbody').first().textContent()).toContain('在线');
    await page.screenshot({ path: join(ARTIFACTS, 'console-sessions.png'), fullPage: true });
    await visit(page, 'points', `${base}/points`);
    expect(await page.locator('#balance').textContent()).toBe('400');
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('tbody tr').first().textContent()).toContain('上码费');
  });

  let orderId = 0;
  let refundedOrder = 0;

  it('takes a sandbox payment from the sandbox page through the cashier', async () => {
    const page = await shop.newPage();
    const base = `/console/m/${merchantId}`;
    await visit(page, 'sandbox', `${base}/sandbox`);
    await page.fill('#t-price', '12.34');
    await page.click(`form[action="${base}/sandbox"] button`);
    await page.waitForURL('**/pay/**');
    await page.locator('#simulate').click();
    await page.waitForURL(`${merchantBase()}/page/${k}?**`, { timeout: 15_000 });
    orderId = Number(new URL(page.url()).searchParams.get('order_id'));
    expect(orderId).toBeGreaterThan(0);
  });

  it('filters transactions by each filter', async () => {
    const page = await shop.newPage();
    const base = `/console/m/${merchantId}/orders`;
    const rows = async (query: string) => {
      await page.goto(`${gateway()}${base}${query}`);
      return page.locator('tbody tr a').allTextContents();
    };
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const hit = [`#${orderId}`];
    for (const q of [
      '?status=paid',
      '?type=alipay',
      '?channel=personal',
      '?mode=sandbox',
      '?range=today',
      '?range=7d',
      '?range=30d',
      '?range=60d',
      `?range=custom&from=${today}&to=${today}`,
      `?q=${orderId}`,
      '?q=console_test_*',
    ])
      expect(await rows(q), q).toEqual(hit);
    for (const q of [
      '?status=expired',
      '?type=wechat',
      '?channel=alipay',
      '?mode=live',
      '?q=nope',
      '?range=custom&from=2020-01-01&to=2020-01-02',
    ])
      expect(await rows(q), q).toEqual([]);
    // The form itself, as a person uses it.
    await page.goto(`${gateway()}${base}`);
    await page.selectOption('#f-status', 'paid');
    await page.selectOption('#f-range', '7d');
    await page.click('form.filters button[type=submit]');
    expect(page.url()).toContain('status=paid');
    expect(await page.locator('tbody tr a').allTextContents()).toEqual(hit);
    visited.set('transactions', `${base}?status=paid&range=7d`);
    await page.screenshot({ path: join(ARTIFACTS, 'console-transactions.png'), fullPage: true });
    const csv = await page.request.get(`${gateway()}${base}.csv?status=paid`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect((await csv.text()).split('\r\n')[1]).toContain(`"${orderId}"`);
  });

  it('opens the order and resends its notify', async () => {
    const page = await shop.newPage();
    await visit(page, 'order', `/console/m/${merchantId}/orders/${orderId}`);
    expect(await page.locator('.timeline').textContent()).toContain('异步通知');
    const before = (await (await fetch(`${merchantBase()}/_log/${k}`)).json()) as unknown[];
    await page.locator('.timeline form button').first().click();
    expect(await flash(page)).toBe('已重发，商户已确认。');
    const after = (await (await fetch(`${merchantBase()}/_log/${k}`)).json()) as unknown[];
    expect(after.length).toBe(before.length + 1);
    expect(await page.locator('button[aria-describedby=refund-why]').isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'console-order.png'), fullPage: true });
  });

  it('adds a webhook and test-sends it, showing the exact request and response', async () => {
    const page = await shop.newPage();
    const base = `/console/m/${merchantId}`;
    await visit(page, 'webhooks', `${base}/webhooks`);
    await page.fill('#w-url', `${merchantBase()}/ok200/wh-${k}`);
    await page.fill('#w-headers', 'X-Walk: yes');
    await page.click(`form[action="${base}/webhooks"] button[type=submit]`);
    expect(await flash(page)).toBe('Webhook 已添加。');
    await page.screenshot({ path: join(ARTIFACTS, 'console-webhooks.png'), fullPage: true });
    await page.locator('form[action$="/test"] button').first().click();
    const request = (await page.locator('#test-request').textContent())!;
    expect(request).toContain(`POST ${merchantBase()}/ok200/wh-${k}`);
    expect(request).toContain('x-walk: yes'.replace('x-walk', 'X-Walk'));
    expect(request).toMatch(/huipay-signature: t=\d+,v1=[0-9a-f]{64}/);
    expect(await page.locator('#test-response').textContent()).toBe('HTTP 200\n\nok');
    expect(await notChinese(page)).toEqual([]);
    const seen = (await (await fetch(`${merchantBase()}/_log/wh-${k}`)).json()) as {
      body: string;
      headers: Record<string, string>;
    }[];
    expect(seen).toHaveLength(1);
    expect(request.endsWith(seen[0].body)).toBe(true);
    expect(seen[0].headers['x-walk']).toBe('yes');
    await page.screenshot({ path: join(ARTIFACTS, 'console-webhook-test.png'), fullPage: true });
    const edit = await page.goto(`${gateway()}${base}/webhooks`);
    expect(edit?.ok()).toBe(true);
    const href = await page.locator('a.button.secondary[href*="/webhooks/"]').first().getAttribute('href');
    visited.set('webhook-edit', href!);
  });

  it('assigns an unmatched payment to a pending order', async () => {
    const page = await shop.newPage();
    const base = `/console/m/${merchantId}`;
    // A pending sandbox order (not paid), and a stray payment of another amount.
    await visit(page, 'sandbox', `${base}/sandbox`);
    await page.fill('#t-price', '5.00');
    await page.click(`form[action="${base}/sandbox"] button`);
    await page.waitForURL('**/pay/**');
    await page.goto(`${gateway()}${base}/orders?status=pending`);
    const pending = Number((await page.locator('tbody tr a').first().textContent())!.slice(1));
    const stray = await agent(sandboxConfig, ['--once', '--pay', '3.21']);
    expect(stray.out).toContain('matched no order');
    // The report reaches the inbox through the queue: on a loaded machine that takes seconds.
    await expect
      .poll(
        async () => {
          await page.goto(`${gateway()}${base}/inbox`);
          return page.locator('tbody tr input[name=order]').count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    visited.set('inbox', `${base}/inbox`);
    await page.screenshot({ path: join(ARTIFACTS, 'console-inbox.png'), fullPage: true });
    // The order as the merchant knows it: its own out_order_id.
    await page.fill(
      'tbody tr input[name=order]',
      (
        (await (
          await fetch(`${gateway()}/admin/v1/orders/${pending}`, {
            headers: { authorization: `Bearer ${inject('adminToken')}` },
          })
        ).json()) as { out_order_id: string }
      ).out_order_id,
    );
    await page.click('tbody tr button');
    await page.waitForURL(`**/orders/${pending}`);
    expect(await flash(page)).toBe('已补单，订单已支付。');
    expect(await page.locator('.badge.paid').count()).toBe(1);
  });

  it('refunds a paid sandbox channel order from its page, sets a routing and configures a channel', async () => {
    const page = await shop.newPage();
    const base = `/console/m/${merchantId}`;
    // A WeChat order: the sandbox has no WeChat session, so it goes to the built-in WeChat Pay simulator.
    await visit(page, 'sandbox', `${base}/sandbox`);
    await page.fill('#t-price', '8.00');
    await page.selectOption('#t-type', 'wechat');
    await page.click(`form[action="${base}/sandbox"] button`);
    await page.waitForURL('**/pay/**');
    await expect.poll(() => page.locator('#amount').textContent()).toBe('¥8.00');
    const png = PNG.sync.read(await page.locator('#qr').screenshot());
    const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    expect(qr).toMatch(new RegExp(`^${gateway()}/sandbox/wechat/qr/[A-Za-z0-9]+$`));
    const phone = await browser.newPage(PHONE);
    await phone.goto(qr!);
    await phone.locator('#pay').click();
    await expect.poll(() => phone.locator('#message').textContent()).toContain('Paid');
    await phone.close();

    await expect
      .poll(
        async () => {
          await page.goto(`${gateway()}${base}/orders?channel=wechat&status=paid`);
          return page.locator('tbody tr a').count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    const orderId = Number((await page.locator('tbody tr a').first().textContent())!.slice(1));
    await visit(page, 'order-refund', `${base}/orders/${orderId}`);
    expect(await page.locator('#r-amount').inputValue()).toBe('8.00');
    await page.fill('#r-amount', '3.00');
    await page.fill('#r-reason', '少发一件');
    await page.click(`form[action="${base}/orders/${orderId}/refunds"] button[type=submit]`);
    expect(await flash(page)).toBe('退款成功：¥3.00');
    const timeline = (await page.locator('.timeline').textContent())!;
    expect(timeline).toContain('申请退款 ¥3.00');
    expect(timeline).toContain('退款成功 ¥3.00');
    expect(timeline).toContain('少发一件');
    expect(await page.locator('#r-amount').inputValue()).toBe('5.00');
    await page.screenshot({ path: join(ARTIFACTS, 'console-order-refund.png'), fullPage: true });
    // The rest too: the order is refunded.
    await page.click(`form[action="${base}/orders/${orderId}/refunds"] button[type=submit]`);
    expect(await flash(page)).toBe('退款成功：¥5.00');
    expect(await page.locator('.facts .badge.refunded').textContent()).toBe('已退款');
    refundedOrder = orderId;

    // The app: QQ Wallet orders to personal sessions only, then the Alipay channel configured and checked.
    await visit(page, 'app-edit', `${base}/apps/${appkey}`);
    await page.selectOption('#a-routing-qqpay', 'personal');
    await page.click(`form[action="${base}/apps/${appkey}"] button[type=submit]`);
    expect(await flash(page)).toBe('应用已保存。');
    expect(await page.locator('#a-routing-qqpay').inputValue()).toBe('personal');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await page.fill('#c-alipay-app_id', '2021000000004242');
    await page.fill('#c-alipay-private_key', pem);
    await page.fill('#c-alipay-gateway_url', `${gateway()}/sandbox/alipay/gateway.do`);
    await page.click(`form[action="${base}/apps/${appkey}/channels/alipay"] button[type=submit]`);
    expect(await flash(page)).toBe('通道配置已保存。');
    const card = page.locator('#channel-alipay');
    expect(await card.locator('.notify-url').textContent()).toMatch(
      new RegExp(`^${gateway()}/channels/alipay/notify/\\d+$`),
    );
    expect(await page.content()).not.toContain(pem.split('\n')[2]);
    await card.locator('form[action$="/check"] button').click();
    expect(await flash(page)).toContain('服务商接受了签名');
    await page.screenshot({ path: join(ARTIFACTS, 'console-app-channels.png'), fullPage: true });
  });

  it('every page: screenshots on phone and desktop, no serious accessibility violations in Chinese and English', async () => {
    visited.set('rules', `/console/m/${merchantId}/rules`);
    visited.set('settings', `/console/m/${merchantId}/settings`);
    visited.set('account', '/console/account');
    const signedIn = ['setup', 'signin'];
    for (const lang of ['zh', 'en'] as const) {
      for (const [device, opts] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const ctx = await asOperator(opts, lang, { bypassCSP: true });
        const page = await ctx.newPage();
        for (const [name, path] of visited) {
          if (signedIn.includes(name)) continue;
          await page.goto(`${gateway()}${path}`);
          expect(await page.locator('html').getAttribute('lang'), `${name} ${lang}`).toBe(
            lang === 'zh' ? 'zh-CN' : 'en',
          );
          const box = await page.locator('main').boundingBox();
          expect(box!.width, `${name} fits ${device}`).toBeLessThanOrEqual(opts.viewport.width);
          await page.screenshot({ path: join(ARTIFACTS, `console-${name}-${device}-${lang}.png`), fullPage: true });
          if (lang === 'zh') expect(await notChinese(page), `${name} ${device}`).toEqual([]);
          if (device === 'phone') {
            await page.addScriptTag({ path: require.resolve('axe-core') });
            const result = await page.evaluate(async () =>
              (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }),
            );
            const serious = result.violations
              .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
              .map((v: any) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(' ')).join(', ')})`);
            expect(serious, `${name} ${lang}`).toEqual([]);
          }
        }
        await ctx.close();
      }
    }
  });

  it('lists on a phone (390 px): no badge wraps, the time is on screen, the page never scrolls sideways', async () => {
    const ctx = await asOperator(PHONE);
    const page = await ctx.newPage();
    const base = `/console/m/${merchantId}`;
    for (const path of [
      `${base}/orders`,
      `${base}/inbox`,
      `${base}/sessions`,
      `${base}/rules`,
      `${base}/webhooks`,
      `${base}/points`,
      `${base}/orders/${refundedOrder}`,
      '/console/operator',
    ]) {
      await page.goto(`${gateway()}${path}`);
      const layout = await page.evaluate(() => {
        const doc = (globalThis as any).document;
        const win = globalThis as any;
        const badges = [...doc.querySelectorAll('.badge')].map((b: any) => ({
          text: b.textContent,
          lines: b.getBoundingClientRect().height / Number.parseFloat(win.getComputedStyle(b).lineHeight),
        }));
        const times = [...doc.querySelectorAll('main time')].map((t: any) => t.getBoundingClientRect());
        return {
          scrollWidth: doc.scrollingElement.scrollWidth,
          wrapped: badges.filter((b) => b.lines >= 1.9).map((b) => b.text),
          badges: badges.length,
          times: times.length,
          offScreen: times.filter((r: any) => r.width === 0 || r.left < 0 || r.right > win.innerWidth).length,
        };
      });
      expect(layout.scrollWidth, path).toBeLessThanOrEqual(390);
      expect(layout.wrapped, path).toEqual([]);
      expect(layout.offScreen, path).toBe(0);
    }
    // The transactions list: every order's time shows, within the screen.
    await page.goto(`${gateway()}${base}/orders`);
    const rows = await page.locator('table.list tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < rows; i++) {
      const box = await page.locator('table.list tbody tr').nth(i).locator('time').boundingBox();
      expect(box, `row ${i}`).not.toBeNull();
      expect(box!.x + box!.width, `row ${i}`).toBeLessThanOrEqual(390);
    }
    await ctx.close();
  });

  it('Chinese screenshots of the transactions, the dashboard and an order, on a phone and a desktop', async () => {
    // A pending order besides the paid and refunded ones.
    const base = `/console/m/${merchantId}`;
    const shop = await asOperator(DESKTOP);
    const make = await shop.newPage();
    await make.goto(`${gateway()}${base}/sandbox`);
    await make.fill('#t-price', '66.00');
    await make.click(`form[action="${base}/sandbox"] button`);
    await make.waitForURL('**/pay/**');
    await shop.close();
    for (const [device, opts] of [
      ['phone', PHONE],
      ['desktop', { viewport: { width: 1366, height: 900 } }],
    ] as const) {
      const ctx = await asOperator(opts);
      const page = await ctx.newPage();
      for (const [name, path] of [
        ['transactions', `${base}/orders`],
        ['dashboard', base],
        ['order', `${base}/orders/${refundedOrder}`],
      ] as const) {
        await page.goto(`${gateway()}${path}`);
        expect(await notChinese(page), `${name} ${device}`).toEqual([]);
        await page.screenshot({ path: join(ARTIFACTS, `console-zh-${name}-${device}.png`), fullPage: true });
      }
      // The dashboard opened on the sandbox orders, and says so.
      await page.goto(`${gateway()}${base}`);
      expect(await page.locator('.switch a[aria-current=page]').textContent()).toMatch(/^沙箱（\d+ 笔）$/);
      await ctx.close();
    }
  });

  it('/docs renders the API reference offline, with no request leaving the machine', async () => {
    const page = await browser.newPage(DESKTOP);
    const outside: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol.startsWith('http')) outside.push(r.url());
    });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${gateway()}/docs`);
    await page.waitForTimeout(3000);
    await page.screenshot({ path: join(ARTIFACTS, 'docs.png') });
    await expect.poll(() => page.getByText('Create an order').first().isVisible(), { timeout: 30_000 }).toBe(true);
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });
});
