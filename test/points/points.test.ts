/** Points and plans (SPEC §7): ledger, onboarding fee, order fee, monthly quota, no negative balance under races. */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sweep } from '../../src/queues/sweeper';
import {
  admin,
  eventually,
  gatepay,
  monitor,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  signedLookup,
  type TestApp,
  type TestSession,
  orderTables,
} from '../helpers';

async function ledgerSum(merchantId: number) {
  const r = await orderTables
    .prepare(`SELECT COALESCE(SUM(delta), 0) AS s FROM points_ledger WHERE merchant_id = ?`)
    .bind(merchantId)
    .first<{ s: number }>();
  return r!.s;
}

async function balance(merchantId: number) {
  return (await ok('GET', `/merchants/${merchantId}/points`)).balance as number;
}

/** The session's last heartbeat 91 s ago: offline now (HEARTBEAT_TIMEOUT_SECONDS is 90). */
async function goOffline(merchantId: number, sessionId: number) {
  const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchantId}:live`));
  await runInDurableObject(stub, (_obj, state) => {
    state.storage.sql.exec('UPDATE sessions SET last_seen_ms = last_seen_ms - 91000 WHERE id = ?', sessionId);
  });
}

describe('points ledger', () => {
  it('recharges and debits through the admin API, newest first, with balance_after', async () => {
    const m = await ok('POST', '/merchants', { name: 'Ledger shop' });
    expect(m.points).toBe(0);
    expect(m.onboarding_fee).toBe(100);
    const r1 = await ok('POST', `/merchants/${m.id}/points`, { delta: 500, reason: 'recharge', note: 'first' });
    expect(r1).toMatchObject({ delta: 500, reason: 'recharge', balance_after: 500, note: 'first', reference: null });
    const r2 = await ok('POST', `/merchants/${m.id}/points`, { delta: -120, reason: 'adjustment' });
    expect(r2.balance_after).toBe(380);
    const l = await ok('GET', `/merchants/${m.id}/points`);
    expect(l.balance).toBe(380);
    expect(l.data.map((r: any) => r.delta)).toEqual([-120, 500]);
    expect(await ledgerSum(m.id)).toBe(380);
  });

  it('refuses a debit past zero (409), a negative recharge and a zero delta (400), writing nothing', async () => {
    const m = await ok('POST', '/merchants', { name: 'Guard shop' });
    await ok('POST', `/merchants/${m.id}/points`, { delta: 50, reason: 'recharge' });
    const over = await admin('POST', `/merchants/${m.id}/points`, { delta: -51, reason: 'adjustment' });
    expect(over.status).toBe(409);
    expect(over.body.error.message).toContain('balance is 50');
    expect((await admin('POST', `/merchants/${m.id}/points`, { delta: -5, reason: 'recharge' })).status).toBe(400);
    expect((await admin('POST', `/merchants/${m.id}/points`, { delta: 0, reason: 'recharge' })).status).toBe(400);
    expect((await admin('POST', `/merchants/${m.id}/points`, { delta: 5, reason: 'order_fee' })).status).toBe(400);
    expect((await admin('POST', `/merchants/999999/points`, { delta: 5, reason: 'recharge' })).status).toBe(404);
    const l = await ok('GET', `/merchants/${m.id}/points`);
    expect(l.data).toHaveLength(1);
    expect(l.balance).toBe(50);
  });

  it('concurrent debits never take the balance below zero; ledger sum = balance', async () => {
    const m = await ok('POST', '/merchants', { name: 'Race shop' });
    await ok('POST', `/merchants/${m.id}/points`, { delta: 100, reason: 'recharge' });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        admin('POST', `/merchants/${m.id}/points`, { delta: -30, reason: 'adjustment' }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    expect(await balance(m.id)).toBe(10);
    expect(await ledgerSum(m.id)).toBe(10);
  });
});

describe('onboarding fee', () => {
  it('charges once per issued monitor config; an unaffordable one leaves the session offline with the reason', async () => {
    const m = await ok('POST', '/merchants', { name: 'Onboard shop' });
    await ok('PUT', `/merchants/${m.id}/plan`, { onboarding_fee: 150 }, 200);
    await ok('POST', `/merchants/${m.id}/points`, { delta: 100, reason: 'recharge' });
    const s = await ok('POST', `/merchants/${m.id}/sessions`, {
      type: 'alipay',
      label: 'w',
      qr_payload: 'x',
      mode: 'live',
    });
    const session = { id: s.id, secret: s.secret, type: 'alipay' };
    const refused = await monitor(session, 'heartbeat', {});
    expect(refused.status).toBe(402);
    expect(refused.body.error.message).toContain('onboarding fee is 150 points');
    const list = await ok('GET', `/merchants/${m.id}/sessions`);
    expect(list.data[0].state).toBe('new');
    expect(list.data[0].offline_reason).toBe('insufficient_points');
    await ok('POST', `/merchants/${m.id}/points`, { delta: 100, reason: 'recharge' });
    expect((await monitor(session, 'heartbeat', {})).status).toBe(200);
    expect((await monitor(session, 'heartbeat', {})).status).toBe(200);
    expect(await balance(m.id)).toBe(50);
    const after = await ok('GET', `/merchants/${m.id}/sessions`);
    expect(after.data[0]).toMatchObject({ state: 'online', offline_reason: null });
    // Reuse of the session gone offline: a new monitor config is charged again at its first heartbeat.
    await goOffline(m.id, s.id);
    await ok('POST', `/merchants/${m.id}/points`, { delta: 150, reason: 'recharge' });
    const rotated = await ok('POST', `/sessions/${s.id}/rotate-secret`, undefined, 200);
    const again = { id: s.id, secret: rotated.secret, type: 'alipay' };
    await Promise.all([
      monitor(again, 'heartbeat', {}),
      monitor(again, 'heartbeat', {}),
      monitor(again, 'heartbeat', {}),
    ]);
    expect(await balance(m.id)).toBe(50);
    const l = await ok('GET', `/merchants/${m.id}/points`);
    expect(l.data.filter((r: any) => r.reason === 'onboarding').map((r: any) => r.reference)).toEqual([
      `session:${s.id}#2`,
      `session:${s.id}#1`,
    ]);
    expect(await ledgerSum(m.id)).toBe(50);
  });

  // Pins: rotating the secret of a session online right now is no onboarding (SPEC §7: a new
  // session or a reused offline one). It used to mark the new config unpaid, so its first heartbeat
  // was charged again, or, with the balance short, refused, taking the online session offline.
  it('a rotation while online is not charged and keeps the session online; a reuse of an offline one is, once', async () => {
    const m = await ok('POST', '/merchants', { name: 'Rotate shop' });
    await ok('POST', `/merchants/${m.id}/points`, { delta: 100, reason: 'recharge' });
    const s = await ok('POST', `/merchants/${m.id}/sessions`, { type: 'alipay', label: 'w', qr_payload: 'x' });
    expect((await monitor({ id: s.id, secret: s.secret, type: 'alipay' }, 'heartbeat', {})).status).toBe(200);
    expect(await balance(m.id)).toBe(0);

    const rotated = await ok('POST', `/sessions/${s.id}/rotate-secret`, undefined, 200);
    expect(rotated.state).toBe('online');
    const beat = await monitor({ id: s.id, secret: rotated.secret, type: 'alipay' }, 'heartbeat', {});
    expect(beat.status).toBe(200);
    expect((await ok('GET', `/merchants/${m.id}/sessions`)).data[0]).toMatchObject({
      state: 'online',
      offline_reason: null,
    });
    const onboardings = async () =>
      (await ok('GET', `/merchants/${m.id}/points`)).data
        .filter((r: any) => r.reason === 'onboarding')
        .map((r: any) => r.reference);
    expect(await onboardings()).toEqual([`session:${s.id}#1`]);
    expect(await balance(m.id)).toBe(0);

    // Offline, then reused: the new config's first heartbeat is charged, once.
    await goOffline(m.id, s.id);
    await ok('POST', `/merchants/${m.id}/points`, { delta: 100, reason: 'recharge' });
    const reused = await ok('POST', `/sessions/${s.id}/rotate-secret`, undefined, 200);
    expect(reused.state).toBe('offline');
    const again = { id: s.id, secret: reused.secret, type: 'alipay' };
    expect((await monitor(again, 'heartbeat', {})).status).toBe(200);
    expect((await monitor(again, 'heartbeat', {})).status).toBe(200);
    expect(await onboardings()).toEqual([`session:${s.id}#3`, `session:${s.id}#1`]);
    expect(await balance(m.id)).toBe(0);
    expect(await ledgerSum(m.id)).toBe(0);
  });

  it('never charges sandbox sessions', async () => {
    const m = await ok('POST', '/merchants', { name: 'Sandbox shop' });
    const s = await ok('POST', `/merchants/${m.id}/sessions`, {
      type: 'alipay',
      label: 'w',
      qr_payload: 'x',
      mode: 'sandbox',
    });
    expect((await monitor({ id: s.id, secret: s.secret, type: 'alipay' }, 'heartbeat', {})).status).toBe(200);
    expect(await balance(m.id)).toBe(0);
    expect((await ok('GET', `/merchants/${m.id}/points`)).data).toEqual([]);
  });
});

