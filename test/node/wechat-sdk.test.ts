/**
 * WeChat Pay v3 against code no one here wrote (SPEC §11.7): the `wechatpay-axios-plugin` SDK
 * (its request signer, response verifier, AES-256-GCM and RSA helpers) talks to the real gateway
 * under `wrangler dev`: its signed requests are accepted by the WeChat simulator and the
 * simulator's signed answers pass its verifier; the simulator's notify verifies and decrypts with
 * it; a notify it builds is accepted by huipay; huipay's JSAPI and App parameters verify with it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { type Received, recorder, type Sandbox, startSandbox, until } from './harness';

const API_V3_KEY = 'Sdk0Test0ApiV3Key0123456789abcde';
const SERIAL = '3775B6A45ACD588826D15E583A95F5DD2BDAE0D2';
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchantPem = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
let sb: Sandbox;
let notifies: Awaited<ReturnType<typeof recorder>>;
let sim: { wechatpay_public_key: string; wechatpay_public_key_id: string; base_url: string };
let app: { appkey: string; appsecret: string; merchantId: number };
let mchid: string;

beforeAll(async () => {
  sb = await startSandbox('huipay-wxsdk-');
  notifies = await recorder(() => ({ status: 204, body: '' }));
  sim = (await (await fetch(`${sb.gw.url}/sandbox/wechat/keys`)).json()) as typeof sim;
  app = await sb.app('https://shop.example/notify');
  mchid = `19${String(Date.now()).slice(-8)}`;
  await sb.admin('PUT', `/apps/${app.appkey}/channels/wechat`, {
    mchid,
    appid: 'wxd678efh567hg6787',
    api_v3_key: API_V3_KEY,
    merchant_serial_no: SERIAL,
    merchant_private_key: merchantPem,
    base_url: `${sb.gw.url}/sandbox/wechat`,
  });
});

afterAll(async () => {
  await notifies?.close();
  await sb?.stop();
});

const sdk = () =>
  new Wechatpay({
    mchid,
    serial: SERIAL,
    privateKey: merchantPem,
    certs: { [sim.wechatpay_public_key_id]: sim.wechatpay_public_key },
    baseURL: `${sb.gw.url}/sandbox/wechat/`,
  } as any) as any;

describe('the SDK against the WeChat simulator', () => {
  it('a Native order, its query and close: signed by the SDK, accepted; the signed answers pass the SDK`s verifier', async () => {
    const outTradeNo = `sdk${Date.now()}`;
    const made = await sdk().v3.pay.transactions.native.post({
      appid: 'wxd678efh567hg6787',
      mchid,
      description: 'SDK test',
      out_trade_no: outTradeNo,
      notify_url: `${notifies.url}/wx`,
      amount: { total: 101, currency: 'CNY' },
    });
    expect(made.status).toBe(200);
    expect(made.data.code_url).toMatch(/\/sandbox\/wechat\/qr\//);
    const q = await sdk().v3.pay.transactions.outTradeNo[outTradeNo].get({ params: { mchid } });
    expect(q.data).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'NOTPAY', amount: { total: 101 } });
    const closed = await sdk().v3.pay.transactions.outTradeNo[outTradeNo].close.post({ mchid });
    expect(closed.status).toBe(204);
  });

  it('a request signed with another key is refused with SIGN_ERROR', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const wrong = new Wechatpay({
      mchid,
      serial: SERIAL,
      privateKey: other,
      certs: { [sim.wechatpay_public_key_id]: sim.wechatpay_public_key },
      baseURL: `${sb.gw.url}/sandbox/wechat/`,
    } as any) as any;
    const err = await wrong.v3.pay.transactions.outTradeNo.x123456.get({ params: { mchid } }).catch((e: any) => e);
    expect(err.response.status).toBe(401);
    expect(err.response.data.code).toBe('SIGN_ERROR');
  });

  it('the simulator`s notify verifies with the SDK (WeChat Pay public key) and decrypts with its AES-256-GCM', async () => {
    const outTradeNo = `sdkn${Date.now()}`;
    const made = await sdk().v3.pay.transactions.native.post({
      appid: 'wxd678efh567hg6787',
      mchid,
      description: 'notify test',
      out_trade_no: outTradeNo,
      notify_url: `${notifies.url}/wx/${outTradeNo}`,
      amount: { total: 202, currency: 'CNY' },
    });
    const scan = await fetch(made.data.code_url, { redirect: 'manual' });
    const page = new URL(scan.headers.get('location')!, sb.gw.url).toString();
    await fetch(page, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=pay',
    });
    const n: Received = await until('the notify', () => notifies.seen.find((r) => r.path === `/wx/${outTradeNo}`));
    const h = n.headers as Record<string, string>;
    expect(h['wechatpay-serial']).toBe(sim.wechatpay_public_key_id);
    expect(
      Rsa.verify(
        Formatter.response(h['wechatpay-timestamp'], h['wechatpay-nonce'], n.body),
        h['wechatpay-signature'],
        Rsa.from(sim.wechatpay_public_key, Rsa.KEY_TYPE_PUBLIC),
      ),
    ).toBe(true);
    const { resource, event_type } = JSON.parse(n.body);
    expect(event_type).toBe('TRANSACTION.SUCCESS');
    const txn = JSON.parse(
      Aes.AesGcm.decrypt(resource.ciphertext, API_V3_KEY, resource.nonce, resource.associated_data),
    );
    expect(txn).toMatchObject({ mchid, out_trade_no: outTradeNo, trade_state: 'SUCCESS', amount: { total: 202 } });
    expect(txn.success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  });
});

describe('huipay against the SDK', () => {
  it('accepts a notify the SDK built (AES-256-GCM resource, RSA-signed headers) and marks the order paid', async () => {
    const wxKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = 'PUB_KEY_ID_0114232134912410000000000000000042';
    const shop = await sb.app('https://shop.example/notify2');
    const cfg = await sb.admin('PUT', `/apps/${shop.appkey}/channels/wechat`, {
      mchid: '1900000109',
      appid: 'wxd678efh567hg6787',
      api_v3_key: API_V3_KEY,
      merchant_serial_no: SERIAL,
      merchant_private_key: merchantPem,
      wechatpay_public_key: wxKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      wechatpay_public_key_id: keyId,
      base_url: `${sb.gw.url}/sandbox/wechat`,
    });
    const order = await sb.create(shop, 'wechat', '3.03', { method: 'wap' });
    const row = await sb.admin('GET', `/orders/${order.order_id}`);
    const txn = JSON.stringify({
      appid: 'wxd678efh567hg6787',
      mchid: '1900000109',
      out_trade_no: row.provider_trade_no,
      transaction_id: '4200000000202601010000000042',
      trade_type: 'MWEB',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'CMC',
      attach: '',
      success_time: '2026-01-01T12:00:00+08:00',
      payer: { openid: 'oSdkPayer' },
      amount: { total: 303, payer_total: 303, currency: 'CNY', payer_currency: 'CNY' },
    });
    const nonce = Formatter.nonce(12);
    const body = JSON.stringify({
      id: 'EV-sdk-1',
      create_time: '2026-01-01T12:00:01+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: Aes.AesGcm.encrypt(txn, API_V3_KEY, nonce, 'transaction'),
        associated_data: 'transaction',
        nonce,
      },
    });
    const ts = String(Formatter.timestamp());
    const hn = Formatter.nonce();
    const signature = Rsa.sign(Formatter.response(ts, hn, body), wxKey.privateKey);
    const res = await fetch(`${sb.gw.url}/channels/wechat/notify/${cfg.id}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': hn,
        'wechatpay-signature': signature,
        'wechatpay-serial': keyId,
      },
      body,
    });
    expect(res.status).toBe(204);
    expect(await sb.admin('GET', `/orders/${order.order_id}`)).toMatchObject({
      status: 'paid',
      provider_txn_id: '4200000000202601010000000042',
    });
  });

  it('JSAPI and App parameters huipay signs verify with the SDK over its line-feed joined fields', async () => {
    const merchantPublic = merchant.publicKey;
    const j = await sb.create(app, 'wechat', '1.11', { method: 'jsapi', openid: 'oSdkOpenid' });
    const p = JSON.parse(j.pay_info);
    expect(
      Rsa.verify(Formatter.joinedByLineFeed(p.appId, p.timeStamp, p.nonceStr, p.package), p.paySign, merchantPublic),
    ).toBe(true);
    const a = await sb.create(app, 'wechat', '2.22', { method: 'app' });
    const q = JSON.parse(a.pay_info);
    expect(q).toMatchObject({ appid: 'wxd678efh567hg6787', partnerid: mchid, package: 'Sign=WXPay' });
    expect(
      Rsa.verify(Formatter.joinedByLineFeed(q.appid, q.timestamp, q.noncestr, q.prepayid), q.sign, merchantPublic),
    ).toBe(true);
    expect(
      Rsa.verify(
        Formatter.joinedByLineFeed(q.appid, q.timestamp, q.noncestr, `${q.prepayid}x`),
        q.sign,
        merchantPublic,
      ),
    ).toBe(false);
  });
});
