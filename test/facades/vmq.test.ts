/**
 * The V免签 merchant API (SPEC §12.2) under `/vmq/:appkey/`, driven as dujiaoka's VpayController
 * and V免签's own API document do it. Bad input answers `{code: -1, msg}` naming the field and
 * writes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectWithin,
  md5,
  MERCHANT,
  merchantUrl,
  ok,
  pay,
  setupMerchant,
  type TestApp,
  type TestSession,
} from '../helpers';
import { dujiaoka } from './clients';
import { notified, orderByToken, ordersOfApp, send, tokenOf, uniq } from './helpers';

let app: TestApp;
let session: TestSession;
/** Unix seconds just before the session's one heartbeat (in setupMerchant). */
let heartbeatFrom: number;
const notifyUrl = `${MERCHANT}/success/vmq-routes`;
const returnUrl = `${MERCHANT}/page/vmq-routes`;

beforeAll(async () => {
  heartbeatFrom = Math.floor(Date.now() / 1000);
  // dujiaoka sends notifyUrl and returnUrl with every order: its app allows per-order URLs.
  const m = await setupMerchant({ sessions: 1, settings: { max_offset: '0.05' }, app: { allow_url_override: true } });
  app = m.app;
  session = m.sessions[0];
  await ok(
    'PATCH',
    `/sessions/${session.id}`,
    { amount_qr: [{ amount: '0.50', payload: 'https://qr.alipay.com/fixed050' }] },
    200,
  );
});

let cents = 1000;
const fresh = () => String((cents += 13) / 100);

/** A signed createOrder: sign = md5(payId + param + type + price + key). */
async function signed(over: Record<string, string> = {}) {
  const p: Record<string, string> = { payId: uniq('P'), type: '2', price: fresh(), param: 'vone666', ...over };
  p.sign = await md5(p.payId + (p.param ?? '') + p.type + p.price + app.appsecret);
  return p;
}
const call = (name: string, params: Record<string, string>, method: 'GET' | 'POST' = 'GET') =>
  method === 'GET'
    ? send(`/vmq/${app.appkey}/${name}?${new URLSearchParams(params)}`)
    : send(`/vmq/${app.appkey}/${name}`, { form: new URLSearchParams(params).toString() });

