/**
 * QQ Wallet through huipay: the zero-setup sandbox against the built-in simulator (NATIVE, APP,
 * query, close at expiry, refunds followed by the refund query), notifies at
 * `POST /channels/qqpay/notify/:config_id` signed here from the protocol text (uppercase MD5 of the
 * sorted `k=v&…&key=`), and a QQ Wallet that misbehaves (test/merchant-server.ts signs with its
 * fault API key).
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  admin,
  eventually,
  gatepay,
  md5,
  merchantLog,
  ok,
  signedCreate,
  uniqueKey as key,
  orderTables,
} from '../helpers';
import {
  createAs,
  dueNow,
  gw,
  orderBecomes,
  payOn,
  simTrade,
  sweepAt,
  zeroSetupApp,
  refundOrder,
} from '../channels/helpers';

const FAULT_QQ_API_KEY = 'FaultQqApiKey0123456789abcdefghi';
let n = 0;
const qrOf = (created: { qrcode_url: string }) => new URL(created.qrcode_url).searchParams.get('text')!;

/** The QQ Wallet sign, written from the docs: uppercase md5 of the sorted non-empty k=v& plus &key=. */
async function qqSign(f: Record<string, string>, apiKey: string, opts: { lower?: boolean; noKey?: boolean } = {}) {
  const text = Object.keys(f)
    .filter((k) => k !== 'sign' && f[k] !== '')
    .sort()
    .map((k) => `${k}=${f[k]}`)
    .join('&');
  const hex = await md5(opts.noKey ? text : `${text}&key=${apiKey}`);
  return opts.lower ? hex : hex.toUpperCase();
}
const xml = (f: Record<string, string>) =>
  `<xml>${Object.entries(f)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
const fieldsOf = (text: string) =>
  Object.fromEntries(
    [...text.matchAll(/<(\w+)>(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))<\/\1>/g)].map((m) => [m[1], m[2] ?? m[3]]),
  );

const refund = refundOrder;

describe('zero-setup sandbox: qqpay orders go to the QQ Wallet simulator', () => {
  it('qr (NATIVE): scan, pay, paid once, the merchant notified; the simulator`s notify was answered SUCCESS', async () => {
    const { app, raw } = await zeroSetupApp();
    const created = await createAs(app, 'qqpay', '7.70', key('qq'), { method: 'qr' });
    expect(created).toMatchObject({ channel: 'qqpay', method: 'qr', type: 'qqpay', realprice: '7.70' });
    const o = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    const trade = await simTrade(o.provider_trade_no);
    expect(trade).toMatchObject({ channel: 'qqpay', api: 'NATIVE', status: 'NOTPAY', amount_fen: 770 });
    const scan = await SELF.fetch(qrOf(created), { redirect: 'manual' });
    const page = new URL(scan.headers.get('location')!, gw('/')).toString();
    expect(await (await SELF.fetch(page)).text()).toContain('QQ钱包');
    expect((await payOn(page)).status).toBe(200);
    await orderBecomes(created.order_id, 'paid');
    expect((await simTrade(o.provider_trade_no)).notify_state).toBe('delivered');
    await eventually(async () => expect(await merchantLog(raw.notify_url.split('/').pop())).toHaveLength(1));
  });

  it('app: pay_info holds the App SDK`s PayApi fields, signed HMAC-SHA1 with the App key', async () => {
    const { app } = await zeroSetupApp();
    const created = await createAs(app, 'qqpay', '1.23', key('qqa'), { method: 'app' });
    const p = JSON.parse(created.pay_info);
    const cfg = await ok('GET', `/apps/${app.appkey}/channels/qqpay`, undefined, 200);
    expect(p).toMatchObject({ appId: cfg.appid, bargainorId: cfg.mch_id, pubAcc: '', sigType: 'HMAC-SHA1' });
    expect(p.tokenId).toMatch(/^qq[A-Za-z0-9]{30}$/);
    expect(p.sig).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(cfg.app_key).toBeNull();
    expect((await payOn(gw(`/sandbox/qqpay/pay/${p.tokenId}`))).status).toBe(200);
    await orderBecomes(created.order_id, 'paid');
  });

  it('a phone without wap falls back to the QR; QQ Wallet has no H5 page', async () => {
    const { app } = await zeroSetupApp();
    const created = await createAs(app, 'qqpay', '2.00', key('qqp'));
    const html = await (
      await SELF.fetch(created.pay_url, { headers: { 'user-agent': 'Mozilla/5.0 (iPhone) Mobile/15E148' } })
    ).text();
    expect(html).toContain('id="qr"');
    expect(html).toContain('class="card qqpay"');
    const r = await gatepay('create', {
      ...(await signedCreate(app, { price: '1.00', type: 'qqpay', out_order_id: key('w') })),
      method: 'wap',
    });
    expect(r).toMatchObject({ code: 105, msg: 'method wap is not offered by qqpay (it has qr, app)' });
  });

  it('unpaid at expiry: closed at QQ Wallet, the order expires; a lost notify is found by the query', async () => {
    const { app } = await zeroSetupApp();
    const a = await createAs(app, 'qqpay', '3.00', key('qqe'), { method: 'qr' });
    await dueNow(a.order_id, { expire: true });
    await sweepAt();
    expect((await ok('GET', `/orders/${a.order_id}`, undefined, 200)).status).toBe('expired');
    expect((await simTrade((await ok('GET', `/orders/${a.order_id}`, undefined, 200)).provider_trade_no)).status).toBe(
      'CLOSED',
    );
    const b = await createAs(app, 'qqpay', '3.00', key('qql'), { method: 'qr' });
    const scan = await SELF.fetch(qrOf(b), { redirect: 'manual' });
    await payOn(new URL(scan.headers.get('location')!, gw('/')).toString(), { skipNotify: true });
    await dueNow(b.order_id);
    await sweepAt();
    expect((await ok('GET', `/orders/${b.order_id}`, undefined, 200)).status).toBe('paid');
  });

  it('refunds: accepted (pending), confirmed by the refund query; never above the paid amount; concurrent ones fit', async () => {
    const { app } = await zeroSetupApp();
    const a = await createAs(app, 'qqpay', '5.00', key('qqr'), { method: 'qr' });
    const scan = await SELF.fetch(qrOf(a), { redirect: 'manual' });
    await payOn(new URL(scan.headers.get('location')!, gw('/')).toString());
    await orderBecomes(a.order_id, 'paid');
    const first = await refund(app, a.order_id, key('r'), '2.00');
    expect(first).toMatchObject({
      code: 100,
      data: { status: 'pending', msg: 'accepted by the provider; confirming with the refund query' },
    });
    await orderTables
      .prepare('UPDATE refunds SET next_query_ms = ? WHERE id = ?')
      .bind(Date.now() - 1, first.data.refund_id)
      .run();
    await sweepAt();
    const r = await orderTables
      .prepare('SELECT status FROM refunds WHERE id = ?')
      .bind(first.data.refund_id)
      .first('status');
    expect(r).toBe('succeeded');
    expect(await refund(app, a.order_id, key('r'), '3.01')).toMatchObject({ code: 201 });
    const many = await Promise.all(Array.from({ length: 4 }, () => refund(app, a.order_id, key('rc'), '1.00')));
    expect(many.filter((x) => x.code === 100)).toHaveLength(3);
    expect(many.filter((x) => x.code === 201)).toHaveLength(1);
    const o = await ok('GET', `/orders/${a.order_id}`, undefined, 200);
    expect((await simTrade(o.provider_trade_no)).refunded_fen).toBe(500);
  });
});

