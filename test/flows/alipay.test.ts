/**
 * Orders through the Alipay channel against the built-in simulator, end to end inside workerd:
 * the zero-setup sandbox, each method (qr, wap, page, app, auto), routing, idempotency, the lost
 * notify recovered by the active query, and the unpaid order closed at the simulator at expiry.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  admin,
  count,
  eventually,
  gatepay,
  merchantLog,
  monitor,
  ok,
  setupMerchant,
  signedCreate,
  signedLookup,
  specSign,
  uniqueKey as key,
  orderTables,
} from '../helpers';
import {
  createVia,
  dueNow,
  gw,
  keyPair,
  payOn,
  rsaVerify,
  scanAndPay,
  signString,
  simTrade,
  sweepAt,
  zeroSetupApp,
} from '../channels/helpers';

const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const PC_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36';
const qrOf = (created: { qrcode_url: string }) => new URL(created.qrcode_url).searchParams.get('text')!;
const notifyKey = (raw: { notify_url: string }) => raw.notify_url.split('/').pop()!;

async function simulatorKey(): Promise<string> {
  return ((await (await SELF.fetch(gw('/sandbox/alipay/keys'))).json()) as { alipay_public_key: string })
    .alipay_public_key;
}

describe('zero-setup sandbox: alipay orders go to the simulator', () => {
  it('qr: the payer scans and pays, the order is paid once and the merchant gets the signed notify', async () => {
    const { app, raw } = await zeroSetupApp();
    const k = key('zs');
    const created = await createVia(app, '12.34', k, { method: 'qr', subject: 'VIP 会员' });
    expect(created).toMatchObject({
      price: '12.34',
      realprice: '12.34',
      channel: 'alipay',
      method: 'qr',
      status: 'pending',
      refunded: '0.00',
    });
    const order = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(order).toMatchObject({ session_id: 0, channel: 'alipay', method: 'qr', provider_txn_id: null });
    expect(order.provider_trade_no).toMatch(/^hp\d{8}[A-Za-z0-9]{22}$/);
    expect(qrOf(created)).toMatch(/^http:\/\/gw\.test\/sandbox\/alipay\/qr\/[A-Za-z0-9]{24}$/);
    const trade = await simTrade(order.provider_trade_no);
    expect(trade).toMatchObject({
      amount_fen: 1234,
      subject: 'VIP 会员',
      status: 'CREATED',
      api: 'alipay.trade.precreate',
    });
    expect(trade.notify_url).toMatch(/^http:\/\/gw\.test\/channels\/alipay\/notify\/\d+$/);

    expect((await scanAndPay(qrOf(created))).status).toBe(200);
    const q = await gatepay('query', await signedLookup(app, String(created.order_id), ''));
    expect(q.data).toMatchObject({ status: 'paid', channel: 'alipay', method: 'qr' });
    const paid = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(paid.provider_txn_id).toBe((await simTrade(order.provider_trade_no)).trade_no);
    const [payment] = (
      await ok(
        'GET',
        `/merchants/${(await ok('GET', `/apps/${app.appkey}`, undefined, 200)).merchant_id}/payments`,
        undefined,
        200,
      )
    ).data;
    expect(payment).toMatchObject({
      session_id: 0,
      channel: 'alipay',
      type: 'alipay',
      amount: '12.34',
      order_id: created.order_id,
      note: null,
    });

    const seen = await eventually(async () => {
      const log = await merchantLog(notifyKey(raw));
      expect(log).toHaveLength(1);
      return log;
    });
    const f = Object.fromEntries(new URLSearchParams(seen[0].body));
    expect(f).toMatchObject({
      order_id: String(created.order_id),
      out_order_id: k,
      price: '12.34',
      realprice: '12.34',
      type: 'alipay',
    });
    expect(f.sign).toBe(
      await specSign(
        [app.appkey, f.order_id, f.out_order_id, f.price, f.realprice, f.type, f.paytime, f.extend],
        app.appsecret,
      ),
    );
    // The simulator's notify was answered `success` and is not sent again.
    expect((await simTrade(order.provider_trade_no)).notify_state).toBe('delivered');
  });

  it('wap: a phone is sent to the signed Alipay page, pays, and comes back to the cashier with the signed return', async () => {
    const { app } = await zeroSetupApp();
    const created = await createVia(app, '5.00', key('wap'));
    expect(created.method).toBe('auto');
    const page = await SELF.fetch(created.pay_url, { redirect: 'manual', headers: { 'user-agent': PHONE_UA } });
    expect(page.status).toBe(302);
    const to = new URL(page.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(gw('/sandbox/alipay/gateway.do'));
    const p = Object.fromEntries(to.searchParams);
    expect(p).toMatchObject({ method: 'alipay.trade.wap.pay', charset: 'utf-8', sign_type: 'RSA2', version: '1.0' });
    expect(p.return_url).toBe(`${created.pay_url}?return=1`);
    expect(JSON.parse(p.biz_content)).toMatchObject({
      total_amount: '5.00',
      product_code: 'QUICK_WAP_WAY',
      quit_url: p.return_url,
    });
    // The redirect is signed with the app key: verified here with the app public key huipay shows.
    const cfg = await ok('GET', `/apps/${app.appkey}/channels/alipay`, undefined, 200);
    expect(cfg).toMatchObject({ implicit: true, gateway_url: gw('/sandbox/alipay/gateway.do') });
    expect(await rsaVerify(cfg.app_public_key, signString(p, ['sign']), p.sign)).toBe(true);

    const opened = await SELF.fetch(to.toString(), { redirect: 'manual' });
    expect(opened.status).toBe(302);
    const payerPage = new URL(opened.headers.get('location')!, to).toString();
    expect(await (await SELF.fetch(payerPage)).text()).toContain('¥5.00');
    const back = await payOn(payerPage);
    expect(back.status).toBe(302);
    const ret = new URL(back.headers.get('location')!);
    expect(`${ret.origin}${ret.pathname}`).toBe(created.pay_url);
    const r = Object.fromEntries(ret.searchParams);
    expect(r).toMatchObject({ method: 'alipay.trade.wap.pay.return', total_amount: '5.00', return: '1' });
    const { return: _, ...returned } = r;
    expect(await rsaVerify(await simulatorKey(), signString(returned, ['sign', 'sign_type']), r.sign)).toBe(true);
    const cashier = await SELF.fetch(ret.toString(), { headers: { 'user-agent': PHONE_UA } });
    expect(cashier.status).toBe(200);
    expect(await cashier.text()).toContain('"status":"paid"');
  });

  it('auto on a PC: the cashier shows the precreate QR and a link to the PC page', async () => {
    const { app } = await zeroSetupApp();
    const created = await createVia(app, '8.80', key('pc'));
    expect(qrOf(created)).toBe(created.pay_url); // no provider QR until a PC opens the page
    const html = await (await SELF.fetch(created.pay_url, { headers: { 'user-agent': PC_UA } })).text();
    const order = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    const trade = await simTrade(order.provider_trade_no);
    expect(trade).toMatchObject({ api: 'alipay.trade.precreate', amount_fen: 880 });
    const back = encodeURIComponent(`${new URL(created.pay_url).pathname}?return=1`);
    expect(html).toContain(`href="${gw(`/sandbox/alipay/qr/${trade.token}`)}?back=${back}"`);
    expect(html).toContain(`href="${created.pay_url}/go/page"`);
    expect(html).not.toContain('id="simulate"');
    const go = await SELF.fetch(`${created.pay_url}/go/page`, { redirect: 'manual' });
    const to = new URL(go.headers.get('location')!);
    expect(to.searchParams.get('method')).toBe('alipay.trade.page.pay');
    expect(JSON.parse(to.searchParams.get('biz_content')!)).toMatchObject({
      out_trade_no: order.provider_trade_no,
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    // The same provider order number for both: whichever the payer uses, one payment at most.
    const again = await (await SELF.fetch(created.pay_url, { headers: { 'user-agent': PC_UA } })).text();
    expect(again).toContain(trade.token);
    expect(await count('sim_trades')).toBeGreaterThan(0);
  });

  it('page: a PC is sent straight to the PC page', async () => {
    const { app } = await zeroSetupApp();
    const created = await createVia(app, '3.00', key('page'), { method: 'page' });
    const res = await SELF.fetch(created.pay_url, { redirect: 'manual', headers: { 'user-agent': PC_UA } });
    expect(new URL(res.headers.get('location')!).searchParams.get('method')).toBe('alipay.trade.page.pay');
  });

  it('app: pay_info is the signed order string, and the simulator opens it', async () => {
    const { app } = await zeroSetupApp();
    const created = await createVia(app, '6.66', key('app'), { method: 'app' });
    const fields = Object.fromEntries(new URLSearchParams(created.pay_info));
    expect(fields).toMatchObject({ method: 'alipay.trade.app.pay', sign_type: 'RSA2', charset: 'utf-8' });
    expect(JSON.parse(fields.biz_content)).toMatchObject({ total_amount: '6.66', product_code: 'QUICK_MSECURITY_PAY' });
    const cfg = await ok('GET', `/apps/${app.appkey}/channels/alipay`, undefined, 200);
    expect(await rsaVerify(cfg.app_public_key, signString(fields, ['sign']), fields.sign)).toBe(true);
    const html = await (await SELF.fetch(created.pay_url)).text();
    expect(html).toContain('id="in-app"');
    const opened = await SELF.fetch(gw(`/sandbox/alipay/gateway.do?${created.pay_info}`), { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect((await payOn(new URL(opened.headers.get('location')!, gw('/')).toString())).status).toBe(200);
    await eventually(async () =>
      expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).status).toBe('paid'),
    );
  });
});

describe('routing', () => {
  it('official_then_personal: a sandbox merchant with a session collects into it; official forces the simulator', async () => {
    const { app } = await setupMerchant({ mode: 'sandbox', sessions: 1 });
    const personal = await createVia(app, '2.00', key('r1'));
    expect(personal.channel).toBeNull();
    await ok('PATCH', `/apps/${app.appkey}`, { routing: { alipay: 'official' } }, 200);
    const official = await createVia(app, '2.00', key('r2'), { method: 'qr' });
    expect(official.channel).toBe('alipay');
    await ok('PATCH', `/apps/${app.appkey}`, { routing: { alipay: 'personal' } }, 200);
    expect((await createVia(app, '2.00', key('r3'))).channel).toBeNull();
  });

  it('a live app without a channel config collects into sessions; routing official without one gives 204', async () => {
    const { app } = await setupMerchant({ sessions: 1 });
    expect((await createVia(app, '2.00', key('l1'))).channel).toBeNull();
    await ok('PATCH', `/apps/${app.appkey}`, { routing: { alipay: 'official' } }, 200);
    const r = await gatepay('create', await signedCreate(app, { price: '2.00', out_order_id: key('l2') }));
    expect(r).toMatchObject({
      code: 204,
      msg: 'no payment method available now: routing is official but no alipay channel is configured for this app',
    });
  });

  it('official_then_personal falls back to sessions when the provider fails; official answers 204 naming it', async () => {
    const { app, sessions } = await setupMerchant({ mode: 'sandbox', sessions: 1 });
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000100',
        private_key: (await keyPair()).pkcs8,
        alipay_public_key: (await keyPair()).spki,
        gateway_url: 'https://merchant.example/s500/fallback',
      },
      201,
    );
    const fell = await createVia(app, '4.00', key('f1'), { method: 'qr' });
    expect(fell.channel).toBeNull();
    expect(fell.realprice).toBe('4.00');
    expect(
      (await monitor(sessions[0], 'payments', { type: 'alipay', amount: '4.00', paid_at: Date.now() })).body.matched,
    ).toBe(true);
    await ok('PATCH', `/apps/${app.appkey}`, { routing: { alipay: 'official' } }, 200);
    const k = key('f2');
    const r = await gatepay('create', {
      ...(await signedCreate(app, { price: '4.00', out_order_id: k })),
      method: 'qr',
    });
    expect(r).toMatchObject({ code: 204, msg: 'no payment method available now: Alipay answered HTTP 500' });
    expect(
      await orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE out_order_id = ?').bind(k).first('n'),
    ).toBe(0);
    // A disabled config under `official`: 204; under the default it is as if none were configured.
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      { app_id: '2021000000000100', enabled: false, gateway_url: 'https://merchant.example/s500/fallback' },
      200,
    );
    expect(
      (await gatepay('create', await signedCreate(app, { price: '4.00', out_order_id: key('f3') }))).msg,
    ).toContain('config of this app is disabled');
  });
});

describe('create through a channel: idempotency and bad input', () => {
  it('the same create returns the same order without asking the provider again; other values 211; paid 212', async () => {
    const { app } = await zeroSetupApp();
    const k = key('idem');
    const p = { ...(await signedCreate(app, { price: '9.00', out_order_id: k })), method: 'qr' };
    const [a, b] = await Promise.all([gatepay('create', p), gatepay('create', p)]);
    expect(a.code).toBe(100);
    expect(b.code).toBe(100);
    expect(b.data.order_id).toBe(a.data.order_id);
    const c = await gatepay('create', p);
    expect(c.data).toMatchObject({ order_id: a.data.order_id, qrcode_url: a.data.qrcode_url });
    const other = await gatepay('create', {
      ...(await signedCreate(app, { price: '9.01', out_order_id: k })),
      method: 'qr',
    });
    expect(other.code).toBe(211);
    await scanAndPay(qrOf(a.data));
    expect((await gatepay('create', p)).code).toBe(212);
  });

  it.each([
    [{ method: 'card' }, 'method invalid: one of auto, qr, wap, page, jsapi, app'],
    [{ method: 'jsapi', openid: 'o1' }, 'method jsapi is not offered by alipay (it has qr, wap, page, app)'],
    [{ subject: 'x'.repeat(257) }, 'subject invalid: at most 256 characters, no control characters'],
    [{ client_ip: 'localhost' }, 'client_ip invalid: an IPv4 or IPv6 address'],
  ])('refuses %o with 105, writing nothing', async (extra, msg) => {
    const { app } = await zeroSetupApp();
    const k = key('bad');
    const r = await gatepay('create', { ...(await signedCreate(app, { price: '1.00', out_order_id: k })), ...extra });
    expect(r).toMatchObject({ code: 105, msg });
    expect(
      await orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE out_order_id = ?').bind(k).first('n'),
    ).toBe(0);
  });

  it('refuses a method the app`s config does not enable', async () => {
    const { app } = await zeroSetupApp();
    await ok(
      'PUT',
      `/apps/${app.appkey}/channels/alipay`,
      {
        app_id: '2021000000000101',
        private_key: (await keyPair()).pkcs8,
        gateway_url: gw('/sandbox/alipay/gateway.do'),
        methods: ['wap'],
      },
      201,
    );
    const r = await gatepay('create', {
      ...(await signedCreate(app, { price: '1.00', out_order_id: key('m') })),
      method: 'qr',
    });
    expect(r).toMatchObject({ code: 105, msg: "method qr is not enabled in this app's alipay config (enabled: wap)" });
  });
});

describe('active query and close at expiry (SPEC §11.3)', () => {
  it('a lost notify is recovered by the active query: paid once, the merchant notified once', async () => {
    const { app, raw } = await zeroSetupApp();
    const created = await createVia(app, '7.77', key('lost'), { method: 'qr' });
    await scanAndPay(qrOf(created), { skipNotify: true });
    const order = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(order.status).toBe('pending');
    expect((await simTrade(order.provider_trade_no)).notify_state).toBe('skipped');
    await dueNow(created.order_id);
    await sweepAt();
    const after = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(after).toMatchObject({
      status: 'paid',
      provider_txn_id: (await simTrade(order.provider_trade_no)).trade_no,
    });
    await eventually(async () => expect(await merchantLog(notifyKey(raw))).toHaveLength(1));
    const log = await ok('GET', `/orders/${created.order_id}/channel-log`, undefined, 200);
    expect(log.data.map((l: any) => `${l.api} ${l.outcome}`)).toEqual([
      'alipay.trade.precreate ok',
      'alipay.trade.query ok',
    ]);
    await dueNow(created.order_id);
    await sweepAt(); // nothing due any more: no second query
    expect((await ok('GET', `/orders/${created.order_id}/channel-log`, undefined, 200)).data).toHaveLength(2);
  });

  it('queries at about 1 and 5 minutes, then at expiry', async () => {
    const { app } = await zeroSetupApp();
    const created = await createVia(app, '1.11', key('stages'), { method: 'qr' });
    const row = () =>
      orderTables
        .prepare('SELECT created_ms, expires_ms, next_query_ms FROM orders WHERE id = ?')
        .bind(created.order_id)
        .first<any>();
    const o = await row();
    expect(o.next_query_ms).toBe(o.created_ms + 60_000);
    await sweepAt(o.created_ms + 61_000);
    expect((await row()).next_query_ms).toBe(o.created_ms + 300_000);
    await sweepAt(o.created_ms + 301_000);
    expect((await row()).next_query_ms).toBe(o.expires_ms);
    expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).status).toBe('pending');
  });

  it('an unpaid order is closed at the simulator at expiry and expires; the payer can no longer pay', async () => {
    const { app } = await zeroSetupApp();
    const created = await createVia(app, '2.22', key('exp'), { method: 'qr' });
    const order = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    const scan = await SELF.fetch(qrOf(created), { redirect: 'manual' });
    const payerPage = new URL(scan.headers.get('location')!, gw('/')).toString();
    expect((await simTrade(order.provider_trade_no)).status).toBe('WAIT_BUYER_PAY');
    await dueNow(created.order_id, { expire: true });
    await sweepAt();
    expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).status).toBe('expired');
    expect((await simTrade(order.provider_trade_no)).status).toBe('TRADE_CLOSED');
    expect((await payOn(payerPage)).status).toBe(409);
    const log = await ok('GET', `/orders/${created.order_id}/channel-log`, undefined, 200);
    expect(log.data.map((l: any) => l.api)).toEqual([
      'alipay.trade.precreate',
      'alipay.trade.query',
      'alipay.trade.close',
    ]);
  });

  it('a merchant`s close closes the trade at the simulator; closing a paid order gives 212', async () => {
    const { app } = await zeroSetupApp();
    const a = await createVia(app, '3.33', key('close'), { method: 'qr' });
    await SELF.fetch(qrOf(a), { redirect: 'manual' });
    const closed = await gatepay('close', await signedLookup(app, String(a.order_id), ''));
    expect(closed.data.status).toBe('closed');
    const order = await ok('GET', `/orders/${a.order_id}`, undefined, 200);
    expect((await simTrade(order.provider_trade_no)).status).toBe('TRADE_CLOSED');
    const b = await createVia(app, '3.34', key('close'), { method: 'qr' });
    await scanAndPay(qrOf(b), { skipNotify: true });
    // huipay has not heard of the payment yet: the close finds the trade paid at the provider instead.
    const r = await gatepay('close', await signedLookup(app, String(b.order_id), ''));
    expect(r).toMatchObject({ code: 212, msg: 'order already paid at the provider: it cannot be closed' });
    expect((await ok('GET', `/orders/${b.order_id}`, undefined, 200)).status).toBe('paid');
  });

  it('a payer coming back from the provider makes huipay ask at once', async () => {
    const { app } = await zeroSetupApp();
    const created = await createVia(app, '4.44', key('back'), { method: 'wap' });
    const to = (await SELF.fetch(created.pay_url, { redirect: 'manual' })).headers.get('location')!;
    const opened = await SELF.fetch(to, { redirect: 'manual' });
    const back = await payOn(new URL(opened.headers.get('location')!, gw('/')).toString(), { skipNotify: true });
    expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).status).toBe('pending');
    const page = await SELF.fetch(back.headers.get('location')!);
    expect(await page.text()).toContain('"status":"paid"');
    expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).status).toBe('paid');
    expect(await admin('GET', `/orders/${created.order_id}/deliveries`)).toMatchObject({ status: 200 });
  });
});
