/**
 * QQ Wallet's MD5 sign against a WeChat Pay v2 signer no one here wrote (SPEC §11.7): `tenpay`
 * (its `_getSign`, its xml2js builder and parser). tenpay checks the sign of the unified order
 * huipay sends and signs the answer huipay accepts; a notify tenpay builds is accepted by huipay;
 * a unified order tenpay signs is accepted by the QQ Wallet simulator and the simulator's notify
 * carries the sign tenpay computes; the App `pay_info` verifies as HMAC-SHA1 with node:crypto.
 */
import { createHmac } from 'node:crypto';
import Tenpay from 'tenpay';
import util from 'tenpay/lib/util.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorder, type Sandbox, startSandbox, until } from './harness';

const API_KEY = 'TenpayQqApiKey0123456789abcdefgh';
const APP_KEY = 'QqOpenAppKey0123456789';
let sb: Sandbox;
let provider: Awaited<ReturnType<typeof recorder>>;
let merchantNotify: Awaited<ReturnType<typeof recorder>>;
const signer = (mchid: string) => new Tenpay({ appid: '1104567890', mchid, partnerKey: API_KEY });

beforeAll(async () => {
  sb = await startSandbox('huipay-qqtenpay-');
  // A "QQ Wallet" whose answers tenpay signs.
  provider = await recorder((r) => {
    const m = r.body.match(/<mch_id><!\[CDATA\[(\d+)\]\]><\/mch_id>/)?.[1] ?? '';
    const ans: Record<string, string> = {
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      mch_id: m,
      nonce_str: 'tenpaynonce',
      trade_type: 'NATIVE',
      prepay_id: 'tp0000000000000001',
      code_url: 'https://qpay.qq.com/qr/tenpay01',
    };
    ans.sign = signer(m)._getSign(ans, 'MD5');
    return { status: 200, body: util.buildXML(ans), headers: { 'content-type': 'text/xml' } };
  });
  merchantNotify = await recorder(() => ({ status: 200, body: '<xml><return_code>SUCCESS</return_code></xml>' }));
});

afterAll(async () => {
  await provider?.close();
  await merchantNotify?.close();
  await sb?.stop();
});

async function configured(baseUrl: string) {
  const shop = await sb.app('https://shop.example/n');
  const mchId = `16${String(Date.now()).slice(-8)}`;
  const cfg = await sb.admin('PUT', `/apps/${shop.appkey}/channels/qqpay`, {
    mch_id: mchId,
    api_key: API_KEY,
    appid: '1104567890',
    app_key: APP_KEY,
    op_user_id: `${mchId}01`,
    op_user_passwd: '123456',
    base_url: baseUrl,
  });
  return { shop, cfg, mchId };
}

