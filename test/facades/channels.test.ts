/**
 * The facades onto official channels (SPEC §12 over §11): a sandbox app with no setup at all takes
 * every epay type (`alipay`, `wxpay`, `qqpay`, `bank`) and every V免签 type (1–4) through the
 * built-in simulators, routed exactly as a gatepay create; the payer pays at the simulator; the
 * merchant gets the facade's own GET notify, checked by the ported clients (test/facades/clients.ts);
 * `api.php act=refund` refunds a channel order at its provider under the §11.4 rules.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { md5, merchantUrl, ok } from '../helpers';
import { gw, orderBecomes, payFromCashier, scanAndPay, simTrade, zeroSetupApp } from '../channels/helpers';
import { dujiaoka, EpayCore, goEpay } from './clients';
import { epayCall, notified, orderByToken, send, tokenOf, uniq } from './helpers';

const EPAY_TYPES = [
  ['alipay', 'alipay', 'alipay'],
  ['wxpay', 'wechat', 'wechat'],
  ['qqpay', 'qqpay', 'qqpay'],
  ['bank', 'unionpay', 'unionpay'],
] as const;

describe('epay through official channels, zero-setup sandbox', () => {
  it.each(EPAY_TYPES)(
    'submit type=%s → the %s simulator → paid → the epay notify EpayCore verifies',
    async (word, type, channel) => {
      const key = uniq(`es-${word}`);
      const { app } = await zeroSetupApp({ notify_url: merchantUrl('success', key) });
      const sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
      const params = {
        pid: String(app.id),
        type: word,
        out_trade_no: uniq('ES'),
        notify_url: merchantUrl('success', key),
        return_url: merchantUrl('page', key),
        name: '会员 月卡',
        money: '6.80',
        param: 'uid=7',
      };
      const req = await sdk.pagePay(params);
      const start = await send(req.url, { form: req.body });
      expect(start.status).toBe(302);
      const token = tokenOf(start.location);
      const row = (await orderByToken(token))!;
      expect(row).toMatchObject({
        type,
        channel,
        method: 'auto',
        facade: 'epay',
        price_fen: 680,
        realprice_fen: 680,
        subject: '会员 月卡',
        session_id: 0,
      });
      expect(JSON.parse(row.facade_fields)).toEqual({ type: word, name: '会员 月卡', money: '6.80' });

      expect((await payFromCashier(token)).status).toBe(200);
      await orderBecomes(row.id, 'paid');
      const q = await notified(key);
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
        pid: String(app.id),
        trade_no: String(row.id),
        out_trade_no: params.out_trade_no,
        type: word,
        name: '会员 月卡',
        money: '6.8',
        trade_status: 'TRADE_SUCCESS',
        param: 'uid=7',
      });
      expect(await sdk.verifyNotify(q)).toBe(true);
      expect(await goEpay.verify({ Key: app.appsecret }, q)).toEqual({
        verifyStatus: true,
        tradeStatus: 'TRADE_SUCCESS',
      });
      expect(await dujiaoka.yipayNotify(app.appsecret, q, { actual_price: '6.80', completed: false })).toBe('success');
      const [d] = (await ok('GET', `/orders/${row.id}/deliveries`, undefined, 200)).data;
      expect(d).toMatchObject({ kind: 'epay_notify', status: 'delivered', attempts: 1 });
    },
  );

  it.each(EPAY_TYPES)(
    'mapi type=%s: payurl, and qrcode when the %s order is a channel qr',
    async (word, type, channel) => {
      const key = uniq(`em-${word}`);
      const { app } = await zeroSetupApp({ notify_url: merchantUrl('success', key) });
      const sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
      const req = await sdk.apiPay({
        pid: String(app.id),
        type: word,
        out_trade_no: uniq('EM'),
        notify_url: merchantUrl('success', key),
        name: 'api order',
        money: '2.50',
        clientip: '203.0.113.9',
        device: 'pc',
      });
      const body = (await send(req.url.replace('http://gw.test', ''), { form: req.body })).json();
      const token = tokenOf(body.payurl);
      const row = (await orderByToken(token))!;
      expect(row).toMatchObject({ type, channel, client_ip: '203.0.113.9', facade: 'epay' });
      if (channel === 'unionpay') {
        // UnionPay has no QR method: the cashier page picks the PC or phone page.
        expect(row.method).toBe('auto');
        expect(body).toEqual({ code: 1, msg: '', trade_no: String(row.id), payurl: `http://gw.test/pay/${token}` });
        expect((await payFromCashier(token)).status).toBe(200);
      } else {
        expect(row.method).toBe('qr');
        expect(row.qr_payload).toBe(gw(`/sandbox/${channel}/qr/${(await simTrade(row.provider_trade_no)).token}`));
        expect(body).toEqual({
          code: 1,
          msg: '',
          trade_no: String(row.id),
          payurl: `http://gw.test/pay/${token}`,
          qrcode: row.qr_payload,
        });
        expect((await scanAndPay(body.qrcode)).status).toBe(200);
      }
      await orderBecomes(row.id, 'paid');
      const q = await notified(key);
      expect(q).toMatchObject({ type: word, money: '2.5', out_trade_no: row.out_order_id });
      expect(await sdk.verifyNotify(q)).toBe(true);
    },
  );

  it('a repeat of the same channel order (any type) is that order; other money or name is refused; a phone mapi leaves the method to the cashier', async () => {
    const { app } = await zeroSetupApp();
    const sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
    const p = {
      pid: String(app.id),
      type: 'wxpay',
      out_trade_no: uniq('ER'),
      notify_url: merchantUrl('success', uniq('er')),
      name: 'repeat',
      money: '1.00',
      clientip: '203.0.113.9',
    };
    const first = (await epayCall('/mapi.php', await sdk.buildRequestParam(p))).json();
    expect(first).toMatchObject({ code: 1, qrcode: expect.stringContaining('/sandbox/wechat/qr/') });
    // money 1 is the same amount as 1.00 (epay compares the amount, not its spelling); another type
    // is the same order too (SPEC §12.1 compares money, name, URLs and param): it keeps its WeChat trade
    for (const same of [p, { ...p, money: '1' }, { ...p, type: 'alipay' }])
      expect((await epayCall('/mapi.php', await sdk.buildRequestParam(same))).json()).toEqual(first);
    for (const other of [
      { ...p, money: '1.01' },
      { ...p, name: 'other' },
    ])
      expect((await epayCall('/mapi.php', await sdk.buildRequestParam(other))).json()).toEqual({
        code: -1,
        msg: '该订单支付参数有变化，请更换订单号重新发起支付',
      });
    const phone = (
      await epayCall('/mapi.php', await sdk.buildRequestParam({ ...p, out_trade_no: uniq('EP'), device: 'mobile' }))
    ).json();
    expect(phone).not.toHaveProperty('qrcode');
    expect((await orderByToken(tokenOf(phone.payurl)))!.method).toBe('auto');
  });

  it('submit without type: the picker offers all four types of a zero-setup sandbox app', async () => {
    const { app } = await zeroSetupApp();
    const sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
    const page = await send(
      await sdk.getPayLink({
        pid: String(app.id),
        out_trade_no: uniq('EK'),
        notify_url: merchantUrl('success', 'pick'),
        return_url: merchantUrl('page', 'pick'),
        name: 'pick',
        money: '1.00',
      }),
    );
    expect(page.status).toBe(200);
    const offered = [...page.text.matchAll(/name="type" value="([a-z]+)"/g)].map((m) => m[1]);
    expect(offered.sort()).toEqual(['alipay', 'bank', 'qqpay', 'wxpay']);
  });
});

describe('epay api.php act=refund of a channel order (§11.4)', () => {
  it('refunds at the provider: partial, over the rest refused, out_refund_no idempotent, the rest → refunded', async () => {
    const key = uniq('erf');
    const { app } = await zeroSetupApp({ notify_url: merchantUrl('success', key) });
    const sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
    const made = (
      await epayCall(
        '/mapi.php',
        await sdk.buildRequestParam({
          pid: String(app.id),
          type: 'alipay',
          out_trade_no: uniq('ERF'),
          notify_url: merchantUrl('success', key),
          name: 'refund me',
          money: '10.00',
          clientip: '203.0.113.9',
        }),
      )
    ).json();
    await scanAndPay(made.qrcode);
    await orderBecomes(Number(made.trade_no), 'paid');
    const refund = (fields: Record<string, string>) =>
      epayCall('/api.php', { act: 'refund', pid: String(app.id), key: app.appsecret, ...fields }).then((r) => r.json());

    expect(await refund({ trade_no: made.trade_no, money: '3', out_refund_no: 'rf-a' })).toEqual({
      code: 1,
      msg: '退款成功',
    });
    // The same out_refund_no again is the same refund, not a second one.
    expect(await refund({ trade_no: made.trade_no, money: '3', out_refund_no: 'rf-a' })).toEqual({
      code: 1,
      msg: '退款成功',
    });
    expect(await refund({ trade_no: made.trade_no, money: '4', out_refund_no: 'rf-a' })).toEqual({
      code: -1,
      msg: expect.stringMatching(/^out_refund_no 已用于另一笔退款/),
    });
    expect(await refund({ trade_no: made.trade_no, money: '7.01' })).toEqual({
      code: -1,
      msg: '退款金额超过可退金额：可退 7.00 元',
    });
    const o = await ok('GET', `/orders/${made.trade_no}`, undefined, 200);
    expect(o).toMatchObject({ status: 'paid', refunded: '3.00' });
    expect((await simTrade(o.provider_trade_no)).refunded_fen).toBe(300);
    // By out_trade_no, the rest: the order is refunded.
    expect(await refund({ out_trade_no: o.out_order_id, money: '7.00' })).toEqual({ code: 1, msg: '退款成功' });
    expect(await ok('GET', `/orders/${made.trade_no}`, undefined, 200)).toMatchObject({
      status: 'refunded',
      refunded: '10.00',
    });
    const refunds = (await ok('GET', `/orders/${made.trade_no}/refunds`, undefined, 200)).data;
    expect(refunds.map((r: { amount: string; status: string }) => [r.amount, r.status])).toEqual([
      ['3.00', 'succeeded'],
      ['7.00', 'succeeded'],
    ]);
    expect(await refund({ trade_no: made.trade_no, money: '0.01' })).toEqual({ code: -1, msg: '订单已全额退款' });
    // The order query shows it as epay does.
    expect(
      (
        await epayCall('/api.php', { act: 'order', pid: String(app.id), key: app.appsecret, trade_no: made.trade_no })
      ).json(),
    ).toMatchObject({ code: 1, status: 1, money: '10.00', type: 'alipay' });
  });

  it('an unpaid channel order cannot be refunded; the wrong key is refused before anything', async () => {
    const { app } = await zeroSetupApp();
    const sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
    const made = (
      await epayCall(
        '/mapi.php',
        await sdk.buildRequestParam({
          pid: String(app.id),
          type: 'qqpay',
          out_trade_no: uniq('ERU'),
          notify_url: merchantUrl('success', 'unpaid'),
          name: 'unpaid',
          money: '1.00',
          clientip: '203.0.113.9',
        }),
      )
    ).json();
    const base = { act: 'refund', pid: String(app.id), trade_no: made.trade_no, money: '1' };
    expect((await epayCall('/api.php', { ...base, key: app.appsecret })).json()).toEqual({
      code: -1,
      msg: '订单未支付，不能退款',
    });
    expect((await epayCall('/api.php', { ...base, key: 'x'.repeat(32) })).json()).toEqual({
      code: -1,
      msg: 'KEY 校验失败：pid 或 key 错误',
    });
  });
});

const VMQ_TYPES = [
  ['1', 'wechat', true],
  ['2', 'alipay', true],
  ['3', 'unionpay', false],
  ['4', 'qqpay', true],
] as const;

describe('V免签 through official channels, zero-setup sandbox', () => {
  it.each(VMQ_TYPES)(
    'createOrder type %s → the %s simulator → paid → the V免签 notify dujiaoka verifies',
    async (t, channel, qr) => {
      const key = uniq(`vc-${t}`);
      const { app } = await zeroSetupApp({ notify_url: merchantUrl('success', key) });
      const p: Record<string, string> = {
        payId: uniq('VC'),
        type: t,
        price: '5.1',
        param: 'order-9',
      };
      p.sign = await md5(p.payId + p.param + p.type + p.price + app.appsecret);
      const body = (await send(`/vmq/${app.appkey}/createOrder?${new URLSearchParams(p)}`)).json();
      const row = (await orderByToken(body.data.orderId))!;
      expect(row).toMatchObject({ channel, facade: 'vmq', realprice_fen: 510, method: qr ? 'qr' : 'auto' });
      expect(body).toEqual({
        code: 1,
        msg: '成功',
        data: {
          payId: p.payId,
          orderId: row.pay_token,
          payType: Number(t),
          price: '5.1',
          reallyPrice: '5.10',
          // The provider's QR where the channel has one, else the cashier page.
          payUrl: qr ? row.qr_payload : `http://gw.test/pay/${row.pay_token}`,
          isAuto: 0,
          state: 0,
          timeOut: 10, // the default order TTL, 10 minutes
          date: Math.floor(row.created_ms / 1000),
        },
      });
      // getOrder tells the same.
      expect((await send(`/vmq/${app.appkey}/getOrder?orderId=${row.pay_token}`)).json().data).toEqual(body.data);
      if (qr) expect((await scanAndPay(body.data.payUrl)).status).toBe(200);
      else expect((await payFromCashier(row.pay_token)).status).toBe(200);
      await orderBecomes(row.id, 'paid');
      const q = await notified(key);
      expect(Object.keys(q)).toEqual(['payId', 'param', 'type', 'price', 'reallyPrice', 'sign']);
      expect(q).toMatchObject({ payId: p.payId, param: 'order-9', type: t, price: '5.1', reallyPrice: '5.10' });
      expect(await dujiaoka.vpayNotify(app.appsecret, q, { actual_price: '5.10', completed: false })).toBe('success');
      expect((await send(`/vmq/${app.appkey}/checkOrder?orderId=${row.pay_token}`)).json()).toMatchObject({ code: 1 });
    },
  );

  it('isHtml=1 sends the browser to the cashier, which picks the method; a repeat with another price is refused', async () => {
    const { app } = await zeroSetupApp();
    const p: Record<string, string> = { payId: uniq('VH'), type: '2', price: '3', isHtml: '1' };
    p.sign = await md5(p.payId + p.type + p.price + app.appsecret);
    const res = await SELF.fetch(gw(`/vmq/${app.appkey}/createOrder?${new URLSearchParams(p)}`), {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const row = (await orderByToken(tokenOf(res.headers.get('location'))))!;
    expect(row).toMatchObject({ channel: 'alipay', method: 'auto', facade: 'vmq' });
    // price 3.00 is another price string for V免签 (it echoes the price as sent): refused.
    const other: Record<string, string> = { ...p, price: '3.00' };
    other.sign = await md5(other.payId + other.type + other.price + app.appsecret);
    expect((await send(`/vmq/${app.appkey}/createOrder?${new URLSearchParams(other)}`)).json()).toEqual({
      code: -1,
      msg: '商户订单号已存在，且订单参数不同：请更换商户订单号（payId）',
    });
  });
});