async function shop(behaviour = 'qqsystemerror') {
  const s = await zeroSetupApp();
  const cfg = await ok(
    'PUT',
    `/apps/${s.app.appkey}/channels/qqpay`,
    {
      mch_id: `17${String(Date.now()).slice(-8)}`,
      api_key: FAULT_QQ_API_KEY,
      base_url: `https://merchant.example/${behaviour}/${key('qq')}`,
    },
    201,
  );
  return { ...s, cfg };
}

async function notifyFor(
  mchId: string,
  outTradeNo: string,
  totalFee: string,
  over: Record<string, string> = {},
  opts: { lower?: boolean; noKey?: boolean; apiKey?: string } = {},
) {
  const f: Record<string, string> = {
    appid: '',
    mch_id: mchId,
    nonce_str: 'qqnotifynonce0123456789abcdefghi',
    device_info: '',
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    bank_type: 'BALANCE',
    fee_type: 'CNY',
    total_fee: totalFee,
    cash_fee: totalFee,
    coupon_fee: '0',
    transaction_id: `1900000109${String(Date.now()).slice(-8)}${++n}`,
    out_trade_no: outTradeNo,
    attach: '',
    time_end: '20260101120000',
    openid: '7E5F4D3C2B1A09887766554433221100',
    ...over,
  };
  f.sign = await qqSign(f, opts.apiKey ?? FAULT_QQ_API_KEY, opts);
  return f;
}