describe('order fee and quota', () => {
  it('N concurrent creates with a balance for fewer: exactly the affordable ones succeed, the rest get 110', async () => {
    const { merchant, app } = await setupMerchant({ sessions: 1, settings: { max_offset: '1.00' } });
    await ok('PUT', `/merchants/${merchant.id}/plan`, { order_fee_points: 7, order_fee_permille: 10 }, 200);
    // 10.00 yuan → 7 + ceil(1000 × 10 / 1000) = 17 points per order; leave room for exactly 5.
    const start = await balance(merchant.id);
    await ok('POST', `/merchants/${merchant.id}/points`, { delta: -(start - 5 * 17 - 3), reason: 'adjustment' });
    expect(await balance(merchant.id)).toBe(88);
    const results = await Promise.all(
      Array.from({ length: 12 }, async (_, i) =>
        gatepay('create', await signedCreate(app, { price: '10.00', out_order_id: `fee-${i}` })),
      ),
    );
    expect(results.filter((r) => r.code === 100)).toHaveLength(5);
    const refused = results.filter((r) => r.code === 110);
    expect(refused).toHaveLength(7);
    expect(refused[0].msg).toContain("points insufficient: this order's fee is 17 points and the balance is 3");
    expect(await balance(merchant.id)).toBe(3);
    expect(await ledgerSum(merchant.id)).toBe(3);
    const orders = await orderTables
      .prepare(`SELECT COUNT(*) AS n FROM orders WHERE merchant_id = ?`)
      .bind(merchant.id)
      .first<{ n: number }>();
    expect(orders!.n).toBe(5);
    // The refused creates freed their amount slots: after a recharge the same out_order_id goes through.
    await ok('POST', `/merchants/${merchant.id}/points`, { delta: 100, reason: 'recharge' });
    const retry = results.findIndex((r) => r.code === 110);
    expect(
      (await gatepay('create', await signedCreate(app, { price: '10.00', out_order_id: `fee-${retry}` }))).code,
    ).toBe(100);
  });

  it('gives the fee back when an order is closed unpaid; keeps it when paid', async () => {
    const { merchant, app, sessions } = await setupMerchant({ sessions: 1 });
    await ok('PUT', `/merchants/${merchant.id}/plan`, { order_fee_points: 20 }, 200);
    const start = await balance(merchant.id);
    const a = await gatepay('create', await signedCreate(app, { price: '3.00', out_order_id: 'close-me' }));
    const b = await gatepay('create', await signedCreate(app, { price: '4.00', out_order_id: 'pay-me' }));
    expect(await balance(merchant.id)).toBe(start - 40);
    await gatepay('close', await signedLookup(app, String(a.data.order_id), ''));
    await gatepay('close', await signedLookup(app, String(a.data.order_id), ''));
    expect(await balance(merchant.id)).toBe(start - 20);
    const { pay } = await import('../helpers');
    await pay(sessions[0], b.data.realprice);
    await eventually(async () => expect((await ok('GET', `/orders/${b.data.order_id}`)).status).toBe('paid'));
    expect(await balance(merchant.id)).toBe(start - 20);
    const reasons = (await ok('GET', `/merchants/${merchant.id}/points`)).data.map(
      (r: any) => `${r.reason}:${r.reference}`,
    );
    expect(reasons.slice(0, 3)).toEqual([
      `refund_of_fee:order:${a.data.order_id}`,
      `order_fee:order:${b.data.order_id}`,
      `order_fee:order:${a.data.order_id}`,
    ]);
    expect(await ledgerSum(merchant.id)).toBe(await balance(merchant.id));
  });

  // Pins: SPEC §7's fee is per paid order. An order whose fee came back at its expiry and that was
  // then paid by hand (补单) used to end paid with no fee; now it is charged again in the batch that
  // marks it paid when the balance covers it, and is paid uncharged when it does not.
  it('an expired order paid by 补单 is charged its fee again; with the balance short it is paid, uncharged', async () => {
    const { merchant, app, sessions } = await setupMerchant({ sessions: 1 });
    await ok('PUT', `/merchants/${merchant.id}/plan`, { order_fee_points: 20 }, 200);
    const covered = await expiredThenAssigned(merchant.id, app, sessions[0], '6.01');
    expect(covered.status).toBe('paid');
    expect(await feeRows(covered.id)).toEqual([
      ['order_fee', -20, `order:${covered.id}`],
      ['refund_of_fee', 20, `order:${covered.id}`],
      ['order_fee', -20, `order:${covered.id}#paid`],
    ]);
    expect(await ledgerSum(merchant.id)).toBe(await balance(merchant.id));

    const short = await expiredThenAssigned(merchant.id, app, sessions[0], '6.02', async () => {
      const now = await balance(merchant.id);
      await ok('POST', `/merchants/${merchant.id}/points`, { delta: -(now - 5), reason: 'adjustment' });
    });
    expect(short.status).toBe('paid');
    expect(await feeRows(short.id)).toEqual([
      ['order_fee', -20, `order:${short.id}`],
      ['refund_of_fee', 20, `order:${short.id}`],
    ]);
    expect(await balance(merchant.id)).toBe(5);
    expect(await ledgerSum(merchant.id)).toBe(5);
  });

  it('refuses creates past the monthly quota with 110 naming the quota; sandbox is never counted or charged', async () => {
    const { merchant, app } = await setupMerchant({ sessions: 1 });
    await ok('PUT', `/merchants/${merchant.id}/plan`, { monthly_quota: 2, order_fee_points: 1 }, 200);
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push(await gatepay('create', await signedCreate(app, { price: '5.00', out_order_id: `q-${i}` })));
    expect(codes.map((r) => r.code)).toEqual([100, 100, 110]);
    expect(codes[2].msg).toMatch(/^plan exceeded: the monthly quota of 2 live orders for \d{4}-\d{2} is used up/);
    // An idempotent repeat of a counted order is not a new order.
    expect((await gatepay('create', await signedCreate(app, { price: '5.00', out_order_id: 'q-0' }))).code).toBe(100);
    const sandbox = await setupMerchant({ sessions: 1, mode: 'sandbox' });
    await ok('PUT', `/merchants/${sandbox.merchant.id}/plan`, { monthly_quota: 0, order_fee_points: 50 }, 200);
    expect(
      (await gatepay('create', await signedCreate(sandbox.app, { price: '5.00', out_order_id: 's-1' }))).code,
    ).toBe(100);
    expect(await balance(sandbox.merchant.id)).toBe(0);
  });

  it('a disabled merchant answers 107 until enabled again', async () => {
    const { merchant, app } = await setupMerchant({ sessions: 1 });
    await ok('PATCH', `/merchants/${merchant.id}`, { enabled: false }, 200);
    expect((await gatepay('create', await signedCreate(app, { price: '1.00', out_order_id: 'd-1' }))).code).toBe(107);
    await ok('PATCH', `/merchants/${merchant.id}`, { enabled: true }, 200);
    expect((await gatepay('create', await signedCreate(app, { price: '1.00', out_order_id: 'd-1' }))).code).toBe(100);
  });
});

