/**
 * The demo `npm start` sets up (scripts/lib/demo-setup.mjs), run against the real local gateway
 * under `wrangler dev`: its official-channels app sends every type to its simulator, and the
 * UnionPay simulator's payer page — reached as a PC's browser is, through the cashier and the
 * signed front-consume form — shows the name of the app the order belongs to, a name true for
 * UnionPay. A checkout made with the older demo ("Demo app (Alipay official)") is brought up to date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APP, type Demo, ensureDemo, OFFICIAL_APP } from '../../scripts/lib/demo-setup.mjs';
import { gatepayCreate, type Sandbox, startSandbox } from './harness';

const PC_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const htmlText = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e as 'amp']);

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox('huipay-demo-');
});
afterAll(async () => {
  await sb?.stop();
});

let n = 0;
const order = (app: Demo['official'], type: string) =>
  gatepayCreate(sb.gw.url, app, { type, price: '10.00', out_order_id: `demo-${type}-${Date.now()}-${++n}` });

/** The UnionPay simulator's payer page of an order, reached as a PC's browser: cashier → signed form → simulator. */
async function unionpayPayerPage(payUrl: string): Promise<string> {
  const cashier = await (await fetch(payUrl, { headers: { 'user-agent': PC_UA } })).text();
  const action = htmlText(cashier.match(/<form id="go" method="post" action="([^"]+)"/)![1]);
  const fields = [...cashier.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map(([, k, v]) => [
    k,
    htmlText(v),
  ]);
  const posted = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  expect(posted.status).toBe(302);
  return (await fetch(new URL(posted.headers.get('location')!, sb.gw.url))).text();
}

const subjectOf = (html: string) => htmlText(html.match(/<p class="subject" id="subject">([^<]*)<\/p>/)![1]);

describe('npm start`s demo', () => {
  let demo: Demo;

  it('the official-channels app takes every type through its simulator; UnionPay shows that app`s name', async () => {
    demo = await ensureDemo({ admin: sb.admin, base: sb.gw.url });
    const apps = (await sb.admin('GET', `/merchants/${demo.merchant_id}/apps`)).data;
    expect(apps.map((a: any) => a.name).sort()).toEqual([DEMO_APP, OFFICIAL_APP].sort());
    const official = apps.find((a: any) => a.appkey === demo.official.appkey);
    for (const type of ['alipay', 'wechat', 'qqpay', 'unionpay'])
      expect((await order(demo.official, type)).channel, type).toBe(type);

    const page = await unionpayPayerPage((await order(demo.official, 'unionpay')).pay_url);
    expect(page).toContain('银联在线支付');
    expect(subjectOf(page)).toBe(official.name);
    expect(subjectOf(page), 'a name true for UnionPay').not.toMatch(/alipay|支付宝|wechat|微信|qq/i);
    expect(official.name).toBe('Demo app (official channels)');
  });

  it('a checkout made with the older demo gets the app renamed and routed, with the same key and secret', async () => {
    await sb.admin('PATCH', `/apps/${demo.official.appkey}`, {
      name: 'Demo app (Alipay official)',
      routing: {
        wechat: 'official_then_personal',
        qqpay: 'official_then_personal',
        unionpay: 'official_then_personal',
      },
    });
    const again = await ensureDemo({ admin: sb.admin, base: sb.gw.url, saved: demo });
    expect(again).toEqual(demo);
    const app = await sb.admin('GET', `/apps/${demo.official.appkey}`);
    expect(app.name).toBe(OFFICIAL_APP);
    expect(app.routing).toEqual({ alipay: 'official', wechat: 'official', qqpay: 'official', unionpay: 'official' });
    const page = await unionpayPayerPage((await order(again.official, 'unionpay')).pay_url);
    expect(subjectOf(page)).toBe(OFFICIAL_APP);
  });
});
