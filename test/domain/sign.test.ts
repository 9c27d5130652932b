import { describe, expect, it } from 'vitest';
import {
  SIGN_FIELDS,
  gatepaySign,
  hmacSha256Hex,
  md5Hex,
  safeEqual,
  signFormula,
  signText,
} from '../../src/domain/sign';

/*
 * Every expected hex below was computed outside the code under test, with Node's crypto
 * (cross-checked with Python's hashlib for the MD5 ones), e.g.
 *   node -e "const c=require('crypto');const m=s=>c.createHash('md5').update(s,'utf8').digest('hex');
 *            console.log(m(m(appkey+price+type+out_order_id+custom)+appsecret))"
 */
const APPKEY = 'hp_8f3a2c91d0e47b65';
const APPSECRET = '9b7e1f0a6c2d4e88a1f03c57d2b9e641';

describe('md5Hex known answers', () => {
  it.each<[string, string]>([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'], // RFC 1321
    ['a', '0cc175b9c0f1b6a831c399e269772661'], // RFC 1321
    ['abc', '900150983cd24fb0d6963f7d28e17f72'], // RFC 1321
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'], // RFC 1321
    ['The quick brown fox jumps over the lazy dog', '9e107d9d372bb6826bd81d3542a419d6'],
    ['支付', '26b59f528b4b08dd102bf93025145179'], // UTF-8 bytes, not UTF-16
  ])('md5(%j)', async (text, hex) => {
    expect(await md5Hex(text)).toBe(hex);
  });
});

describe('SIGN_FIELDS match SPEC §3.1, §3.2, §6.1, §6.2, §11.4', () => {
  it.each<[keyof typeof SIGN_FIELDS, string[]]>([
    ['create', ['appkey', 'price', 'type', 'out_order_id', 'custom']],
    ['query', ['appkey', 'order_id', 'out_order_id']],
    ['notify', ['appkey', 'order_id', 'out_order_id', 'price', 'realprice', 'type', 'paytime', 'extend']],
    ['return', ['appkey', 'price', 'type', 'product_id', 'order_id', 'out_order_id']],
    ['refund', ['amount', 'appkey', 'order_id', 'out_order_id', 'out_refund_no']],
    ['refund_query', ['appkey', 'out_refund_no']],
  ])('%s', (kind, fields) => {
    expect([...SIGN_FIELDS[kind]]).toEqual(fields);
  });

  it('the README`s refund vectors: the keyed text written out by hand, its md5 from node:crypto, Python hashlib and openssl', async () => {
    const p = {
      appkey: 'ak_demo123',
      order_id: '42',
      out_order_id: '',
      out_refund_no: 'rf20261122001',
      amount: '3.00',
    };
    const text = 'amount=3.00&appkey=ak_demo123&order_id=42&out_order_id=&out_refund_no=rf20261122001';
    expect(signText('refund', p)).toBe(text);
    expect(await md5Hex(text)).toBe('085c200cf52ae985c5c0a0ec4ffafab4');
    expect(await gatepaySign([signText('refund', p)], 'sk_demo456')).toBe('d3040c31efcd0b6d2bd6489e7ec23362');
    expect(await gatepaySign([signText('refund_query', p)], 'sk_demo456')).toBe('01e3bb6903b3533294b96bfe1bc1421d');
    // By out_order_id: order_id= stays in the text, empty.
    const byOut = {
      appkey: APPKEY,
      out_order_id: '20260420153012-8841',
      out_refund_no: 'RF20261207001',
      amount: '1.00',
    };
    expect(signText('refund', byOut)).toBe(
      'amount=1.00&appkey=hp_8f3a2c91d0e47b65&order_id=&out_order_id=20260420153012-8841&out_refund_no=RF20261207001',
    );
    expect(await gatepaySign([signText('refund', byOut)], APPSECRET)).toBe('560cf31bc75307131c409715351dad47');
  });

  it('the refund text keeps every key, empty values too, so no digit can move between out_refund_no and amount', () => {
    const signed = { appkey: 'ak', order_id: '42', out_refund_no: 'RF20261207001', amount: '1.00' };
    const replayed = { ...signed, out_refund_no: 'RF2026120700', amount: '11.00' };
    expect(signText('refund', signed)).toBe(
      'amount=1.00&appkey=ak&order_id=42&out_order_id=&out_refund_no=RF20261207001',
    );
    expect(signText('refund', replayed)).not.toBe(signText('refund', signed));
    // The bare concatenation the old formula hashed was the same for both.
    const bare = (q: typeof signed) => q.appkey + q.order_id + q.out_refund_no + q.amount;
    expect(bare(replayed)).toBe(bare(signed));
  });

  it('signFormula spells the formula', () => {
    expect(signFormula('query')).toBe('md5(md5(appkey+order_id+out_order_id)+appsecret)');
    expect(signFormula('refund')).toBe(
      'md5(md5("amount="+amount+"&appkey="+appkey+"&order_id="+order_id+"&out_order_id="+out_order_id+"&out_refund_no="+out_refund_no)+appsecret)',
    );
  });
});

type Kind = keyof typeof SIGN_FIELDS;
const signFor = (kind: Kind, params: Record<string, string>) =>
  gatepaySign(
    SIGN_FIELDS[kind].map((f) => params[f]),
    APPSECRET,
  );

