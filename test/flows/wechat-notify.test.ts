/**
 * WeChat Pay v3 notifies at `POST /channels/wechat/notify/:config_id` (SPEC §11.3) and a WeChat Pay
 * that misbehaves. Notifies are built here from the protocol text with WebCrypto — the resource
 * sealed with AES-256-GCM under the API v3 key, the headers signed SHA256withRSA over
 * `timestamp\nnonce\nbody\n` with the test "WeChat Pay" key (test/fixtures/rsa/fault-alipay-*.pem,
 * the same key the fault server signs with) — never with huipay's code.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { eventually, gatepay, merchantLog, ok, signedCreate, uniqueKey as key, orderTables } from '../helpers';
import { createAs, dueNow, gw, keyPair, sweepAt, zeroSetupApp } from '../channels/helpers';
import faultPrivate from '../fixtures/rsa/fault-alipay-private.pem?raw';
import faultPublic from '../fixtures/rsa/fault-alipay-public.pem?raw';

/** The id the fault server signs with (test/merchant-server.ts). */
const KEY_ID = 'PUB_KEY_ID_0100000000000000000000000000000042';
const API_V3_KEY = 'Hp0Test0ApiV3Key0123456789abcdef';
const enc = new TextEncoder();
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const der = (pem: string) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
const wechatKey = crypto.subtle.importKey('pkcs8', der(faultPrivate), RSA, false, ['sign']);
const b64 = (b: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(b)));
let n = 0;
const rfc3339 = (ms: number) => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

async function shop(behaviour = 'wxsystemerror') {
  const s = await zeroSetupApp();
  const merchantKey = await keyPair();
  const cfg = await ok(
    'PUT',
    `/apps/${s.app.appkey}/channels/wechat`,
    {
      mchid: `19${String(Date.now()).slice(-8)}`,
      appid: 'wxd678efh567hg6787',
      api_v3_key: API_V3_KEY,
      merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      merchant_private_key: merchantKey.pkcs8,
      wechatpay_public_key: faultPublic,
      wechatpay_public_key_id: KEY_ID,
      base_url: `https://merchant.example/${behaviour}/${key('wx')}`,
    },
    201,
  );
  return { ...s, cfg };
}

async function order(s: Awaited<ReturnType<typeof shop>>, price: string) {
  const created = await createAs(s.app, 'wechat', price, key('o'), { method: 'wap' });
  return { created, row: await ok('GET', `/orders/${created.order_id}`, undefined, 200) };
}

interface NotifyOpts {
  mchid?: string;
  total?: number;
  v3Key?: string;
  signer?: CryptoKey;
  serial?: string;
  signature?: string;
  timestamp?: number;
  event?: string;
  unsigned?: boolean;
}

/** A TRANSACTION.SUCCESS notify as WeChat Pay sends it: the resource sealed, the headers signed. */
async function notify(mchid: string, outTradeNo: string, totalFen: number, o: NotifyOpts = {}) {
  const txn = {
    appid: 'wxd678efh567hg6787',
    mchid: o.mchid ?? mchid,
    out_trade_no: outTradeNo,
    transaction_id: `4200${String(Date.now()).slice(-12)}${String(++n).padStart(12, '0')}`,
    trade_type: 'MWEB',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'CMC',
    attach: '',
    success_time: rfc3339(Date.now() - 2000),
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: o.total ?? totalFen, payer_total: o.total ?? totalFen, currency: 'CNY', payer_currency: 'CNY' },
  };
  const iv = 'fedcba987654';
  const aes = await crypto.subtle.importKey('raw', enc.encode(o.v3Key ?? API_V3_KEY), 'AES-GCM', false, ['encrypt']);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: enc.encode(iv), additionalData: enc.encode('transaction') },
    aes,
    enc.encode(JSON.stringify(txn)),
  );
  const body = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: rfc3339(Date.now()),
    resource_type: 'encrypt-resource',
    event_type: o.event ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: b64(sealed),
      associated_data: 'transaction',
      nonce: iv,
    },
  });
  const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = 'hpTestNonce0123456789abcdefghijk';
  const sig = b64(
    await crypto.subtle.sign(RSA, o.signer ?? (await wechatKey), enc.encode(`${ts}\n${nonce}\n${body}\n`)),
  );
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!o.unsigned)
    Object.assign(headers, {
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': o.signature ?? sig,
      'wechatpay-serial': o.serial ?? KEY_ID,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    });
  return { body, headers, txn };
}

async function post(configId: number, msg: { body: string; headers: Record<string, string> }) {
  const res = await SELF.fetch(gw(`/channels/wechat/notify/${configId}`), {
    method: 'POST',
    headers: msg.headers,
    body: msg.body,
  });
  return { status: res.status, text: await res.text() };
}

const status = async (id: number) => (await ok('GET', `/orders/${id}`, undefined, 200)).status;
const payments = async (merchantId: number, q = '') =>
  (await ok('GET', `/merchants/${merchantId}/payments${q}`, undefined, 200)).data;
