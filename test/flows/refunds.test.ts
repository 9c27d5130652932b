/**
 * Refunds (SPEC §11.4): the merchant API and the admin API, partial and full, idempotent on
 * out_refund_no, never past the paid amount under concurrency, unknown outcomes followed up by the
 * refund query, definite refusals failed, and the refund webhook events.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  admin,
  BASE,
  eventually,
  expectWithin,
  gatepay,
  merchantLog,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  signedRefund,
  specSign,
  type TestApp,
  uniqueKey as key,
  orderTables,
} from '../helpers';
import {
  createVia,
  gw,
  keyPair,
  paidOrder,
  postNotify,
  rsaSign,
  signString,
  sweepAt,
  zeroSetupApp,
} from '../channels/helpers';
import faultPrivate from '../fixtures/rsa/fault-alipay-private.pem?raw';
import faultPublic from '../fixtures/rsa/fault-alipay-public.pem?raw';

const SIMULATOR = gw('/sandbox/alipay/gateway.do');

async function refund(
  app: TestApp,
  o: { order_id: number | string; out_order_id?: string },
  outRefundNo: string,
  amount: string,
  extra: Record<string, string> = {},
) {
  return postRefund({
    ...(await signedRefund(app, { order_id: String(o.order_id), out_refund_no: outRefundNo, amount, ...extra })),
    ...(extra.sign ? { sign: extra.sign } : {}),
  });
}

/** POSTs the form `p` to /api/cloudpay/refund as it is. */
async function postRefund(p: Record<string, string>) {
  const res = await SELF.fetch(`${BASE}/api/cloudpay/refund`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(p).toString(),
  });
  return (await res.json()) as { code: number; msg: string; data: any };
}

async function refundQuery(app: TestApp, outRefundNo: string) {
  const p = {
    appkey: app.appkey,
    out_refund_no: outRefundNo,
    sign: await specSign([app.appkey, outRefundNo], app.appsecret),
  };
  const res = await SELF.fetch(`${BASE}/api/cloudpay/refund_query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(p).toString(),
  });
  return (await res.json()) as { code: number; msg: string; data: any };
}

/** A sandbox app with an explicit config at the simulator, and a webhook endpoint for refund events. */
async function refundShop() {
  const shop = await zeroSetupApp();
  const appId = `2021${String(Date.now()).slice(-12)}`;
  const cfg = await ok(
    'PUT',
    `/apps/${shop.app.appkey}/channels/alipay`,
    { app_id: appId, private_key: (await keyPair()).pkcs8, gateway_url: SIMULATOR },
    201,
  );
  const hook = key('hook');
  await ok('POST', `/apps/${shop.app.appkey}/webhooks`, {
    url: `https://merchant.example/ok200/${hook}`,
    mode: 'test',
    events: ['refund.succeeded', 'refund.failed'],
  });
  return { ...shop, cfg, hook };
}

const orderOf = (id: number) => ok('GET', `/orders/${id}`, undefined, 200);
const events = async (hook: string) => (await merchantLog(hook)).map((r) => JSON.parse(r.body));