describe('gatepaySign: md5( md5(fields joined) + appsecret )', () => {
  it.each<[string, Kind, Record<string, string>, string]>([
    [
      'create',
      'create',
      {
        appkey: APPKEY,
        price: '10.20',
        type: 'alipay',
        out_order_id: '20260420153012-8841',
        custom: 'user_10086@example.com',
      },
      '9ac1cf17e854a6f7710f84020bf5a950',
    ],
    [
      'create, UTF-8 custom and odd order id',
      'create',
      { appkey: APPKEY, price: '0.01', type: 'wechat', out_order_id: 'SO.2026|0420_7', custom: '张三' },
      'a75a97bfffab18ddd381899699932561',
    ],
    [
      'create, empty custom',
      'create',
      { appkey: APPKEY, price: '199.00', type: 'alipay', out_order_id: 'A1001', custom: '' },
      '86d88dde003f2caadcd065ef692b3c9f',
    ],
    [
      'query by order_id',
      'query',
      { appkey: APPKEY, order_id: '100234', out_order_id: '' },
      '2ff190938f568cc268f39735220532b8',
    ],
    [
      'query by out_order_id',
      'query',
      { appkey: APPKEY, order_id: '', out_order_id: '20260420153012-8841' },
      '08935fdc648d171294f6072f620cf173',
    ],
    [
      'notify',
      'notify',
      {
        appkey: APPKEY,
        order_id: '100234',
        out_order_id: '20260420153012-8841',
        price: '10.20',
        realprice: '10.18',
        type: 'alipay',
        paytime: '1776670260',
        extend: 'user_10086@example.com',
      },
      '026f1380cd4c9d061bf252ec60fc6cce',
    ],
    [
      'return',
      'return',
      {
        appkey: APPKEY,
        price: '10.20',
        type: 'alipay',
        product_id: 'vip-month',
        order_id: '100234',
        out_order_id: '20260420153012-8841',
      },
      '4a4485dc80bf0c971e5a515b26906c63',
    ],
  ])('%s', async (_label, kind, params, hex) => {
    const sign = await signFor(kind, params);
    expect(sign).toBe(hex);
    expect(sign).toMatch(/^[0-9a-f]{32}$/);
  });

  it('inner hash is the plain md5 of the concatenation', async () => {
    expect(await md5Hex(`${APPKEY}10.20alipay20260420153012-8841user_10086@example.com`)).toBe(
      'd3396e3bb42d522638e2ccfaf8db036c',
    );
    expect(await md5Hex(`d3396e3bb42d522638e2ccfaf8db036c${APPSECRET}`)).toBe('9ac1cf17e854a6f7710f84020bf5a950');
  });

  it('signs the exact strings: "10.2" and "10.20" differ', async () => {
    const a = await gatepaySign([APPKEY, '10.2', 'alipay', 'A1', ''], APPSECRET);
    const b = await gatepaySign([APPKEY, '10.20', 'alipay', 'A1', ''], APPSECRET);
    expect(a).not.toBe(b);
  });

  it('depends on the secret', async () => {
    const parts = [APPKEY, '10.20', 'alipay', '20260420153012-8841', 'user_10086@example.com'];
    expect(await gatepaySign(parts, `${APPSECRET}x`)).not.toBe('9ac1cf17e854a6f7710f84020bf5a950');
  });
});

describe('hmacSha256Hex known answers', () => {
  it.each<[string, string, string, string]>([
    [
      'RFC 4231 test case 2',
      'Jefe',
      'what do ya want for nothing?',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      'key longer than the SHA-256 block (100 bytes)',
      'k'.repeat(100),
      '1776670260123.{}',
      '107f688784feed9848df3fb04e922b024a87e1ecec59f8d0543ad50852203c97',
    ],
    [
      'monitor request (timestamp "." body)',
      'ms_4c1d9e77a2b0f3e5',
      '1776670260123.{"type":"alipay","amount":"9.99","paid_at":1776670255000,"ref":"2026042022001488881234567890"}',
      '75ad47901bd4af386e2cd400e5eb28d493355e3fa57f6cd554f77d53065bc649',
    ],
  ])('%s', async (_label, key, message, hex) => {
    expect(await hmacSha256Hex(key, message)).toBe(hex);
  });
});

describe('safeEqual', () => {
  it.each<[string, string, boolean]>([
    ['', '', true],
    ['9ac1cf17e854a6f7710f84020bf5a950', '9ac1cf17e854a6f7710f84020bf5a950', true],
    ['支付', '支付', true],
    ['9ac1cf17e854a6f7710f84020bf5a950', '9ac1cf17e854a6f7710f84020bf5a951', false], // last char
    ['9ac1cf17e854a6f7710f84020bf5a950', '8ac1cf17e854a6f7710f84020bf5a950', false], // first char
    ['9ac1cf17e854a6f7710f84020bf5a950', '9AC1CF17E854A6F7710F84020BF5A950', false], // case matters
    ['abc', 'abcd', false], // different length, prefix
    ['abcd', 'abc', false],
    ['', 'a', false],
    ['a', '', false],
    ['é', 'e\u0301', false], // same text, different code points and byte lengths
  ])('%j vs %j -> %s', (a, b, equal) => {
    expect(safeEqual(a, b)).toBe(equal);
  });
});
