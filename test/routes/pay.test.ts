/**
 * The payer's endpoints: the cashier page and the status poll, measured for D1 round trips — to
 * the merchant's order store (ORDERS_1 here) and, never, to the control plane (DB).
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { payTokens } from '../../src/services/collector';
import { BASE, eventually, gatepay, pay, setupMerchant, signedCreate, signedLookup } from '../helpers';

const RUNS = new Set(['all', 'first', 'run', 'raw']);

/** A D1 statement whose executions (all, first, run, raw) are counted, also once bound. */
function countingStatement(stmt: D1PreparedStatement, tick: () => void): D1PreparedStatement {
  return new Proxy(stmt, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      if (prop === 'bind') return (...args: unknown[]) => countingStatement(v.apply(target, args), tick);
      if (RUNS.has(prop as string)) return (...args: unknown[]) => (tick(), v.apply(target, args));
      return v.bind(target);
    },
  });
}

/** A real D1 binding, wrapped to count round trips: every statement executed, every batch and exec. */
function countingDb(d1: D1Database) {
  let trips = 0;
  const tick = () => void trips++;
  const db = new Proxy(d1, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop === 'prepare') return (sql: string) => countingStatement(target.prepare(sql), tick);
      if (prop === 'batch' || prop === 'exec')
        return (...args: unknown[]) => (tick(), (v as Function).apply(target, args));
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db, count: () => trips };
}

async function fetchCounting(path: string, init?: RequestInit) {
  // The merchants here live on ORDERS_1: its round trips are counted, and DB's apart (the control plane).
  const store = countingDb(env.ORDERS_1);
  const control = countingDb(env.DB);
  const ctx = createExecutionContext();
  const res = await worker.fetch!(
    new Request(`${BASE}${path}`, init) as any,
    { ...env, DB: control.db, ORDERS_1: store.db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { res, statements: store.count(), control: control.count() };
}

describe('status poll and cashier page', () => {
  it('a pending status poll is answered by the Collector alone; a cold poll, the page and a paid poll make one round trip to the order store and none to DB', async () => {
    const m = await setupMerchant({ sessions: 1, store: 'ORDERS_1' });
    const o = await gatepay('create', await signedCreate(m.app, { price: '2.22', out_order_id: `d1-${Date.now()}` }));
    const token = o.data.pay_url.split('/').pop();
    const status = `/pay/${token}/status`;
    const warm = await fetchCounting(status);
    expect(await warm.res.json()).toMatchObject({
      status: 'pending',
      realprice: o.data.realprice,
      expires_at: o.data.expires_at,
    });
    expect(warm.statements).toBe(0);
    payTokens.forget(token); // as in an isolate that never saw this order
    for (const path of [status, `/pay/${token}`]) {
      const { res, statements, control } = await fetchCounting(path);
      expect(res.status).toBe(200);
      expect([statements, control]).toEqual([1, 0]);
    }
    expect((await fetchCounting(status)).statements).toBe(0); // the page taught this isolate the route
    await pay(m.sessions[0], o.data.realprice);
    await eventually(async () => {
      const { res, statements, control } = await fetchCounting(status);
      expect(((await res.json()) as any).status).toBe('paid');
      expect([statements, control]).toEqual([1, 0]);
    });
  });

  it('once the merchant closes an order the Collector no longer answers for it: the poll reads D1 and says closed', async () => {
    const m = await setupMerchant({ sessions: 1, store: 'ORDERS_1' });
    const o = await gatepay('create', await signedCreate(m.app, { price: '2.23', out_order_id: `cl-${Date.now()}` }));
    const status = `/pay/${o.data.pay_url.split('/').pop()}/status`;
    expect((await fetchCounting(status)).statements).toBe(0);
    expect((await gatepay('close', await signedLookup(m.app, String(o.data.order_id), ''))).code).toBe(100);
    const after = await fetchCounting(status);
    expect(await after.res.json()).toEqual({
      status: 'closed',
      realprice: o.data.realprice,
      expires_at: o.data.expires_at,
      acknowledged: false,
      return_url: null,
      timeout_url: null,
    });
    expect(after.statements).toBe(1);
  });

  it('the cashier page is complete HTML with no external assets and a strict CSP', async () => {
    const m = await setupMerchant({ sessions: 1, store: 'ORDERS_1' });
    const o = await gatepay('create', await signedCreate(m.app, { price: '3.33', out_order_id: `page-${Date.now()}` }));
    const res = await fetchCounting(new URL(o.data.pay_url).pathname);
    const html = await res.res.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(res.res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[A-Za-z0-9]+'/);
    expect(html).toContain('¥3.33');
  });

  it('simulate is refused for live orders and unknown tokens are 404', async () => {
    const m = await setupMerchant({ sessions: 1, store: 'ORDERS_1' });
    const o = await gatepay('create', await signedCreate(m.app, { price: '4.44', out_order_id: `live-${Date.now()}` }));
    const token = o.data.pay_url.split('/').pop();
    const sim = await fetchCounting(`/pay/${token}/simulate`, { method: 'POST' });
    expect(sim.res.status).toBe(403);
    expect((await fetchCounting(`/pay/${'A'.repeat(24)}`)).res.status).toBe(404);
    expect((await fetchCounting('/pay/../admin')).res.status).toBe(404);
  });
});
