/** The channel config API (SPEC §11.1): keys checked on save, secrets never answered, the provider check. */
import { describe, expect, it } from 'vitest';
import { admin, ok } from '../helpers';
import { gw, keyPair, zeroSetupApp } from '../channels/helpers';
import ecPkcs8 from '../fixtures/rsa/ec-pkcs8-private.pem?raw';
import pkcs1Private from '../fixtures/rsa/pkcs1-private.pem?raw';
import pkcs8Private from '../fixtures/rsa/pkcs8-private.pem?raw';
import spkiPublic from '../fixtures/rsa/spki-public.pem?raw';
import faultPublic from '../fixtures/rsa/fault-alipay-public.pem?raw';

const body = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
const SIMULATOR = gw('/sandbox/alipay/gateway.do');

async function liveApp() {
  const m = await ok('POST', '/merchants', { name: 'Live shop' });
  return ok('POST', `/merchants/${m.id}/apps`, {
    name: 'live',
    mode: 'live',
    notify_url: 'https://shop.example.com/n',
  });
}

describe('PUT /apps/:appkey/channels/alipay', () => {
  it('accepts a PKCS#1 private key, shows fingerprints and the notify URL, never the key', async () => {
    const { app } = await zeroSetupApp();
    const alipayKey = await keyPair();
    const res = await admin('PUT', `/apps/${app.appkey}/channels/alipay`, {
      app_id: '2021000000000001',
      private_key: pkcs1Private,
      alipay_public_key: alipayKey.spki,
      gateway_url: SIMULATOR,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      appkey: app.appkey,
      channel: 'alipay',
      mode: 'sandbox',
      enabled: true,
      methods: ['qr', 'wap', 'page', 'app'],
      implicit: false,
      app_id: '2021000000000001',
      gateway_url: SIMULATOR,
      private_key: null,
      private_key_fingerprint: 'sha256:184bb369f083bf71fe63f59d7493d5c5851a13bd38db90dc3657845b80b336a7',
      app_public_key: body(spkiPublic),
      alipay_public_key: alipayKey.spki,
    });
    expect(res.body.notify_url).toBe(gw(`/channels/alipay/notify/${res.body.id}`));
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(body(pkcs8Private).slice(40, 80));
    expect(text).not.toContain('PRIVATE KEY');
    expect((await admin('GET', `/apps/${app.appkey}/channels/alipay`)).body).toEqual(res.body);
    expect((await admin('GET', `/apps/${app.appkey}/channels`)).body.data).toEqual([res.body]);
  });

  it('replaces a config keeping the stored private key when it is omitted; PKCS#8 and bare base64 too', async () => {
    const { app } = await zeroSetupApp();
    const first = await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000002',
        private_key: body(pkcs8Private),
        gateway_url: SIMULATOR,
      },
      201,
    );
    const again = await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000003',
        gateway_url: SIMULATOR,
        methods: ['qr', 'qr', 'wap'],
        enabled: false,
      },
      200,
    );
    expect(again).toMatchObject({ id: first.id, app_id: '2021000000000003', methods: ['qr', 'wap'], enabled: false });
    expect(again.private_key_fingerprint).toBe(first.private_key_fingerprint);
    const sim = (await (await fetchSim('/sandbox/alipay/keys')).json()) as any;
    expect(again.alipay_public_key).toBe(sim.alipay_public_key);
  });

  it.each([
    [{ private_key: '-----BEGIN RSA PRIVATE KEY-----\nMIIE' }, 'private_key is not a well-formed PEM block'],
    [{ private_key: ecPkcs8 }, 'private_key is an EC key'],
    [{ private_key: spkiPublic }, 'private_key is a public key'],
    [{ alipay_public_key: ecPkcs8 }, 'alipay_public_key is a private key'],
    [{ alipay_public_key: 'bm90IGEga2V5' }, 'alipay_public_key is not an RSA public key'],
    [{ alipay_public_key: spkiPublic }, "alipay_public_key is the app's own public key"],
    [{ private_key: undefined }, 'private_key is required'],
    [{ alipay_public_key: undefined }, 'alipay_public_key is required'],
    [{ gateway_url: 'ftp://openapi.alipay.com/gateway.do' }, 'gateway_url must be an absolute http(s) URL'],
  ])('refuses %o with 422 naming the field', async (change, message) => {
    const { app } = await zeroSetupApp();
    const res = await admin('PUT', `/apps/${app.appkey}/channels/alipay`, {
      app_id: '2021000000000004',
      private_key: pkcs1Private,
      alipay_public_key: (await keyPair()).spki,
      gateway_url: 'https://openapi.alipay.com/gateway.do',
      ...change,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain(message);
    expect((await admin('GET', `/apps/${app.appkey}/channels/alipay`)).status).toBe(404);
  });

  it.each([
    ['http://openapi.alipay.com/gateway.do'],
    ['https://openapi.alipay.com.evil.example/gateway.do'],
    ['https://127.0.0.1/gateway.do'],
    [SIMULATOR],
  ])('a live app may use only Alipay`s https gateway, not %s', async (url) => {
    const app = await liveApp();
    const res = await admin('PUT', `/apps/${app.appkey}/channels/alipay`, {
      app_id: '2021000000000005',
      private_key: pkcs1Private,
      alipay_public_key: (await keyPair()).spki,
      gateway_url: url,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^gateway_url /);
  });

  it('accepts Alipay`s gateway for a live app, by default', async () => {
    const app = await liveApp();
    const res = await admin('PUT', `/apps/${app.appkey}/channels/alipay`, {
      app_id: '2021000000000006',
      private_key: pkcs1Private,
      alipay_public_key: (await keyPair()).spki,
    });
    expect(res.status).toBe(201);
    expect(res.body.gateway_url).toBe('https://openapi.alipay.com/gateway.do');
  });

  it('refuses unknown fields, unknown channels and methods the channel does not offer', async () => {
    const { app } = await zeroSetupApp();
    const base = { app_id: '2021000000000007', private_key: pkcs1Private, gateway_url: SIMULATOR };
    expect((await admin('PUT', `/apps/${app.appkey}/channels/alipay`, { ...base, api_key: 'x' })).status).toBe(400);
    expect(
      (await admin('PUT', `/apps/${app.appkey}/channels/alipay`, { ...base, methods: ['jsapi'] })).body.error.message,
    ).toBe('methods: jsapi not offered by alipay (it has qr, wap, page, app)');
    expect((await admin('PUT', `/apps/${app.appkey}/channels/paypal`, base)).status).toBe(404);
    expect((await admin('PUT', `/apps/nope/channels/alipay`, base)).status).toBe(404);
  });
});

async function fetchSim(path: string) {
  const { SELF } = await import('cloudflare:test');
  return SELF.fetch(gw(path));
}

describe('POST .../channels/alipay/check', () => {
  it('reports that the simulator accepted the signature and its answer verified', async () => {
    const { app } = await zeroSetupApp();
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000008',
        private_key: pkcs1Private,
        gateway_url: SIMULATOR,
      },
      201,
    );
    const check = await ok('POST', `/apps/${app.appkey}/channels/alipay/check`, undefined, 200);
    expect(check).toMatchObject({
      accepted: true,
      response_verified: true,
      provider_code: '40004 ACQ.TRADE_NOT_EXIST',
      hint: null,
    });
  });

  it('names the likely mistake when the provider refuses the signature', async () => {
    const { app } = await zeroSetupApp();
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000009',
        private_key: pkcs1Private,
        alipay_public_key: faultPublic,
        gateway_url: 'https://merchant.example/alipay40002/check',
      },
      201,
    );
    const check = await ok('POST', `/apps/${app.appkey}/channels/alipay/check`, undefined, 200);
    expect(check).toMatchObject({
      accepted: false,
      response_verified: true,
      provider_code: '40002 isv.invalid-signature',
      provider_msg: '40002 isv.invalid-signature: 验签出错',
    });
    expect(check.hint).toContain('the app public key uploaded to Alipay does not match private_key');
  });

  it('says when the answer does not verify with alipay_public_key', async () => {
    const { app } = await zeroSetupApp();
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000010',
        private_key: pkcs1Private,
        alipay_public_key: (await keyPair()).spki,
        gateway_url: 'https://merchant.example/alipay40002/check2',
      },
      201,
    );
    const check = await ok('POST', `/apps/${app.appkey}/channels/alipay/check`, undefined, 200);
    expect(check).toMatchObject({ accepted: false, response_verified: false });
    expect(check.hint).toContain('does not verify with alipay_public_key');
  });

  it('says when the provider cannot be reached', async () => {
    const { app } = await zeroSetupApp();
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000011',
        private_key: pkcs1Private,
        alipay_public_key: (await keyPair()).spki,
        gateway_url: 'https://merchant.example/s500/check',
      },
      201,
    );
    const check = await ok('POST', `/apps/${app.appkey}/channels/alipay/check`, undefined, 200);
    expect(check).toMatchObject({ accepted: null, response_verified: false, provider_msg: 'Alipay answered HTTP 500' });
    const log = await ok('GET', `/apps/${app.appkey}/channels/alipay/log`, undefined, 200);
    expect(log.data[0]).toMatchObject({ kind: 'call', api: 'alipay.trade.query', status: 500, outcome: 'unknown' });
  });
});

describe('DELETE and routing', () => {
  it('deletes a config with no pending orders, and the app routing reads back per pay type', async () => {
    const { app } = await zeroSetupApp();
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      { app_id: '2021000000000012', private_key: pkcs1Private, gateway_url: SIMULATOR },
      201,
    );
    expect((await admin('DELETE', `/apps/${app.appkey}/channels/alipay`)).body).toEqual({
      channel: 'alipay',
      deleted: true,
    });
    expect((await admin('GET', `/apps/${app.appkey}/channels/alipay`)).status).toBe(404);
    const patched = await ok('PATCH', `/apps/${app.appkey}`, { routing: { alipay: 'official' } }, 200);
    expect(patched.routing).toEqual({
      alipay: 'official',
      wechat: 'official_then_personal',
      qqpay: 'official_then_personal',
      unionpay: 'official_then_personal',
    });
    const again = await ok('PATCH', `/apps/${app.appkey}`, { routing: { wechat: 'personal' } }, 200);
    expect(again.routing).toMatchObject({ alipay: 'official', wechat: 'personal' });
    expect((await admin('PATCH', `/apps/${app.appkey}`, { routing: { alipay: 'sometimes' } })).status).toBe(400);
  });
});
