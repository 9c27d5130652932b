/** Driving the facades over HTTP as their clients do (no redirects followed), and reading what they made. */
import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { BASE, eventually, merchantLog, orderTables } from '../helpers';

/** A request to the gateway as a client sends it: `url` absolute (or a path under BASE). */
export async function send(
  url: string,
  init: { method?: 'GET' | 'POST'; form?: string | Uint8Array; headers?: Record<string, string> } = {},
) {
  const res = await SELF.fetch(url.startsWith('http') ? url : `${BASE}${url}`, {
    method: init.method ?? (init.form === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...init.headers,
    },
    body: init.form,
    redirect: 'manual',
  });
  const text = await res.text();
  return {
    status: res.status,
    location: res.headers.get('location'),
    text,
    headers: res.headers,
    json: () => JSON.parse(text),
  };
}

/** GET `path?query` or POST the params as a form. */
export const epayCall = (path: string, params: Record<string, string>, method: 'GET' | 'POST' = 'POST') =>
  method === 'GET'
    ? send(`${path}?${new URLSearchParams(params)}`)
    : send(path, { form: new URLSearchParams(params).toString() });

/** The pay token a cashier redirect points at. */
export const tokenOf = (location: string | null) => {
  const m = location?.match(/\/pay\/((?:\d{1,2}-)?[A-Za-z0-9]{24})$/);
  if (!m) throw new Error(`not a cashier redirect: ${location}`);
  return m[1];
};

export const orderByToken = (token: string) =>
  orderTables.prepare('SELECT * FROM orders WHERE pay_token = ?').bind(token).first<Record<string, any>>();

export const ordersOfApp = async (appId: number) =>
  (await orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE app_id = ?').bind(appId).first<{ n: number }>())
    ?.n ?? 0;

/** The query parameters of a logged GET (merchant server log `path`). */
export const queryOf = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);

/** The one request the merchant server got under `key` (waits for it; fails on none or more). */
export async function onlyRequest(key: string) {
  const [r] = await eventually(async () => {
    const log = await merchantLog(key);
    expect(log).toHaveLength(1);
    return log;
  });
  return r;
}

/** The one notify the merchant server got under `key`: a GET with no body; its query fields. */
export async function notified(key: string) {
  const r = await onlyRequest(key);
  expect(r.method).toBe('GET');
  expect(r.body).toBe('');
  return queryOf(r.path);
}

let n = 0;
export const uniq = (label: string) => `${label}${Date.now()}${++n}`;