describe('refunds through the merchant API', () => {
  it('partial, then the rest: the refunded sum, the refunded status, one event per refund, idempotent repeats', async () => {
    const shop = await refundShop();
    const paid = await paidOrder(shop.app, '10.00', key('o'));
    const r1 = await refund(shop.app, paid, 'rf-1', '3.00', { reason: '缺货' });
    expect(r1.code, r1.msg).toBe(100);
    expect(r1.data).toMatchObject({
      out_refund_no: 'rf-1',
      order_id: paid.order_id,
      amount: '3.00',
      status: 'succeeded',
      reason: '缺货',
      msg: '',
    });
    expect(r1.data.finished).toBeGreaterThan(0);
    expect(await orderOf(paid.order_id)).toMatchObject({ status: 'paid', refunded: '3.00' });
    // The same request again: the same refund, nothing sent to Alipay again.
    const again = await refund(shop.app, paid, 'rf-1', '3.00');
    expect(again.data).toEqual(r1.data);
    const r2 = await refund(shop.app, paid, 'rf-2', '7.00');
    expect(r2.data.status).toBe('succeeded');
    const o = await orderOf(paid.order_id);
    expect(o).toMatchObject({ status: 'refunded', refunded: '10.00' });
    const q = await gatepay('query', {
      appkey: shop.app.appkey,
      order_id: String(paid.order_id),
      out_order_id: '',
      sign: await specSign([shop.app.appkey, String(paid.order_id), ''], shop.app.appsecret),
    });
    expect(q.data).toMatchObject({ status: 'refunded', refunded: '10.00' });
    // At the simulator: two refunds, the trade closed by the full refund.
    const trade = await env.DB.prepare('SELECT status, refunded_fen FROM sim_trades WHERE out_trade_no = ?')
      .bind(o.provider_trade_no)
      .first();
    expect(trade).toEqual({ status: 'TRADE_CLOSED', refunded_fen: 1000 });
    const got = await eventually(async () => {
      const e = await events(shop.hook);
      expect(e).toHaveLength(2);
      return e;
    });
    expect(got.map((e) => [e.type, e.data.refund.out_refund_no, e.data.refund.amount]).sort()).toEqual([
      ['refund.succeeded', 'rf-1', '3.00'],
      ['refund.succeeded', 'rf-2', '7.00'],
    ]);
    expect((await refundQuery(shop.app, 'rf-2')).data).toMatchObject({
      refund_id: r2.data.refund_id,
      status: 'succeeded',
      amount: '7.00',
    });
  });

  it('refuses with the spec`s codes, writing nothing', async () => {
    const shop = await refundShop();
    const paid = await paidOrder(shop.app, '5.00', key('o'));
    await refund(shop.app, paid, 'rf-a', '2.00');
    expect(await refund(shop.app, paid, 'rf-b', '3.01')).toMatchObject({
      code: 201,
      msg: 'refund amount 3.01 exceeds the refundable amount: 3.00 refundable',
    });
    expect(await refund(shop.app, paid, 'rf-a', '2.50')).toMatchObject({
      code: 211,
      msg: 'out_refund_no already used for amount 2.00',
    });
    for (const amount of ['0', '1.234', '-1', '1e2', ''])
      expect((await refund(shop.app, paid, 'rf-c', amount)).code, amount).toBe(amount === '' ? 105 : 201);
    expect((await refund(shop.app, paid, 'bad no!', '1.00')).code).toBe(105);
    expect((await refund(shop.app, { order_id: 99999999 }, 'rf-d', '1.00')).code).toBe(105);
    const bad = await refund(shop.app, paid, 'rf-e', '1.00', { sign: 'x'.repeat(32) });
    expect(bad.code).toBe(104);
    const unpaid = await createVia(shop.app, '5.00', key('u'), { method: 'qr' });
    expect(await refund(shop.app, unpaid, 'rf-f', '1.00')).toMatchObject({
      code: 212,
      msg: `order ${unpaid.order_id} is pending: only a paid order can be refunded`,
    });
    const personal = await setupMerchant({ sessions: 1 });
    const po = await gatepay('create', await signedCreate(personal.app, { price: '5.00', out_order_id: key('p') }));
    await pay(personal.sessions[0], '5.00');
    await eventually(async () => expect((await orderOf(po.data.order_id)).status).toBe('paid'));
    expect(await refund(personal.app, po.data, 'rf-g', '1.00')).toMatchObject({
      code: 203,
      msg: 'refunds need an official channel: this order was paid into a personal collection session',
    });
    expect(
      await orderTables
        .prepare(`SELECT COUNT(*) AS n FROM refunds WHERE order_id IN (?, ?, ?) AND out_refund_no != 'rf-a'`)
        .bind(paid.order_id, unpaid.order_id, po.data.order_id)
        .first('n'),
    ).toBe(0);
  });

  it('a refund signed for RF20261207001 / 1.00 cannot be replayed as RF2026120700 / 11.00 (issue 20 item 1)', async () => {
    const shop = await refundShop();
    const paid = await paidOrder(shop.app, '20.00', key('o'));
    const id = String(paid.order_id);
    const asked = { order_id: id, out_refund_no: 'RF20261207001', amount: '1.00' };
    const moved = { ...asked, out_refund_no: 'RF2026120700', amount: '11.00' };
    // The old bare concatenation (appkey + order_id + out_order_id + out_refund_no + amount) is
    // the same text for both: it is refused outright, for the request and its replay.
    const bare = await specSign([shop.app.appkey, id, '', asked.out_refund_no, asked.amount], shop.app.appsecret);
    for (const p of [moved, asked]) {
      const r = await postRefund({ appkey: shop.app.appkey, out_order_id: '', ...p, sign: bare });
      expect(r).toMatchObject({ code: 104, data: null });
      expect(r.msg).toContain('"amount="+amount+"&appkey="+appkey');
    }
    const keyed = await signedRefund(shop.app, asked);
    expect((await postRefund({ ...keyed, ...moved })).code).toBe(104);
    expect(await orderTables.prepare('SELECT COUNT(*) AS n FROM refunds WHERE order_id = ?').bind(id).first('n')).toBe(
      0,
    );
    expect(await orderOf(paid.order_id)).toMatchObject({ status: 'paid', refunded: '0.00' });
    // The request as signed refunds what it says, once.
    expect((await postRefund(keyed)).data).toMatchObject({ out_refund_no: 'RF20261207001', amount: '1.00' });
    expect(await orderOf(paid.order_id)).toMatchObject({ refunded: '1.00' });
  });

  it('by out_order_id; both order_id and out_order_id set is 105 naming them (SPEC §11.4)', async () => {
    const shop = await refundShop();
    const paid = await paidOrder(shop.app, '5.00', key('o'));
    const o = await orderOf(paid.order_id);
    const byOut = await postRefund(
      await signedRefund(shop.app, { out_order_id: o.out_order_id, out_refund_no: 'o-1', amount: '1.00' }),
    );
    expect(byOut.data).toMatchObject({ order_id: paid.order_id, out_order_id: o.out_order_id, amount: '1.00' });
    const both = await postRefund(
      await signedRefund(shop.app, {
        order_id: String(paid.order_id),
        out_order_id: o.out_order_id,
        out_refund_no: 'o-2',
        amount: '1.00',
      }),
    );
    expect(both).toMatchObject({
      code: 105,
      msg: 'order_id and out_order_id are both set: give exactly one of them, the other empty or absent',
    });
    expect(await orderOf(paid.order_id)).toMatchObject({ refunded: '1.00' });
  });

  it('10 concurrent partial refunds of 1.50 on 10.00: exactly the 6 that fit succeed', async () => {
    const shop = await refundShop();
    const paid = await paidOrder(shop.app, '10.00', key('o'));
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => refund(shop.app, paid, `c-${i}`, '1.50')));
    const codes = answers.map((a) => a.code).sort();
    expect(codes).toEqual([...Array(6).fill(100), ...Array(4).fill(201)]);
    expect(answers.filter((a) => a.code === 100).map((a) => a.data.status)).toEqual(Array(6).fill('succeeded'));
    expect(await orderOf(paid.order_id)).toMatchObject({ status: 'paid', refunded: '9.00' });
    const list = (await ok('GET', `/orders/${paid.order_id}/refunds`, undefined, 200)).data;
    expect(list).toHaveLength(6);
    expect(await refund(shop.app, paid, 'c-last', '1.00')).toMatchObject({ code: 100 });
    expect(await orderOf(paid.order_id)).toMatchObject({ status: 'refunded', refunded: '10.00' });
  });
});

