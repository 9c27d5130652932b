/**
 * The facades' pure protocol code (SPEC §12): the spec's two sign vectors, checked against our
 * signers and against the clients' own formulas (test/facades/clients.ts), canonicalisation,
 * money formats, acknowledgement rules and host matching.
 */
import { describe, expect, it } from 'vitest';
import { epaySign, epaySignText, epaySignValid } from '../../src/domain/epay';
import { formatFenTrimmed, parsePlainYuan } from '../../src/domain/money';
import { appendQuery, deliveryAccepted } from '../../src/domain/notify';
import { checkVmqPush, vmqClockProblem, vmqSign } from '../../src/domain/vmq';
import { vmqPushProblem } from '../../src/schemas/vmq';
import { monitorLabel } from '../../src/facades/vmq/monitor';
import { EpayCore, javaDouble, phpNumber } from '../facades/clients';
import { md5 } from '../helpers';

const SPEC_EPAY = {
  pid: '1001',
  type: 'alipay',
  out_trade_no: '20160806151343349',
  notify_url: 'http://www.pay.com/notify_url.php',
  return_url: 'http://www.pay.com/return_url.php',
  name: 'VIP会员',
  money: '1.00',
};
const SPEC_EPAY_KEY = '89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i';

describe('SPEC §12.1 epay sign vector', () => {
  it('our signer gives 427724b6656aa612cfdbe7a2262036a3', async () => {
    expect(await epaySign(SPEC_EPAY, SPEC_EPAY_KEY)).toBe('427724b6656aa612cfdbe7a2262036a3');
  });
  it('so does the EpayCore SDK port, and huipay accepts its request', async () => {
    const sdk = new EpayCore({ pid: '1001', key: SPEC_EPAY_KEY, apiurl: 'https://gw.example/' });
    const p = await sdk.buildRequestParam(SPEC_EPAY);
    expect(p.sign).toBe('427724b6656aa612cfdbe7a2262036a3');
    expect(await epaySignValid(p, SPEC_EPAY_KEY)).toBe(true);
  });
  it('is md5 over the sorted raw k=v text + KEY', async () => {
    const text =
      'money=1.00&name=VIP会员&notify_url=http://www.pay.com/notify_url.php&out_trade_no=20160806151343349&pid=1001&return_url=http://www.pay.com/return_url.php&type=alipay';
    expect(epaySignText(SPEC_EPAY)).toBe(text);
    expect(await md5(text + SPEC_EPAY_KEY)).toBe('427724b6656aa612cfdbe7a2262036a3');
  });
});

describe('SPEC §12.2 V免签 createOrder sign vector', () => {
  it('md5(payId + param + type + price + key) = 2b8b5d58c51203162f14939bdbc46a54', async () => {
    const parts = ['1547129707139', 'vone666', '2', '0.1', 'a7cc8678193ee9c70ae3d75fd04ae6a9'];
    expect(await vmqSign(...parts)).toBe('2b8b5d58c51203162f14939bdbc46a54');
    expect(await md5(parts.join(''))).toBe('2b8b5d58c51203162f14939bdbc46a54');
  });
});

describe('epay sign text', () => {
  it.each([
    ['drops sign, sign_type and empty values', { b: '2', a: '1', sign: 'x', sign_type: 'MD5', c: '' }, 'a=1&b=2'],
    ['keeps "0" (only the empty string is empty)', { a: '0' }, 'a=0'],
    ['sorts by byte order (upper case first)', { b: '1', B: '2', a: '3' }, 'B=2&a=3&b=1'],
    ['keeps values raw: no URL encoding', { name: 'a b&c=d/é' }, 'name=a b&c=d/é'],
  ])('%s', (_n, p, text) => {
    expect(epaySignText(p as Record<string, string>)).toBe(text);
  });

  it('refuses a sign made over URL-encoded values', async () => {
    const p = { pid: '1', name: 'VIP会员', money: '1' };
    const encoded = await md5(`money=1&name=${encodeURIComponent('VIP会员')}&pid=1KEY`);
    expect(await epaySignValid({ ...p, sign: encoded }, 'KEY')).toBe(false);
    expect(await epaySignValid({ ...p, sign: await epaySign(p, 'KEY') }, 'KEY')).toBe(true);
  });

  it('lets the payer add a type the merchant did not sign, never change a signed one', async () => {
    const untyped = { pid: '1', name: 'n', money: '1' };
    const sign = await epaySign(untyped, 'KEY');
    expect(await epaySignValid({ ...untyped, type: 'wxpay', sign }, 'KEY')).toBe(true);
    const typedSign = await epaySign({ ...untyped, type: 'alipay' }, 'KEY');
    expect(await epaySignValid({ ...untyped, type: 'alipay', sign: typedSign }, 'KEY')).toBe(true);
    expect(await epaySignValid({ ...untyped, type: 'wxpay', sign: typedSign }, 'KEY')).toBe(false);
  });
});