describe('createOrder', () => {
  it('answers the V免签 data: orderId unguessable, payUrl the QR text, price as sent', async () => {
    const p = await signed({ price: '0.1', mchId: 'ignored' });
    const res = await call('createOrder', p, 'POST');
    const body = res.json();
    expect(body).toMatchObject({ code: 1, msg: '成功' });
    expect(Object.keys(body.data)).toEqual([
      'payId',
      'orderId',
      'payType',
      'price',
      'reallyPrice',
      'payUrl',
      'isAuto',
      'state',
      'timeOut',
      'date',
    ]);
    expect(body.data).toMatchObject({
      payId: p.payId,
      orderId: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
      payType: 2,
      price: '0.1',
      reallyPrice: expect.stringMatching(/^0\.(10|09|08|07|06|05)$/),
      payUrl: 'https://qr.alipay.com/test0',
      isAuto: 1,
      state: 0,
      timeOut: 10,
      date: expect.any(Number),
    });
    const order = await orderByToken(body.data.orderId);
    expect(order).toMatchObject({ facade: 'vmq', out_order_id: p.payId, custom: 'vone666', price_fen: 10 });
    expect(JSON.parse(order!.facade_fields)).toEqual({ type: 2, price: '0.1', isAuto: 1 });
  });

  it('isAuto is 0 when the wallet has a fixed-amount code for reallyPrice', async () => {
    const body = (await call('createOrder', await signed({ price: '0.5' }))).json();
    expect(body.data).toMatchObject({ reallyPrice: '0.50', isAuto: 0, payUrl: 'https://qr.alipay.com/fixed050' });
  });

  it('dujiaoka (isHtml=1, GET): the browser goes to the cashier page', async () => {
    const url = await dujiaoka.vpayGateway(
      { merchant_id: app.appsecret, merchant_pem: `http://gw.test/vmq/${app.appkey}/` },
      'vzfb',
      { order_sn: uniq('DJK'), actual_price: '21.00' },
      { returnUrl, notifyUrl },
      `${Date.now()}${Math.floor(Math.random() * 65535)}`,
    );
    expect(url).toContain('price=21&');
    const res = await send(url);
    expect(res.status).toBe(302);
    const order = await orderByToken(tokenOf(res.location));
    expect(order).toMatchObject({ price_fen: 2100, type: 'alipay', notify_url: notifyUrl, return_url: returnUrl });
    expect(JSON.parse(order!.facade_fields)).toMatchObject({ price: '21', type: 2 });
  });

  it('the same payId and parameters give the same order; other parameters are refused', async () => {
    const p = await signed();
    const first = (await call('createOrder', p)).json();
    const again = (await call('createOrder', p)).json();
    expect(again.data.orderId).toBe(first.data.orderId);
    const other = (await call('createOrder', await signed({ payId: p.payId, price: fresh() }))).json();
    expect(other).toEqual({ code: -1, msg: expect.stringMatching(/^商户订单号已存在/) });
    const param = (await call('createOrder', await signed({ payId: p.payId, price: p.price, param: 'x' }))).json();
    expect(param.code).toBe(-1);
  });

  const bad: [string, () => Promise<Record<string, string>>, RegExp][] = [
    ['a wrong sign', async () => ({ ...(await signed()), sign: '0'.repeat(32) }), /^签名错误/],
    [
      'no sign',
      async () => {
        const { sign: _, ...p } = await signed();
        return p;
      },
      /请传入签名/,
    ],
    ...['.5', '1E7', 'NaN', '-1', '0', '1.234', '00.10'].map(
      (price) =>
        [`price ${price}`, () => signed({ price }), /^price .* 无效/] as [
          string,
          () => Promise<Record<string, string>>,
          RegExp,
        ],
    ),
    ['type 5', () => signed({ type: '5' }), /支付方式错误/],
    ['type 3 (a live app with no UnionPay channel)', () => signed({ type: '3' }), /支付方式 3（云闪付）未开通/],
    ['type 4 (no QQ Wallet channel)', () => signed({ type: '4' }), /支付方式 4（QQ钱包）未开通/],
    ['type 1 when the app does not take WeChat', () => signed({ type: '1' }), /当前没有可用的收款账户/],
    ['no payId', () => signed({ payId: '' }), /请传入商户订单号/],
    ['a payId with spaces', () => signed({ payId: 'a b' }), /payId 无效/],
    ['a notifyUrl that is not http', () => signed({ notifyUrl: 'javascript:alert(1)' }), /notifyUrl 无效/],
  ];
  it.each(bad)('%s is refused and writes nothing', async (_n, make, msg) => {
    const before = await ordersOfApp(app.id);
    const body = (await call('createOrder', await make())).json();
    expect(body).toEqual({ code: -1, msg: expect.stringMatching(msg) });
    expect(await ordersOfApp(app.id)).toBe(before);
  });

  it('price 1 and 1.00 are both accepted and kept as sent', async () => {
    for (const price of ['1', '1.00']) {
      const body = (await call('createOrder', await signed({ price }))).json();
      expect(body.data.price).toBe(price);
    }
  });

  it('an unknown appkey, an unknown API, a parameter sent twice', async () => {
    expect((await send(`/vmq/ak_nope/createOrder?payId=1`)).json()).toMatchObject({
      code: -1,
      msg: expect.stringMatching(/商户不存在/),
    });
    const unknown = await send(`/vmq/${app.appkey}/appPush`);
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ code: -1 });
    const twice = await send(`/vmq/${app.appkey}/createOrder?price=1&price=2`);
    expect(twice.json()).toEqual({ code: -1, msg: 'price is sent twice: send each parameter once' });
  });
});