describe('unknown outcomes are followed up, never failed', () => {
  it('HTTP 500: pending; then the refund query finds nothing, the refund is sent again with the same key, succeeded', async () => {
    const shop = await refundShop();
    const paid = await paidOrder(shop.app, '6.00', key('o'));
    const simKey = ((await (await SELF.fetch(gw('/sandbox/alipay/keys'))).json()) as any).alipay_public_key;
    await ok(
      'PUT',
      `/apps/${shop.app.appkey}/channels/alipay`,
      { app_id: shop.cfg.app_id, alipay_public_key: simKey, gateway_url: `https://merchant.example/s500/${key('gw')}` },
      200,
    );
    const r = await refund(shop.app, paid, 'u-1', '2.00');
    expect(r.data).toMatchObject({ status: 'pending', msg: 'Alipay answered HTTP 500', finished: 0 });
    // Still pending, the amount stays reserved: a refund of the whole amount does not fit.
    expect((await refund(shop.app, paid, 'u-2', '6.00')).code).toBe(201);
    await ok(
      'PUT',
      `/apps/${shop.app.appkey}/channels/alipay`,
      { app_id: shop.cfg.app_id, gateway_url: SIMULATOR },
      200,
    );
    await orderTables
      .prepare('UPDATE refunds SET next_query_ms = ? WHERE out_refund_no = ?')
      .bind(Date.now() - 1000, 'u-1')
      .run();
    await sweepAt();
    expect((await refundQuery(shop.app, 'u-1')).data).toMatchObject({ status: 'succeeded', amount: '2.00' });
    const [one] = (await ok('GET', `/orders/${paid.order_id}/refunds`, undefined, 200)).data;
    const requestNos = new Set(
      one.log
        .filter((l: any) => l.api === 'alipay.trade.refund')
        .map((l: any) => JSON.parse(new URLSearchParams(l.request).get('biz_content')!).out_request_no),
    );
    expect(one.log.map((l: any) => `${l.api} ${l.outcome}`)).toEqual([
      'alipay.trade.refund unknown',
      'alipay.trade.fastpay.refund.query ok',
      'alipay.trade.refund ok',
    ]);
    expect(requestNos.size).toBe(1);
    expect(await orderOf(paid.order_id)).toMatchObject({ refunded: '2.00' });
  });
});

