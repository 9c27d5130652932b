/**
 * UnionPay (ACP 5.1.0) through huipay: the zero-setup sandbox against the built-in simulator —
 * PC and WAP front consume as an auto-submitting form, the payer posted back to frontUrl, App
 * consume `tn`, query, refunds — and notifies at `POST /channels/unionpay/notify/:config_id`
 * signed here with a certificate chain made in the test (@peculiar/x509), never by huipay's code:
 * a signPubKeyCert not issued by the configured root, expired, or naming someone else is refused.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  expectWithin,
  gatepay,
  merchantLog,
  ok,
  signedCreate,
  specSign,
  uniqueKey as key,
  orderTables,
} from '../helpers';
import {
  createAs,
  dueNow,
  gw,
  orderBecomes,
  PC_UA,
  pemBody,
  PHONE_UA,
  rsaVerify,
  simTrade,
  sweepAt,
  zeroSetupApp,
  refundOrder,
  formFields,
  formAction,
  postForm,
} from '../channels/helpers';

let n = 0;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const b64 = (b: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(b)));
/** The 5.1.0 signed text, from the spec: every field but signature, sorted, k=v&; then its hex SHA-256. */
const sortedText = (f: Record<string, string>) =>
  Object.keys(f)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${f[k]}`)
    .join('&');
const digest = async (f: Record<string, string>) =>
  hex(await crypto.subtle.digest('SHA-256', enc.encode(sortedText(f))));
/** Opens the cashier with `ua`, submits its form to the simulator, pays: the simulator's answer page. */
async function payThroughCashier(payUrl: string, ua: string) {
  const page = await SELF.fetch(payUrl, { headers: { 'user-agent': ua } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain('form-action http://gw.test');
  const html = await page.text();
  const fields = formFields(html);
  const opened = await postForm(formAction(html), fields);
  expect(opened.status).toBe(302);
  const payer = new URL(opened.headers.get('location')!, gw('/')).toString();
  const paid = await postForm(payer, { action: 'pay' });
  return { fields, action: formAction(html), paid };
}

describe('zero-setup sandbox: unionpay orders go to the UnionPay simulator', () => {
  it('page (PC 07): the signed consume form, paid, the browser posted back to frontUrl, the merchant notified', async () => {
    const { app, raw } = await zeroSetupApp();
    const created = await createAs(app, 'unionpay', '12.34', key('up'));
    const { fields, action, paid } = await payThroughCashier(created.pay_url, PC_UA);
    expect(action).toBe(gw('/sandbox/unionpay/gateway/api/frontTransReq.do'));
    const cfg = await ok('GET', `/apps/${app.appkey}/channels/unionpay`, undefined, 200);
    const o = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(fields).toMatchObject({
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      txnType: '01',
      txnSubType: '01',
      bizType: '000201',
      channelType: '07',
      accessType: '0',
      currencyCode: '156',
      merId: cfg.mer_id,
      certId: cfg.sign_cert_id,
      orderId: o.provider_trade_no,
      txnAmt: '1234',
      frontUrl: `${created.pay_url}?return=1`,
      backUrl: gw(`/channels/unionpay/notify/${cfg.id}`),
    });
    expect(fields.txnTime).toBe(
      new Date(o.created * 1000 + 8 * 3_600_000).toISOString().slice(0, 19).replace(/\D/g, ''),
    );
    expect(await rsaVerify(pemBody(cfg.sign_public_key), await digest(fields), fields.signature)).toBe(true);
    // Paid: the simulator's page posts the signed result to frontUrl; huipay asks UnionPay itself.
    const back = await paid.text();
    expect(formAction(back)).toBe(`${created.pay_url}?return=1`);
    const result = formFields(back);
    expect(result).toMatchObject({ respCode: '00', orderId: o.provider_trade_no, txnAmt: '1234' });
    const ret = await postForm(formAction(back), result);
    expect(ret.status).toBe(303);
    expect(ret.headers.get('location')).toBe(`/pay/${created.pay_url.split('/').pop()}?return=1`);
    const after = await orderBecomes(created.order_id, 'paid');
    expect(after.provider_txn_id).toBe((await simTrade(o.provider_trade_no)).trade_no);
    await eventually(async () => expect(await merchantLog(raw.notify_url.split('/').pop())).toHaveLength(1));
    expect((await simTrade(o.provider_trade_no)).notify_state).toBe('delivered');
  });

  it('wap (08) on a phone; app: tn, paid on the simulator', async () => {
    const { app } = await zeroSetupApp();
    const w = await createAs(app, 'unionpay', '2.00', key('upw'));
    const { fields } = await payThroughCashier(w.pay_url, PHONE_UA);
    expect(fields.channelType).toBe('08');
    await orderBecomes(w.order_id, 'paid');
    const a = await createAs(app, 'unionpay', '3.00', key('upa'), { method: 'app' });
    expect(a.pay_info).toMatch(/^\d{21}$/);
    const html = await (await SELF.fetch(a.pay_url)).text();
    const back = encodeURIComponent(`${new URL(a.pay_url).pathname}?return=1`);
    expect(html).toContain(`href="${gw(`/sandbox/unionpay/pay/${a.pay_info}`)}?back=${back}"`);
    expect((await postForm(gw(`/sandbox/unionpay/pay/${a.pay_info}`), { action: 'pay' })).status).toBe(200);
    await orderBecomes(a.order_id, 'paid');
  });

  it('a lost notify is found by the query; an unpaid consume is not closed early, and expires at its payTimeout', async () => {
    const { app } = await zeroSetupApp();
    const a = await createAs(app, 'unionpay', '3.00', key('upl'), { method: 'app' });
    await postForm(gw(`/sandbox/unionpay/pay/${a.pay_info}`), { action: 'pay', notify: 'skip' });
    await dueNow(a.order_id);
    await sweepAt();
    expect((await ok('GET', `/orders/${a.order_id}`, undefined, 200)).status).toBe('paid');
    const b = await createAs(app, 'unionpay', '3.00', key('upe'), { method: 'app' });
    const t0 = Date.now();
    const closed = await gatepay('close', {
      appkey: app.appkey,
      order_id: String(b.order_id),
      out_order_id: '',
      sign: await specSign([app.appkey, String(b.order_id), ''], app.appsecret),
    });
    const t1 = Date.now();
    expect(closed.data.status).toBe('closed');
    const row = await orderTables
      .prepare('SELECT next_query_ms FROM orders WHERE id = ?')
      .bind(b.order_id)
      .first<number>('next_query_ms');
    expectWithin(row!, t0 + 60_000, t1 + 60_000); // still watched until its payTimeout: asked again in a minute
    const c = await createAs(app, 'unionpay', '3.00', key('upx'), { method: 'app' });
    await dueNow(c.order_id, { expire: true });
    await sweepAt();
    expect((await ok('GET', `/orders/${c.order_id}`, undefined, 200)).status).toBe('expired');
  });

  it('refunds: accepted, confirmed by the query of the refund`s orderId + txnTime; never above the paid amount', async () => {
    const { app } = await zeroSetupApp();
    const a = await createAs(app, 'unionpay', '5.00', key('upr'), { method: 'app' });
    await postForm(gw(`/sandbox/unionpay/pay/${a.pay_info}`), { action: 'pay' });
    await orderBecomes(a.order_id, 'paid');
    const refund = (no: string, amount: string) => refundOrder(app, a.order_id, no, amount);
    const r = await refund(key('r'), '2.00');
    expect(r).toMatchObject({ code: 100, data: { status: 'pending' } });
    await orderTables
      .prepare('UPDATE refunds SET next_query_ms = ? WHERE id = ?')
      .bind(Date.now() - 1, r.data.refund_id)
      .run();
    await sweepAt();
    expect(
      await orderTables.prepare('SELECT status FROM refunds WHERE id = ?').bind(r.data.refund_id).first('status'),
    ).toBe('succeeded');
    const many = await Promise.all(Array.from({ length: 4 }, () => refund(key('rc'), '1.00')));
    expect(many.filter((x) => x.code === 100)).toHaveLength(3);
    expect(many.filter((x) => x.code === 201)).toHaveLength(1);
    const o = await ok('GET', `/orders/${a.order_id}`, undefined, 200);
    expect((await simTrade(o.provider_trade_no)).refunded_fen).toBe(500);
  });

  it('the simulator shows its chain and refuses a request not signed by the config`s key', async () => {
    const keys = (await (await SELF.fetch(gw('/sandbox/unionpay/keys'))).json()) as any;
    expect(keys.root_cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const leaf = new x509.X509Certificate(keys.sign_cert);
    expect(leaf.subject).toContain('@中国银联股份有限公司@');
    expect(BigInt(`0x${leaf.serialNumber}`).toString()).toBe(keys.sign_cert_id);
    const middle = new x509.X509Certificate(keys.middle_cert);
    expect(await leaf.verify({ publicKey: middle.publicKey, signatureOnly: true })).toBe(true);
    const res = await postForm(gw('/sandbox/unionpay/gateway/api/queryTrans.do'), {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      txnType: '00',
      txnSubType: '00',
      bizType: '000000',
      accessType: '0',
      merId: '777000000000001',
      orderId: 'hp12345678',
      txnTime: '20260101120000',
      certId: '1',
      signature: 'AAAA',
    });
    expect(await res.text()).toContain('respCode=11');
  });
});

