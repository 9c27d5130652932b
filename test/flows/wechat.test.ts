/**
 * Orders through WeChat Pay v3 against the built-in simulator, end to end inside workerd: the
 * zero-setup sandbox and each method — Native (`code_url`), H5 (`h5_url` with `redirect_url`),
 * JSAPI (openid, the signed WeixinJSBridge parameters, the cashier inside WeChat), App (pay_info
 * signed per WeChat's App rules) — the signed notify, query, close at expiry and refunds. Signatures
 * are checked here with WebCrypto from the protocol text, not with huipay's code.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  expectWithin,
  gatepay,
  merchantLog,
  ok,
  signedLookup,
  specSign,
  uniqueKey as key,
} from '../helpers';
import {
  createAs,
  dueNow,
  gw,
  orderBecomes,
  payOn,
  PC_UA,
  pemBody,
  PHONE_UA,
  rsaVerify,
  simTrade,
  sweepAt,
  WECHAT_UA,
  zeroSetupApp,
  refundOrder,
} from '../channels/helpers';

const qrOf = (created: { qrcode_url: string }) => new URL(created.qrcode_url).searchParams.get('text')!;
const notifyKey = (raw: { notify_url: string }) => raw.notify_url.split('/').pop()!;
const lines = (...f: string[]) => f.map((x) => `${x}\n`).join('');

async function config(appkey: string) {
  return ok('GET', `/apps/${appkey}/channels/wechat`, undefined, 200);
}

describe('zero-setup sandbox: wechat orders go to the WeChat Pay simulator', () => {
  it('qr (Native): scan, pay, the order is paid once and the merchant gets the signed notify', async () => {
    const { app, raw } = await zeroSetupApp();
    const k = key('wxq');
    const created = await createAs(app, 'wechat', '12.34', k, { method: 'qr', subject: '会员 VIP' });
    expect(created).toMatchObject({
      price: '12.34',
      realprice: '12.34',
      channel: 'wechat',
      method: 'qr',
      type: 'wechat',
    });
    const order = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    const trade = await simTrade(order.provider_trade_no);
    expect(trade).toMatchObject({
      channel: 'wechat',
      amount_fen: 1234,
      subject: '会员 VIP',
      api: 'NATIVE',
      status: 'NOTPAY',
    });
    expect(qrOf(created)).toBe(gw(`/sandbox/wechat/qr/${trade.token}`));
    const cfg = await config(app.appkey);
    expect(cfg).toMatchObject({ implicit: true, base_url: gw('/sandbox/wechat'), mchid: trade.account });
    expect(JSON.parse(trade.extra)).toMatchObject({ appid: cfg.appid });
    expect(trade.notify_url).toBe(gw(`/channels/wechat/notify/${cfg.id}`));

    const scan = await SELF.fetch(qrOf(created), { redirect: 'manual' });
    const page = new URL(scan.headers.get('location')!, gw('/')).toString();
    const html = await (await SELF.fetch(page)).text();
    expect(html).toContain('微信支付');
    expect(html).toContain('¥12.34');
    expect((await payOn(page)).status).toBe(200);
    const paid = await orderBecomes(created.order_id, 'paid');
    expect(paid.provider_txn_id).toBe((await simTrade(order.provider_trade_no)).trade_no);
    const seen = await eventually(async () => {
      const log = await merchantLog(notifyKey(raw));
      expect(log).toHaveLength(1);
      return log;
    });
    const f = Object.fromEntries(new URLSearchParams(seen[0].body));
    expect(f).toMatchObject({ order_id: String(created.order_id), out_order_id: k, type: 'wechat', price: '12.34' });
    expect(f.sign).toBe(
      await specSign(
        [app.appkey, f.order_id, f.out_order_id, f.price, f.realprice, f.type, f.paytime, f.extend],
        app.appsecret,
      ),
    );
    expect((await simTrade(order.provider_trade_no)).notify_state).toBe('delivered');
    const log = (await ok('GET', `/orders/${created.order_id}/channel-log`, undefined, 200)).data;
    expect(log.map((l: any) => [l.kind, l.api, l.outcome])).toContainEqual(['notify', 'notify', 'processed']);
    expect(log.map((l: any) => [l.api, l.outcome])).toContainEqual(['POST /v3/pay/transactions/native', 'ok']);
  });

  it('qr opened on the PC itself: the simulator says paid and leads back to the cashier; no other `back` is taken', async () => {
    const { app } = await zeroSetupApp();
    const created = await createAs(app, 'wechat', '3.21', key('wxback'), { method: 'qr' });
    const cashierPath = `${new URL(created.pay_url).pathname}?return=1`;
    const html = await (await SELF.fetch(created.pay_url, { headers: { 'user-agent': PC_UA } })).text();
    const link = html.match(/id="open-simulator" href="([^"]+)"/)![1];
    expect(link).toBe(`${qrOf(created)}?back=${encodeURIComponent(cashierPath)}`);
    const scan = await SELF.fetch(link, { redirect: 'manual' });
    const token = new URL(qrOf(created)).pathname.split('/').pop();
    expect(scan.headers.get('location')).toBe(`/sandbox/wechat/pay/${token}?back=${encodeURIComponent(cashierPath)}`);
    const page = await (await SELF.fetch(gw(scan.headers.get('location')!))).text();
    expect(page).toContain(`<input type="hidden" name="back" value="${cashierPath}"/>`);
    expect(page).not.toContain('id="back"');
    const paid = await SELF.fetch(gw(`/sandbox/wechat/pay/${token}`), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'pay', back: cashierPath }).toString(),
    });
    expect(paid.status).toBe(200);
    const after = await paid.text();
    expect(after).toContain('id="message" role="status">支付成功 Paid</p>');
    expect(after).toContain(`class="button pay" id="back" href="${cashierPath}">返回商户 Back to the merchant</a>`);
    await orderBecomes(created.order_id, 'paid');
    const cashier = await SELF.fetch(gw(cashierPath), { headers: { 'user-agent': PC_UA } });
    expect(await cashier.text()).toContain('"status":"paid"');

    // Only huipay's cashier path: the simulator is no open redirect.
    for (const bad of ['https://evil.example/', '//evil.example/pay/x', `${cashierPath}&x=1`, '/console', '']) {
      const q = `?back=${encodeURIComponent(bad)}`;
      const scanned = await SELF.fetch(`${qrOf(created)}${q}`, { redirect: 'manual' });
      expect(scanned.headers.get('location'), bad).toBe(`/sandbox/wechat/pay/${token}`);
      const shown = await (await SELF.fetch(gw(`/sandbox/wechat/pay/${token}${q}`))).text();
      expect(shown, bad).not.toContain('name="back"');
      expect(shown, bad).not.toContain('id="back"');
      const cancelled = await SELF.fetch(gw(`/sandbox/wechat/pay/${token}`), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action: 'cancel', back: bad }).toString(),
      });
      expect(cancelled.status, bad).toBe(200);
    }
  });

  it('wap (H5): a phone is sent to h5_url with redirect_url, pays, and comes back to the cashier', async () => {
    const { app } = await zeroSetupApp();
    const created = await createAs(app, 'wechat', '5.00', key('wxh5'));
    expect(created.method).toBe('auto');
    const res = await SELF.fetch(created.pay_url, {
      redirect: 'manual',
      headers: { 'user-agent': PHONE_UA, 'cf-connecting-ip': '203.0.113.9' },
    });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(gw('/sandbox/wechat/checkmweb'));
    expect(to.searchParams.get('redirect_url')).toBe(`${created.pay_url}?return=1`);
    const order = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    const trade = await simTrade(order.provider_trade_no);
    expect(trade).toMatchObject({ api: 'MWEB', amount_fen: 500 });
    expect(JSON.parse(trade.extra).payer_client_ip).toBe('203.0.113.9');
    const opened = await SELF.fetch(to.toString(), { redirect: 'manual' });
    const back = await payOn(new URL(opened.headers.get('location')!, gw('/')).toString());
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`${created.pay_url}?return=1`);
    const cashier = await SELF.fetch(back.headers.get('location')!, { headers: { 'user-agent': PHONE_UA } });
    expect(await cashier.text()).toContain('"status":"paid"');
  });

  it('jsapi: the prepay and the signed WeixinJSBridge parameters; the cashier inside WeChat starts the payment', async () => {
    const { app } = await zeroSetupApp();
    const t0 = Math.floor(Date.now() / 1000);
    const created = await createAs(app, 'wechat', '8.88', key('wxj'), {
      method: 'jsapi',
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });
    const t1 = Math.floor(Date.now() / 1000);
    const p = JSON.parse(created.pay_info);
    const cfg = await config(app.appkey);
    expect(Object.keys(p)).toEqual(['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign']);
    expect(p).toMatchObject({ appId: cfg.appid, signType: 'RSA' });
    expect(p.package).toMatch(/^prepay_id=wx\d{14}[A-Za-z0-9]{18}$/);
    expectWithin(Number(p.timeStamp), t0, t1);
    const spki = pemBody(cfg.merchant_public_key);
    expect(await rsaVerify(spki, lines(p.appId, p.timeStamp, p.nonceStr, p.package), p.paySign)).toBe(true);
    expect(await rsaVerify(spki, lines(p.appId, p.timeStamp, p.nonceStr, 'prepay_id=other'), p.paySign)).toBe(false);
    const order = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(JSON.parse((await simTrade(order.provider_trade_no)).extra).openid).toBe('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o');
    const html = await (await SELF.fetch(created.pay_url, { headers: { 'user-agent': WECHAT_UA } })).text();
    expect(html).toContain('id="jsapi-pay"');
    expect(html).toContain("WeixinJSBridge.invoke('getBrandWCPayRequest'");
    expect(html).toContain(p.paySign);
    const sim = html.match(/id="open-simulator" href="([^"]+)"/)![1];
    // The sandbox link carries the way back to this cashier page (shown on the simulator once paid).
    const back = encodeURIComponent(`/pay/${created.pay_url.split('/').pop()}?return=1`);
    expect(sim).toBe(gw(`/sandbox/wechat/pay/${p.package.slice('prepay_id='.length)}?back=${back}`));
    expect((await payOn(sim)).status).toBe(200);
    await orderBecomes(created.order_id, 'paid');
  });

  it('auto inside WeChat with an openid: JSAPI is made when the page opens; without one, the QR', async () => {
    const { app } = await zeroSetupApp();
    const withId = await createAs(app, 'wechat', '1.00', key('wxa'), { openid: 'oAuto_123' });
    const html = await (await SELF.fetch(withId.pay_url, { headers: { 'user-agent': WECHAT_UA } })).text();
    expect(html).toContain('id="jsapi-pay"');
    const o1 = await ok('GET', `/orders/${withId.order_id}`, undefined, 200);
    expect((await simTrade(o1.provider_trade_no)).api).toBe('JSAPI');
    const without = await createAs(app, 'wechat', '1.00', key('wxb'));
    const html2 = await (await SELF.fetch(without.pay_url, { headers: { 'user-agent': WECHAT_UA } })).text();
    expect(html2).toContain('id="qr"');
    expect(html2).not.toContain('id="jsapi-pay"');
    const pc = await createAs(app, 'wechat', '1.00', key('wxc'));
    const html3 = await (await SELF.fetch(pc.pay_url, { headers: { 'user-agent': PC_UA } })).text();
    expect(html3).toContain('id="qr"');
    expect(html3).toContain('class="card wechat"');
    expect(html3).toContain('id="brand"');
  });

  it('app: pay_info for the App SDK, signed per WeChat`s App rules over appid, timestamp, noncestr, prepayid', async () => {
    const { app } = await zeroSetupApp();
    const created = await createAs(app, 'wechat', '6.66', key('wxapp'), { method: 'app' });
    const p = JSON.parse(created.pay_info);
    const cfg = await config(app.appkey);
    expect(Object.keys(p).sort()).toEqual([
      'appid',
      'noncestr',
      'package',
      'partnerid',
      'prepayid',
      'sign',
      'timestamp',
    ]);
    expect(p).toMatchObject({ appid: cfg.appid, partnerid: cfg.mchid, package: 'Sign=WXPay' });
    expect(
      await rsaVerify(pemBody(cfg.merchant_public_key), lines(p.appid, p.timestamp, p.noncestr, p.prepayid), p.sign),
    ).toBe(true);
    const html = await (await SELF.fetch(created.pay_url)).text();
    expect(html).toContain('id="in-app"');
    expect((await payOn(gw(`/sandbox/wechat/pay/${p.prepayid}`))).status).toBe(200);
    await orderBecomes(created.order_id, 'paid');
  });
});

describe('query, close and refunds at the simulator', () => {
  it('a lost notify is found by the active query; an unpaid order is closed at expiry', async () => {
    const { app } = await zeroSetupApp();
    const a = await createAs(app, 'wechat', '3.00', key('wxl'), { method: 'qr' });
    const scan = await SELF.fetch(qrOf(a), { redirect: 'manual' });
    await payOn(new URL(scan.headers.get('location')!, gw('/')).toString(), { skipNotify: true });
    expect((await ok('GET', `/orders/${a.order_id}`, undefined, 200)).status).toBe('pending');
    await dueNow(a.order_id);
    await sweepAt();
    expect((await ok('GET', `/orders/${a.order_id}`, undefined, 200)).status).toBe('paid');

    const b = await createAs(app, 'wechat', '3.00', key('wxe'), { method: 'qr' });
    const ob = await ok('GET', `/orders/${b.order_id}`, undefined, 200);
    await dueNow(b.order_id, { expire: true });
    await sweepAt();
    expect((await ok('GET', `/orders/${b.order_id}`, undefined, 200)).status).toBe('expired');
    expect((await simTrade(ob.provider_trade_no)).status).toBe('CLOSED');
    const scanLate = await SELF.fetch(qrOf(b), { redirect: 'manual' });
    expect((await payOn(new URL(scanLate.headers.get('location')!, gw('/')).toString())).status).toBe(409);
  });

  it('the merchant closes a pending order: closed at WeChat Pay first', async () => {
    const { app } = await zeroSetupApp();
    const a = await createAs(app, 'wechat', '2.50', key('wxc'), { method: 'qr' });
    const closed = await gatepay('close', await signedLookup(app, String(a.order_id), ''));
    expect(closed.data.status).toBe('closed');
    const o = await ok('GET', `/orders/${a.order_id}`, undefined, 200);
    expect((await simTrade(o.provider_trade_no)).status).toBe('CLOSED');
  });

  it('refunds: partial then the rest, idempotent on out_refund_no, never above the paid amount, concurrent ones fit', async () => {
    const { app } = await zeroSetupApp();
    const a = await createAs(app, 'wechat', '10.00', key('wxr'), { method: 'qr' });
    const scan = await SELF.fetch(qrOf(a), { redirect: 'manual' });
    await payOn(new URL(scan.headers.get('location')!, gw('/')).toString());
    await orderBecomes(a.order_id, 'paid');
    const refund = (no: string, amount: string) => refundOrder(app, a.order_id, no, amount);
    const first = await refund(key('rf'), '3.00');
    expect(first).toMatchObject({ code: 100, data: { status: 'succeeded', amount: '3.00' } });
    expect(await refund(first.data.out_refund_no, '3.00')).toMatchObject({
      code: 100,
      data: { refund_id: first.data.refund_id },
    });
    expect(await refund(first.data.out_refund_no, '4.00')).toMatchObject({ code: 211 });
    expect(await refund(key('rf'), '7.01')).toMatchObject({
      code: 201,
      msg: expect.stringContaining('7.00 refundable'),
    });
    const many = await Promise.all(Array.from({ length: 6 }, () => refund(key('rfc'), '1.50')));
    expect(many.filter((r) => r.code === 100)).toHaveLength(4);
    expect(many.filter((r) => r.code === 201)).toHaveLength(2);
    const o = await ok('GET', `/orders/${a.order_id}`, undefined, 200);
    expect(o).toMatchObject({ refunded: '9.00', status: 'paid' });
    const trade = await simTrade(o.provider_trade_no);
    expect(trade.refunded_fen).toBe(900);
    const rows = await env.DB.prepare('SELECT out_request_no, amount_fen FROM sim_refunds WHERE trade_id = ?')
      .bind(trade.id)
      .all();
    expect(rows.results).toHaveLength(5);
    expect(await refund(key('rf'), '1.00')).toMatchObject({ code: 100, data: { status: 'succeeded' } });
    expect((await ok('GET', `/orders/${a.order_id}`, undefined, 200)).status).toBe('refunded');
    expect((await simTrade(o.provider_trade_no)).status).toBe('REFUND');
  });
});
