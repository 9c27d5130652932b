/**
 * huipay's Alipay protocol against code no one here wrote (SPEC §11.7): the official Node SDK
 * (`alipay-sdk`, a devDependency) talks to the real local gateway under `wrangler dev`.
 *
 * - The SDK calls the simulator's gateway.do for precreate, query, refund, refund query and
 *   close: the simulator verifies the SDK's request signatures, the SDK verifies the simulator's
 *   answers (`validateSign`). Its browser requests (wap.pay URL, App order string) open the payer page.
 * - A notify signed with the SDK's own signing function is accepted by huipay's notify endpoint.
 * - huipay's App `pay_info` and its WAP and PC redirects verify with the SDK's verifier.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, prepareState, startGateway } from '../gateway-process';
import { adminClient, gatepayCreate } from './harness';

const ADMIN_TOKEN = 'sdk-admin-token';
const APP_ID = '2021000000000777';

let gw: Gateway;
let state: string;
let sdk: AlipaySdk;
let simulatorKey: string;
let shop: { appkey: string; appsecret: string; merchantId: number };
/** The app's key pair, PKCS#1 as many merchants still have it. */
const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appPrivatePkcs1 = appKeys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const appPublicSpki = appKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

let admin: ReturnType<typeof adminClient>;
const create = (
  app: { appkey: string; appsecret: string },
  price: string,
  outOrderId: string,
  extra: Record<string, string> = {},
) => gatepayCreate(gw.url, app, { type: 'alipay', price, out_order_id: outOrderId }, extra);

/** What a payer does on the simulator: open the page (a scan), press "pay". */
async function pay(pageUrl: string) {
  const res = await fetch(pageUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'action=pay',
  });
  expect([200, 302]).toContain(res.status);
}

async function opened(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status, await res.clone().text()).toBe(302);
  return new URL(res.headers.get('location')!, url).toString();
}

beforeAll(async () => {
  ({ state } = prepareState('huipay-sdk-', { ADMIN_TOKEN, MASTER_KEY: 'sdk-master-key-not-a-secret' }));
  const prepared = { state, envFile: join(state, 'test.env') };
  gw = await startGateway(prepared);
  admin = adminClient(gw.url, ADMIN_TOKEN);
  const merchant = await admin('POST', '/merchants', { name: 'SDK shop' });
  const app = await admin('POST', `/merchants/${merchant.id}/apps`, {
    name: 'sdk',
    mode: 'sandbox',
    notify_url: `${gw.url}/demo/notify`,
    return_url: `${gw.url}/demo/return`,
    pay_types: ['alipay'],
  });
  shop = { appkey: app.appkey, appsecret: app.appsecret, merchantId: merchant.id };
  const cfg = await admin('PUT', `/apps/${app.appkey}/channels/alipay`, {
    app_id: APP_ID,
    private_key: appPrivatePkcs1,
    gateway_url: `${gw.url}/sandbox/alipay/gateway.do`,
  });
  expect(cfg.app_public_key).toBe(appPublicSpki);
  simulatorKey = ((await (await fetch(`${gw.url}/sandbox/alipay/keys`)).json()) as any).alipay_public_key;
  sdk = new AlipaySdk({
    appId: APP_ID,
    privateKey: appPrivatePkcs1,
    alipayPublicKey: simulatorKey,
    gateway: `${gw.url}/sandbox/alipay/gateway.do`,
    camelcase: false,
    timeout: 15_000,
  });
});