// ── notifies signed by a chain made here ──────────────────────────────────────────────────────

const DAY = 86_400_000;
const UNIONPAY_CN = '041@8310000000000000@中国银联股份有限公司@00000001';

async function keys() {
  return (await crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
}

async function cert(o: {
  subject: string;
  issuer: string;
  pub: CryptoKey;
  signer: CryptoKey;
  ca: boolean;
  from?: number;
  to?: number;
}) {
  return x509.X509CertificateGenerator.create({
    serialNumber: `0${Math.floor(Math.random() * 1e9).toString(16)}`,
    subject: o.subject,
    issuer: o.issuer,
    notBefore: new Date(o.from ?? Date.now() - DAY),
    notAfter: new Date(o.to ?? Date.now() + 365 * DAY),
    signingAlgorithm: RSA,
    publicKey: o.pub,
    signingKey: o.signer,
    extensions: o.ca ? [new x509.BasicConstraintsExtension(true, undefined, true)] : [],
  });
}

/** A root → middle → signing cert chain; `leaf` overrides for the faulty cases. */
async function chain(leaf: { cn?: string; from?: number; to?: number } = {}) {
  const [root, middle, sign] = [await keys(), await keys(), await keys()];
  const rootCert = await cert({
    subject: 'CN=Test UnionPay Root',
    issuer: 'CN=Test UnionPay Root',
    pub: root.publicKey,
    signer: root.privateKey,
    ca: true,
  });
  const middleCert = await cert({
    subject: 'CN=Test UnionPay Middle',
    issuer: 'CN=Test UnionPay Root',
    pub: middle.publicKey,
    signer: root.privateKey,
    ca: true,
  });
  const signCert = await cert({
    subject: `CN=${leaf.cn ?? UNIONPAY_CN}`,
    issuer: 'CN=Test UnionPay Middle',
    pub: sign.publicKey,
    signer: middle.privateKey,
    ca: false,
    from: leaf.from,
    to: leaf.to,
  });
  return {
    root: rootCert.toString('pem'),
    middle: middleCert.toString('pem'),
    sign: signCert.toString('pem'),
    key: sign.privateKey,
    middleKey: middle.privateKey,
  };
}

const TRUSTED = chain();

async function shop() {
  const s = await zeroSetupApp();
  const c = await TRUSTED;
  const merchantKey = await keys();
  const pkcs8 = b64((await crypto.subtle.exportKey('pkcs8', merchantKey.privateKey)) as ArrayBuffer);
  const cfg = await ok(
    'PUT',
    `/apps/${s.app.appkey}/channels/unionpay`,
    {
      mer_id: `777${String(Date.now()).slice(-12)}`,
      sign_key: pkcs8,
      sign_cert_id: '68759585097',
      root_cert: c.root,
      middle_cert: c.middle,
      base_url: `https://merchant.example/s500/${key('up')}`,
    },
    201,
  );
  return { ...s, cfg };
}

async function consumeNotify(
  merId: string,
  orderId: string,
  txnAmt: string,
  by: { sign: string; key: CryptoKey },
  over: Record<string, string> = {},
) {
  const f: Record<string, string> = {
    accessType: '0',
    bizType: '000201',
    currencyCode: '156',
    encoding: 'UTF-8',
    merId,
    orderId,
    queryId: `7${String(Date.now()).slice(-11)}${String(++n).padStart(8, '0')}`,
    respCode: '00',
    respMsg: 'Success!',
    settleAmt: txnAmt,
    settleCurrencyCode: '156',
    settleDate: '0101',
    signMethod: '01',
    traceNo: '123456',
    traceTime: '0101120000',
    txnAmt,
    txnSubType: '01',
    txnTime: '20260101115900',
    txnType: '01',
    version: '5.1.0',
    accNo: '6216***********0018',
    signPubKeyCert: by.sign,
    ...over,
  };
  f.signature = b64(await crypto.subtle.sign(RSA, by.key, enc.encode(await digest(f))));
  return f;
}

async function notify(configId: number, f: Record<string, string>) {
  const res = await postForm(gw(`/channels/unionpay/notify/${configId}`), f);
  return { status: res.status, text: await res.text() };
}

async function pendingOrder(s: Awaited<ReturnType<typeof shop>>, price: string) {
  const created = await createAs(s.app, 'unionpay', price, key('o'), { method: 'wap' });
  return { created, row: await ok('GET', `/orders/${created.order_id}`, undefined, 200) };
}

describe('UnionPay notifies', () => {
  it('verified (chain, subject, dates, signature): paid once, HTTP 200; duplicates and concurrent ones change nothing', async () => {
    const s = await shop();
    const { created, row } = await pendingOrder(s, '10.00');
    const f = await consumeNotify(s.cfg.mer_id, row.provider_trade_no, '1000', await TRUSTED);
    const answers = await Promise.all(Array.from({ length: 4 }, () => notify(s.cfg.id, f)));
    expect(answers).toEqual(Array(4).fill({ status: 200, text: 'ok' }));
    expect(await ok('GET', `/orders/${created.order_id}`, undefined, 200)).toMatchObject({
      status: 'paid',
      provider_txn_id: f.queryId,
    });
    expect((await ok('GET', `/merchants/${s.merchant.id}/payments`, undefined, 200)).data).toHaveLength(1);
    expect(await notify(s.cfg.id, f)).toEqual({ status: 200, text: 'ok' });
  });

  it.each([
    [
      'a signPubKeyCert not issued by the configured root',
      () => chain(),
      /^signPubKeyCert \(CN=041@8310000000000000@中国银联股份有限公司@00000001\) is not issued by the configured middle_cert/,
    ],
    [
      'an expired signPubKeyCert',
      async () => ({ ...(await TRUSTED), ...(await reissue({ to: Date.now() - DAY })) }),
      /^signPubKeyCert is outside its validity/,
    ],
    [
      'a signPubKeyCert not valid yet',
      async () => ({ ...(await TRUSTED), ...(await reissue({ from: Date.now() + DAY })) }),
      /^signPubKeyCert is outside its validity/,
    ],
    [
      'a signPubKeyCert with another subject',
      async () => ({
        ...(await TRUSTED),
        ...(await reissue({ cn: '041@8310000000000000@某某科技有限公司@00000001' })),
      }),
      /is not UnionPay's \(中国银联股份有限公司\)/,
    ],
    [
      'a signature by another key under the trusted cert',
      async () => ({ ...(await TRUSTED), key: (await keys()).privateKey }),
      /^signature does not verify/,
    ],
  ] as const)('%s: HTTP 400, nothing changes', async (_, make, reason) => {
    const s = await shop();
    const { created, row } = await pendingOrder(s, '5.00');
    const r = await notify(s.cfg.id, await consumeNotify(s.cfg.mer_id, row.provider_trade_no, '500', await make()));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(reason);
    expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).status).toBe('pending');
    expect((await ok('GET', `/merchants/${s.merchant.id}/payments`, undefined, 200)).data).toHaveLength(0);
  });

  it('a field changed after signing, no signPubKeyCert, a field sent twice: 400', async () => {
    const s = await shop();
    const { row } = await pendingOrder(s, '5.00');
    const f = await consumeNotify(s.cfg.mer_id, row.provider_trade_no, '500', await TRUSTED);
    expect((await notify(s.cfg.id, { ...f, txnAmt: '501' })).status).toBe(400);
    const { signPubKeyCert: _, ...noCert } = f;
    expect(await notify(s.cfg.id, noCert)).toEqual({ status: 400, text: 'no signPubKeyCert: cannot be verified' });
    const twice = await SELF.fetch(gw(`/channels/unionpay/notify/${s.cfg.id}`), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${new URLSearchParams(f)}&txnAmt=1`,
    });
    expect(twice.status).toBe(400);
  });

  it('another merId: 400; an amount one fen off: 200, unpaid, in the unmatched inbox', async () => {
    const s = await shop();
    const { created, row } = await pendingOrder(s, '5.00');
    const other = await notify(
      s.cfg.id,
      await consumeNotify('777999999999999', row.provider_trade_no, '500', await TRUSTED),
    );
    expect(other).toEqual({
      status: 400,
      text: `addressed to account 777999999999999, but this config is ${s.cfg.mer_id}`,
    });
    expect(
      (await notify(s.cfg.id, await consumeNotify(s.cfg.mer_id, row.provider_trade_no, '499', await TRUSTED))).status,
    ).toBe(200);
    expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).status).toBe('pending');
    expect(
      (await ok('GET', `/merchants/${s.merchant.id}/payments?matched=false`, undefined, 200)).data[0],
    ).toMatchObject({
      amount: '4.99',
      note: `amount 4.99 differs from order ${created.order_id}'s 5.00: the order stays unpaid`,
    });
  });
});

