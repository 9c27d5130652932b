/** Every HTML answer, whoever renders it, refuses framing and type sniffing; other answers are left as they are. */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, gatepay, setupMerchant, signedCreate, uniqueKey } from '../helpers';

let cashier: string;

beforeAll(async () => {
  const m = await setupMerchant({ sessions: 1 });
  const o = await gatepay('create', await signedCreate(m.app, { price: '2.22', out_order_id: uniqueKey('hdr') }));
  cashier = new URL(o.data.pay_url).pathname;
});

const get = (path: string) => SELF.fetch(`${BASE}${path}`, { redirect: 'manual' });

describe('HTML security headers', () => {
  it.each<[string, () => string, number]>([
    ['the home page', () => '/', 200],
    ['the API reference', () => '/docs', 200],
    ['the console (first run)', () => '/console', 200],
    ['a cashier page', () => cashier, 200],
    ['a console page of an unknown invite', () => `/console/invite/${'a'.repeat(32)}`, 404],
    ['an epay submit refused', () => '/submit.php?pid=1', 400],
    ['a simulator page of an unknown trade', () => `/sandbox/wechat/pay/${'x'.repeat(20)}`, 404],
    ['the demo return page', () => '/demo/return', 200],
  ])('%s sends X-Frame-Options: DENY and X-Content-Type-Options: nosniff', async (_, path, status) => {
    const res = await get(path());
    await res.body?.cancel();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a JSON or text answer gets no X-Frame-Options', async () => {
    for (const path of ['/healthz', '/openapi.json', '/admin/v1/merchants']) {
      const res = await get(path);
      await res.body?.cancel();
      expect(res.headers.get('content-type'), path).not.toMatch(/html/);
      expect(res.headers.get('x-frame-options'), path).toBeNull();
    }
  });
});
