/**
 * The epay V1 facade (SPEC §12.1) through the worker's real HTTP surface, driven by ports of the
 * clients that use it (test/facades/clients.ts): the EpayCore SDK, v2board, dujiaoka and new-api.
 * Every bad input of issue 12 answers a message naming the field and writes nothing.
 */
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EPAY_MSG, EPAY_SIGN_HELP } from '../../src/domain/epay';
import { GUARD_WINDOW_MS } from '../../src/services/epay-keys';
import { sweep } from '../../src/queues/sweeper';
import { MERCHANT, monitor, ok, pay, setupMerchant, type TestApp, type TestSession, orderTables } from '../helpers';
import { dujiaoka, EpayCore, goEpay, v2board } from './clients';
import { epayCall, orderByToken, ordersOfApp, send, tokenOf, uniq } from './helpers';

let app: TestApp;
let sdk: EpayCore;
const sessions = new Map<number, TestSession>();
const notifyUrl = `${MERCHANT}/success/epay-routes`;
const returnUrl = `${MERCHANT}/page/epay-routes`;

beforeAll(async () => {
  const m = await setupMerchant({ sessions: 1, settings: { max_offset: '0.05' } });
  app = m.app;
  sessions.set(m.sessions[0].id, m.sessions[0]);
  // A WeChat wallet too, so both of the app's pay types can take orders.
  const wx = await ok('POST', `/merchants/${m.merchant.id}/sessions`, {
    type: 'wechat',
    label: 'wx',
    qr_payload: 'wxp://f2f0-test',
  });
  sessions.set(wx.id, { id: wx.id, secret: wx.secret, type: 'wechat' });
  expect((await monitor(sessions.get(wx.id)!, 'heartbeat', {})).status).toBe(200);
  sdk = new EpayCore({ pid: String(app.id), key: app.appsecret, apiurl: 'http://gw.test/' });
});

const base = (over: Record<string, string> = {}): Record<string, string> => ({
  pid: String(app.id),
  type: 'alipay',
  out_trade_no: uniq('E'),
  notify_url: notifyUrl,
  return_url: returnUrl,
  name: 'VIP会员',
  money: '1.00',
  ...over,
});
/** A price no other test of this file asks, so amount slots never run out. */
let cents = 100;
const fresh = () => ((cents += 7) / 100).toFixed(2);