/** An order's fee rows, oldest first: [reason, delta, reference]. */
async function feeRows(orderId: number) {
  const rows = await orderTables
    .prepare(`SELECT reason, delta, reference FROM points_ledger WHERE reference IN (?1, ?1 || '#paid') ORDER BY id`)
    .bind(`order:${orderId}`)
    .all<{ reason: string; delta: number; reference: string }>();
  return rows.results.map((r) => [r.reason, r.delta, r.reference]);
}

/**
 * A live order that expires (its window moved 12 minutes into the past, then the sweep) and has
 * its fee given back; `meanwhile` runs; then a payment inside its window, reported too late to
 * match, is assigned to it by hand (补单). The order afterwards.
 */
async function expiredThenAssigned(
  merchantId: number,
  app: TestApp,
  session: TestSession,
  price: string,
  meanwhile: () => Promise<void> = async () => {},
) {
  const created = await gatepay('create', await signedCreate(app, { price, out_order_id: `late-${price}` }));
  expect(created.code).toBe(100);
  const id = created.data.order_id as number;
  const expires = Date.now() - 12 * 60_000;
  const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchantId}:live`));
  await runInDurableObject(stub, (_obj, state) => {
    state.storage.sql.exec(
      'UPDATE holds SET created_ms = ?, expires_ms = ? WHERE out_order_id = ?',
      expires - 600_000,
      expires,
      created.data.out_order_id,
    );
  });
  await orderTables
    .prepare('UPDATE orders SET created_ms = ?, expires_ms = ? WHERE id = ?')
    .bind(expires - 600_000, expires, id)
    .run();
  await sweep(env);
  await eventually(async () => expect((await feeRows(id)).map((r) => r[0])).toEqual(['order_fee', 'refund_of_fee']));
  await meanwhile();
  const late = await pay(session, created.data.realprice, { paid_at: expires + 30_000 });
  expect(late.body).toMatchObject({ matched: false });
  await eventually(async () =>
    expect(
      await orderTables.prepare('SELECT id FROM payments WHERE id = ?').bind(late.body.payment_id).first(),
    ).not.toBeNull(),
  );
  const assigned = await ok('POST', `/payments/${late.body.payment_id}/assign`, { order_id: id }, 200);
  return assigned.order as { id: number; status: string };
}