const lastLog = async (appkey: string) =>
  (await ok('GET', `/apps/${appkey}/channels/wechat/log`, undefined, 200)).data[0];

describe('a verified WeChat Pay notify', () => {
  it('marks the order paid once and answers 204; a repeat answers 204 and records nothing new', async () => {
    const s = await shop();
    const { created, row } = await order(s, '10.00');
    const msg = await notify(s.cfg.mchid, row.provider_trade_no, 1000);
    expect(await post(s.cfg.id, msg)).toEqual({ status: 204, text: '' });
    const paid = await ok('GET', `/orders/${created.order_id}`, undefined, 200);
    expect(paid).toMatchObject({ status: 'paid', provider_txn_id: msg.txn.transaction_id });
    expect(await payments(s.merchant.id)).toMatchObject([
      {
        order_id: created.order_id,
        amount: '10.00',
        payer: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
        channel: 'wechat',
        type: 'wechat',
      },
    ]);
    expect(await post(s.cfg.id, msg)).toEqual({ status: 204, text: '' });
    expect(await payments(s.merchant.id)).toHaveLength(1);
    await eventually(async () => expect(await merchantLog(s.raw.notify_url.split('/').pop())).toHaveLength(1));
  });

  it('five at once: one payment, one notify to the merchant', async () => {
    const s = await shop();
    const { created, row } = await order(s, '20.00');
    const msg = await notify(s.cfg.mchid, row.provider_trade_no, 2000);
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(s.cfg.id, msg)));
    expect(answers.map((a) => a.status)).toEqual([204, 204, 204, 204, 204]);
    expect(await status(created.order_id)).toBe('paid');
    expect(await payments(s.merchant.id)).toHaveLength(1);
    const deliveries = (await ok('GET', `/orders/${created.order_id}/deliveries`, undefined, 200)).data;
    expect(deliveries.filter((d: any) => d.kind === 'notify')).toHaveLength(1);
  });

  it('a refund event is verified, acknowledged and changes nothing', async () => {
    const s = await shop();
    const { created, row } = await order(s, '3.00');
    expect(
      (await post(s.cfg.id, await notify(s.cfg.mchid, row.provider_trade_no, 300, { event: 'REFUND.SUCCESS' }))).status,
    ).toBe(204);
    expect(await status(created.order_id)).toBe('pending');
    expect(await lastLog(s.app.appkey)).toMatchObject({
      kind: 'notify',
      outcome: 'processed',
      error: 'REFUND.SUCCESS EV-2018022511223320873',
    });
  });
});

describe('WeChat Pay notifies that change nothing (answered 4xx {"code":"FAIL"})', () => {
  const cases: [
    string,
    (s: Awaited<ReturnType<typeof shop>>, no: string) => Promise<{ body: string; headers: Record<string, string> }>,
    RegExp,
  ][] = [
    [
      'signed by another key',
      async (s, no) => notify(s.cfg.mchid, no, 500, { signer: (await keyPair()).privateKey }),
      /^Wechatpay-Signature does not verify/,
    ],
    [
      'Wechatpay-Serial is another key id',
      (s, no) => notify(s.cfg.mchid, no, 500, { serial: 'PUB_KEY_ID_0199999999999999999999999999999999' }),
      /^Wechatpay-Serial PUB_KEY_ID_0199999999999999999999999999999999 is not this config's wechatpay_public_key_id/,
    ],
    [
      'a WECHATPAY/SIGNTEST/ probe signature',
      (s, no) => notify(s.cfg.mchid, no, 500, { signature: 'WECHATPAY/SIGNTEST/dGVzdA==' }),
      /probe signature/,
    ],
    ['unsigned', (s, no) => notify(s.cfg.mchid, no, 500, { unsigned: true }), /^unsigned/],
    [
      'a timestamp 10 minutes old',
      (s, no) => notify(s.cfg.mchid, no, 500, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      /more than 5 minutes/,
    ],
    [
      'sealed with another API v3 key',
      (s, no) => notify(s.cfg.mchid, no, 500, { v3Key: 'Another0ApiV3Key0123456789abcdef' }),
      /does not decrypt with api_v3_key/,
    ],
    [
      'addressed to another mchid',
      (s, no) => notify(s.cfg.mchid, no, 500, { mchid: '1900009999' }),
      /^addressed to account 1900009999/,
    ],
  ];
  it.each(cases)('%s', async (_, make, reason) => {
    const s = await shop();
    const { created, row } = await order(s, '5.00');
    const r = await post(s.cfg.id, await make(s, row.provider_trade_no));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ code: 'FAIL', message: expect.stringMatching(reason) });
    expect(await status(created.order_id)).toBe('pending');
    expect(await payments(s.merchant.id)).toHaveLength(0);
    expect(await lastLog(s.app.appkey)).toMatchObject({
      kind: 'notify',
      outcome: 'rejected',
      error: expect.stringMatching(reason),
    });
  });

  it('a body changed after signing breaks the signature', async () => {
    const s = await shop();
    const { created, row } = await order(s, '5.00');
    const msg = await notify(s.cfg.mchid, row.provider_trade_no, 500);
    expect(
      (await post(s.cfg.id, { ...msg, body: msg.body.replace('"summary":"支付成功"', '"summary":"x"') })).status,
    ).toBe(400);
    expect(await status(created.order_id)).toBe('pending');
  });

  it('an amount one fen off: acknowledged, the order stays unpaid, the payment waits in the unmatched inbox', async () => {
    const s = await shop();
    const { created, row } = await order(s, '10.00');
    expect((await post(s.cfg.id, await notify(s.cfg.mchid, row.provider_trade_no, 1000, { total: 999 }))).status).toBe(
      204,
    );
    expect(await status(created.order_id)).toBe('pending');
    expect(await payments(s.merchant.id, '?matched=false')).toMatchObject([
      {
        amount: '9.99',
        order_id: null,
        note: `amount 9.99 differs from order ${created.order_id}'s 10.00: the order stays unpaid`,
      },
    ]);
  });
});

