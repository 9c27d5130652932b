/**
 * The Alipay protocol module against published vectors: the alipay-sdk's own notify test vector
 * (a real trade_status_sync notify and the public key it verifies with, from
 * alipay/alipay-sdk-nodejs-all test/alipay.test.ts), the SDK's cases for cutting the signed
 * `*_response` text out of an answer, and China time.
 */
import { describe, expect, it } from 'vitest';
import { alipay } from '../../src/channels/alipay';
import {
  chinaTime,
  fenOf,
  notifyContent,
  parseChinaTime,
  readAnswer,
  signContent,
  topLevelMembers,
} from '../../src/channels/alipay/protocol';
import type { ChannelContext } from '../../src/channels/types';

/** The public key of the SDK's "verify sign should delete sign_type" notify cases. */
const SDK_NOTIFY_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB';
/** The SDK's notify (fund_bill_list as the form field Alipay posts: JSON text). */
const SDK_NOTIFY: Record<string, string> = {
  gmt_create: '2019-08-15 15:56:22',
  charset: 'utf-8',
  seller_email: 'z97-yuquerevenue@service.aliyun.com',
  subject: '语雀空间 500人规模',
  sign: 'QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==',
  buyer_id: '2088102534368455',
  invoice_amount: '0.10',
  notify_id: '2019081500222155624068450559358070',
  fund_bill_list: '[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]',
  notify_type: 'trade_status_sync',
  trade_status: 'TRADE_SUCCESS',
  receipt_amount: '0.10',
  buyer_pay_amount: '0.10',
  sign_type: 'RSA2',
  app_id: '2019073166072302',
  seller_id: '2088531891668739',
  gmt_payment: '2019-08-15 15:56:24',
  notify_time: '2019-08-15 15:56:25',
  version: '1.0',
  out_trade_no: '20190815155618536-564-57',
  total_amount: '0.10',
  trade_no: '2019081522001468450512505578',
  auth_app_id: '2019073166072302',
  buyer_logon_id: 'xud***@126.com',
  point_amount: '0.00',
};

const ctx = (alipayPublicKey: string) =>
  ({ settings: { alipay_public_key: alipayPublicKey } }) as unknown as ChannelContext<never, never>;
const notify = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  contentType: 'application/x-www-form-urlencoded',
  headers: new Headers(),
});

describe("the alipay-sdk's published notify vector", () => {
  it('verifies with our verifier, and reads as a paid trade', async () => {
    const v = await alipay.verifyNotify(ctx(SDK_NOTIFY_KEY), notify(SDK_NOTIFY));
    expect(v).toMatchObject({
      kind: 'trade',
      account: '2019073166072302',
      providerTradeNo: '20190815155618536-564-57',
      amountFen: 10,
      state: 'paid',
      facts: {
        amountFen: 10,
        providerTxnId: '2019081522001468450512505578',
        paidMs: Date.UTC(2019, 7, 15, 7, 56, 24),
        payer: 'xud***@126.com',
      },
    });
  });

  it('is signed over every field but sign and sign_type, sorted', () => {
    const text = notifyContent(SDK_NOTIFY);
    expect(text.startsWith('app_id=2019073166072302&auth_app_id=2019073166072302&buyer_id=')).toBe(true);
    expect(text).not.toContain('sign_type=');
    expect(text).not.toContain('&sign=');
    expect(text.endsWith('&trade_status=TRADE_SUCCESS&version=1.0')).toBe(true);
  });

  it.each([
    ['one fen changed in total_amount', { total_amount: '0.11' }],
    ['another out_trade_no', { out_trade_no: '20190815155618536-564-58' }],
    ['an extra field', { passback_params: 'x' }],
    ['sign_type tampered to RSA', { sign_type: 'RSA' }],
    ['the signature of another text', { sign: SDK_NOTIFY.sign.replace('QfTb', 'QfTc') }],
  ])('is rejected with %s', async (_, change) => {
    const v = await alipay.verifyNotify(ctx(SDK_NOTIFY_KEY), notify({ ...SDK_NOTIFY, ...change }));
    expect(v.kind).toBe('rejected');
  });

  it('is rejected when verified with another key', async () => {
    const other =
      'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6kdjvWNCT+K3qQQgAyv+8k0+lkrL6+dA+cb9OAX5sZgIxP2ycK51VYxwZgZgHCIWCkB/l/Zqqhye/E6x/nNMSqRkW3FGpP4/hKWByG3Ah8DXRcUaAvd8aCWHcBpgZqjBp3ADPTcHViI10cGe0mn13wGaIZQl6G74CtnY6YQJ/1NkoE+C9Z0VD4xor4oJOZW1/rbc85InBmjU87BWtxmkIQWWVw+Vwd0EL8oDU9GWNZ1Se9sZf4UHxs+goHh3/JhQly3iKqlt/hgFsip78kvdeDwoL8gS6RCUi+Bp6j9Ee5Thd+CC61Ilk7iKiUQMMVn6+kdTGcV2XwUBezH2Go4dlwIDAQAB';
    expect((await alipay.verifyNotify(ctx(other), notify(SDK_NOTIFY))).kind).toBe('rejected');
  });

  it('refuses a field sent twice, even with a valid signature', async () => {
    const body = `${new URLSearchParams(SDK_NOTIFY).toString()}&total_amount=100.00`;
    const v = await alipay.verifyNotify(ctx(SDK_NOTIFY_KEY), { ...notify(SDK_NOTIFY), body });
    expect(v).toEqual({ kind: 'rejected', reason: 'parameter total_amount is sent twice' });
  });
});