/** A signing cert (and its key) issued by the trusted middle, with another subject or other dates. */
async function reissue(leaf: { cn?: string; from?: number; to?: number }) {
  const t = await TRUSTED;
  const k = await keys();
  const c = await cert({
    subject: `CN=${leaf.cn ?? UNIONPAY_CN}`,
    issuer: 'CN=Test UnionPay Middle',
    pub: k.publicKey,
    signer: t.middleKey,
    ca: false,
    from: leaf.from,
    to: leaf.to,
  });
  return { sign: c.toString('pem'), key: k.privateKey };
}

describe('a UnionPay that answers errors, garbage or nothing', () => {
  it.each([
    ['s500', 'UnionPay answered HTTP 500'],
    ['alipaygarbage', 'UnionPay\'s answer is unreadable: a part without "=": not a k=v answer'],
    ['upunsigned', "UnionPay's answer (00 ok) cannot be trusted: no signature: treated as forged"],
    ['slow', 'UnionPay could not be reached: no answer within 3 s'],
  ] as const)(
    '%s: an App create is 204 naming it, nothing written; a pending order stays pending',
    async (behaviour, msg) => {
      const s = await shop();
      await ok(
        'PUT',
        `/apps/${s.app.appkey}/channels/unionpay`,
        { mer_id: s.cfg.mer_id, base_url: `https://merchant.example/${behaviour}/${key('f')}` },
        200,
      );
      await ok('PATCH', `/apps/${s.app.appkey}`, { routing: { unionpay: 'official' } }, 200);
      const k = key('c');
      const r = await gatepay('create', {
        ...(await signedCreate(s.app, { price: '1.00', type: 'unionpay', out_order_id: k })),
        method: 'app',
      });
      expect(r).toMatchObject({ code: 204, msg: `no payment method available now: ${msg}` });
      expect(
        await orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE out_order_id = ?').bind(k).first('n'),
      ).toBe(0);
      const { created } = await pendingOrder(s, '1.00');
      await dueNow(created.order_id, { expire: true });
      await sweepAt();
      expect(
        await orderTables
          .prepare('SELECT status, query_attempts FROM orders WHERE id = ?')
          .bind(created.order_id)
          .first(),
      ).toMatchObject({ status: 'pending', query_attempts: 1 });
    },
  );
});
