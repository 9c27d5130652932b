import { describe, expect, it } from 'vitest';
import { eventually, md5, merchantLog, merchantUrl, ok, setupMerchant, orderTables } from '../helpers';
import { dujiaoka, EpayCore, goEpay, v2board, vmqApk } from '../facades/clients';
import { epayCall, onlyRequest, queryOf, send, tokenOf, uniq } from '../facades/helpers';

const deliveriesOf = async (orderId: number) => (await ok('GET', `/orders/${orderId}/deliveries`, undefined, 200)).data;
const orderRow = (token: string) =>
  orderTables.prepare('SELECT * FROM orders WHERE pay_token = ?').bind(token).first<Record<string, any>>();

/** Follows the cashier's status poll until the order is paid and the merchant acknowledged: the return URL. */
async function returnUrlOf(token: string): Promise<string> {
  return eventually(async () => {
    const s = await (await send(`/pay/${token}/status`)).json();
    expect(s).toMatchObject({ status: 'paid', acknowledged: true });
    return s.return_url as string;
  });
}

describe('epay end to end', () => {
  it('EpayCore pagePay → cashier → simulate → GET notify every epay client verifies → signed return', async () => {
    const key = uniq('epay-e2e');
    const m = await setupMerchant({ sessions: 1, mode: 'sandbox' });
    const sdk = new EpayCore({ pid: String(m.app.id), key: m.app.appsecret, apiurl: 'http://gw.test/' });
    const params = {
      pid: String(m.app.id),
      type: 'alipay',
      out_trade_no: uniq('E2E'),
      notify_url: merchantUrl('success', key),
      return_url: merchantUrl('page', key),
      name: 'VIP会员 月卡',
      money: '12.30',
      param: 'user=42',
    };
    const req = await sdk.pagePay(params);
    const start = await send(req.url, { form: req.body });
    expect(start.status).toBe(302);
    const token = tokenOf(start.location);

    const page = await send(start.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('模拟支付');
    const sim = await send(`/pay/${token}/simulate`, { method: 'POST' });
    expect(sim.json()).toMatchObject({ matched: true, out_order_id: params.out_trade_no });

    const notify = await onlyRequest(key);
    expect(notify.method).toBe('GET');
    expect(notify.body).toBe('');
    const q = queryOf(notify.path);
    const order = (await orderRow(token))!;
    expect(Object.keys(q)).toEqual([
      'pid',
      'trade_no',
      'out_trade_no',
      'type',
      'name',
      'money',
      'trade_status',
      'param',
      'sign',
      'sign_type',
    ]);
    expect(q).toMatchObject({
      pid: String(m.app.id),
      trade_no: String(order.id),
      out_trade_no: params.out_trade_no,
      type: 'alipay',
      name: 'VIP会员 月卡',
      money: '12.3',
      trade_status: 'TRADE_SUCCESS',
      param: 'user=42',
      sign_type: 'MD5',
    });
    // Each client's own check of the notify.
    expect(await sdk.verifyNotify(q)).toBe(true);
    expect(await v2board.notify({ key: m.app.appsecret }, q)).toEqual({
      trade_no: params.out_trade_no,
      callback_no: String(order.id),
    });
    expect(await goEpay.verify({ Key: m.app.appsecret }, q)).toEqual({
      verifyStatus: true,
      tradeStatus: 'TRADE_SUCCESS',
    });
    expect(await dujiaoka.yipayNotify(m.app.appsecret, q, { actual_price: '12.30', completed: false })).toBe('success');
    // …and they refuse a notify for another amount (dujiaoka compares it with the order's).
    expect(await dujiaoka.yipayNotify(m.app.appsecret, q, { actual_price: '12.29', completed: false })).toBe('fail');
    expect(await sdk.verifyNotify({ ...q, money: '12.29' })).toBe(false);

    // The delivery log shows a GET to the notify URL with the query, delivered at once.
    const [d] = await deliveriesOf(order.id);
    expect(d).toMatchObject({ kind: 'epay_notify', status: 'delivered', attempts: 1 });
    expect(d.log[0].url).toBe(`${params.notify_url}?${new URLSearchParams(q)}`);

    // The return: the same signed fields, which the SDK's verifyReturn accepts.
    const back = await returnUrlOf(token);
    expect(back.startsWith(`${params.return_url}?`)).toBe(true);
    const r = queryOf(back);
    expect(r).toEqual(q);
    expect(await sdk.verifyNotify(r)).toBe(true);
  });

  it('v2board: no param → no param field, so its sign over every field (empty ones too) holds; a notify URL with a query gets &', async () => {
    const key = uniq('v2b-e2e');
    const m = await setupMerchant({ sessions: 1, mode: 'sandbox' });
    const tradeNo = uniq('2026');
    const link = await v2board.pay(
      { url: 'http://gw.test', pid: String(m.app.id), key: m.app.appsecret },
      {
        total_amount: 2000,
        trade_no: tradeNo,
        notify_url: `${merchantUrl('success', key)}?method=EPay`,
        return_url: merchantUrl('page', key),
      },
    );
    const picker = await send(link.data);
    expect(picker.status).toBe(200);
    const hidden = [...picker.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(
      ([, k, v]) => [k, v.replace(/&amp;/g, '&')] as [string, string],
    );
    const chosen = await send('/submit.php', { form: new URLSearchParams([...hidden, ['type', 'alipay']]).toString() });
    const token = tokenOf(chosen.location);
    await send(`/pay/${token}/simulate`, { method: 'POST' });
    const notify = await onlyRequest(key);
    expect(notify.path.startsWith(`/success/${key}?method=EPay&pid=`)).toBe(true);
    const q = queryOf(notify.path);
    expect(q).not.toHaveProperty('param');
    expect(q.money).toBe('20');
    // v2board reads its own `method` route parameter apart from the notify's fields.
    const { method: _, ...fields } = q;
    expect(await v2board.notify({ key: m.app.appsecret }, fields)).toEqual({
      trade_no: tradeNo,
      callback_no: fields.trade_no,
    });
  });

  it('a merchant answering SUCCESS inside an HTML page: delivered (epay accepts a body containing success)', async () => {
    const key = uniq('epay-html');
    const m = await setupMerchant({ sessions: 1, mode: 'sandbox' });
    const sdk = new EpayCore({ pid: String(m.app.id), key: m.app.appsecret, apiurl: 'http://gw.test/' });
    const res = await epayCall(
      '/mapi.php',
      await sdk.buildRequestParam({
        pid: String(m.app.id),
        type: 'alipay',
        out_trade_no: uniq('H'),
        notify_url: merchantUrl('html-success', key),
        name: 'x',
        money: '3',
        clientip: '203.0.113.1',
      }),
    );
    const token = tokenOf(res.json().payurl);
    await send(`/pay/${token}/simulate`, { method: 'POST' });
    const order = (await orderRow(token))!;
    await eventually(async () => {
      const [d] = await deliveriesOf(order.id);
      expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
    });
  });
});

describe('V免签 end to end', () => {
  it('dujiaoka createOrder → cashier → appPush from the app → GET notify dujiaoka verifies → checkOrder return', async () => {
    const key = uniq('vmq-e2e');
    // dujiaoka sends its notifyUrl and returnUrl with every order: the app allows per-order URLs.
    const m = await setupMerchant({ sessions: 0, mode: 'live', app: { allow_url_override: true } });
    const s = await ok('POST', `/merchants/${m.merchant.id}/sessions`, {
      type: 'alipay',
      label: 'phone',
      qr_payload: 'https://qr.alipay.com/phone',
    });
    const app = vmqApk.readConfig(s.vmq_config);
    expect((await send(await vmqApk.appHeart(app.host, app.key))).json()).toMatchObject({ code: 1 });

    const orderSn = uniq('DJK');
    const gateway = await dujiaoka.vpayGateway(
      { merchant_id: m.app.appsecret, merchant_pem: `http://gw.test/vmq/${m.app.appkey}/` },
      'vzfb',
      { order_sn: orderSn, actual_price: '10.00' },
      { returnUrl: merchantUrl('page', key), notifyUrl: merchantUrl('success', key) },
      `${Date.now()}4242`,
    );
    const start = await send(gateway);
    expect(start.status).toBe(302);
    const token = tokenOf(start.location);
    expect((await send(start.location!)).status).toBe(200);
    const order = (await orderRow(token))!;

    // The wallet's notification is read by the app, which pushes the amount as a Java double.
    const push = await send(await vmqApk.appPush(app.host, app.key, 2, order.realprice_fen / 100));
    expect(push.json()).toEqual({ code: 1, msg: '成功', data: null });

    const notify = await onlyRequest(key);
    expect(notify.method).toBe('GET');
    const q = queryOf(notify.path);
    expect(Object.keys(q)).toEqual(['payId', 'param', 'type', 'price', 'reallyPrice', 'sign']);
    expect(q).toMatchObject({
      param: orderSn,
      type: '2',
      price: '10',
      reallyPrice: (order.realprice_fen / 100).toFixed(2),
    });
    expect(await dujiaoka.vpayNotify(m.app.appsecret, q, { actual_price: '10.00', completed: false })).toBe('success');
    expect(await dujiaoka.vpayNotify(m.app.appsecret, q, { actual_price: '10.00', completed: true })).toBe('fail');
    expect(await dujiaoka.vpayNotify('other-key', q, { actual_price: '10.00', completed: false })).toBe('fail');
    const [d] = await deliveriesOf(order.id);
    expect(d).toMatchObject({ kind: 'vmq_notify', status: 'delivered', attempts: 1 });

    // checkOrder's answer and the cashier's return are the same signed return URL.
    const check = (await send(`/vmq/${m.app.appkey}/checkOrder?orderId=${token}`)).json();
    expect(check.code).toBe(1);
    expect(await returnUrlOf(token)).toBe(check.data);
    const r = queryOf(check.data);
    expect(r.sign).toBe(await md5(r.payId + r.param + r.type + r.price + r.reallyPrice + m.app.appsecret));
  });

  it('price echoed exactly as sent (1.00 stays 1.00); a notify answered SUCCESS in HTML is not delivered', async () => {
    const key = uniq('vmq-html');
    const m = await setupMerchant({ sessions: 1, mode: 'sandbox', app: { allow_url_override: true } });
    const p: Record<string, string> = {
      payId: uniq('P'),
      type: '2',
      price: '1.00',
      param: '',
      notifyUrl: merchantUrl('html-success', key),
    };
    p.sign = await md5(p.payId + p.param + p.type + p.price + m.app.appsecret);
    const body = (await send(`/vmq/${m.app.appkey}/createOrder?${new URLSearchParams(p)}`)).json();
    expect(body.data.price).toBe('1.00');
    await send(`/pay/${body.data.orderId}/simulate`, { method: 'POST' });
    const log = await eventually(async () => {
      const l = await merchantLog(key);
      expect(l.length).toBeGreaterThanOrEqual(2);
      return l;
    });
    expect(queryOf(log[0].path)).toMatchObject({ price: '1.00', param: '' });
    const order = (await orderRow(body.data.orderId))!;
    const [d] = await deliveriesOf(order.id);
    expect(d.kind).toBe('vmq_notify');
    expect(d.status).not.toBe('delivered');
    expect(d.log[0]).toMatchObject({
      ok: false,
      status: 200,
      error: 'HTTP 200: not acknowledged (the body must be exactly "success", nothing around it)',
    });
  });

  it('a resend of a V免签 notify is one more GET with the same query', async () => {
    const key = uniq('vmq-resend');
    const m = await setupMerchant({ sessions: 1, mode: 'sandbox', app: { allow_url_override: true } });
    const p: Record<string, string> = {
      payId: uniq('R'),
      type: '2',
      price: '2.5',
      notifyUrl: merchantUrl('success', key),
    };
    p.sign = await md5(`${p.payId}${p.type}${p.price}${m.app.appsecret}`);
    const body = (await send(`/vmq/${m.app.appkey}/createOrder`, { form: new URLSearchParams(p).toString() })).json();
    await send(`/pay/${body.data.orderId}/simulate`, { method: 'POST' });
    const order = (await orderRow(body.data.orderId))!;
    const [d] = await eventually(async () => {
      const ds = await deliveriesOf(order.id);
      expect(ds[0]?.status).toBe('delivered');
      return ds;
    });
    const again = await ok('POST', `/deliveries/${d.id}/resend`, undefined, 200);
    expect(again).toMatchObject({ status: 'delivered', attempts: 2 });
    const log = await merchantLog(key);
    expect(log).toHaveLength(2);
    expect(log[1].path).toBe(log[0].path);
  });
});
