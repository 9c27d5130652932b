/**
 * `/` and the introduction `/docs` opens with (the OpenAPI document's info.description): Chinese
 * by default, English by Accept-Language; the introduction's sign example recomputed here with
 * WebCrypto's MD5, not with huipay's signer. (In Chromium, links included: test/browser/home.test.ts.)
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, md5 } from '../helpers';

const home = async (headers: Record<string, string> = {}) => {
  const res = await SELF.fetch(`${BASE}/`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('vary')).toBe('Accept-Language');
  return res.text();
};

describe('/', () => {
  it.each([
    ['no Accept-Language', {}, 'zh-CN', 'huipay 聚合支付网关', '管理后台', '接口文档'],
    ['zh-CN', { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' }, 'zh-CN', 'huipay 聚合支付网关', '管理后台', '接口文档'],
    ['en-US', { 'accept-language': 'en-US,en;q=0.9' }, 'en', 'huipay payment gateway', 'Console', 'API reference'],
  ])(
    '%s: the page in its language, linking /console and /docs',
    async (_name, headers, lang, title, consoleText, docsText) => {
      const html = await home(headers);
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(`<h1>${title}</h1>`);
      expect(html).toContain(`<a href="/console" id="to-console"><strong>${consoleText}</strong>`);
      expect(html).toContain(`<a href="/docs" id="to-docs"><strong>${docsText}</strong>`);
    },
  );
});

describe('/docs introduction', () => {
  it('opens in Chinese, then English, and its sign example holds', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    const intro: string = doc.info.description;
    expect(intro.startsWith('huipay 是运行在 Cloudflare Workers 上的聚合支付网关。')).toBe(true);
    const english = intro.indexOf('Every public interface of huipay');
    expect(english).toBeGreaterThan(intro.indexOf('**管理接口**'));
    for (const words of [
      '/api/cloudpay/',
      '/admin/v1',
      'Authorization: Bearer <ADMIN_TOKEN>',
      '/console',
      '彩虹易支付',
      'V免签',
    ])
      expect(intro.slice(0, english), words).toContain(words);
    const field = (name: string) => intro.match(new RegExp(`${name}=(\\S+)`))![1];
    const [appkey, appsecret] = [intro.match(/appkey `(\w+)`/)![1], intro.match(/appsecret `(\w+)`/)![1]];
    const joined = appkey + field('price') + field('type') + field('out_order_id') + field('custom');
    expect(intro).toContain(`拼接串     ${joined}\n`);
    const inner = await md5(joined);
    expect(intro).toContain(`内层 md5   ${inner}\n`);
    expect(intro).toContain(`md5(${inner}${appsecret}) = ${await md5(inner + appsecret)}\n`);
  });
});