/** An order paid through a config that trusts the test key, behind a gateway answering `behaviour`. */
async function paidBehind(behaviour: string) {
  const shop = await refundShop();
  const appId = shop.cfg.app_id;
  await ok(
    'PUT',
    `/apps/${shop.app.appkey}/channels/alipay`,
    {
      app_id: appId,
      alipay_public_key: faultPublic,
      gateway_url: `https://merchant.example/${behaviour}/${key('gw')}`,
    },
    200,
  );
  const created = await createVia(shop.app, '4.00', key('o'), { method: 'wap' });
  const o = await orderOf(created.order_id);
  const signer = await crypto.subtle.importKey(
    'pkcs8',
    Uint8Array.from(atob(faultPrivate.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0)),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const f: Record<string, string> = {
    app_id: appId,
    out_trade_no: o.provider_trade_no,
    trade_no: `2026${Date.now()}`,
    trade_status: 'TRADE_SUCCESS',
    total_amount: '4.00',
    gmt_payment: '2026-01-01 12:00:00',
    notify_type: 'trade_status_sync',
    charset: 'utf-8',
    version: '1.0',
  };
  f.sign = await rsaSign(signer, signString(f, ['sign', 'sign_type']));
  f.sign_type = 'RSA2';
  expect((await postNotify(shop.cfg.id, f)).text).toBe('success');
  return { shop, order: created };
}

describe('provider answers to a refund', () => {
  it('20000 (signed): pending, and pending again after each follow-up', async () => {
    const { shop, order } = await paidBehind('alipay20000');
    const r = await refund(shop.app, order, 's-1', '1.00');
    expect(r.data).toMatchObject({ status: 'pending', msg: 'Alipay: 20000 isp.unknow-error: 系统繁忙' });
    let now = 0;
    for (let i = 0; i < 2; i++) {
      now = Date.now();
      await orderTables
        .prepare('UPDATE refunds SET next_query_ms = ? WHERE out_refund_no = ?')
        .bind(now - 1000, 's-1')
        .run();
      await sweepAt(now);
    }
    const row = await orderTables
      .prepare('SELECT status, attempts, next_query_ms FROM refunds WHERE out_refund_no = ?')
      .bind('s-1')
      .first<any>();
    // The third unknown answer: asked again 5 min after the sweep's clock (1, 2, 5, … min).
    expect(row).toMatchObject({ status: 'pending', attempts: 3, next_query_ms: now + 300_000 });
  });

  it.each([
    ['alipaygarbage', "Alipay's answer is unreadable: the answer is not a JSON object"],
    ['alipayunsigned', "Alipay's answer (10000: Success) carries no sign; it cannot be trusted"],
    ['slow', 'Alipay could not be reached: no answer within 3 s'],
  ])('%s: pending, the amount stays reserved, followed up later', async (behaviour, msg) => {
    const { shop, order } = await paidBehind(behaviour);
    const t0 = Date.now();
    const r = await refund(shop.app, order, 'g-1', '1.00');
    const t1 = Date.now();
    expect(r.data).toMatchObject({ status: 'pending', msg });
    expect((await refund(shop.app, order, 'g-2', '3.01')).code).toBe(201);
    // By id: every case's app has its own refund g-1.
    const row = await orderTables
      .prepare('SELECT next_query_ms FROM refunds WHERE id = ?')
      .bind(r.data.refund_id)
      .first<number>('next_query_ms');
    expectWithin(row!, t0 + 60_000, t1 + 60_000); // an unknown outcome: asked again a minute later
  });

  it('a definite refusal (40004): failed, refund.failed, and the amount is refundable again', async () => {
    const { shop, order } = await paidBehind('alipay40004');
    const r = await refund(shop.app, order, 'x-1', '4.00');
    expect(r.data).toMatchObject({
      status: 'failed',
      msg: 'Alipay: 40004 ACQ.SELLER_BALANCE_NOT_ENOUGH: 卖家余额不足',
    });
    expect(await orderOf(order.order_id)).toMatchObject({ status: 'paid', refunded: '0.00' });
    const [e] = await eventually(async () => {
      const got = await events(shop.hook);
      expect(got).toHaveLength(1);
      return got;
    });
    expect(e).toMatchObject({
      type: 'refund.failed',
      data: { refund: { out_refund_no: 'x-1', status: 'failed' }, order: { order_id: order.order_id } },
    });
    expect((await refund(shop.app, order, 'x-2', '4.00')).data.status).toBe('failed');
  });
});

describe('admin refunds', () => {
  it('POST /orders/:id/refunds refunds; GET lists each refund with its provider calls; unpaid is 409', async () => {
    const shop = await refundShop();
    const paid = await paidOrder(shop.app, '3.00', key('o'));
    const r = await ok('POST', `/orders/${paid.order_id}/refunds`, { amount: '1.00', reason: 'goodwill' }, 201);
    expect(r).toMatchObject({ amount: '1.00', status: 'succeeded', reason: 'goodwill' });
    expect(r.out_refund_no).toMatch(/^admin_[A-Za-z0-9]{24}$/);
    const list = await ok('GET', `/orders/${paid.order_id}/refunds`, undefined, 200);
    expect(list.data).toHaveLength(1);
    expect(list.data[0].log).toEqual([
      expect.objectContaining({ kind: 'call', api: 'alipay.trade.refund', outcome: 'ok', status: 200 }),
    ]);
    expect((await admin('POST', `/orders/${paid.order_id}/refunds`, { amount: '2.01' })).status).toBe(409);
    expect((await admin('POST', `/orders/${paid.order_id}/refunds`, { amount: 'abc' })).status).toBe(400);
    const unpaid = await createVia(shop.app, '1.00', key('u'), { method: 'qr' });
    expect((await admin('POST', `/orders/${unpaid.order_id}/refunds`, { amount: '1.00' })).status).toBe(409);
    expect((await admin('POST', '/orders/99999999/refunds', { amount: '1.00' })).status).toBe(404);
  });
});

describe('the Alipay simulator refund (alipay.trade.refund, called as a merchant would)', () => {
  it('a repeat answers fund_change N even after the full refund closed the trade; another amount, more than is left, or a new key on a closed trade is refused', async () => {
    const shop = await zeroSetupApp();
    const appId = `2021${String(Date.now()).slice(-12)}`;
    const keys = await keyPair();
    await ok(
      'PUT',
      `/apps/${shop.app.appkey}/channels/alipay`,
      { app_id: appId, private_key: keys.pkcs8, gateway_url: SIMULATOR },
      201,
    );
    const paid = await paidOrder(shop.app, '2.00', key('o'));
    const outTradeNo = paid.order.provider_trade_no;
    const call = async (biz: Record<string, string>) => {
      const p: Record<string, string> = {
        app_id: appId,
        method: 'alipay.trade.refund',
        charset: 'utf-8',
        sign_type: 'RSA2',
        timestamp: '2026-01-01 12:00:00',
        version: '1.0',
        biz_content: JSON.stringify({ out_trade_no: outTradeNo, ...biz }),
      };
      p.sign = await rsaSign(keys.privateKey, signString(p, ['sign']));
      const res = await SELF.fetch(SIMULATOR, { method: 'POST', body: new URLSearchParams(p) });
      return (await res.json<any>()).alipay_trade_refund_response;
    };
    expect(await call({ refund_amount: '3.00', out_request_no: 'a' })).toMatchObject({
      code: '40004',
      sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    });
    expect(await call({ refund_amount: '0.50', out_request_no: 'a' })).toMatchObject({
      code: '10000',
      fund_change: 'Y',
      refund_fee: '0.50',
    });
    expect(await call({ refund_amount: '0.60', out_request_no: 'a' })).toMatchObject({
      sub_code: 'ACQ.CONTEXT_INCONSISTENT',
    });
    expect(await call({ refund_amount: '1.50', out_request_no: 'b' })).toMatchObject({
      code: '10000',
      fund_change: 'Y',
      refund_fee: '2.00',
    });
    const trade = await env.DB.prepare('SELECT status, refunded_fen FROM sim_trades WHERE out_trade_no = ?')
      .bind(outTradeNo)
      .first();
    expect(trade).toEqual({ status: 'TRADE_CLOSED', refunded_fen: 200 });
    expect(await call({ refund_amount: '1.50', out_request_no: 'b' })).toMatchObject({
      code: '10000',
      fund_change: 'N',
      refund_fee: '2.00',
    });
    expect(await call({ refund_amount: '0.01', out_request_no: 'c' })).toMatchObject({
      sub_code: 'ACQ.TRADE_STATUS_ERROR',
    });
  });
});