async function postNotify(configId: number, body: string) {
  const res = await SELF.fetch(gw(`/channels/qqpay/notify/${configId}`), {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const OK = '<xml><return_code>SUCCESS</return_code></xml>';

describe('QQ Wallet notifies', () => {
  it('verified: paid once, answered SUCCESS; repeated and concurrent ones change nothing more', async () => {
    const s = await shop();
    const created = await createAs(s.app, 'qqpay', '4.00', key('n'), { method: 'app', appid: 'x' }).catch(() => null);
    expect(created).toBeNull(); // app needs appid and app_key in this config: refused before any order
    const o = await createAs(s.app, 'qqpay', '4.00', key('n'), { method: 'auto' });
    const row = await ok('GET', `/orders/${o.order_id}`, undefined, 200);
    const f = await notifyFor(s.cfg.mch_id, row.provider_trade_no, '400');
    const answers = await Promise.all(Array.from({ length: 5 }, () => postNotify(s.cfg.id, xml(f))));
    expect(answers).toEqual(Array(5).fill({ status: 200, text: OK }));
    expect(await ok('GET', `/orders/${o.order_id}`, undefined, 200)).toMatchObject({
      status: 'paid',
      provider_txn_id: f.transaction_id,
    });
    expect((await ok('GET', `/merchants/${s.merchant.id}/payments`, undefined, 200)).data).toHaveLength(1);
    expect(await postNotify(s.cfg.id, xml(f))).toEqual({ status: 200, text: OK });
  });

  it.each([
    ['a lower-case sign', {}, { lower: true }, /^sign does not verify/],
    ['a sign with the key left out', {}, { noKey: true }, /^sign does not verify/],
    ['a sign with another API key', {}, { apiKey: 'AnotherQqApiKey0123456789abcdefg' }, /^sign does not verify/],
    ['another merchant number', { mch_id: '1700000001' }, {}, /^addressed to account 1700000001/],
  ] as const)('%s: answered FAIL, nothing changes', async (_, over, opts, reason) => {
    const s = await shop();
    const o = await createAs(s.app, 'qqpay', '4.00', key('b'));
    const row = await ok('GET', `/orders/${o.order_id}`, undefined, 200);
    const r = await postNotify(s.cfg.id, xml(await notifyFor(s.cfg.mch_id, row.provider_trade_no, '400', over, opts)));
    expect(r.status).toBe(200);
    expect(fieldsOf(r.text)).toMatchObject({ return_code: 'FAIL', return_msg: expect.stringMatching(reason) });
    expect((await ok('GET', `/orders/${o.order_id}`, undefined, 200)).status).toBe('pending');
    expect((await ok('GET', `/merchants/${s.merchant.id}/payments`, undefined, 200)).data).toHaveLength(0);
  });

  it('a field changed after signing, a tag sent twice, not XML: FAIL', async () => {
    const s = await shop();
    const o = await createAs(s.app, 'qqpay', '4.00', key('x'));
    const row = await ok('GET', `/orders/${o.order_id}`, undefined, 200);
    const f = await notifyFor(s.cfg.mch_id, row.provider_trade_no, '400');
    expect(fieldsOf((await postNotify(s.cfg.id, xml({ ...f, total_fee: '401' }))).text).return_code).toBe('FAIL');
    expect(
      fieldsOf((await postNotify(s.cfg.id, xml(f).replace('</xml>', '<total_fee>1</total_fee></xml>'))).text)
        .return_msg,
    ).toBe('not a QQ Wallet notify: <total_fee> is sent twice');
    expect(fieldsOf((await postNotify(s.cfg.id, 'total_fee=400')).text).return_code).toBe('FAIL');
    expect((await ok('GET', `/orders/${o.order_id}`, undefined, 200)).status).toBe('pending');
  });

  it('an amount one fen off: acknowledged, unpaid, in the unmatched inbox', async () => {
    const s = await shop();
    const o = await createAs(s.app, 'qqpay', '4.00', key('a'));
    const row = await ok('GET', `/orders/${o.order_id}`, undefined, 200);
    expect((await postNotify(s.cfg.id, xml(await notifyFor(s.cfg.mch_id, row.provider_trade_no, '399')))).text).toBe(
      OK,
    );
    expect((await ok('GET', `/orders/${o.order_id}`, undefined, 200)).status).toBe('pending');
    expect(
      (await ok('GET', `/merchants/${s.merchant.id}/payments?matched=false`, undefined, 200)).data[0],
    ).toMatchObject({
      amount: '3.99',
      note: `amount 3.99 differs from order ${o.order_id}'s 4.00: the order stays unpaid`,
    });
  });
});

const FAULTS = [
  ['qqsystemerror', 'QQ Wallet: SYSTEMERROR: 系统错误'],
  ['qqunsigned', "QQ Wallet's answer (SUCCESS) carries no sign; it cannot be trusted"],
  ['qqreturnfail', 'QQ Wallet: return_code FAIL: 系统繁忙'],
  ['alipaygarbage', "QQ Wallet's answer is unreadable: no <xml> root element"],
  ['s500', 'QQ Wallet answered HTTP 500'],
  ['slow', 'QQ Wallet could not be reached: no answer within 3 s'],
] as const;

describe('a QQ Wallet that answers errors, garbage or nothing', () => {
  it.each(FAULTS)(
    '%s: create 204 naming it, nothing written; a pending order is asked again, never failed',
    async (behaviour, msg) => {
      const s = await shop(behaviour);
      await ok('PATCH', `/apps/${s.app.appkey}`, { routing: { qqpay: 'official' } }, 200);
      const k = key('c');
      const r = await gatepay('create', {
        ...(await signedCreate(s.app, { price: '1.00', type: 'qqpay', out_order_id: k })),
        method: 'qr',
      });
      expect(r).toMatchObject({ code: 204, msg: `no payment method available now: ${msg}` });
      expect(
        await orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE out_order_id = ?').bind(k).first('n'),
      ).toBe(0);
      const o = await createAs(s.app, 'qqpay', '1.00', key('q'));
      await dueNow(o.order_id, { expire: true });
      await sweepAt();
      const row = await orderTables
        .prepare('SELECT status, query_attempts FROM orders WHERE id = ?')
        .bind(o.order_id)
        .first<any>();
      expect(row).toMatchObject({ status: 'pending', query_attempts: 1 });
    },
  );

  it('a signed success from the configured API key is accepted', async () => {
    const s = await shop('qqnative');
    const created = await createAs(s.app, 'qqpay', '1.00', key('ok'), { method: 'qr' });
    expect(qrOf(created)).toBe('https://qpay.qq.com/qr/fault0');
  });
});

describe('QQ Wallet refunds need the merchant`s client certificate', () => {
  it('without an mTLS binding a live-style config refuses refunds and the check says so', async () => {
    const s = await shop('qqnative');
    const check = await ok('POST', `/apps/${s.app.appkey}/channels/qqpay/check`, undefined, 200);
    expect(check.hint).toMatch(
      /^refunds are not possible yet: QQ Wallet refunds need the merchant's client certificate/,
    );
    await ok(
      'PUT',
      `/apps/${s.app.appkey}/channels/qqpay`,
      { mch_id: s.cfg.mch_id, cert_binding: 'QQPAY_CERT', base_url: s.cfg.base_url },
      200,
    );
    const again = await ok('POST', `/apps/${s.app.appkey}/channels/qqpay/check`, undefined, 200);
    expect(again.hint).toBe(
      'refunds are not possible yet: this deployment has no mTLS certificate binding QQPAY_CERT (add it to [[mtls_certificates]] in wrangler.toml)',
    );
    const bad = await admin('PUT', `/apps/${s.app.appkey}/channels/qqpay`, {
      mch_id: s.cfg.mch_id,
      cert_binding: 'DB',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^cert_binding: the name of a Workers mTLS certificate binding/);
  });
});
