/**
 * What the Node-side protocol tests share: the real local gateway under `wrangler dev` on fresh
 * state (test/gateway-process.ts), its admin API, signed gatepay creates, and a local HTTP server
 * that records what it receives and answers as told — a merchant's notify endpoint, or a provider
 * endpoint huipay calls.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { type Gateway, prepareState, startGateway } from '../gateway-process';

const ADMIN_TOKEN = 'node-admin-token';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface Sandbox {
  gw: Gateway;
  admin<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** A sandbox merchant and app (notifies to `notifyUrl`). */
  app(notifyUrl: string): Promise<{ appkey: string; appsecret: string; merchantId: number }>;
  create(
    app: { appkey: string; appsecret: string },
    type: string,
    price: string,
    extra?: Record<string, string>,
  ): Promise<any>;
  stop(): Promise<void>;
}

/** The admin API of the gateway at `gwUrl` as the operator calls it; throws on a non-2xx answer. */
export function adminClient(gwUrl: string, token = ADMIN_TOKEN) {
  return async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${gwUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as any;
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** A signed gatepay create (SPEC §3 sign) at the gateway `gwUrl`; its `data`, or throws unless code 100. */
export async function gatepayCreate(
  gwUrl: string,
  app: { appkey: string; appsecret: string },
  f: { type: string; price: string; out_order_id: string },
  extra: Record<string, string> = {},
) {
  const p: Record<string, string> = {
    appkey: app.appkey,
    price: f.price,
    type: f.type,
    out_order_id: f.out_order_id,
    custom: '',
  };
  p.sign = md5(md5(p.appkey + p.price + p.type + p.out_order_id + p.custom) + app.appsecret);
  const res = await fetch(`${gwUrl}/api/cloudpay/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...p, ...extra }),
  });
  const json = (await res.json()) as any;
  if (json.code !== 100) throw new Error(`create → ${JSON.stringify(json)}`);
  return json.data;
}

export async function startSandbox(prefix: string): Promise<Sandbox> {
  const { state, envFile } = prepareState(prefix, {
    ADMIN_TOKEN,
    MASTER_KEY: 'node-master-key-not-a-secret',
    NOTIFY_SCHEDULE_SECONDS: '1,1',
  });
  const gw = await startGateway({ state, envFile });
  const admin = adminClient(gw.url);
  let n = 0;
  return {
    gw,
    admin,
    async app(notifyUrl) {
      const m = await admin('POST', '/merchants', { name: `${prefix} shop ${++n}` });
      const a = await admin('POST', `/merchants/${m.id}/apps`, {
        name: 'shop',
        mode: 'sandbox',
        notify_url: notifyUrl,
        return_url: 'https://shop.example/return',
      });
      return { appkey: a.appkey, appsecret: a.appsecret, merchantId: m.id };
    },
    create: (app, type, price, extra = {}) =>
      gatepayCreate(gw.url, app, { type, price, out_order_id: `${prefix}${Date.now()}${++n}` }, extra),
    async stop() {
      await gw.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server that records requests and answers with `answer(request)`. */
export async function recorder(
  answer: (r: Received) => { status: number; body: string; headers?: Record<string, string> },
) {
  const seen: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(r);
      const a = answer(r);
      res.writeHead(a.status, a.headers ?? {}).end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Polls until `fn` returns a value. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
