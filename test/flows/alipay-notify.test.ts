import { describe, expect, it } from 'vitest';
import { count, eventually, expectWithin, merchantLog, ok, uniqueKey as key, orderTables } from '../helpers';
import { createVia, keyPair, postNotify, rsaSign, signString, zeroSetupApp } from '../channels/helpers';
import faultPrivate from '../fixtures/rsa/fault-alipay-private.pem?raw';
import faultPublic from '../fixtures/rsa/fault-alipay-public.pem?raw';

const alipayKey = crypto.subtle.importKey(
  'pkcs8',
  Uint8Array.from(atob(faultPrivate.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0)),
  { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  false,
  ['sign'],
);
const china = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
/** The unix seconds of a China-time "yyyy-MM-dd HH:mm:ss" the notify carried (what paid_at must be). */
const unixOfChina = (s: string) => Date.parse(`${s.replace(' ', 'T')}+08:00`) / 1000;
let n = 0;

/** A sandbox app whose Alipay config trusts the test key; its gateway answers 20000 (queries stay unknown). */
async function notifiedShop() {
  const { app, raw, merchant } = await zeroSetupApp();
  const cfg = await ok(
    'PUT',
    `/apps/${app.appkey}/channels/alipay`,
    {
      app_id: `20210000${String(Date.now()).slice(-8)}`,
      private_key: (await keyPair()).pkcs8,
      alipay_public_key: faultPublic,
      gateway_url: `https://merchant.example/alipay20000/${key('gw')}`,
    },
    201,
  );
  return { app, raw, merchant, cfg };
}

async function order(shop: Awaited<ReturnType<typeof notifiedShop>>, price: string) {
  const created = await createVia(shop.app, price, key('n'), { method: 'wap' });
  return { created, row: await ok('GET', `/orders/${created.order_id}`, undefined, 200) };
}

/** A trade_status_sync notify as Alipay sends it, signed over all fields but sign and sign_type. */
async function notify(
  appId: string,
  outTradeNo: string,
  amount: string,
  over: Record<string, string> = {},
  signer: Promise<CryptoKey> = alipayKey,
) {
  const now = Date.now();
  const f: Record<string, string> = {
    gmt_create: china(now - 5000),
    charset: 'utf-8',
    gmt_payment: china(now - 1000),
    notify_time: china(now),
    subject: 'test',
    buyer_id: '2088102177846880',
    invoice_amount: amount,
    version: '1.0',
    notify_id: `2026${now}`,
    fund_bill_list: `[{"amount":"${amount}","fundChannel":"ALIPAYACCOUNT"}]`,
    notify_type: 'trade_status_sync',
    out_trade_no: outTradeNo,
    total_amount: amount,
    trade_status: 'TRADE_SUCCESS',
    trade_no: `2026010122001${String(now).slice(-10)}${++n}`,
    auth_app_id: appId,
    receipt_amount: amount,
    point_amount: '0.00',
    app_id: appId,
    buyer_pay_amount: amount,
    seller_id: '2088102176283877',
    buyer_logon_id: 'pay***@test.example',
    ...over,
  };
  const { sign_type: _, ...signed } = f;
  f.sign = await rsaSign(await signer, signString(signed, ['sign']));
  f.sign_type = over.sign_type ?? 'RSA2';
  return f;
}

const payments = async (merchantId: number) =>
  (await ok('GET', `/merchants/${merchantId}/payments`, undefined, 200)).data;
const status = async (id: number) => (await ok('GET', `/orders/${id}`, undefined, 200)).status;

describe('a verified notify', () => {
  it('marks the order paid once, answers success, and the merchant gets one notify', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '10.00');
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '10.00');
    expect(await postNotify(shop.cfg.id, f)).toEqual({ status: 200, text: 'success' });
    const paid = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(paid).toMatchObject({
      status: 'paid',
      provider_txn_id: f.trade_no,
      paid_at: unixOfChina(f.gmt_payment),
    });
    const [p] = await payments(shop.merchant.id);
    expect(p).toMatchObject({
      order_id: created.order_id,
      ref: f.trade_no,
      payer: 'pay***@test.example',
      amount: '10.00',
      channel: 'alipay',
    });
    // The same notify again (Alipay retries until it reads "success"): the same answer, nothing new.
    expect(await postNotify(shop.cfg.id, f)).toEqual({ status: 200, text: 'success' });
    expect(await payments(shop.merchant.id)).toHaveLength(1);
    await eventually(async () => expect(await merchantLog(shop.raw.notify_url.split('/').pop())).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(await merchantLog(shop.raw.notify_url.split('/').pop())).toHaveLength(1);
  });

  it('arriving five at once: one payment, one paid order, one notify to the merchant', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '20.00');
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '20.00');
    const answers = await Promise.all(Array.from({ length: 5 }, () => postNotify(shop.cfg.id, f)));
    expect(answers.map((a) => a.text)).toEqual(Array(5).fill('success'));
    expect(await status(created.order_id)).toBe('paid');
    expect(await payments(shop.merchant.id)).toHaveLength(1);
    const deliveries = (await ok('GET', `/orders/${created.order_id}/deliveries`, undefined, 200)).data;
    expect(deliveries.filter((d: any) => d.kind === 'notify')).toHaveLength(1);
    await eventually(async () => expect(await merchantLog(shop.raw.notify_url.split('/').pop())).toHaveLength(1));
  });

  it('WAIT_BUYER_PAY and TRADE_CLOSED are acknowledged and change nothing', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '3.00');
    for (const trade_status of ['WAIT_BUYER_PAY', 'TRADE_CLOSED'])
      expect(
        (await postNotify(shop.cfg.id, await notify(shop.cfg.app_id, row.provider_trade_no, '3.00', { trade_status })))
          .text,
      ).toBe('success');
    expect(await status(created.order_id)).toBe('pending');
    expect(await payments(shop.merchant.id)).toHaveLength(0);
  });
});

