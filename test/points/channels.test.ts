/**
 * Points and plans on official channel orders (SPEC §7 over §11): a live channel order passes the
 * same guarded insert as a session order — its fee held at create, the monthly quota counted, 110
 * naming the limit — and its fee comes back when it ends unpaid (a close the provider confirms, an
 * expiry). A payment the provider still takes for a closed order keeps the one fee. Sandbox is
 * never charged.
 *
 * Alipay for the live app is stood in by the built-in simulator: requests huipay sends to
 * `https://openapi.alipay.com/gateway.do` are handed to `/sandbox/alipay/gateway.do` (a sandbox
 * config of the same app_id and key lets it verify them), and the live config trusts the
 * simulator's public key. Only the test's fetch knows; huipay's live host check stays as it is.
 */
import { env, SELF } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatepay, ok, signedCreate, signedLookup, type TestApp, orderTables } from '../helpers';
import { dueNow, gw, keyPair, orderBecomes, scanAndPay, sweepAt } from '../channels/helpers';
import { epayCall, uniq } from '../facades/helpers';
import { EpayCore } from '../facades/clients';

let failClose = false;
/** Runs just before a call of this Alipay API reaches the stand-in (a race a test arranges). */
let beforeCall: { api: string; run: () => Promise<unknown> } | null = null;
const realFetch = globalThis.fetch;

