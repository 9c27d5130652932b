/**
 * A restart loses nothing (SPEC §10, issue 14): the real local gateway (`wrangler dev` on
 * persisted state) is killed with SIGKILL while work waits — a notify retry, a payment the
 * report answered but D1 has not seen — then started again on the same state. The merchant's
 * server must still get the notify, once and correctly signed, with no cron trigger firing
 * (`wrangler dev` fires none): the Sweeper's and the Collector's persisted alarms re-drive it.
 */
import { createHash, createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, prepareState, startGateway } from '../gateway-process';

const ADMIN_TOKEN = 'restart-admin-token';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const specSign = (values: string[], secret: string) => md5(md5(values.join('')) + secret);

/** A merchant server that answers "fail" until `recover()`, then "success"; it records every request. */
async function merchantServer() {
  const seen: { body: string; answered: string; at: number }[] = [];
  let answer = 'fail';
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ body, answered: answer, at: Date.now() });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/notify`,
    seen,
    recover: () => void (answer = 'success'),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One gateway's state folder, a demo merchant on it, and what it takes to pay an order. */
async function setup(gw: Gateway, notifyUrl: string) {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as any;
  };
  const merchant = await admin('POST', '/merchants', { name: 'Restart shop' });
  const app = await admin('POST', `/merchants/${merchant.id}/apps`, {
    name: 'shop',
    mode: 'sandbox',
    notify_url: notifyUrl,
    return_url: 'https://shop.example/return',
  });
  const session = await admin('POST', `/merchants/${merchant.id}/sessions`, {
    type: 'alipay',
    label: 'wallet',
    qr_payload: 'https://qr.alipay.com/restart',
    mode: 'sandbox',
  });
  return { admin, app, session };
}

type Shop = Awaited<ReturnType<typeof setup>>;

async function monitor(gw: Gateway, shop: Shop, path: 'heartbeat' | 'payments', body: unknown) {
  const raw = JSON.stringify(body);
  const ts = String(Date.now());
  const res = await fetch(`${gw.url}/monitor/v1/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-huipay-session': String(shop.session.id),
      'x-huipay-timestamp': ts,
      'x-huipay-signature': createHmac('sha256', shop.session.secret).update(`${ts}.${raw}`).digest('hex'),
    },
    body: raw,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

async function createOrder(gw: Gateway, shop: Shop, price: string, outOrderId: string) {
  const p = { appkey: shop.app.appkey, price, type: 'alipay', out_order_id: outOrderId, custom: 'buyer-7' };
  const sign = specSign([p.appkey, p.price, p.type, p.out_order_id, p.custom], shop.app.appsecret);
  const res = await fetch(`${gw.url}/api/cloudpay/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...p, sign }).toString(),
  });
  const r = (await res.json()) as any;
  expect(r.code).toBe(100);
  return r.data;
}

/** The notify form is the spec's, and its sign verifies with the app's secret. */
function expectSignedNotify(body: string, shop: Shop, order: { order_id: number; out_order_id: string }) {
  const f = Object.fromEntries(new URLSearchParams(body));
  expect(f).toMatchObject({ order_id: String(order.order_id), out_order_id: order.out_order_id, extend: 'buyer-7' });
  const fields = ['order_id', 'out_order_id', 'price', 'realprice', 'type', 'paytime', 'extend'];
  expect(f.sign).toBe(specSign([shop.app.appkey, ...fields.map((k) => f[k])], shop.app.appsecret));
}

describe('a restart of the local gateway loses no pending work', () => {
  let merchant: Awaited<ReturnType<typeof merchantServer>>;
  let state: string;
  let envFile: string;
  let gw: Gateway;
  let shop: Shop;

  beforeAll(async () => {
    merchant = await merchantServer();
    // Retries 20 s apart: long enough to kill the gateway while one waits.
    ({ state, envFile } = prepareState('huipay-restart-', {
      ADMIN_TOKEN,
      MASTER_KEY: 'restart-master-key-not-a-secret',
      NOTIFY_SCHEDULE_SECONDS: Array(10).fill('20').join(','),
    }));
    gw = await startGateway({ state, envFile });
    shop = await setup(gw, merchant.url);
  });

  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await merchant?.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('a notify retry waiting in the queue when the gateway is killed is delivered after it starts again, once', async () => {
    await monitor(gw, shop, 'heartbeat', {});
    const order = await createOrder(gw, shop, '8.80', `retry-${Date.now()}`);
    expect(
      (await monitor(gw, shop, 'payments', { type: 'alipay', amount: order.realprice, paid_at: Date.now() })).matched,
    ).toBe(true);
    await until('the first notify attempt', () => (merchant.seen.length === 1 ? true : undefined), 30_000);
    expect(merchant.seen[0].answered).toBe('fail');

    await gw.stop('SIGKILL'); // the retry's delayed message dies with it
    merchant.recover();
    gw = await startGateway({ state, envFile, port: gw.port }); // as a user restarts it: same state, same port
    const restartedAt = Date.now();

    const delivered = await until(
      'the notify after the restart',
      () => merchant.seen.find((s) => s.answered === 'success'),
      120_000,
    );
    expectSignedNotify(delivered.body, shop, order);
    expect(merchant.seen.map((s) => s.answered)).toEqual(['fail', 'success']);
    expect(delivered.at - restartedAt).toBeLessThan(90_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(merchant.seen).toHaveLength(2); // nothing after the merchant's "success"
  });

  it('a kill right after a payment report was answered: the order still ends paid and notified, once', async () => {
    await monitor(gw, shop, 'heartbeat', {});
    const before = merchant.seen.length;
    const order = await createOrder(gw, shop, '9.90', `crash-${Date.now()}`);
    const answer = await monitor(gw, shop, 'payments', {
      type: 'alipay',
      amount: order.realprice,
      paid_at: Date.now(),
    });
    expect(answer.matched).toBe(true);
    await gw.stop('SIGKILL');
    gw = await startGateway({ state, envFile, port: gw.port });

    const view = await until(
      'the order paid',
      async () => {
        const o = await shop.admin('GET', `/orders/${order.order_id}`);
        return o.status === 'paid' ? o : undefined;
      },
      120_000,
    );
    expect(view.payment_id).toBe(answer.payment_id);
    const notified = await until(
      'its notify',
      () => (merchant.seen.length > before ? merchant.seen.slice(before) : undefined),
      60_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(merchant.seen.slice(before)).toHaveLength(1);
    expect(notified[0].answered).toBe('success');
    expectSignedNotify(notified[0].body, shop, order);
  });
});