afterAll(async () => {
  await gw?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe('the SDK against the simulator`s gateway.do (both sides verify signatures)', () => {
  it('precreate, query, pay, refund, refund query', async () => {
    const outTradeNo = `sdk${Date.now()}`;
    const pre = await sdk.exec(
      'alipay.trade.precreate',
      { bizContent: { out_trade_no: outTradeNo, total_amount: '0.01', subject: 'SDK 测试' } },
      { validateSign: true },
    );
    expect(pre).toMatchObject({ code: '10000', msg: 'Success', out_trade_no: outTradeNo });
    expect(pre.qr_code).toMatch(new RegExp(`^${gw.url}/sandbox/alipay/qr/[A-Za-z0-9]{24}$`));
    const before = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { out_trade_no: outTradeNo } },
      { validateSign: true },
    );
    expect(before).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
    const page = await opened(pre.qr_code);
    const waiting = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { out_trade_no: outTradeNo } },
      { validateSign: true },
    );
    expect(waiting).toMatchObject({ code: '10000', trade_status: 'WAIT_BUYER_PAY', total_amount: '0.01' });
    await pay(page);
    const paid = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { out_trade_no: outTradeNo } },
      { validateSign: true },
    );
    expect(paid).toMatchObject({ code: '10000', trade_status: 'TRADE_SUCCESS', total_amount: '0.01' });
    expect(paid.trade_no).toMatch(/^\d{28}$/);
    const refund = await sdk.exec(
      'alipay.trade.refund',
      { bizContent: { out_trade_no: outTradeNo, refund_amount: '0.01', out_request_no: 'r1' } },
      { validateSign: true },
    );
    expect(refund).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '0.01' });
    const rq = await sdk.exec(
      'alipay.trade.fastpay.refund.query',
      { bizContent: { out_trade_no: outTradeNo, out_request_no: 'r1' } },
      { validateSign: true },
    );
    expect(rq).toMatchObject({ code: '10000', refund_status: 'REFUND_SUCCESS', refund_amount: '0.01' });
  });

  it('close: a scanned unpaid trade closes; a paid one cannot', async () => {
    const outTradeNo = `sdkc${Date.now()}`;
    const pre = await sdk.exec('alipay.trade.precreate', {
      bizContent: { out_trade_no: outTradeNo, total_amount: '1.00', subject: 'c' },
    });
    await opened(pre.qr_code);
    const closed = await sdk.exec(
      'alipay.trade.close',
      { bizContent: { out_trade_no: outTradeNo } },
      { validateSign: true },
    );
    expect(closed).toMatchObject({ code: '10000', out_trade_no: outTradeNo });
    const q = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { out_trade_no: outTradeNo } },
      { validateSign: true },
    );
    expect(q.trade_status).toBe('TRADE_CLOSED');
    const other = `sdkp${Date.now()}`;
    const pre2 = await sdk.exec('alipay.trade.precreate', {
      bizContent: { out_trade_no: other, total_amount: '1.00', subject: 'p' },
    });
    await pay(await opened(pre2.qr_code));
    const refused = await sdk.exec(
      'alipay.trade.close',
      { bizContent: { out_trade_no: other } },
      { validateSign: true },
    );
    expect(refused).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
  });

  it('refuses a request signed with a key the app did not register, with a signed answer saying so', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const bad = new AlipaySdk({
      appId: APP_ID,
      privateKey: stranger,
      keyType: 'PKCS8',
      alipayPublicKey: simulatorKey,
      gateway: `${gw.url}/sandbox/alipay/gateway.do`,
      camelcase: false,
    });
    const r = await bad.exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } }, { validateSign: true });
    expect(r).toMatchObject({ code: '40002', sub_code: 'isv.invalid-signature' });
    expect(r.sub_msg).toContain('app_id=2021000000000777');
  });

  it("opens the SDK's wap.pay URL and App order string on the payer page", async () => {
    const wapUrl = sdk.pageExecute('alipay.trade.wap.pay', 'GET', {
      bizContent: {
        out_trade_no: `sdkw${Date.now()}`,
        total_amount: '2.00',
        subject: 'w',
        product_code: 'QUICK_WAP_WAY',
      },
      returnUrl: 'https://shop.example.com/return',
    });
    const page = await opened(wapUrl);
    expect(await (await fetch(page)).text()).toContain('¥2.00');
    const orderString = sdk.sdkExecute('alipay.trade.app.pay', {
      bizContent: {
        out_trade_no: `sdka${Date.now()}`,
        total_amount: '3.00',
        subject: 'a',
        product_code: 'QUICK_MSECURITY_PAY',
      },
    });
    expect(await (await fetch(await opened(`${gw.url}/sandbox/alipay/gateway.do?${orderString}`))).text()).toContain(
      '¥3.00',
    );
  });
});