beforeAll(() => {
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    if (url.hostname !== 'openapi.alipay.com') return realFetch(req);
    if (failClose && url.searchParams.get('method') === 'alipay.trade.close')
      return new Response('bad gateway', { status: 502 });
    if (beforeCall && url.searchParams.get('method') === beforeCall.api) await beforeCall.run();
    return SELF.fetch(new Request(gw(`/sandbox/alipay/gateway.do${url.search}`), req));
  };
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

/** A live merchant with `plan` and `points`, and a live app whose Alipay channel is the stand-in. */
async function liveShop(plan: Record<string, unknown>, points: number) {
  const m = await ok('POST', '/merchants', { name: 'Live channel shop' });
  await ok('PUT', `/merchants/${m.id}/plan`, plan, 200);
  if (points) await ok('POST', `/merchants/${m.id}/points`, { delta: points, reason: 'recharge' });
  const a = await ok('POST', `/merchants/${m.id}/apps`, {
    name: 'live official',
    mode: 'live',
    notify_url: 'https://merchant.example/success/live-channel',
    return_url: 'https://merchant.example/return',
  });
  const appId = `2021${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
  const { pkcs8 } = await keyPair();
  const simKey = ((await (await SELF.fetch(gw('/sandbox/alipay/keys'))).json()) as { alipay_public_key: string })
    .alipay_public_key;
  const cfg = await ok(
    'PUT',
    `/apps/${a.appkey}/channels/alipay`,
    { app_id: appId, private_key: pkcs8, alipay_public_key: simKey },
    201,
  );
  expect(cfg).toMatchObject({ mode: 'live', gateway_url: 'https://openapi.alipay.com/gateway.do' });
  // The simulator trusts requests of this app_id signed with this key (it serves sandbox apps only).
  const twin = await ok('POST', `/merchants/${m.id}/apps`, { name: 'twin', mode: 'sandbox' });
  await ok(
    'PUT',
    `/apps/${twin.appkey}/channels/alipay`,
    { app_id: appId, private_key: pkcs8, gateway_url: gw('/sandbox/alipay/gateway.do') },
    201,
  );
  return {
    merchant: m,
    app: { appkey: a.appkey, appsecret: a.appsecret, id: a.id } as TestApp,
    alipayAppId: appId,
    configId: cfg.id as number,
  };
}

const create = async (app: TestApp, outOrderId: string, price = '1.00') =>
  gatepay('create', { ...(await signedCreate(app, { price, out_order_id: outOrderId })), method: 'qr' });

const merchantRow = (id: number) =>
  orderTables.prepare('SELECT points, quota_used, quota_month FROM books WHERE merchant_id = ?').bind(id).first<any>();
const ledgerOf = async (merchantId: number, orderId?: number) =>
  (
    await orderTables
      .prepare(
        `SELECT reason, delta, reference FROM points_ledger WHERE merchant_id = ?1 AND (?2 IS NULL OR reference = ?2) ORDER BY id`,
      )
      .bind(merchantId, orderId === undefined ? null : `order:${orderId}`)
      .all<{ reason: string; delta: number; reference: string }>()
  ).results;
const ledgerSum = async (merchantId: number) => (await ledgerOf(merchantId)).reduce((s, r) => s + r.delta, 0);
const ordersWith = async (outOrderId: string) =>
  orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE out_order_id = ?').bind(outOrderId).first<number>('n');
/** The trades the Alipay stand-in holds for an Alipay app_id. */
const tradesAtAlipay = async (alipayAppId: string) =>
  (
    await env.DB.prepare(`SELECT status FROM sim_trades WHERE channel = 'alipay' AND account = ? ORDER BY id`)
      .bind(alipayAppId)
      .all<{ status: string }>()
  ).results;

describe('the order fee on live channel orders', () => {
  it('held at create; 110 naming the fee when the balance cannot cover it, nothing written; back at close and expiry', async () => {
    const { merchant, app } = await liveShop({ order_fee_points: 10 }, 25);
    const o1 = await create(app, uniq('f1'));
    expect(o1).toMatchObject({ code: 100, data: { channel: 'alipay', method: 'qr', realprice: '1.00' } });
    expect(o1.data.qrcode_url).toContain(encodeURIComponent(gw('/sandbox/alipay/qr/')));
    const o2 = await create(app, uniq('f2'));
    expect(o2.code).toBe(100);
    expect(await ledgerOf(merchant.id)).toEqual([
      { reason: 'recharge', delta: 25, reference: null },
      { reason: 'order_fee', delta: -10, reference: `order:${o1.data.order_id}` },
      { reason: 'order_fee', delta: -10, reference: `order:${o2.data.order_id}` },
    ]);
    expect(await merchantRow(merchant.id)).toMatchObject({ points: 5, quota_used: 2 });

    const k3 = uniq('f3');
    expect(await create(app, k3)).toMatchObject({
      code: 110,
      msg: "points insufficient: this order's fee is 10 points and the balance is 5; recharge to take more orders",
      data: null,
    });
    expect(await ordersWith(k3)).toBe(0);
    expect(await merchantRow(merchant.id)).toMatchObject({ points: 5, quota_used: 2 });

    // A merchant's close the provider confirms: the fee comes back at once.
    const closed = await gatepay('close', await signedLookup(app, String(o1.data.order_id), ''));
    expect(closed).toMatchObject({ code: 100, data: { status: 'closed' } });
    expect(await ledgerOf(merchant.id, o1.data.order_id)).toEqual([
      { reason: 'order_fee', delta: -10, reference: `order:${o1.data.order_id}` },
      { reason: 'refund_of_fee', delta: 10, reference: `order:${o1.data.order_id}` },
    ]);
    // Expiry (the provider closes the trade first): the fee comes back.
    await dueNow(o2.data.order_id, { expire: true });
    await sweepAt();
    await orderBecomes(o2.data.order_id, 'expired');
    expect(await ledgerOf(merchant.id, o2.data.order_id)).toEqual([
      { reason: 'order_fee', delta: -10, reference: `order:${o2.data.order_id}` },
      { reason: 'refund_of_fee', delta: 10, reference: `order:${o2.data.order_id}` },
    ]);
    expect((await merchantRow(merchant.id)).points).toBe(25);
    expect(await ledgerSum(merchant.id)).toBe(25);

    // Paid: the fee stays; a sandbox app of the same merchant is never charged or counted.
    const paid = await create(app, uniq('f4'), '3.00');
    await scanAndPay(new URL(paid.data.qrcode_url).searchParams.get('text')!);
    await orderBecomes(paid.data.order_id, 'paid');
    const sandbox = await ok('POST', `/merchants/${merchant.id}/apps`, {
      name: 'sb',
      mode: 'sandbox',
      notify_url: 'https://merchant.example/success/sb',
      return_url: 'https://merchant.example/return',
    });
    const sb = await create({ appkey: sandbox.appkey, appsecret: sandbox.appsecret, id: sandbox.id }, uniq('sb'));
    expect(sb).toMatchObject({ code: 100, data: { channel: 'alipay' } });
    expect(await merchantRow(merchant.id)).toMatchObject({ points: 15, quota_used: 3 });
    expect(await ledgerSum(merchant.id)).toBe(15);
  });

  it('concurrent creates with a balance for three: exactly three orders, the rest 110, the balance never below zero', async () => {
    const { merchant, app } = await liveShop({ order_fee_points: 10 }, 30);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => create(app, uniq(`race${i}`))));
    expect(results.filter((r) => r.code === 100)).toHaveLength(3);
    expect(results.filter((r) => r.code === 110)).toHaveLength(5);
    expect(await merchantRow(merchant.id)).toMatchObject({ points: 0, quota_used: 3 });
    expect(await ledgerSum(merchant.id)).toBe(0);
    const n = await orderTables
      .prepare('SELECT COUNT(*) AS n FROM orders WHERE app_id = ?')
      .bind(app.id)
      .first<number>('n');
    expect(n).toBe(3);
  });

  it('an epay order through the live channel is charged the same way', async () => {
    const { merchant, app } = await liveShop({ order_fee_points: 7 }, 7);
    const sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
    const p = {
      pid: String(app.id),
      type: 'alipay',
      notify_url: 'https://merchant.example/success/epay-live',
      name: 'live epay',
      money: '1.00',
      clientip: '203.0.113.9',
    };
    const first = (await epayCall('/mapi.php', await sdk.buildRequestParam({ ...p, out_trade_no: uniq('EL') }))).json();
    expect(first).toMatchObject({ code: 1, qrcode: expect.stringContaining('/sandbox/alipay/qr/') });
    expect(await ledgerOf(merchant.id, Number(first.trade_no))).toEqual([
      { reason: 'order_fee', delta: -7, reference: `order:${first.trade_no}` },
    ]);
    const second = (
      await epayCall('/mapi.php', await sdk.buildRequestParam({ ...p, out_trade_no: uniq('EL') }))
    ).json();
    expect(second).toEqual({
      code: -1,
      msg: "商户套餐额度或积分不足，暂时无法下单（points insufficient: this order's fee is 7 points and the balance is 0; recharge to take more orders）",
    });
  });
});

describe('a create the plan refuses leaves no open trade at the provider', () => {
  // Pins: the plan is checked before alipay.trade.precreate (a refused create used to open a trade
  // at Alipay that huipay never recorded).
  it('a balance short of the fee: 110, and Alipay is never asked', async () => {
    const { merchant, app, alipayAppId } = await liveShop({ order_fee_points: 10 }, 5);
    const k = uniq('short');
    expect(await create(app, k)).toMatchObject({
      code: 110,
      msg: "points insufficient: this order's fee is 10 points and the balance is 5; recharge to take more orders",
      data: null,
    });
    expect(await tradesAtAlipay(alipayAppId)).toEqual([]);
    expect(await ordersWith(k)).toBe(0);
    expect(await merchantRow(merchant.id)).toMatchObject({ points: 5, quota_used: 0 });
  });

  // Pins: when the guarded insert still refuses (the balance was spent while Alipay made the
  // trade), the trade is closed at Alipay and the close is in the channel log.
  it('the balance spent while Alipay makes the trade: 110, and that trade is closed at Alipay', async () => {
    const { merchant, app, alipayAppId, configId } = await liveShop({ order_fee_points: 10 }, 10);
    beforeCall = {
      api: 'alipay.trade.precreate',
      run: () => ok('POST', `/merchants/${merchant.id}/points`, { delta: -10, reason: 'adjustment' }),
    };
    const k = uniq('race');
    try {
      expect(await create(app, k)).toMatchObject({
        code: 110,
        msg: "points insufficient: this order's fee is 10 points and the balance is 0; recharge to take more orders",
      });
    } finally {
      beforeCall = null;
    }
    expect(await tradesAtAlipay(alipayAppId)).toEqual([{ status: 'TRADE_CLOSED' }]);
    expect(await ordersWith(k)).toBe(0);
    const log = await orderTables
      .prepare('SELECT api, order_id FROM channel_log WHERE config_id = ? ORDER BY id')
      .bind(configId)
      .all();
    expect(log.results).toEqual([
      { api: 'alipay.trade.precreate', order_id: null },
      { api: 'alipay.trade.close', order_id: null },
    ]);
    expect(await merchantRow(merchant.id)).toMatchObject({ points: 0, quota_used: 0 });
    expect(await ledgerSum(merchant.id)).toBe(0);
  });
});

describe('the monthly quota on live channel orders', () => {
  it('counts each new live channel order once; past the quota 110 names it; a repeat is the same order, not counted', async () => {
    const { merchant, app } = await liveShop({ monthly_quota: 2 }, 0);
    const k1 = uniq('q1');
    const first = await create(app, k1);
    expect(first.code).toBe(100);
    expect(await create(app, k1)).toMatchObject({ code: 100, data: { order_id: first.data.order_id } });
    expect((await create(app, uniq('q2'))).code).toBe(100);
    const k3 = uniq('q3');
    const refused = await create(app, k3);
    expect(refused).toMatchObject({ code: 110, data: null });
    expect(refused.msg).toMatch(/^plan exceeded: the monthly quota of 2 live orders for \d{4}-\d{2} is used up/);
    expect(await ordersWith(k3)).toBe(0);
    expect(await merchantRow(merchant.id)).toMatchObject({ quota_used: 2 });
  });
});

describe('a late provider payment of a closed order', () => {
  it('keeps the one fee: none given back while the close is unconfirmed, none charged again when paid', async () => {
    const { merchant, app } = await liveShop({ order_fee_points: 10 }, 50);
    const o = await create(app, uniq('late'));
    const qr = new URL(o.data.qrcode_url).searchParams.get('text')!;
    failClose = true;
    try {
      // Alipay cannot be reached for the close: closed here, the close retried later, the fee kept.
      const closed = await gatepay('close', await signedLookup(app, String(o.data.order_id), ''));
      expect(closed).toMatchObject({ code: 100, data: { status: 'closed' } });
    } finally {
      failClose = false;
    }
    expect(await ledgerOf(merchant.id, o.data.order_id)).toEqual([
      { reason: 'order_fee', delta: -10, reference: `order:${o.data.order_id}` },
    ]);
    // The payer pays the QR before the close reaches Alipay: the notify makes the order paid.
    expect((await scanAndPay(qr)).status).toBe(200);
    const paid = await orderBecomes(o.data.order_id, 'paid');
    const payment = await orderTables
      .prepare('SELECT note FROM payments WHERE id = ?')
      .bind(paid.payment_id)
      .first<any>();
    expect(payment.note).toBe('paid at alipay after huipay had closed the order');
    // The retried close finds nothing to do; the ledger holds the one fee.
    await dueNow(o.data.order_id);
    await sweepAt();
    expect(await ledgerOf(merchant.id, o.data.order_id)).toEqual([
      { reason: 'order_fee', delta: -10, reference: `order:${o.data.order_id}` },
    ]);
    expect((await merchantRow(merchant.id)).points).toBe(40);
    expect(await ledgerSum(merchant.id)).toBe(40);
  });

  it('a close retried until the provider confirms it gives the fee back then', async () => {
    const { merchant, app } = await liveShop({ order_fee_points: 10 }, 10);
    const o = await create(app, uniq('retry'));
    failClose = true;
    try {
      await gatepay('close', await signedLookup(app, String(o.data.order_id), ''));
    } finally {
      failClose = false;
    }
    expect((await merchantRow(merchant.id)).points).toBe(0);
    await dueNow(o.data.order_id);
    await sweepAt();
    expect(await ledgerOf(merchant.id, o.data.order_id)).toEqual([
      { reason: 'order_fee', delta: -10, reference: `order:${o.data.order_id}` },
      { reason: 'refund_of_fee', delta: 10, reference: `order:${o.data.order_id}` },
    ]);
    expect((await merchantRow(merchant.id)).points).toBe(10);
  });
});
