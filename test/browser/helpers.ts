/** Node-side helpers for the browser project: the merchant's and the agent's HTTP calls. */
import { createHash, createHmac } from 'node:crypto';
import { inject } from 'vitest';

export const gateway = () => inject('gatewayUrl');
export const merchantBase = () => `http://127.0.0.1:${inject('merchantPort')}`;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
/** md5( md5(concatenated values) + secret ), from the spec. */
export const specSign = (values: string[], secret: string) => md5(md5(values.join('')) + secret);

export async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${gateway()}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${inject('adminToken')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function heartbeat(session: { id: number; secret: string }) {
  const body = '{}';
  const ts = String(Date.now());
  const res = await fetch(`${gateway()}/monitor/v1/heartbeat`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-huipay-session': String(session.id),
      'x-huipay-timestamp': ts,
      'x-huipay-signature': createHmac('sha256', session.secret).update(`${ts}.${body}`).digest('hex'),
    },
    body,
  });
  if (!res.ok) throw new Error(`heartbeat → ${res.status}`);
}

/** A merchant with a sandbox app (notify → local merchant server) and one sandbox session. */
export async function sandboxShop(key: string, opts: { online?: boolean; timeoutUrl?: string; notify?: string } = {}) {
  const merchant = await admin('POST', '/merchants', { name: `Shop ${key}` });
  const app = await admin('POST', `/merchants/${merchant.id}/apps`, {
    name: 'web',
    mode: 'sandbox',
    sandbox_notify_url: `${merchantBase()}/${opts.notify ?? 'success'}/${key}`,
    return_url: `${merchantBase()}/page/${key}`,
    ...(opts.timeoutUrl ? { timeout_url: opts.timeoutUrl } : {}),
  });
  const session = await admin('POST', `/merchants/${merchant.id}/sessions`, {
    type: 'alipay',
    label: 'demo',
    qr_payload: `https://qr.alipay.com/fkx-${key}`,
    mode: 'sandbox',
  });
  if (opts.online !== false) await heartbeat(session);
  return { merchant, app, session };
}

export async function createOrder(
  app: { appkey: string; appsecret: string },
  price: string,
  outOrderId: string,
  extra: Record<string, string> = {},
) {
  const p: Record<string, string> = {
    appkey: app.appkey,
    price,
    type: 'alipay',
    out_order_id: outOrderId,
    custom: '',
    ...extra,
  };
  p.sign = specSign([p.appkey, p.price, p.type, p.out_order_id, p.custom], app.appsecret);
  const res = await fetch(`${gateway()}/api/cloudpay/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(p),
  });
  const json = (await res.json()) as any;
  if (json.code !== 100) throw new Error(`create → ${JSON.stringify(json)}`);
  return json.data;
}