const FAULTS = [
  ['wxsystemerror', 'WeChat Pay: SYSTEM_ERROR: 系统错误'],
  ['s500', "WeChat Pay's answer (HTTP 500) is not JSON"],
  ['wxgarbage', "WeChat Pay's answer (HTTP 200) is not JSON"],
  [
    'wxunsigned',
    "WeChat Pay's answer (HTTP 200) cannot be trusted: unsigned (no Wechatpay-Signature, -Serial, -Timestamp or -Nonce): treated as forged",
  ],
  [
    'wxprobe',
    "WeChat Pay's answer (HTTP 200) cannot be trusted: a WECHATPAY/SIGNTEST/ probe signature: it never verifies",
  ],
  ['slow', 'WeChat Pay could not be reached: no answer within 3 s'],
] as const;

describe('a WeChat Pay that answers errors, garbage or nothing', () => {
  it.each(FAULTS)('%s: create 204 naming the answer, nothing written', async (behaviour, msg) => {
    const s = await shop(behaviour);
    await ok('PATCH', `/apps/${s.app.appkey}`, { routing: { wechat: 'official' } }, 200);
    const k = key('c');
    const r = await gatepay('create', {
      ...(await signedCreate(s.app, { price: '1.00', type: 'wechat', out_order_id: k })),
      method: 'qr',
    });
    expect(r).toMatchObject({ code: 204, msg: `no payment method available now: ${msg}` });
    expect(
      await orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE out_order_id = ?').bind(k).first('n'),
    ).toBe(0);
  });

  it.each(FAULTS)('%s: a pending order stays pending, asked again later, also past expiry', async (behaviour) => {
    const s = await shop(behaviour);
    const { created } = await order(s, '2.00');
    await dueNow(created.order_id);
    await sweepAt();
    await dueNow(created.order_id, { expire: true });
    const now = Date.now();
    await sweepAt(now);
    const o = await orderTables
      .prepare('SELECT status, next_query_ms, query_attempts FROM orders WHERE id = ?')
      .bind(created.order_id)
      .first<any>();
    // The second unknown outcome: asked again 2 min after the sweep's clock.
    expect(o).toMatchObject({ status: 'pending', query_attempts: 2, next_query_ms: now + 120_000 });
  });

  it('a signed success from the configured key is accepted', async () => {
    const s = await shop('wxnative');
    const created = await createAs(s.app, 'wechat', '1.00', key('ok'), { method: 'qr' });
    expect(new URL(created.qrcode_url).searchParams.get('text')).toBe('weixin://wxpay/bizpayurl?pr=fault0');
  });
});

describe('a refund when WeChat Pay answers errors', () => {
  it('SYSTEM_ERROR (signed 500): the refund stays pending, followed up later, never failed', async () => {
    const s = await shop();
    const { created, row } = await order(s, '6.00');
    expect((await post(s.cfg.id, await notify(s.cfg.mchid, row.provider_trade_no, 600))).status).toBe(204);
    const r = await ok('POST', `/orders/${created.order_id}/refunds`, { amount: '6.00' }, 201);
    expect(r).toMatchObject({ status: 'pending', msg: 'WeChat Pay: SYSTEM_ERROR: 系统错误' });
    await orderTables
      .prepare('UPDATE refunds SET next_query_ms = ? WHERE id = ?')
      .bind(Date.now() - 1, r.refund_id)
      .run();
    await sweepAt();
    const after = await orderTables
      .prepare('SELECT status, attempts FROM refunds WHERE id = ?')
      .bind(r.refund_id)
      .first<any>();
    expect(after).toMatchObject({ status: 'pending', attempts: 2 });
    expect((await ok('GET', `/orders/${created.order_id}`, undefined, 200)).refunded).toBe('0.00');
  });
});