describe('starting a payment, as each client does', () => {
  it('EpayCore pagePay: a POST form to submit.php goes to the cashier; the order is an ordinary order marked epay', async () => {
    const params = base({ param: 'uid=42&x' });
    const req = await sdk.pagePay(params);
    const res = await send(req.url, { form: req.body });
    expect(res.status).toBe(302);
    const order = await orderByToken(tokenOf(res.location));
    expect(order).toMatchObject({
      app_id: app.id,
      out_order_id: params.out_trade_no,
      custom: 'uid=42&x',
      type: 'alipay',
      price_fen: 100,
      status: 'pending',
      facade: 'epay',
      notify_url: notifyUrl,
      return_url: returnUrl,
    });
    expect(JSON.parse(order!.facade_fields)).toEqual({ type: 'alipay', name: 'VIP会员', money: '1.00' });
    const view = await ok('GET', `/orders/${order!.id}`, undefined, 200);
    expect(view).toMatchObject({ facade: 'epay', facade_fields: { type: 'alipay', name: 'VIP会员', money: '1.00' } });
    // The cashier page it redirects to is the ordinary one.
    const page = await send(res.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain(params.out_trade_no);
  });

  it('EpayCore getPayLink (GET, http_build_query) under /epay/, and the paths without .php', async () => {
    const link = await new EpayCore({
      pid: String(app.id),
      key: app.appsecret,
      apiurl: 'http://gw.test/epay/',
    }).getPayLink(base({ name: 'a b+c' }));
    const res = await send(link);
    expect(res.status).toBe(302);
    expect(await orderByToken(tokenOf(res.location))).toMatchObject({ facade: 'epay' });
    for (const path of ['/submit', '/epay/submit']) {
      const p = await sdk.buildRequestParam(base({ money: fresh() }));
      expect((await epayCall(path, p, 'GET')).status).toBe(302);
    }
  });

  it('EpayCore apiPay to mapi.php: JSON with trade_no and the cashier payurl', async () => {
    const req = await sdk.apiPay({ ...base({ type: 'wxpay', money: '2' }), clientip: '203.0.113.9', device: 'mobile' });
    const res = await send(req.url, { form: req.body });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['code', 'msg', 'trade_no', 'payurl']);
    expect(body).toMatchObject({ code: 1, msg: '', trade_no: expect.stringMatching(/^\d+$/) });
    const order = await orderByToken(tokenOf(body.payurl));
    expect(order).toMatchObject({ id: Number(body.trade_no), type: 'wechat', price_fen: 200 });
    for (const path of ['/mapi', '/epay/mapi.php', '/epay/mapi']) {
      const again = await epayCall(
        path,
        await sdk.buildRequestParam({ ...base({ money: fresh() }), clientip: '203.0.113.9' }),
      );
      expect(again.json()).toMatchObject({ code: 1 });
    }
  });

  it('v2board: a submit.php? link without type shows the picker; picking re-submits and pays by that type', async () => {
    const pay = await v2board.pay(
      { url: 'http://gw.test', pid: String(app.id), key: app.appsecret },
      { total_amount: 1050, trade_no: uniq('V2B'), notify_url: notifyUrl, return_url: returnUrl },
    );
    expect(pay.data).not.toMatch(/[?&]type=/);
    const picker = await send(pay.data);
    expect(picker.status).toBe(200);
    expect(picker.headers.get('content-type')).toContain('text/html');
    expect(picker.text).toContain('<!DOCTYPE html>');
    expect(picker.text).toContain('选择支付方式');
    expect(picker.text).toContain('¥10.5');
    expect(picker.text).toMatch(/name="type" value="alipay"/);
    expect(picker.text).toMatch(/name="type" value="wxpay"/);
    expect(picker.text).not.toMatch(/<script|https?:\/\/(?!gw\.test)[^"]*\.(js|css)/);
    expect(picker.headers.get('content-security-policy')).toContain("form-action 'self'");
    // The browser posts the hidden fields back with the button's type.
    const hidden = [...picker.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(
      ([, k, v]) => [k, v.replace(/&amp;/g, '&').replace(/&quot;/g, '"')] as [string, string],
    );
    const form = new URLSearchParams([...hidden, ['type', 'wxpay']]);
    const chosen = await send('/submit.php', { form: form.toString() });
    expect(chosen.status).toBe(302);
    expect(await orderByToken(tokenOf(chosen.location))).toMatchObject({
      type: 'wechat',
      price_fen: 1050,
      facade: 'epay',
    });
  });

  it('v2board with a trailing slash in its URL (//submit.php) still reaches submit', async () => {
    const pay = await v2board.pay(
      { url: 'http://gw.test/', pid: String(app.id), key: app.appsecret },
      { total_amount: 100, trade_no: uniq('V2S'), notify_url: notifyUrl, return_url: returnUrl },
    );
    expect(pay.data).toContain('//submit.php?');
    expect((await send(pay.data)).status).toBe(200);
  });

  it('dujiaoka: the GET form of YipayController with money as a PHP float', async () => {
    const url = await dujiaoka.yipayGateway(
      { merchant_id: String(app.id), merchant_pem: app.appsecret, merchant_key: 'http://gw.test/submit.php' },
      'alipay',
      { order_sn: uniq('DJK'), title: '测试商品x1', actual_price: '12.30' },
      { return_url: returnUrl, notify_url: notifyUrl },
    );
    expect(url).toContain('money=12.3&');
    const res = await send(url);
    expect(res.status).toBe(302);
    expect(await orderByToken(tokenOf(res.location))).toMatchObject({ price_fen: 1230 });
  });

  it('new-api (go-epay): a POST form with device=pc', async () => {
    const { url, params } = await goEpay.purchase(
      { PartnerID: String(app.id), Key: app.appsecret, BaseUrl: 'http://gw.test' },
      {
        Type: 'alipay',
        ServiceTradeNo: uniq('USR1NO'),
        Name: 'TUC10',
        Money: '7.20',
        NotifyUrl: notifyUrl,
        ReturnUrl: returnUrl,
      },
    );
    expect(params.device).toBe('pc');
    const res = await send(url, { form: new URLSearchParams(params).toString() });
    expect(res.status).toBe(302);
    expect(await orderByToken(tokenOf(res.location))).toMatchObject({ price_fen: 720 });
  });
});

describe('re-submits', () => {
  it('the same parameters give the same order; changed money is refused; a paid order is refused', async () => {
    const params = base({ param: 'p1', money: fresh() });
    const first = await send('/submit.php', {
      form: new URLSearchParams(await sdk.buildRequestParam(params)).toString(),
    });
    const again = await send('/submit.php', {
      form: new URLSearchParams(await sdk.buildRequestParam(params)).toString(),
    });
    expect(again.location).toBe(first.location);
    const changes: Record<string, string>[] = [
      { money: '1.01' },
      { name: 'VIP会员2' },
      { notify_url: `${notifyUrl}2` },
      { param: 'p2' },
    ];
    for (const change of changes) {
      const changed = await epayCall('/submit.php', await sdk.buildRequestParam({ ...params, ...change }));
      expect(changed.status, JSON.stringify(change)).toBe(400);
      expect(changed.text).toContain(EPAY_MSG.changed);
      const mapi = await epayCall(
        '/mapi.php',
        await sdk.buildRequestParam({ ...params, ...change, clientip: '1.2.3.4' }),
      );
      expect(mapi.json()).toEqual({ code: -1, msg: EPAY_MSG.changed });
    }
    await paidByReport(tokenOf(first.location));
    const paid = await epayCall('/submit.php', await sdk.buildRequestParam(params));
    expect(paid.status).toBe(400);
    expect(paid.text).toContain(EPAY_MSG.paid);
  });
});

describe('a signed field cannot be carried inside another value (issue 20 item 5)', () => {
  it('a sign over return_url=X, type=alipay sent as return_url=X&type=alipay (no type) is refused; the payer cannot pick wxpay', async () => {
    const signed = await sdk.buildRequestParam(base({ money: fresh() }));
    const { type: _, ...untyped } = signed;
    const smuggled = { ...untyped, return_url: `${signed.return_url}&type=alipay` };
    const before = await ordersOfApp(app.id);
    const msg = 'return_url 无效：值中不能含有“&amp;type=”';
    const page = await epayCall('/submit.php', smuggled);
    expect(page.status).toBe(400);
    expect(page.text).toContain(msg);
    expect(page.text).not.toContain('选择支付方式');
    // What the picker's wxpay button would have posted.
    const picked = await epayCall('/submit.php', { ...smuggled, type: 'wxpay' });
    expect(picked.status).toBe(400);
    expect(picked.text).toContain(msg);
    expect(await ordersOfApp(app.id)).toBe(before);
  });

  it('names holding & or =, and a param carrying &pid= are refused too; nothing is written', async () => {
    const before = await ordersOfApp(app.id);
    const param = await epayCall('/mapi.php', {
      ...(await sdk.buildRequestParam({ ...base({ money: fresh(), param: 'a&pid=1' }), clientip: '1.2.3.4' })),
    });
    expect(param.json()).toEqual({ code: -1, msg: expect.stringMatching(/^param 无效：值中不能含有“&pid=”/) });
    const signedName = await sdk.buildRequestParam({ ...base({ money: fresh() }), clientip: '1.2.3.4', 'x=y': '1' });
    const name = await send('/mapi.php', { form: new URLSearchParams(signedName).toString() });
    expect(name.json()).toEqual({ code: -1, msg: expect.stringMatching(/参数名 x=y 无效/) });
    expect(await ordersOfApp(app.id)).toBe(before);
  });

  it('a return_url or notify_url with its own query (?a=1&b=2, &pid=, &name=) still works, with a type or picked', async () => {
    const urls = { return_url: `${returnUrl}?a=1&b=2&pid=9&name=x`, notify_url: `${notifyUrl}?shop=3&name=y` };
    const typed = await epayCall('/submit.php', await sdk.buildRequestParam(base({ money: fresh(), ...urls })));
    expect(typed.status).toBe(302);
    expect(await orderByToken(tokenOf(typed.location))).toMatchObject({
      return_url: urls.return_url,
      notify_url: urls.notify_url,
    });
    const { type: _, ...untyped } = base({ money: fresh(), ...urls });
    const picker = await epayCall('/submit.php', await sdk.buildRequestParam(untyped));
    expect(picker.status).toBe(200);
    expect(picker.text).toContain('选择支付方式');
  });
});

describe('the documented parameters are the checked ones (one schema per edge)', () => {
  it('mapi refuses just past each limit /openapi.json gives, and takes the limit itself', async () => {
    const doc = (await send('/openapi.json')).json();
    const fields = doc.components.schemas.EpayMapi.properties;
    expect([fields.name.maxLength, fields.param.maxLength]).toEqual([127, 255]);
    const mapi = async (over: Record<string, string>) =>
      (
        await epayCall(
          '/mapi.php',
          await sdk.buildRequestParam({ ...base({ money: fresh(), ...over }), clientip: '203.0.113.9' }),
        )
      ).json();
    for (const [field, max] of [
      ['name', fields.name.maxLength],
      ['param', fields.param.maxLength],
    ] as const) {
      expect(await mapi({ [field]: '名'.repeat(max) }), field).toMatchObject({ code: 1 });
      expect(await mapi({ [field]: '名'.repeat(max + 1) }), field).toEqual({
        code: -1,
        msg: field === 'name' ? 'name 无效：最多 127 个字符，不能有控制字符' : 'param 无效：最多 255 个字符',
      });
    }
    const pattern = new RegExp(fields.out_trade_no.pattern);
    for (const no of ['a b', 'x'.repeat(65), 'ok-1.2|3_4']) {
      const answer = await mapi({ out_trade_no: no });
      expect(answer.code, no).toBe(pattern.test(no) ? 1 : -1);
    }
  });
});

describe('a re-submit with another type', () => {
  // Pins: SPEC §12.1 compares money, name, notify_url, return_url and param, not `type`. A buyer who
  // went back to the shop and picked another method used to be refused (参数有变化); the re-submit
  // now answers the pending order, of the type it was made with.
  it('submit: another type, or none, leads to the same cashier page; the order keeps its type', async () => {
    const params = base({ money: fresh() });
    const first = await epayCall('/submit.php', await sdk.buildRequestParam(params));
    expect(first.status).toBe(302);
    const other = await epayCall('/submit.php', await sdk.buildRequestParam({ ...params, type: 'wxpay' }));
    expect(other.status).toBe(302);
    expect(other.location).toBe(first.location);
    const { type: _, ...untyped } = params;
    const none = await epayCall('/submit.php', await sdk.buildRequestParam(untyped));
    expect(none.location).toBe(first.location);
    const order = await orderByToken(tokenOf(first.location));
    expect(order).toMatchObject({ type: 'alipay', status: 'pending' });
    expect(JSON.parse(order!.facade_fields)).toMatchObject({ type: 'alipay' });
    const n = await orderTables
      .prepare('SELECT COUNT(*) AS n FROM orders WHERE app_id = ? AND out_order_id = ?')
      .bind(app.id, params.out_trade_no)
      .first('n');
    expect(n).toBe(1);
    // Any other difference is still refused, whatever the type.
    const changed = await epayCall(
      '/submit.php',
      await sdk.buildRequestParam({ ...params, type: 'wxpay', param: 'x' }),
    );
    expect(changed.text).toContain(EPAY_MSG.changed);
  });

  it('mapi: another type gets the same answer as the first create', async () => {
    const params = { ...base({ type: 'wxpay', money: fresh() }), clientip: '203.0.113.9' };
    const first = (await epayCall('/mapi.php', await sdk.buildRequestParam(params))).json();
    expect(first).toMatchObject({ code: 1, trade_no: expect.stringMatching(/^\d+$/) });
    for (const type of ['alipay', 'qqpay']) {
      const again = await epayCall('/mapi.php', await sdk.buildRequestParam({ ...params, type }));
      expect(again.json(), type).toEqual(first);
    }
    expect(await orderByToken(tokenOf(first.payurl))).toMatchObject({ type: 'wechat' });
  });
});

/** Pays an order by a native monitor report of its exact amount, and waits for D1 to say paid. */
async function paidByReport(token: string) {
  const order = await orderByToken(token);
  const s = sessions.get(order!.session_id);
  if (!s) throw new Error('unknown session');
  const r = await pay(s, (order!.realprice_fen / 100).toFixed(2));
  expect(r.body.matched).toBe(true);
  for (let i = 0; i < 200 && (await orderByToken(token))!.status !== 'paid'; i++)
    await new Promise((r) => setTimeout(r, 50));
}

describe('bad input answers a message naming the field and writes nothing', () => {
  const badSigns: [string, (p: Record<string, string>) => Promise<Record<string, string>>][] = [
    ['a wrong sign', async (p) => ({ ...(await sdk.buildRequestParam(p)), sign: '0'.repeat(32) })],
    [
      'a sign over URL-encoded values',
      async (p) => {
        const encoded = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, encodeURIComponent(v)]));
        return { ...p, sign: await new EpayCore(sdk.config).getSign(encoded), sign_type: 'MD5' };
      },
    ],
  ];

  it.each(badSigns)(
    '%s: the payer`s page says only that the signature is invalid; mapi and the log tell the merchant how to sign',
    async (_name, make) => {
      const before = await ordersOfApp(app.id);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const params = base({ money: fresh(), name: 'VIP会员 badsign' });
        const expected = (await sdk.buildRequestParam(params)).sign;
        for (const [lang, says] of [
          ['zh-CN', '这笔支付请求的签名无效，无法付款。'],
          ['en-US', "This payment request's signature is invalid, so it cannot be paid."],
        ]) {
          const page = await send('/submit.php', {
            form: new URLSearchParams(await make(params)).toString(),
            headers: { 'accept-language': lang },
          });
          expect(page.status).toBe(400);
          expect(page.text).toContain(says.replace("'", '&#39;'));
          const requestId = page.headers.get('x-request-id')!;
          expect(page.text).toContain(`<code id="request-id">${requestId}</code>`);
          for (const leak of ['md5', 'k=v', '商户密钥', 'sign 错误', expected, app.appsecret, 'money='])
            expect(page.text, `${lang} page shows ${leak}`).not.toContain(leak);
        }
        const api = await epayCall('/mapi.php', await make({ ...params, clientip: '1.2.3.4' }));
        const requestId = api.headers.get('x-request-id')!;
        expect(api.json()).toEqual({ code: -1, msg: `${EPAY_SIGN_HELP}（request id ${requestId}）` });
        expect(api.text).not.toContain(expected);
        // Each refusal is logged once, with its request id and the text huipay signed; never the key or the expected sign.
        const logged = warn.mock.calls.map(([line]) => JSON.parse(String(line)));
        expect(logged).toHaveLength(3);
        expect(logged[2]).toEqual({
          msg: 'epay sign invalid',
          request_id: requestId,
          flow: 'mapi',
          pid: String(app.id),
          signed_text: expect.stringContaining('money='),
        });
        expect(logged.map((l) => l.flow)).toEqual(['submit', 'submit', 'mapi']);
        for (const line of warn.mock.calls.map(([l]) => String(l))) {
          expect(line).not.toContain(app.appsecret);
          expect(line).not.toContain(expected);
        }
      } finally {
        warn.mockRestore();
      }
      expect(await ordersOfApp(app.id)).toBe(before);
    },
  );

  const cases: [string, (p: Record<string, string>) => Promise<Record<string, string>>, RegExp][] = [
    ['sign_type=RSA', async (p) => ({ ...(await sdk.buildRequestParam(p)), sign_type: 'RSA' }), /sign_type RSA 不支持/],
    [
      'no pid',
      async (p) => {
        const { pid: _, ...rest } = await sdk.buildRequestParam(p);
        return rest;
      },
      /pid 缺少/,
    ],
    ['an unknown pid', async (p) => sdk.buildRequestParam({ ...p, pid: '999999' }), /pid 999999 无效/],
    ['a pid that is not a number', async (p) => sdk.buildRequestParam({ ...p, pid: 'ak_x' }), /pid 无效/],
    ...['1e2', '-1', '0', '1.234', '00.10'].map(
      (money) =>
        [
          `money ${money}`,
          (p: Record<string, string>) => sdk.buildRequestParam({ ...p, money }),
          new RegExp(`money ${money.replace('.', '\\.')} 无效`),
        ] as [string, (p: Record<string, string>) => Promise<Record<string, string>>, RegExp],
    ),
    [
      'out_trade_no with spaces',
      async (p) => sdk.buildRequestParam({ ...p, out_trade_no: 'a b' }),
      /out_trade_no 无效/,
    ],
    [
      'out_trade_no over 64 characters',
      async (p) => sdk.buildRequestParam({ ...p, out_trade_no: 'x'.repeat(65) }),
      /out_trade_no 无效/,
    ],
    [
      'type qqpay (a live app with no QQ Wallet channel)',
      async (p) => sdk.buildRequestParam({ ...p, type: 'qqpay' }),
      /支付方式 qqpay 未开通/,
    ],
    [
      'type bank (no UnionPay channel)',
      async (p) => sdk.buildRequestParam({ ...p, type: 'bank' }),
      /支付方式 bank 未开通/,
    ],
    ['an unknown type', async (p) => sdk.buildRequestParam({ ...p, type: 'tenpay' }), /type tenpay 无效/],
    ['no name', async (p) => sdk.buildRequestParam({ ...p, name: '' }), /name 缺少/],
    [
      'a notify_url that is not http',
      async (p) => sdk.buildRequestParam({ ...p, notify_url: 'ftp://x/' }),
      /notify_url 无效/,
    ],
    [
      'a notify_url inside the network (live app)',
      async (p) => sdk.buildRequestParam({ ...p, notify_url: 'http://127.0.0.1/n' }),
      /notify_url 无效/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, message) => {
    const before = await ordersOfApp(app.id);
    const page = await epayCall('/submit.php', await make(base({ money: fresh() })));
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toMatch(message);
    const api = await epayCall('/mapi.php', await make({ ...base({ money: fresh() }), clientip: '1.2.3.4' }));
    expect(api.status).toBe(200);
    expect(api.json()).toEqual({ code: -1, msg: expect.stringMatching(message) });
    expect(await ordersOfApp(app.id)).toBe(before);
  });

  it('a parameter sent twice is refused', async () => {
    const p = await sdk.buildRequestParam(base());
    const form = `${new URLSearchParams(p)}&money=2.00`;
    const res = await send('/mapi.php', { form });
    expect(res.json()).toEqual({ code: -1, msg: 'money is sent twice: send each parameter once' });
    const both = await send(`/mapi.php?money=1.00`, { form: new URLSearchParams(p).toString() });
    expect(both.json()).toMatchObject({ code: -1, msg: expect.stringContaining('sent twice') });
  });

  it('mapi needs clientip; submit needs return_url when the app has none', async () => {
    const noIp = await epayCall('/mapi.php', await sdk.buildRequestParam(base()));
    expect(noIp.json()).toEqual({ code: -1, msg: expect.stringMatching(/clientip 缺少/) });
  });

  it('bad percent-encoding is refused, not read as U+FFFD', async () => {
    const res = await send('/mapi.php', { form: 'pid=1&name=%E4%BC' });
    expect(res.json()).toEqual({ code: -1, msg: 'name: not valid UTF-8 percent-encoding (send a literal % as %25)' });
    // A multipart field is read from the same strictly checked bytes: 0xFF is refused, not made U+FFFD.
    const p = await sdk.buildRequestParam({ ...base({ money: fresh() }), clientip: '1.2.3.4', name: '\uFFFD' });
    const enc = new TextEncoder();
    const parts = Object.entries(p).map(([k, v]) =>
      enc.encode(`--B0UND\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
    );
    const body = new Uint8Array([...parts.flatMap((b) => [...b]), ...enc.encode('--B0UND--\r\n')]);
    const at = body.findIndex((_, i) => body[i] === 0xef && body[i + 1] === 0xbf && body[i + 2] === 0xbd);
    const raw = new Uint8Array([...body.slice(0, at), 0xff, ...body.slice(at + 3)]);
    const before = await ordersOfApp(app.id);
    const multipart = await send('/mapi.php', {
      form: raw,
      headers: { 'content-type': 'multipart/form-data; boundary=B0UND' },
    });
    expect(multipart.json()).toEqual({ code: -1, msg: 'body is not valid UTF-8' });
    expect(await ordersOfApp(app.id)).toBe(before);
  });
});

describe('api.php', () => {
  let tradeNo: string;
  let outTradeNo: string;
  beforeAll(async () => {
    const p = base({ money: '3.50', name: '查询测试', param: 'q', type: 'wxpay' });
    outTradeNo = p.out_trade_no;
    const res = await epayCall('/mapi.php', await sdk.buildRequestParam({ ...p, clientip: '1.2.3.4' }));
    tradeNo = res.json().trade_no;
  });
  const api = (params: Record<string, string>, method: 'GET' | 'POST' = 'GET', ip = '198.51.100.1') =>
    method === 'GET'
      ? send(`/api.php?${new URLSearchParams(params)}`, { headers: { 'cf-connecting-ip': ip } })
      : send('/api.php', { form: new URLSearchParams(params).toString(), headers: { 'cf-connecting-ip': ip } });

  it('act=order by trade_no (the SDK queryOrder URL) and by out_trade_no', async () => {
    const res = await send(sdk.queryOrder(tradeNo), { headers: { 'cf-connecting-ip': '198.51.100.1' } });
    const body = res.json();
    expect(Object.keys(body)).toEqual([
      'code',
      'msg',
      'trade_no',
      'out_trade_no',
      'type',
      'pid',
      'addtime',
      'endtime',
      'name',
      'money',
      'status',
      'param',
      'buyer',
    ]);
    expect(body).toMatchObject({
      code: 1,
      msg: '查询订单号成功！',
      trade_no: tradeNo,
      out_trade_no: outTradeNo,
      type: 'wxpay',
      pid: app.id,
      addtime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      endtime: null,
      name: '查询测试',
      money: '3.50',
      status: 0,
      param: 'q',
      buyer: '',
    });
    const byOut = await api({ act: 'order', pid: String(app.id), key: app.appsecret, out_trade_no: outTradeNo });
    expect(byOut.json()).toMatchObject({ code: 1, trade_no: tradeNo });
    const missing = await api({ act: 'order', pid: String(app.id), key: app.appsecret, out_trade_no: 'nope' });
    expect(missing.json()).toEqual({ code: -1, msg: '订单号不存在' });
  });

  it('act=query and act=orders', async () => {
    const q = (await api({ act: 'query', pid: String(app.id), key: app.appsecret })).json();
    expect(q).toMatchObject({ code: 1, pid: app.id, key: app.appsecret, active: 1, money: '0.00' });
    expect(q.orders).toBeGreaterThan(0);
    expect(q.order_today).toMatch(/^\d+\.\d\d$/);
    expect(q.order_lastday).toBe('0.00');
    const list = (await api({ act: 'orders', pid: String(app.id), key: app.appsecret, limit: '2' })).json();
    expect(list.code).toBe(1);
    expect(list.data).toHaveLength(2);
    expect(list.data[0]).toHaveProperty('trade_no');
    expect((await api({ act: 'orders', pid: String(app.id), key: app.appsecret, limit: '51' })).json()).toMatchObject({
      code: -1,
    });
  });

  it('act=refund: POST only; unpaid refused; a session-paid order needs an official channel (§11.4)', async () => {
    const p = { act: 'refund', pid: String(app.id), key: app.appsecret, trade_no: tradeNo, money: '3.50' };
    expect((await api(p, 'GET')).json()).toEqual({ code: -1, msg: 'act=refund 只接受 POST' });
    expect((await api(p, 'POST')).json()).toEqual({ code: -1, msg: '订单未支付，不能退款' });
    expect((await api({ ...p, money: '9.99' }, 'POST')).json()).toMatchObject({
      code: -1,
      msg: expect.stringMatching(/money 9.99 无效/),
    });
    await paidByReport((await orderOf(tradeNo)).pay_token);
    expect((await api(p, 'POST')).json()).toEqual({
      code: -1,
      msg: expect.stringMatching(/^退款需要官方支付通道/),
    });
  });

  it('an unknown act, a missing key', async () => {
    expect((await api({ act: 'settle', pid: String(app.id), key: app.appsecret })).json()).toMatchObject({
      code: -1,
      msg: expect.stringMatching(/act settle 无效/),
    });
    expect((await api({ act: 'order', pid: String(app.id) })).json()).toEqual({ code: -1, msg: 'key 缺少：商户密钥' });
  });
});

const orderOf = async (id: string) =>
  (await orderTables.prepare('SELECT * FROM orders WHERE id = ?').bind(Number(id)).first<any>())!;

describe('api.php wrong keys', () => {
  it('are rate-limited per address: after 10 wrong keys even the right one is refused, durably', async () => {
    const m = await setupMerchant({ sessions: 0 });
    const ip = '192.0.2.77';
    const q = (key: string, addr = ip) =>
      send(`/api.php?act=query&pid=${m.app.id}&key=${key}`, { headers: { 'cf-connecting-ip': addr } });
    for (let i = 0; i < 10; i++)
      expect((await q(`wrong${i}`)).json()).toEqual({ code: -1, msg: 'KEY 校验失败：pid 或 key 错误' });
    const locked = (await q(m.app.appsecret)).json();
    expect(locked).toEqual({ code: -1, msg: expect.stringMatching(/^密钥错误次数过多，请 \d+ 秒后再试$/) });
    const row = await env.DB.prepare('SELECT failures FROM failed_attempts WHERE key = ?')
      .bind(`epay:ip:${ip}`)
      .first<{ failures: number }>();
    expect(row?.failures).toBe(10);
    // Another address with the right key still gets in (the pid's own limit is higher).
    expect((await q(m.app.appsecret, '192.0.2.78')).json()).toMatchObject({ code: 1 });
    // The sweep forgets counts whose window has ended, and the address may try again.
    await sweep(env, Date.now() + GUARD_WINDOW_MS + 1000);
    expect(
      await env.DB.prepare('SELECT 1 FROM failed_attempts WHERE key = ?').bind(`epay:ip:${ip}`).first(),
    ).toBeNull();
    expect((await q(m.app.appsecret)).json()).toMatchObject({ code: 1 });
  });

  it('are rate-limited per pid across addresses', async () => {
    const m = await setupMerchant({ sessions: 0 });
    for (let i = 0; i < 30; i++)
      await send(`/api.php?act=query&pid=${m.app.id}&key=wrong`, { headers: { 'cf-connecting-ip': `203.0.113.${i}` } });
    const res = await send(`/api.php?act=query&pid=${m.app.id}&key=${m.app.appsecret}`, {
      headers: { 'cf-connecting-ip': '203.0.113.200' },
    });
    expect(res.json()).toMatchObject({ code: -1, msg: expect.stringMatching(/密钥错误次数过多/) });
  });

  it('a right key is not counted: 15 right keys, then 10 wrong ones are judged and the 11th refused', async () => {
    const m = await setupMerchant({ sessions: 0 });
    const q = (key: string) =>
      send(`/api.php?act=query&pid=${m.app.id}&key=${key}`, { headers: { 'cf-connecting-ip': '192.0.2.79' } });
    for (let i = 0; i < 15; i++) expect((await q(m.app.appsecret)).json()).toMatchObject({ code: 1 });
    for (let i = 0; i < 10; i++)
      expect((await q(`wrong${i}`)).json()).toEqual({ code: -1, msg: 'KEY 校验失败：pid 或 key 错误' });
    expect((await q('wrong')).json().msg).toMatch(/^密钥错误次数过多，请 \d+ 秒后再试$/);
  });

  it('are counted before they are judged: of 60 parallel wrong keys on one pid, 30 are judged and 30 refused', async () => {
    const m = await setupMerchant({ sessions: 0 });
    // Local workerd interleaves these requests at their D1 awaits, so a check-then-count guard judges all 60 here.
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        send(`/api.php?act=query&pid=${m.app.id}&key=wrong${i}`, {
          headers: { 'cf-connecting-ip': `198.51.100.${i}` },
        }).then((r) => r.json().msg as string),
      ),
    );
    expect(answers.filter((msg) => msg === 'KEY 校验失败：pid 或 key 错误')).toHaveLength(30);
    expect(answers.filter((msg) => /^密钥错误次数过多，请 \d+ 秒后再试$/.test(msg))).toHaveLength(30);
    // Only the wrong keys stay counted: the refused checks took theirs back.
    expect(
      await env.DB.prepare('SELECT failures FROM failed_attempts WHERE key = ?')
        .bind(`epay:pid:${m.app.id}`)
        .first('failures'),
    ).toBe(30);
  });
});
