/**
 * Concurrent identical creates (SPEC §3.1 idempotency, §10): the Collector gives every retry of a
 * create the same hold and pay token, so whichever insert reaches D1 first saves the one order,
 * and the other create answers that order — never freeing the slot it depends on.
 */
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { BASE, eventually, gatepay, pay, setupMerchant, signedCreate, orderTables } from '../helpers';

/** The real D1 binding, with every insert into `orders` (a sandbox insert, or a live create's batch) held back until `open()`. */
function gatedDb() {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let reached!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  const gated = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (typeof v !== 'function') return v;
        if (prop === 'bind') return (...args: unknown[]) => gated(v.apply(target, args));
        if (['all', 'raw', 'run', 'first'].includes(prop as string))
          return async (...args: unknown[]) => {
            reached();
            await gate;
            return v.apply(target, args);
          };
        return v.bind(target);
      },
    });
  const db = new Proxy(env.DB, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop === 'batch')
        return async (...args: unknown[]) => {
          reached();
          await gate;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      if (prop === 'prepare')
        return (sql: string) => (/^insert into "orders"/i.test(sql) ? gated(target.prepare(sql)) : target.prepare(sql));
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db, open, arrived };
}

async function createThrough(db: D1Database, params: Record<string, string>) {
  const ctx = createExecutionContext();
  const res = await worker.fetch!(
    new Request(`${BASE}/api/cloudpay/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    }) as any,
    { ...env, DB: db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return (await res.json()) as { code: number; data: any };
}

describe('two identical creates at once', () => {
  it('the retry inserts first; the first create then answers the same order and keeps its slot', async () => {
    const m = await setupMerchant({ sessions: 1, settings: { max_offset: '0.00' }, store: 'DB' });
    const params = await signedCreate(m.app, { price: '12.00', out_order_id: `race-${Date.now()}` });
    const slow = gatedDb();
    const first = createThrough(slow.db, params); // reserves the slot, then waits at its insert
    await slow.arrived;
    const retry = await gatepay('create', params); // same hold, inserts first
    expect(retry.code).toBe(100);
    slow.open();
    const late = await first;
    expect(late.code).toBe(100);
    expect(late.data.order_id).toBe(retry.data.order_id);
    expect(late.data.pay_url).toBe(retry.data.pay_url);

    // The slot still belongs to the saved order: no other order gets 12.00, and a payment of it pays this order.
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${m.merchant.id}:live`));
    const holds = await runInDurableObject(stub, (_c, state) =>
      state.storage.sql.exec(`SELECT out_order_id, amount_fen FROM holds`).toArray(),
    );
    expect(holds).toEqual([{ out_order_id: params.out_order_id, amount_fen: 1200 }]);
    const other = await gatepay(
      'create',
      await signedCreate(m.app, { price: '12.00', out_order_id: `x-${Date.now()}` }),
    );
    expect(other.code).toBe(204);
    expect((await pay(m.sessions[0], '12.00')).body).toMatchObject({
      matched: true,
      out_order_id: params.out_order_id,
    });
    await eventually(async () => {
      const row = await orderTables.prepare(`SELECT status FROM orders WHERE id = ?`).bind(retry.data.order_id).first();
      expect(row).toEqual({ status: 'paid' });
    });
  });

  it('a create whose key belongs to an older, finished order frees only its own new slot', async () => {
    const m = await setupMerchant({ sessions: 1, settings: { max_offset: '0.00' }, store: 'DB' });
    const params = await signedCreate(m.app, { price: '13.00', out_order_id: `old-${Date.now()}` });
    const created = await gatepay('create', params);
    expect((await pay(m.sessions[0], '13.00')).body.matched).toBe(true);
    await eventually(async () => expect((await gatepay('create', params)).code).toBe(212));
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${m.merchant.id}:live`));
    const left = await runInDurableObject(stub, (_c, state) => state.storage.sql.exec(`SELECT * FROM holds`).toArray());
    expect(left).toEqual([]);
    expect(created.code).toBe(100);
  });
});
