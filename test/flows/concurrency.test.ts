import { describe, expect, it } from 'vitest';
import { eventually, gatepay, ok, pay, setupMerchant, signedCreate, orderTables, merchantDb } from '../helpers';

describe('200 concurrent creates of one price over 3 online sessions', () => {
  it('gives every pending order a realprice unique per session, never more than the slots, the rest 204', async () => {
    const { app, merchant } = await setupMerchant({ sessions: 3 });
    const params = await Promise.all(
      Array.from({ length: 200 }, (_, i) => signedCreate(app, { price: '20.00', out_order_id: `c${i}` })),
    );
    const results = await Promise.all(params.map((p) => gatepay('create', p)));
    const codes = results.map((r) => r.code);
    const slots = 3 * 11; // max_offset 0.10 → 20.00 … 19.90 on each session
    expect(codes.filter((c) => c === 100)).toHaveLength(slots);
    expect(codes.filter((c) => c === 204)).toHaveLength(200 - slots);
    const { results: rows } = await orderTables
      .prepare(`SELECT session_id, type, realprice_fen FROM orders WHERE merchant_id = ? AND status = 'pending'`)
      .bind(merchant.id)
      .all<{ session_id: number; type: string; realprice_fen: number }>();
    expect(rows).toHaveLength(slots);
    const keys = new Set(rows.map((r) => `${r.session_id}:${r.type}:${r.realprice_fen}`));
    expect(keys.size).toBe(slots);
    for (const r of rows) expect(r.realprice_fen).toBeGreaterThanOrEqual(1990);
  });
});

describe('100 pending orders paid by 100 reports in random order with 20% duplicates', () => {
  it('pays exactly 100 orders once each; a duplicate gets its first answer; a stray report lands in the inbox and can be assigned', async () => {
    const { app, merchant, sessions } = await setupMerchant({ sessions: 2, settings: { max_offset: '0.00' } });
    // 100 distinct prices over 2 sessions: each order's realprice equals its price.
    const created = await Promise.all(
      Array.from(
        { length: 100 },
        async (_, i) =>
          (await gatepay('create', await signedCreate(app, { price: `${30 + i}.00`, out_order_id: `m${i}` }))).data,
      ),
    );
    expect(created.every((o) => o && o.realprice === o.price)).toBe(true);
    const { results: placed } = await orderTables
      .prepare(`SELECT id, session_id, realprice_fen FROM orders WHERE merchant_id = ?`)
      .bind(merchant.id)
      .all<{ id: number; session_id: number; realprice_fen: number }>();
    const byId = new Map(sessions.map((s) => [s.id, s]));
    const paidAt = Date.now();
    const reports = placed.map((o, i) => ({
      session: byId.get(o.session_id)!,
      body: { type: 'alipay', amount: (o.realprice_fen / 100).toFixed(2), paid_at: paidAt, ref: `bill-${i}` },
    }));
    const dupes = reports.filter((_, i) => i % 5 === 0);
    const all = [...reports, ...dupes].sort(() => Math.random() - 0.5);
    const answers = await Promise.all(
      all.map(async (r) => ({ ref: r.body.ref, res: await pay(r.session, r.body.amount, r.body) })),
    );
    expect(answers.every((a) => a.res.status === 200 && a.res.body.matched === true)).toBe(true);
    const firstByRef = new Map<string, unknown>();
    for (const a of answers) {
      if (firstByRef.has(a.ref)) expect(a.res.body).toEqual(firstByRef.get(a.ref));
      else firstByRef.set(a.ref, a.res.body);
    }
    await eventually(async () => {
      const n = await orderTables
        .prepare(`SELECT COUNT(*) AS n FROM orders WHERE merchant_id = ? AND status = 'paid'`)
        .bind(merchant.id)
        .first<{ n: number }>();
      expect(n?.n).toBe(100);
    });
    const pays = await (await merchantDb(merchant.id))
      .prepare(`SELECT COUNT(*) AS n, COUNT(DISTINCT order_id) AS orders FROM payments WHERE merchant_id = ?`)
      .bind(merchant.id)
      .first<{ n: number; orders: number }>();
    expect(pays).toEqual({ n: 100, orders: 100 });

    // A report that matches nothing: the inbox, then a hand assignment (补单).
    const stray = await pay(sessions[0], '12.34', { ref: 'stray-1' });
    expect(stray.body.matched).toBe(false);
    const inbox = await eventually(async () => {
      const r = await ok('GET', `/merchants/${merchant.id}/payments?matched=false`, undefined, 200);
      expect(r.data).toHaveLength(1);
      return r.data;
    });
    expect(inbox[0]).toMatchObject({ id: stray.body.payment_id, amount: '12.34', order_id: null, ref: 'stray-1' });
    const target = await gatepay('create', await signedCreate(app, { price: '12.50', out_order_id: 'late' }));
    const assigned = await ok(
      'POST',
      `/payments/${stray.body.payment_id}/assign`,
      { order_id: target.data.order_id },
      200,
    );
    expect(assigned.order).toMatchObject({
      id: target.data.order_id,
      status: 'paid',
      payment_id: stray.body.payment_id,
    });
    expect(assigned.payment).toMatchObject({ order_id: target.data.order_id, matched_by: 'manual' });
    expect((await ok('GET', `/merchants/${merchant.id}/payments?matched=false`, undefined, 200)).data).toHaveLength(0);
    const again = await pay(sessions[0], '12.34', { ref: 'stray-1' });
    expect(again.body).toEqual(stray.body);
  });
});