describe('notifies that change nothing', () => {
  it.each([
    ['signed by another key', async () => (await keyPair()).privateKey, {}],
    ['sign_type tampered to RSA', null, { sign_type: 'RSA' }],
  ] as const)('%s: answered fail, logged, the order stays pending', async (_, otherKey, over) => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '5.00');
    const signer = otherKey ? otherKey() : alipayKey;
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '5.00', over, signer as Promise<CryptoKey>);
    expect(await postNotify(shop.cfg.id, f)).toEqual({ status: 200, text: 'fail' });
    expect(await status(created.order_id)).toBe('pending');
    expect(await payments(shop.merchant.id)).toHaveLength(0);
    const [log] = (await ok('GET', `/apps/${shop.app.appkey}/channels/alipay/log`, undefined, 200)).data;
    expect(log).toMatchObject({ kind: 'notify', outcome: 'rejected' });
    expect(log.error).toMatch(/^(sign does not verify|sign_type RSA: huipay accepts RSA2)/);
  });

  it('a forged field after signing (one fen more) is refused by the signature', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '5.00');
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '5.00');
    expect((await postNotify(shop.cfg.id, { ...f, total_amount: '5.01' })).text).toBe('fail');
    expect(await status(created.order_id)).toBe('pending');
  });

  it('addressed to another app_id: answered fail, nothing recorded', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '6.00');
    const f = await notify('2021009999999999', row.provider_trade_no, '6.00');
    expect((await postNotify(shop.cfg.id, f)).text).toBe('fail');
    expect(await status(created.order_id)).toBe('pending');
    const [log] = (await ok('GET', `/apps/${shop.app.appkey}/channels/alipay/log`, undefined, 200)).data;
    expect(log.error).toBe(`addressed to account 2021009999999999, but this config is ${shop.cfg.app_id}`);
  });

  it('an amount one fen off leaves the order unpaid and puts the payment in the unmatched inbox with the reason', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '10.00');
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '9.99');
    expect((await postNotify(shop.cfg.id, f)).text).toBe('success');
    expect(await status(created.order_id)).toBe('pending');
    const [p] = (await ok('GET', `/merchants/${shop.merchant.id}/payments?matched=false`, undefined, 200)).data;
    expect(p).toMatchObject({
      amount: '9.99',
      order_id: null,
      ref: f.trade_no,
      note: `amount 9.99 differs from order ${created.order_id}'s 10.00: the order stays unpaid`,
    });
    expect((await postNotify(shop.cfg.id, f)).text).toBe('success');
    expect(await payments(shop.merchant.id)).toHaveLength(1);
  });

  it('an out_trade_no that is not ours goes to the unmatched inbox', async () => {
    const shop = await notifiedShop();
    const f = await notify(shop.cfg.app_id, 'someone-elses-order-1', '1.00');
    expect((await postNotify(shop.cfg.id, f)).text).toBe('success');
    const [p] = await payments(shop.merchant.id);
    expect(p).toMatchObject({
      order_id: null,
      note: 'someone-elses-order-1 is not an order of this app (paid at alipay, no order here)',
    });
  });

  it('an unknown config, a parameter sent twice, an empty body: fail', async () => {
    const shop = await notifiedShop();
    const { row } = await order(shop, '2.00');
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '2.00');
    expect((await postNotify(999999, f)).text).toBe('fail');
    const { SELF } = await import('cloudflare:test');
    const twice = await SELF.fetch(`http://gw.test/channels/alipay/notify/${shop.cfg.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${new URLSearchParams(f)}&out_trade_no=x`,
    });
    expect(await twice.text()).toBe('fail');
    expect((await postNotify(shop.cfg.id, {})).text).toBe('fail');
    expect(await count('payments')).toBeGreaterThanOrEqual(0);
  });
});

