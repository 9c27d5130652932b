/**
 * Which order a payment pays (SPEC §4.5, §10): the window `created ≤ paid_at ≤ expires + grace`,
 * and one expiry path — the Collector's alarm and the cron sweep both go through the Collector,
 * so an order inside its grace stays payable, a late payment lands in the inbox and can be
 * assigned by hand, and `order.expired` is sent once. Grace is the default 60 s here.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import {
  eventually,
  gatepay,
  merchantLog,
  merchantUrl,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  orderTables,
} from '../helpers';

const GRACE_MS = 60_000;
let n = 0;
const key = (label: string) => `${label}-${Date.now()}-${++n}`;

async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** A merchant with one online session, a webhook for `order.expired` and `payment.succeeded`, and one order. */
async function order(price: string) {
  const k = key('m');
  const m = await setupMerchant({ sessions: 1, app: { notify_url: merchantUrl('success', `${k}-notify`) } });
  await ok('POST', `/apps/${m.app.appkey}/webhooks`, {
    url: merchantUrl('ok200', `${k}-hook`),
    mode: 'live',
    events: ['order.expired', 'payment.succeeded'],
  });
  const created = await gatepay('create', await signedCreate(m.app, { price, out_order_id: key('o') }));
  expect(created.code).toBe(100);
  const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${m.merchant.id}:live`));
  const row = (await orderTables
    .prepare(`SELECT created_ms, expires_ms FROM orders WHERE id = ?`)
    .bind(created.data.order_id)
    .first<{ created_ms: number; expires_ms: number }>())!;
  return { ...m, o: created.data, stub, createdMs: row.created_ms, k };
}

type Placed = Awaited<ReturnType<typeof order>>;

/** Moves the order's window in the Collector's hold and (unless `d1` says otherwise) in D1. */
async function move(x: Placed, createdMs: number, expiresMs: number, d1 = { createdMs, expiresMs }) {
  await runInDurableObject(x.stub, (_c, state) => {
    state.storage.sql.exec(
      `UPDATE holds SET created_ms = ?, expires_ms = ? WHERE out_order_id = ?`,
      createdMs,
      expiresMs,
      x.o.out_order_id,
    );
  });
  await orderTables
    .prepare(`UPDATE orders SET created_ms = ?, expires_ms = ? WHERE id = ?`)
    .bind(d1.createdMs, d1.expiresMs, x.o.order_id)
    .run();
}

const holds = (x: Placed) =>
  runInDurableObject(x.stub, (_c, state) => state.storage.sql.exec(`SELECT out_order_id FROM holds`).toArray().length);
const status = async (x: Placed) => (await ok('GET', `/orders/${x.o.order_id}`, undefined, 200)).status;
const paidAt = (x: Placed, ms: number) => pay(x.sessions[0], x.o.realprice, { paid_at: ms });
const events = async (x: Placed, type: string) =>
  (await merchantLog(`${x.k}-hook`)).filter((r) => JSON.parse(r.body).type === type);

describe('the matching window: created ≤ paid_at ≤ expires + grace', () => {
  it('paid_at 1 s before the order was created → unmatched; at its creation → matched', async () => {
    const x = await order('4.01');
    expect((await paidAt(x, x.createdMs - 1000)).body).toMatchObject({ matched: false, out_order_id: null });
    expect(await status(x)).toBe('pending');
    expect((await paidAt(x, x.createdMs)).body).toMatchObject({ matched: true, out_order_id: x.o.out_order_id });
    await eventually(async () => expect(await status(x)).toBe('paid'));
  });

  it('paid_at = expires + 30 s → matched and paid', async () => {
    const x = await order('4.02');
    const expires = Date.now() - 40_000;
    await move(x, expires - 600_000, expires);
    expect((await paidAt(x, expires + 30_000)).body.matched).toBe(true);
    await eventually(async () => expect(await status(x)).toBe('paid'));
  });

  it('paid_at = expires + grace + 1 s → unmatched, although the hold is still there', async () => {
    const x = await order('4.03');
    const expires = Date.now() - GRACE_MS - 10_000;
    await move(x, expires - 600_000, expires);
    expect(await holds(x)).toBe(1);
    expect((await paidAt(x, expires + GRACE_MS + 1000)).body.matched).toBe(false);
    expect(await status(x)).toBe('pending');
  });

  it('a hold whose order expired 30 s ago survives the alarm and can still be paid; past the grace the alarm frees it', async () => {
    const x = await order('4.04');
    const expires = Date.now() - 30_000;
    await move(x, expires - 600_000, expires);
    await runDurableObjectAlarm(x.stub);
    expect(await holds(x)).toBe(1);
    expect(await status(x)).toBe('pending');
    expect((await paidAt(x, Date.now() - 5000)).body.matched).toBe(true);
    await eventually(async () => expect(await status(x)).toBe('paid'));

    const y = await order('4.05');
    await move(y, Date.now() - 700_000, Date.now() - GRACE_MS - 1000);
    await runDurableObjectAlarm(y.stub);
    expect(await holds(y)).toBe(0);
    await eventually(async () => expect(await status(y)).toBe('expired'));
  });
});

describe('the cron sweep expires through the Collector', () => {
  it('a missed alarm: the sweep expires the order once (order.expired once); a late payment is unmatched and assignable by hand', async () => {
    const x = await order('5.01');
    const expires = Date.now() - 12 * 60_000;
    await move(x, expires - 600_000, expires);
    await cron();
    await eventually(async () => expect(await status(x)).toBe('expired'));
    expect(await holds(x)).toBe(0);
    await eventually(async () => expect(await events(x, 'order.expired')).toHaveLength(1));
    await cron();
    await new Promise((r) => setTimeout(r, 500));
    expect(await events(x, 'order.expired')).toHaveLength(1);

    // Paid inside the window, reported after the grace: nobody's hold any more.
    const late = await paidAt(x, expires + 30_000);
    expect(late.body).toMatchObject({ matched: false, out_order_id: null });
    const inbox = await eventually(async () => {
      const rows = (await ok('GET', `/merchants/${x.merchant.id}/payments?matched=false`, undefined, 200)).data;
      expect(rows.map((p: { id: string }) => p.id)).toContain(late.body.payment_id);
      return rows;
    });
    expect(inbox.length).toBeGreaterThan(0);
    const assigned = await ok('POST', `/payments/${late.body.payment_id}/assign`, { order_id: x.o.order_id }, 200);
    expect(assigned.order).toMatchObject({ status: 'paid' });
    expect(assigned.payment).toMatchObject({ order_id: x.o.order_id, matched_by: 'manual' });
    await eventually(async () => expect(await merchantLog(`${x.k}-notify`)).toHaveLength(1));
    await eventually(async () => expect(await events(x, 'payment.succeeded')).toHaveLength(1));
    // A second payment cannot be assigned to the same order.
    const again = await paidAt(x, expires + 31_000);
    const refused = await eventually(async () => {
      const r = await ok('POST', `/payments/${again.body.payment_id}/assign`, { order_id: x.o.order_id }, 409);
      return r;
    });
    expect(refused.error.message).toMatch(/paid/);
  });

  it('D1 says overdue but the order is inside its grace at the Collector: it stays payable, and the payment pays it once', async () => {
    const x = await order('5.02');
    const holdExpires = Date.now() - 30_000;
    await move(x, holdExpires - 600_000, holdExpires, {
      createdMs: holdExpires - 600_000,
      expiresMs: Date.now() - 12 * 60_000,
    });
    await cron();
    await new Promise((r) => setTimeout(r, 500));
    expect(await status(x)).toBe('pending');
    expect(await holds(x)).toBe(1);

    const report = await paidAt(x, holdExpires + 10_000);
    expect(report.body).toMatchObject({ matched: true, out_order_id: x.o.out_order_id });
    const view = await eventually(async () => {
      const o = await ok('GET', `/orders/${x.o.order_id}`, undefined, 200);
      expect(o.status).toBe('paid');
      return o;
    });
    expect(view.payment_id).toBe(report.body.payment_id);
    const payment = (await ok('GET', `/merchants/${x.merchant.id}/payments`, undefined, 200)).data.find(
      (p: { id: string }) => p.id === report.body.payment_id,
    );
    expect(payment).toMatchObject({ order_id: x.o.order_id, matched_by: 'auto' });
    await eventually(async () => expect(await merchantLog(`${x.k}-notify`)).toHaveLength(1));
    await cron();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await status(x)).toBe('paid');
    expect(await merchantLog(`${x.k}-notify`)).toHaveLength(1);
    expect(await events(x, 'order.expired')).toHaveLength(0);
  });
});