describe('huipay`s signatures, checked by the SDK`s verifier', () => {
  /** The SDK configured to verify with the app's public key: what Alipay does with huipay's requests. */
  const verifier = () =>
    new AlipaySdk({ appId: APP_ID, privateKey: appPrivatePkcs1, alipayPublicKey: appPublicSpki, camelcase: false });

  it('the App pay_info', async () => {
    const o = await create(shop, '6.60', `app${Date.now()}`, { method: 'app' });
    const fields = Object.fromEntries(new URLSearchParams(o.pay_info));
    expect(fields.method).toBe('alipay.trade.app.pay');
    expect(verifier().checkNotifySignV2(fields)).toBe(true);
    expect(verifier().checkNotifySignV2({ ...fields, biz_content: fields.biz_content.replace('6.60', '0.01') })).toBe(
      false,
    );
  });

  it('the WAP redirect (a phone) and the PC page redirect', async () => {
    const o = await create(shop, '7.70', `wap${Date.now()}`);
    const phone = await fetch(o.pay_url, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Safari/537.36' },
    });
    const wap = Object.fromEntries(new URL(phone.headers.get('location')!).searchParams);
    expect(wap.method).toBe('alipay.trade.wap.pay');
    expect(verifier().checkNotifySignV2(wap)).toBe(true);
    const pc = await fetch(`${o.pay_url}/go/page`, { redirect: 'manual' });
    const page = Object.fromEntries(new URL(pc.headers.get('location')!).searchParams);
    expect(page.method).toBe('alipay.trade.page.pay');
    expect(verifier().checkNotifySignV2(page)).toBe(true);
  });
});

describe('a notify signed with the SDK`s signing code', () => {
  it('is accepted by huipay and pays the order; the same text with one fen more is refused', async () => {
    const { signatureV3 } = (await import(
      pathToFileURL(join(process.cwd(), 'node_modules', 'alipay-sdk', 'dist', 'esm', 'util.js')).href
    )) as { signatureV3: (text: string, privateKey: string) => string };
    // A second app whose config trusts "Alipay" = a key this test holds.
    const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = await admin('POST', `/merchants/${shop.merchantId}/apps`, {
      name: 'notified',
      mode: 'sandbox',
      notify_url: `${gw.url}/demo/notify`,
      return_url: `${gw.url}/demo/return`,
    });
    const cfg = await admin('PUT', `/apps/${app.appkey}/channels/alipay`, {
      app_id: '2021000000000888',
      private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
      alipay_public_key: alipayKeys.publicKey.export({ type: 'spki', format: 'pem' }),
      gateway_url: `${gw.url}/sandbox/alipay/gateway.do`,
    });
    const o = await create(app, '12.50', `nt${Date.now()}`, { method: 'wap' });
    const order = await admin('GET', `/orders/${o.order_id}`);
    const fields: Record<string, string> = {
      app_id: '2021000000000888',
      auth_app_id: '2021000000000888',
      charset: 'utf-8',
      gmt_payment: '2026-04-01 12:00:01',
      notify_id: `${Date.now()}`,
      notify_time: '2026-04-01 12:00:02',
      notify_type: 'trade_status_sync',
      out_trade_no: order.provider_trade_no,
      subject: '订单',
      total_amount: '12.50',
      trade_no: '2026040122001400000000000001',
      trade_status: 'TRADE_SUCCESS',
      version: '1.0',
    };
    const content = Object.keys(fields)
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&');
    const privatePem = alipayKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const sign = signatureV3(content, privatePem);
    expect(sign).toBe(createSign('RSA-SHA256').update(content, 'utf8').sign(privatePem, 'base64'));
    const post = (body: Record<string, string>) =>
      fetch(cfg.notify_url, { method: 'POST', body: new URLSearchParams(body) }).then((r) => r.text());
    expect(await post({ ...fields, total_amount: '12.51', sign, sign_type: 'RSA2' })).toBe('fail');
    expect(await post({ ...fields, sign, sign_type: 'RSA2' })).toBe('success');
    expect((await admin('GET', `/orders/${o.order_id}`)).status).toBe('paid');
  });
});