describe('the signed text of an answer, cut exactly as received (the SDK`s getSignStr cases)', () => {
  const data =
    '{"code":"10000","msg":"Success","image_id":"Zp1Nm6FDTZaEuSSniGd5awAAACMAAQED","image_url":"http:\\/\\/oalipay-dl-django.alicdn.com\\/rest\\/1.0\\/image?fileIds=Zp1Nm6FDTZaEuSSniGd5awAAACMAAQED&zoom=original"}';
  const key = 'alipay_offline_material_image_upload_response';
  it.each([
    ['compact', `{"${key}":${data},"sign":"P8xr=="}`, data],
    ['with line breaks and spaces', `{"${key}"\n        :\n        ${data},\n\n          "sign"  :  "P8xr=="}`, data],
    [
      'a "sign" key inside the data',
      `{"${key}":{"code":"10000","sign":"xxx","msg":"Success"},"sign":"P8xr=="}`,
      '{"code":"10000","sign":"xxx","msg":"Success"}',
    ],
  ])('%s', (_, text, signed) => {
    const r = readAnswer(text, 'alipay.offline.material.image.upload');
    expect(r.ok && r.value.signed).toBe(signed);
    expect(r.ok && r.value.sign).toBe('P8xr==');
  });

  it('takes error_response when the method key is absent, and refuses what is not an answer', () => {
    const r = readAnswer(
      '{"error_response":{"code":"40002","sub_code":"isv.invalid-app-id"},"sign":"x"}',
      'alipay.trade.query',
    );
    expect(r.ok && r.value.signed).toBe('{"code":"40002","sub_code":"isv.invalid-app-id"}');
    expect(readAnswer('<html>busy</html>', 'alipay.trade.query').ok).toBe(false);
    expect(readAnswer('{"other_response":{}}', 'alipay.trade.query').ok).toBe(false);
    expect(readAnswer('{"alipay_trade_query_response":{"a":1}} trailing', 'alipay.trade.query').ok).toBe(false);
    expect(topLevelMembers('{"a":"}\\"{","b":[1,{"c":"]"}]}')).toEqual(
      new Map([
        ['a', '"}\\"{"'],
        ['b', '[1,{"c":"]"}]'],
      ]),
    );
  });
});

describe('request signing text, money and China time', () => {
  it('sorts names, drops sign and empty values, keeps raw values', () => {
    expect(signContent({ b: '2', a: 'x y&z', sign: 's', empty: '', sign_type: 'RSA2' })).toBe(
      'a=x y&z&b=2&sign_type=RSA2',
    );
  });

  it('writes China time (UTC+8) and reads it back', () => {
    expect(chinaTime(Date.UTC(2026, 0, 31, 16, 30, 5))).toBe('2026-02-01 00:30:05');
    expect(parseChinaTime('2026-02-01 00:30:05')).toBe(Date.UTC(2026, 0, 31, 16, 30, 5));
    expect(parseChinaTime('2026-02-30 00:00:00')).toBeNull();
    expect(parseChinaTime('2026-02-01T00:30:05')).toBeNull();
  });

  it('reads yuan amounts as fen', () => {
    expect([fenOf('0.10'), fenOf('12'), fenOf('3.5'), fenOf('1e2'), fenOf('-1'), fenOf('0.001')]).toEqual([
      10,
      1200,
      350,
      null,
      null,
      null,
    ]);
  });
});