describe('a notify after the order ended here (paid at the provider = paid here, with the reason)', () => {
  it('expired: the order becomes paid, the payment says why, the merchant is notified', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '8.00');
    await orderTables.prepare(`UPDATE orders SET status = 'expired' WHERE id = ?`).bind(created.order_id).run();
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '8.00');
    expect((await postNotify(shop.cfg.id, f)).text).toBe('success');
    expect(await status(created.order_id)).toBe('paid');
    const [p] = await payments(shop.merchant.id);
    expect(p).toMatchObject({ order_id: created.order_id, note: 'paid at alipay after huipay had expired the order' });
    await eventually(async () => expect(await merchantLog(shop.raw.notify_url.split('/').pop())).toHaveLength(1));
  });

  it('closed by the merchant while the provider could not be reached: the close is retried, a payment still counts', async () => {
    const shop = await notifiedShop();
    const { created, row } = await order(shop, '9.00');
    const { gatepay, signedLookup } = await import('../helpers');
    const t0 = Date.now();
    const closed = await gatepay('close', await signedLookup(shop.app, String(created.order_id), ''));
    const t1 = Date.now();
    expect(closed.data.status).toBe('closed');
    const after = await orderTables
      .prepare('SELECT next_query_ms FROM orders WHERE id = ?')
      .bind(created.order_id)
      .first<number>('next_query_ms');
    expectWithin(after!, t0 + 60_000, t1 + 60_000); // the close at the provider is retried a minute later
    const f = await notify(shop.cfg.app_id, row.provider_trade_no, '9.00');
    expect((await postNotify(shop.cfg.id, f)).text).toBe('success');
    const o = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(o.status).toBe('paid');
    expect((await payments(shop.merchant.id))[0].note).toBe('paid at alipay after huipay had closed the order');
    expect(
      await orderTables
        .prepare('SELECT next_query_ms FROM orders WHERE id = ?')
        .bind(created.order_id)
        .first('next_query_ms'),
    ).toBeNull();
  });
});