describe('facade amounts', () => {
  it.each([
    [100, '1'],
    [150, '1.5'],
    [1, '0.01'],
    [10, '0.1'],
    [1050, '10.5'],
    [5000000, '50000'],
    [101, '1.01'],
  ])('%i fen prints as PHP prints the float: %s', (fen, text) => {
    expect(formatFenTrimmed(fen)).toBe(text);
    expect(phpNumber(fen / 100)).toBe(text);
  });

  it.each(['1', '1.00', '0.01', '10.5', '50000'])('accepts %s', (s) => {
    expect(parsePlainYuan(s, 5_000_000).ok).toBe(true);
  });
  it.each(['1e2', '-1', '0', '1.234', '00.10', '01', '.5', '1E7', 'NaN', ' 1', '1.', '', '0.00', '50000.01'])(
    'refuses %j',
    (s) => {
      expect(parsePlainYuan(s, 5_000_000).ok).toBe(false);
    },
  );

  it.each([
    [1, '1.0'],
    [0.01, '0.01'],
    [10.5, '10.5'],
    [100, '100.0'],
    [9.99, '9.99'],
  ])('Java prints the double %d as %s', (d, text) => {
    expect(javaDouble(d)).toBe(text);
  });
});

describe('acknowledgements', () => {
  it.each([
    ['notify', 200, 'success', true],
    ['notify', 200, ' success\n', true],
    ['notify', 200, 'SUCCESS', false],
    ['epay_notify', 200, 'success', true],
    ['epay_notify', 200, '<html><body><p>SUCCESS</p></body></html>', true],
    ['epay_notify', 200, 'fail', false],
    ['epay_notify', 500, 'success', false],
    ['vmq_notify', 200, 'success', true],
    ['vmq_notify', 200, 'success\n', false],
    ['vmq_notify', 200, '<html><body><p>SUCCESS</p></body></html>', false],
    ['webhook', 204, '', true],
  ] as const)('%s answered %i %j → %s', (kind, status, text, ok) => {
    expect(deliveryAccepted(kind, status, text)).toBe(ok);
  });

  it.each([
    ['https://m.example/n', 'a=1', 'https://m.example/n?a=1'],
    ['https://m.example/n?x=1', 'a=1', 'https://m.example/n?x=1&a=1'],
    ['https://m.example/n?', 'a=1', 'https://m.example/n?a=1'],
    ['https://m.example/n?x=1&', 'a=1', 'https://m.example/n?x=1&a=1'],
    ['https://m.example/n#top', 'a=1', 'https://m.example/n?a=1#top'],
  ])('%s + %s', (url, q, out) => {
    expect(appendQuery(url, q)).toBe(out);
  });
});

describe('V免签 monitor checks', () => {
  const now = 1_795_320_000_000;
  it.each([
    [String(now), null],
    [String(now - 299_000), null],
    [String(now + 301_000), /客户端时间错误/],
    ['', /t 缺少/],
    ['1795320000', /客户端时间错误/],
    ['abc', /t 缺少或无效/],
  ])('t=%j', (t, problem) => {
    const got = vmqClockProblem(t, now, vmqPushProblem);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toMatch(problem);
  });

  it('a push must be of the session type, with a plain amount', () => {
    expect(checkVmqPush({ type: '2', price: '1.0', t: String(now) }, 'alipay', 10_000_000, vmqPushProblem)).toEqual({
      ok: true,
      type: 'alipay',
      amountFen: 100,
      paidMs: now,
    });
    expect(checkVmqPush({ type: '1', price: '1.0', t: '1' }, 'alipay', 10_000_000, vmqPushProblem)).toMatchObject({
      ok: false,
    });
    expect(checkVmqPush({ type: '3', price: '1.0', t: '1' }, 'alipay', 10_000_000, vmqPushProblem)).toEqual({
      ok: false,
      msg: 'type 3 无效：应为 1（微信）或 2（支付宝）',
    });
    for (const price of ['.5', '1E7', 'NaN', '-1', '0.001'])
      expect(checkVmqPush({ type: '2', price, t: '1' }, 'alipay', 10_000_000, vmqPushProblem)).toMatchObject({
        ok: false,
      });
  });

  it.each([
    ['http://abcdefghij12.vmq.example.com/appHeart?t=1', 'vmq.example.com', 'abcdefghij12'],
    ['http://ABCDEFGHIJ12.VMQ.example.com:8080/appHeart', 'vmq.example.com', 'abcdefghij12'],
    ['http://abcdefghij12.localhost:8787/appPush', 'localhost:8787', 'abcdefghij12'],
    ['http://vmq.example.com/appHeart', 'vmq.example.com', null],
    ['http://pay.vmq.example.com/', 'vmq.example.com', null],
    ['http://a.b.vmq.example.com/', 'vmq.example.com', null],
    ['http://abcdefghij12.other.com/', 'vmq.example.com', null],
    ['http://abcdefghij12.vmq.example.com/', '', null],
  ])('%s under %j → %j', (url, domain, label) => {
    expect(monitorLabel(url, domain)).toBe(label);
  });
});