describe('getOrder, checkOrder, closeOrder, getState', () => {
  it('follow one order from unpaid to paid', async () => {
    const p = await signed({ returnUrl: `${returnUrl}?from=vmq` });
    const created = (await call('createOrder', p)).json().data;
    expect((await call('getOrder', { orderId: created.orderId })).json()).toEqual({
      code: 1,
      msg: '成功',
      data: created,
    });
    expect((await call('checkOrder', { orderId: created.orderId })).json()).toEqual({ code: -1, msg: '订单未支付' });
    expect((await pay(session, created.reallyPrice)).body.matched).toBe(true);
    let check: any;
    for (let i = 0; i < 200; i++) {
      check = (await call('checkOrder', { orderId: created.orderId })).json();
      if (check.code === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(check).toMatchObject({ code: 1, msg: '成功' });
    const url = new URL(check.data);
    expect(`${url.origin}${url.pathname}`).toBe(returnUrl);
    const q = Object.fromEntries(url.searchParams);
    expect(Object.keys(q)).toEqual(['from', 'payId', 'param', 'type', 'price', 'reallyPrice', 'sign']);
    expect(q).toMatchObject({
      payId: p.payId,
      param: 'vone666',
      type: '2',
      price: p.price,
      reallyPrice: created.reallyPrice,
    });
    expect(q.sign).toBe(await md5(q.payId + q.param + q.type + q.price + q.reallyPrice + app.appsecret));
    expect((await call('getOrder', { orderId: created.orderId })).json().data.state).toBe(1);
    expect(
      (await call('closeOrder', { orderId: created.orderId, sign: await md5(created.orderId + app.appsecret) })).json(),
    ).toEqual({
      code: -1,
      msg: '订单状态不允许关闭',
    });
  });

  it('closeOrder needs md5(orderId + key); a closed order checks as expired', async () => {
    const created = (await call('createOrder', await signed())).json().data;
    expect(
      (await call('closeOrder', { orderId: created.orderId, sign: await md5(created.orderId) })).json(),
    ).toMatchObject({
      code: -1,
      msg: expect.stringMatching(/^签名校验不通过/),
    });
    const closed = await call(
      'closeOrder',
      { orderId: created.orderId, sign: await md5(created.orderId + app.appsecret) },
      'POST',
    );
    expect(closed.json()).toEqual({ code: 1, msg: '成功', data: null });
    expect((await call('checkOrder', { orderId: created.orderId })).json()).toEqual({ code: -1, msg: '订单已过期' });
    expect((await call('getOrder', { orderId: created.orderId })).json().data.state).toBe(-1);
    expect((await orderByToken(created.orderId))!.status).toBe('closed');
  });

  it('an orderId of another app or of nothing is not found', async () => {
    const other = await setupMerchant({ sessions: 0 });
    const created = (await call('createOrder', await signed())).json().data;
    const foreign = await send(`/vmq/${other.app.appkey}/getOrder?orderId=${created.orderId}`);
    expect(foreign.json()).toEqual({ code: -1, msg: '云端订单编号不存在' });
    expect((await call('getOrder', { orderId: 'x' })).json()).toEqual({ code: -1, msg: '云端订单编号不存在' });
  });

  it('getState: md5(t + key); the sessions’ last heartbeat and payment, and whether one is online', async () => {
    const t = String(Date.now());
    expect((await call('getState', { t, sign: await md5(t) })).json()).toMatchObject({ code: -1 });
    const body = (await call('getState', { t, sign: await md5(t + app.appsecret) })).json();
    expect(body).toEqual({
      code: 1,
      msg: '成功',
      data: { lastheart: expect.stringMatching(/^\d{10}$/), lastpay: expect.stringMatching(/^\d+$/), jkstate: '1' },
    });
    expectWithin(Number(body.data.lastheart), heartbeatFrom, Math.floor(Date.now() / 1000));
  });
});

describe('createOrder URLs are not signed (issue 20 item 6)', () => {
  it('a signed isHtml=1 link re-pointed by the payer: refused without allow_url_override, and off the app`s own hosts', async () => {
    const strict = await setupMerchant({ sessions: 1 });
    const link = async (a: TestApp, over: Record<string, string> = {}) => {
      const p: Record<string, string> = { payId: uniq('H'), type: '2', price: fresh(), param: 'u1', isHtml: '1' };
      p.sign = await md5(p.payId + p.param + p.type + p.price + a.appsecret);
      return send(`/vmq/${a.appkey}/createOrder?${new URLSearchParams({ ...p, ...over })}`);
    };
    const evil = { notifyUrl: 'https://evil.example/n' };
    const before = [await ordersOfApp(strict.app.id), await ordersOfApp(app.id)];
    const refused = await link(strict.app, evil);
    expect(refused.status).toBe(200);
    expect(refused.json()).toEqual({ code: -1, msg: expect.stringMatching(/^notifyUrl 不允许：.*allow_url_override/) });
    expect((await link(strict.app, { returnUrl: `${MERCHANT}/r` })).json()).toEqual({
      code: -1,
      msg: expect.stringMatching(/^returnUrl 不允许/),
    });
    // The app that allows overrides takes them on its own host only.
    expect((await link(app, evil)).json()).toEqual({
      code: -1,
      msg: 'notifyUrl 无效：域名 evil.example 不是该应用所设地址的域名（merchant.example）',
    });
    expect((await link(app, { returnUrl: 'https://merchant.example.evil.example/r' })).json()).toMatchObject({
      code: -1,
      msg: expect.stringMatching(/^returnUrl 无效：域名 merchant\.example\.evil\.example 不是/),
    });
    expect(await Promise.all([ordersOfApp(strict.app.id), ordersOfApp(app.id)])).toEqual(before);
    // Without URLs the link works on either app: the app's own URLs are used.
    expect((await link(strict.app)).status).toBe(302);
    const own = await link(app, { notifyUrl: `${MERCHANT}/success/own`, returnUrl: `${MERCHANT}/r?from=vmq` });
    expect(own.status).toBe(302);
    expect(await orderByToken(tokenOf(own.location))).toMatchObject({
      notify_url: `${MERCHANT}/success/own`,
      return_url: `${MERCHANT}/r?from=vmq`,
    });
  });

  it('the protocol`s own weakness: a sign for param "" price 25.00 also holds for param "2" price 5.00; the notify says 5.00, which dujiaoka refuses', async () => {
    const key = uniq('vmq-weak');
    const payId = uniq('W');
    const sign = await md5(`${payId}${''}2${'25.00'}${app.appsecret}`);
    const moved = { payId, param: '2', type: '2', price: '5.00', sign, notifyUrl: merchantUrl('success', key) };
    const made = (await call('createOrder', moved)).json();
    expect(made).toMatchObject({ code: 1, data: { payId, price: '5.00' } });
    expect((await pay(session, made.data.reallyPrice)).body.matched).toBe(true);
    const q = await notified(key);
    expect(q).toMatchObject({ payId, param: '2', price: '5.00' });
    // The shop's order was 25.00: its notify handler compares the price and refuses.
    expect(await dujiaoka.vpayNotify(app.appsecret, q, { actual_price: '25.00', completed: false })).toBe('fail');
  });
});