describe('QQ Wallet MD5 sign against tenpay', () => {
  it('tenpay computes the sign of the unified order huipay sends; huipay accepts the answer tenpay signs', async () => {
    const { shop, mchId } = await configured(provider.url);
    const order = await sb.create(shop, 'qqpay', '9.99', { method: 'qr' });
    expect(new URL(order.qrcode_url).searchParams.get('text')).toBe('https://qpay.qq.com/qr/tenpay01');
    const sent = provider.seen.at(-1)!;
    expect(sent.path).toBe('/cgi-bin/pay/qpay_unified_order.cgi');
    const fields = (await util.parseXML(sent.body)) as Record<string, string>;
    expect(fields).toMatchObject({ mch_id: mchId, trade_type: 'NATIVE', total_fee: '999', fee_type: 'CNY' });
    expect(fields.sign).toMatch(/^[0-9A-F]{32}$/);
    expect(fields.sign).toBe(signer(mchId)._getSign(fields, 'MD5'));
    expect(fields.sign).not.toBe(signer(mchId)._getSign({ ...fields, total_fee: '998' }, 'MD5'));
  });

  it('huipay accepts a notify tenpay builds and signs, answering exactly <xml><return_code>SUCCESS</return_code></xml>', async () => {
    const { shop, cfg, mchId } = await configured(provider.url);
    const order = await sb.create(shop, 'qqpay', '5.55');
    const row = await sb.admin('GET', `/orders/${order.order_id}`);
    const n: Record<string, string> = {
      appid: '1104567890',
      mch_id: mchId,
      nonce_str: util.generate(32),
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      bank_type: 'BALANCE',
      fee_type: 'CNY',
      total_fee: '555',
      cash_fee: '555',
      coupon_fee: '0',
      transaction_id: '1900000109201601010000000042',
      out_trade_no: row.provider_trade_no,
      time_end: '20260101120000',
      openid: 'A1B2C3D4E5F6',
    };
    n.sign = signer(mchId)._getSign(n, 'MD5');
    const post = (body: string) =>
      fetch(`${sb.gw.url}/channels/qqpay/notify/${cfg.id}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body,
      });
    const lower = await post(util.buildXML({ ...n, sign: n.sign.toLowerCase() }));
    expect(await lower.text()).toContain('<return_code><![CDATA[FAIL]]></return_code>');
    const res = await post(util.buildXML(n));
    expect(await res.text()).toBe('<xml><return_code>SUCCESS</return_code></xml>');
    expect(await sb.admin('GET', `/orders/${order.order_id}`)).toMatchObject({
      status: 'paid',
      provider_txn_id: '1900000109201601010000000042',
    });
  });

  it('the simulator accepts a unified order tenpay signs, and its notify carries the sign tenpay computes', async () => {
    const { mchId } = await configured(`${sb.gw.url}/sandbox/qqpay`);
    const req: Record<string, string> = {
      mch_id: mchId,
      nonce_str: util.generate(32),
      body: 'tenpay test',
      out_trade_no: `tp${Date.now()}`,
      fee_type: 'CNY',
      total_fee: '321',
      spbill_create_ip: '127.0.0.1',
      trade_type: 'NATIVE',
      notify_url: `${merchantNotify.url}/qq`,
    };
    req.sign = signer(mchId)._getSign(req, 'MD5');
    const res = await fetch(`${sb.gw.url}/sandbox/qqpay/cgi-bin/pay/qpay_unified_order.cgi`, {
      method: 'POST',
      body: util.buildXML(req),
    });
    const ans = (await util.parseXML(await res.text())) as Record<string, string>;
    expect(ans).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: mchId });
    expect(ans.sign).toBe(signer(mchId)._getSign(ans, 'MD5'));
    const scan = await fetch(ans.code_url, { redirect: 'manual' });
    await fetch(new URL(scan.headers.get('location')!, sb.gw.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=pay',
    });
    const got = await until('the notify', () => merchantNotify.seen.find((r) => r.path === '/qq'));
    const n = (await util.parseXML(got.body)) as Record<string, string>;
    expect(n).toMatchObject({
      mch_id: mchId,
      out_trade_no: req.out_trade_no,
      trade_state: 'SUCCESS',
      total_fee: '321',
    });
    expect(n.sign).toBe(signer(mchId)._getSign(n, 'MD5'));
  });

  it('the App pay_info is signed HMAC-SHA1 with the App key over appId, bargainorId, nonce, pubAcc, tokenId', async () => {
    const { shop, mchId } = await configured(`${sb.gw.url}/sandbox/qqpay`);
    const order = await sb.create(shop, 'qqpay', '1.01', { method: 'app' });
    const p = JSON.parse(order.pay_info);
    expect(p).toMatchObject({ appId: '1104567890', bargainorId: mchId, pubAcc: '', sigType: 'HMAC-SHA1' });
    const text = `appId=${p.appId}&bargainorId=${p.bargainorId}&nonce=${p.nonce}&pubAcc=${p.pubAcc}&tokenId=${p.tokenId}`;
    expect(p.sig).toBe(createHmac('sha1', `${APP_KEY}&`).update(text).digest('base64'));
  });
});
