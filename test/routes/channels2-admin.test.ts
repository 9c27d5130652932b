/**
 * Channel configs of WeChat Pay, UnionPay and QQ Wallet (SPEC §11.1): keys and certificates
 * checked when saved (422 naming the field), secrets never answered, the notify URL shown, live
 * apps held to the providers' own hosts, and the check call against each simulator.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admin, ok } from '../helpers';
import { gw, keyPair, liveApp, zeroSetupApp } from '../channels/helpers';

const simKeys = async (ch: string) => (await (await SELF.fetch(gw(`/sandbox/${ch}/keys`))).json()) as any;

describe('PUT /apps/:appkey/channels/wechat', () => {
  it('at the simulator: the simulator`s key and id by default, secrets never shown, check accepted and verified', async () => {
    const { app } = await zeroSetupApp();
    const merchant = await keyPair();
    const res = await admin('PUT', `/apps/${app.appkey}/channels/wechat`, {
      mchid: '1900000109',
      appid: 'wxd678efh567hg6787',
      api_v3_key: 'Admin0Test0ApiV3Key0123456789abc',
      merchant_serial_no: '5157f09efdc096de15ebe81a47057a7232f1b8e1',
      merchant_private_key: merchant.pkcs8,
      base_url: gw('/sandbox/wechat'),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const sim = await simKeys('wechat');
    expect(res.body).toMatchObject({
      channel: 'wechat',
      mchid: '1900000109',
      merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      merchant_private_key: null,
      api_v3_key: null,
      wechatpay_public_key: sim.wechatpay_public_key,
      wechatpay_public_key_id: sim.wechatpay_public_key_id,
      notify_url: gw(`/channels/wechat/notify/${res.body.id}`),
      methods: ['qr', 'wap', 'jsapi', 'app'],
    });
    expect(JSON.stringify(res.body)).not.toContain('Admin0Test0ApiV3Key');
    expect(JSON.stringify(res.body)).not.toContain(merchant.pkcs8.slice(50, 90));
    const check = await ok('POST', `/apps/${app.appkey}/channels/wechat/check`, undefined, 200);
    expect(check).toMatchObject({
      accepted: true,
      response_verified: true,
      provider_code: 'ORDER_NOT_EXIST',
      hint: null,
    });
  });

  it.each([
    [{ api_v3_key: 'short' }, 'api_v3_key must be exactly 32 characters'],
    [{ merchant_private_key: 'not a key' }, 'merchant_private_key is neither PEM nor bare base64'],
    [
      { wechatpay_public_key_id: 'KEY_1' },
      'wechatpay_public_key_id: the id of the WeChat Pay public key, PUB_KEY_ID_…',
    ],
  ] as const)('%o → a clear error', async (over, message) => {
    const { app } = await zeroSetupApp();
    const res = await admin('PUT', `/apps/${app.appkey}/channels/wechat`, {
      mchid: '1900000109',
      appid: 'wxd678efh567hg6787',
      api_v3_key: 'Admin0Test0ApiV3Key0123456789abc',
      merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      merchant_private_key: (await keyPair()).pkcs8,
      base_url: gw('/sandbox/wechat'),
      ...over,
    });
    expect([400, 422]).toContain(res.status);
    expect(res.body.error.message).toContain(message);
  });

  it('the merchant`s own key as the WeChat Pay public key is refused; a live app must use WeChat Pay`s host', async () => {
    const { app } = await zeroSetupApp();
    const merchant = await keyPair();
    const own = await admin('PUT', `/apps/${app.appkey}/channels/wechat`, {
      mchid: '1900000109',
      appid: 'wx1',
      api_v3_key: 'Admin0Test0ApiV3Key0123456789abc',
      merchant_serial_no: 'ABCDEF0123',
      merchant_private_key: merchant.pkcs8,
      wechatpay_public_key: merchant.spki,
      wechatpay_public_key_id: 'PUB_KEY_ID_011',
    });
    expect(own).toMatchObject({
      status: 422,
      body: { error: { message: expect.stringMatching(/^wechatpay_public_key is the merchant's own public key/) } },
    });
    const live = await liveApp();
    const res = await admin('PUT', `/apps/${live.appkey}/channels/wechat`, {
      mchid: '1900000109',
      appid: 'wx1',
      api_v3_key: 'Admin0Test0ApiV3Key0123456789abc',
      merchant_serial_no: 'ABCDEF0123',
      merchant_private_key: merchant.pkcs8,
      wechatpay_public_key: (await keyPair()).spki,
      wechatpay_public_key_id: 'PUB_KEY_ID_011',
      base_url: gw('/sandbox/wechat'),
    });
    expect(res.body.error.message).toBe('base_url is the built-in simulator, which serves sandbox apps only');
  });
});

describe('PUT /apps/:appkey/channels/unionpay', () => {
  it('at the simulator: its root and middle by default; check accepted and the answer`s certificate chain verified', async () => {
    const { app } = await zeroSetupApp();
    const res = await ok(
      'PUT',
      `/apps/${app.appkey}/channels/unionpay`,
      {
        mer_id: '777290058110048',
        sign_key: (await keyPair()).pkcs8,
        sign_cert_id: '69629715588',
        base_url: gw('/sandbox/unionpay'),
      },
      201,
    );
    const sim = await simKeys('unionpay');
    expect(res).toMatchObject({
      mer_id: '777290058110048',
      sign_key: null,
      root_cert: sim.root_cert,
      middle_cert: sim.middle_cert,
      methods: ['page', 'wap', 'app'],
    });
    const check = await ok('POST', `/apps/${app.appkey}/channels/unionpay/check`, undefined, 200);
    expect(check).toMatchObject({ accepted: true, response_verified: true, provider_code: '34', hint: null });
  });

  it('PKCS#12 is refused saying how to convert; a middle certificate not issued by the root; a key as a certificate', async () => {
    const { app } = await zeroSetupApp();
    const base = {
      mer_id: '777290058110048',
      sign_key: (await keyPair()).pkcs8,
      sign_cert_id: '1',
      base_url: gw('/sandbox/unionpay'),
    };
    const p12 = await admin('PUT', `/apps/${app.appkey}/channels/unionpay`, {
      ...base,
      sign_cert_p12: 'MIIK',
      sign_cert_password: '000000',
    });
    expect(p12.status).toBe(422);
    expect(p12.body.error.message).toMatch(
      /^sign_cert_p12 is not supported: UnionPay's \.pfx files use legacy 3DES\/RC2/,
    );
    const sim = await simKeys('unionpay');
    const swapped = await admin('PUT', `/apps/${app.appkey}/channels/unionpay`, {
      ...base,
      root_cert: sim.middle_cert,
      middle_cert: sim.root_cert,
    });
    expect(swapped.status).toBe(422);
    expect(swapped.body.error.message).toMatch(/^middle_cert is issued by CN=huipay Sandbox UnionPay Root CA/);
    const key = await admin('PUT', `/apps/${app.appkey}/channels/unionpay`, {
      ...base,
      root_cert: `-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----`,
    });
    expect(key.body.error.message).toMatch(/^root_cert is a private key/);
  });
});

describe('PUT /apps/:appkey/channels/qqpay', () => {
  it('at the simulator: check accepted and verified, for each config of a merchant number', async () => {
    const { app } = await zeroSetupApp();
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/qqpay`,
      { mch_id: '1900000109', api_key: 'QqAdminApiKey0123456789abcdefghi', base_url: gw('/sandbox/qqpay') },
      201,
    );
    expect(await ok('POST', `/apps/${app.appkey}/channels/qqpay/check`, undefined, 200)).toMatchObject({
      accepted: true,
      response_verified: true,
      provider_code: 'ORDERNOTEXIST',
      hint: null,
    });
    // Another config of the same mch_id with another key: the simulator knows both, each is accepted.
    const other = await zeroSetupApp();
    const b = { mch_id: '1900000109', api_key: 'AnotherQqApiKey0123456789abcdefg', base_url: gw('/sandbox/qqpay') };
    await ok('PUT', `/apps/${other.app.appkey}/channels/qqpay`, b, 201);
    expect(await ok('POST', `/apps/${other.app.appkey}/channels/qqpay/check`, undefined, 200)).toMatchObject({
      accepted: true,
      response_verified: true,
    });
  });

  it('api_key is required and checked; a live app must use QQ Wallet`s host', async () => {
    const { app } = await zeroSetupApp();
    expect(
      (await admin('PUT', `/apps/${app.appkey}/channels/qqpay`, { mch_id: '1900000109' })).body.error.message,
    ).toMatch(/^api_key is required/);
    expect(
      (await admin('PUT', `/apps/${app.appkey}/channels/qqpay`, { mch_id: '1900000109', api_key: 'short' })).body.error
        .message,
    ).toMatch(/^api_key must be 8-64/);
    const live = await liveApp();
    const res = await admin('PUT', `/apps/${live.appkey}/channels/qqpay`, {
      mch_id: '1900000109',
      api_key: 'QqAdminApiKey0123456789abcdefghi',
      base_url: 'https://evil.example/qq',
    });
    expect(res.body.error.message).toBe(
      "base_url must be QQ Wallet's own API (https://qpay.qq.com) over https for a live app",
    );
  });
});
