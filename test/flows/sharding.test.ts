/**
 * One merchant's live state over several Collectors (`collector_shards`, src/domain/shards.ts):
 * sessions are placed evenly and never move; creates are routed by order key and spill to the
 * next shard only when one is full; a retry whose order another shard took gets that same order;
 * reports, the status poll, close, expiry, 补单 across shards and the sessions' live view all
 * reach the shard that owns the order or the session; a merchant with one shard keeps its one
 * Collector.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  runInDurableObject,
  SELF,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { probeOrder } from '../../src/domain/shards';
import worker from '../../src/index';
import {
  admin,
  BASE,
  eventually,
  gatepay,
  MERCHANT,
  monitor,
  ok,
  pay,
  signedCreate,
  signedLookup,
  type TestApp,
  type TestSession,
  uniqueKey as key,
  orderTables,
} from '../helpers';

interface Shop {
  merchantId: number;
  app: TestApp;
  sessions: (TestSession & { shard: number })[];
}

/** A live merchant with `shards` Collectors and `sessions` online Alipay sessions. */
async function shardedShop(shards: number, sessions: number, settings: Record<string, unknown> = {}): Promise<Shop> {
  const merchant = await ok('POST', '/merchants', { name: 'Sharded shop' });
  await ok('POST', `/merchants/${merchant.id}/points`, { delta: 1_000_000, reason: 'recharge' });
  await ok('PUT', `/merchants/${merchant.id}/settings`, { collector_shards: shards, ...settings }, 200);
  const app = await ok('POST', `/merchants/${merchant.id}/apps`, {
    name: 'shop',
    mode: 'live',
    notify_url: `${MERCHANT}/success/${key('n')}`,
    return_url: `${MERCHANT}/return`,
  });
  const list: Shop['sessions'] = [];
  for (let i = 0; i < sessions; i++) {
    const s = await ok('POST', `/merchants/${merchant.id}/sessions`, {
      type: 'alipay',
      label: `wallet ${i}`,
      qr_payload: `https://qr.alipay.com/shard${i}`,
      mode: 'live',
    });
    list.push({ id: s.id, secret: s.secret, type: s.type, shard: s.shard });
    expect((await monitor(list[i], 'heartbeat', {})).status).toBe(200);
  }
  return { merchantId: merchant.id, app: { appkey: app.appkey, appsecret: app.appsecret, id: app.id }, sessions: list };
}

/** An order with its session's shard (the session from the control plane, the order from its store). */
async function orderRow(id: number) {
  const o = await orderTables.prepare(`SELECT * FROM orders WHERE id = ?`).bind(id).first<Record<string, any>>();
  const s = await env.DB.prepare(`SELECT shard FROM sessions WHERE id = ?`)
    .bind(o?.session_id)
    .first<{ shard: number }>();
  return o && ({ ...o, session_shard: s?.shard } as Record<string, any>);
}

const stubOf = (shop: Shop, shard: number) =>
  env.COLLECTOR.get(env.COLLECTOR.idFromName(shard ? `${shop.merchantId}:live:${shard}` : `${shop.merchantId}:live`));

/** The shard a create of this out_order_id tries first, as the gateway computes it. */
const homeOf = (shop: Shop, outOrderId: string) => {
  const weights: number[] = [];
  for (const s of shop.sessions) weights[s.shard] = (weights[s.shard] ?? 0) + 1;
  return probeOrder(
    `${shop.app.appkey}\u0000${outOrderId}`,
    [...weights].map((w) => w ?? 0),
  )[0];
};

async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('collector_shards', () => {
  it('places sessions evenly, shows each one its shard, and never lets the count drop below a shard in use', async () => {
    const shop = await shardedShop(4, 8);
    expect(shop.sessions.map((s) => s.shard).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    const view = await ok('GET', `/merchants/${shop.merchantId}`);
    expect(view.collector_shards).toBe(4);
    const lower = await admin('PUT', `/merchants/${shop.merchantId}/settings`, { collector_shards: 2 });
    expect(lower.status).toBe(409);
    expect(lower.body.error.message).toMatch(
      /^collector_shards: sessions \d+, \d+, \d+, \d+ live on shard 3; .*below 4/,
    );
    expect((await admin('PUT', `/merchants/${shop.merchantId}/settings`, { collector_shards: 17 })).status).toBe(400);
    expect((await admin('PUT', `/merchants/${shop.merchantId}/settings`, { collector_shards: 6 })).status).toBe(200);
    // Each session's live state comes from its own shard.
    const sessions = (await ok('GET', `/merchants/${shop.merchantId}/sessions`)).data;
    expect(sessions.map((s: any) => [s.state, s.shard])).toEqual(shop.sessions.map((s) => ['online', s.shard]));
  });

  it("routes creates over the shards by key; each order is held by its session's shard; reports pay them there", async () => {
    const shop = await shardedShop(4, 4);
    const byShard = [0, 0, 0, 0];
    for (let i = 0; i < 24; i++) {
      const out = key('r');
      const c = await gatepay('create', await signedCreate(shop.app, { price: `${10 + i}.00`, out_order_id: out }));
      expect(c.code).toBe(100);
      const row = (await orderRow(c.data.order_id))!;
      expect(row.shard).toBe(row.session_shard);
      expect(row.shard).toBe(homeOf(shop, out));
      byShard[row.shard]++;
      // Paid through the session's own Collector; a duplicate gets the first answer.
      const session = shop.sessions.find((s) => s.id === row.session_id)!;
      const first = await pay(session, c.data.realprice, { ref: `bill-${out}` });
      expect(first.body).toMatchObject({ matched: true, out_order_id: out });
      expect((await pay(session, c.data.realprice, { ref: `bill-${out}` })).body).toEqual(first.body);
    }
    expect(byShard.every((n) => n > 0)).toBe(true);
    await eventually(async () => {
      const paid = await orderTables
        .prepare(`SELECT COUNT(*) AS n FROM orders WHERE merchant_id = ? AND status = 'paid'`)
        .bind(shop.merchantId)
        .first<{ n: number }>();
      expect(paid?.n).toBe(24);
    });
    const payments = await orderTables
      .prepare(`SELECT COUNT(*) AS n FROM payments WHERE merchant_id = ?`)
      .bind(shop.merchantId)
      .first<{ n: number }>();
    expect(payments?.n).toBe(24);
  });

  it('spills to the next shard when the first is full, and a retry after the first has room gets the same order', async () => {
    const shop = await shardedShop(2, 2, { max_offset: '0.00' });
    const [s0, s1] = [shop.sessions.find((s) => s.shard === 0)!, shop.sessions.find((s) => s.shard === 1)!];
    // Block the only amount of 7.00 on shard 0 with an order whose key goes there first.
    let blocker = key('b');
    while (homeOf(shop, blocker) !== 0) blocker = key('b');
    const b = await gatepay('create', await signedCreate(shop.app, { price: '7.00', out_order_id: blocker }));
    expect((await orderRow(b.data.order_id))!.shard).toBe(0);
    // A key whose first shard is 0: it spills to shard 1.
    let k = key('k');
    while (homeOf(shop, k) !== 0) k = key('k');
    const first = await gatepay('create', await signedCreate(shop.app, { price: '7.00', out_order_id: k }));
    expect(first.code).toBe(100);
    const row = (await orderRow(first.data.order_id))!;
    expect([row.shard, row.session_id]).toEqual([1, s1.id]);
    // Shard 0 gets room again; the retry tries shard 0 first, finds the order on shard 1: the same order.
    expect((await gatepay('close', await signedLookup(shop.app, String(b.data.order_id), ''))).code).toBe(100);
    const again = await gatepay('create', await signedCreate(shop.app, { price: '7.00', out_order_id: k }));
    expect(again.code).toBe(100);
    expect(again.data).toMatchObject({ order_id: first.data.order_id, realprice: '7.00', pay_url: first.data.pay_url });
    // The hold shard 0 took for the retry was given back; other parameters are a conflict, not a new order.
    const held = (await ok('GET', `/merchants/${shop.merchantId}/sessions`)).data;
    expect(held.find((s: any) => s.id === s0.id).held_slots).toBe(0);
    expect(held.find((s: any) => s.id === s1.id).held_slots).toBe(1);
    const other = await gatepay(
      'create',
      await signedCreate(shop.app, { price: '7.00', out_order_id: k, custom: 'x' }),
    );
    expect(other.code).toBe(211);
    // Both shards full for 7.00 now? shard 0 is free: a new key still gets an order.
    expect(
      (await gatepay('create', await signedCreate(shop.app, { price: '7.00', out_order_id: key('n') }))).code,
    ).toBe(100);
    // Every amount taken on both shards: 204; and the spilled order, once paid, answers 212.
    expect(
      (await gatepay('create', await signedCreate(shop.app, { price: '7.00', out_order_id: key('x') }))).code,
    ).toBe(204);
    expect((await pay(s1, '7.00', { ref: key('bill') })).body.out_order_id).toBe(k);
    await eventually(async () => expect((await orderRow(first.data.order_id))!.status).toBe('paid'));
    expect((await gatepay('create', await signedCreate(shop.app, { price: '7.00', out_order_id: k }))).code).toBe(212);
  });

  it('the status poll, close and expiry reach the shard that holds the order', async () => {
    const shop = await shardedShop(3, 3);
    let out = key('p');
    while (homeOf(shop, out) === 0) out = key('p');
    const c = (await gatepay('create', await signedCreate(shop.app, { price: '12.00', out_order_id: out }))).data;
    const row = (await orderRow(c.order_id))!;
    expect(row.shard).not.toBe(0);
    const token = c.pay_url.split('/').pop();
    const status = await (await SELF.fetch(`${BASE}/pay/${token}/status`)).json<any>();
    expect(status).toMatchObject({ status: 'pending', realprice: c.realprice });
    // Close frees the amount on that shard.
    expect((await gatepay('close', await signedLookup(shop.app, String(c.order_id), ''))).data.status).toBe('closed');
    const held = await runInDurableObject(stubOf(shop, row.shard), (_c, state) =>
      state.storage.sql.exec(`SELECT COUNT(*) AS n FROM holds`).one(),
    );
    expect(held.n).toBe(0);

    // Expiry by the sweep: an order pending well past its time on shard ≠ 0 expires through that shard.
    let late = key('e');
    while (homeOf(shop, late) === 0) late = key('e');
    const e = (await gatepay('create', await signedCreate(shop.app, { price: '13.00', out_order_id: late }))).data;
    const er = (await orderRow(e.order_id))!;
    const past = Date.now() - 3_600_000;
    await runInDurableObject(stubOf(shop, er.shard), (_c, state) => {
      state.storage.sql.exec(
        `UPDATE holds SET created_ms = ?, expires_ms = ? WHERE out_order_id = ?`,
        past - 600_000,
        past,
        late,
      );
    });
    await orderTables
      .prepare(`UPDATE orders SET created_ms = ?, expires_ms = ? WHERE id = ?`)
      .bind(past - 600_000, past, e.order_id)
      .run();
    await cron();
    await eventually(async () => expect((await orderRow(e.order_id))!.status).toBe('expired'));
  });

  it('assigns a payment of a session on one shard to an order on another (补单), exactly once', async () => {
    const shop = await shardedShop(2, 2);
    const s0 = shop.sessions.find((s) => s.shard === 0)!;
    let out = key('a');
    while (homeOf(shop, out) !== 1) out = key('a');
    const c = (await gatepay('create', await signedCreate(shop.app, { price: '21.00', out_order_id: out }))).data;
    expect((await orderRow(c.order_id))!.shard).toBe(1);
    const stray = await pay(s0, '20.98', { ref: key('wrong') });
    expect(stray.body.matched).toBe(false);
    await eventually(async () => {
      const p = await orderTables.prepare(`SELECT 1 FROM payments WHERE id = ?`).bind(stray.body.payment_id).first();
      expect(p).not.toBeNull();
    });
    const assigned = await admin('POST', `/payments/${stray.body.payment_id}/assign`, { order_id: c.order_id });
    expect(assigned.status).toBe(200);
    expect(assigned.body.order).toMatchObject({ status: 'paid', id: c.order_id });
    // The order's amount on shard 1 is free; neither the payment nor the order takes another.
    const held = (await ok('GET', `/merchants/${shop.merchantId}/sessions`)).data;
    expect(held.map((s: any) => s.held_slots)).toEqual([0, 0]);
    const next = (await gatepay('create', await signedCreate(shop.app, { price: '22.00', out_order_id: key('a') })))
      .data;
    const again = await admin('POST', `/payments/${stray.body.payment_id}/assign`, { order_id: next.order_id });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already matched/);
    const second = await pay(s0, '1.11', { ref: key('wrong') });
    await eventually(async () => {
      const p = await orderTables.prepare(`SELECT 1 FROM payments WHERE id = ?`).bind(second.body.payment_id).first();
      expect(p).not.toBeNull();
    });
    const taken = await admin('POST', `/payments/${second.body.payment_id}/assign`, { order_id: c.order_id });
    expect(taken.status).toBe(409);
    // The refused payment stays free for another order.
    const ok2 = await admin('POST', `/payments/${second.body.payment_id}/assign`, { order_id: next.order_id });
    expect(ok2.status).toBe(200);
  });

  it('one payment assigned to two orders on two shards at once: exactly one gets it', async () => {
    const shop = await shardedShop(2, 2);
    const s0 = shop.sessions.find((s) => s.shard === 0)!;
    const onShard = async (shard: number, price: string) => {
      let out = key('t');
      while (homeOf(shop, out) !== shard) out = key('t');
      return (await gatepay('create', await signedCreate(shop.app, { price, out_order_id: out }))).data;
    };
    for (let round = 0; round < 3; round++) {
      const [a, b] = [await onShard(0, '31.00'), await onShard(1, '32.00')];
      const stray = await pay(s0, '30.00', { ref: key('p') });
      await eventually(async () => {
        const p = await orderTables.prepare(`SELECT 1 FROM payments WHERE id = ?`).bind(stray.body.payment_id).first();
        expect(p).not.toBeNull();
      });
      const answers = await Promise.all(
        [a, b].map((o) => admin('POST', `/payments/${stray.body.payment_id}/assign`, { order_id: o.order_id })),
      );
      expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
      const paid = await orderTables
        .prepare(`SELECT COUNT(*) AS n FROM orders WHERE payment_id = ?`)
        .bind(stray.body.payment_id)
        .first<{ n: number }>();
      expect(paid?.n).toBe(1);
      // The order that lost is still pending and payable.
      const loser = answers[0].status === 409 ? a : b;
      expect((await orderRow(loser.order_id))!.status).toBe('pending');
    }
  });

  it('a merchant with one shard keeps its one Collector, as before sharding', async () => {
    const shop = await shardedShop(1, 2);
    expect(shop.sessions.map((s) => s.shard)).toEqual([0, 0]);
    const c = (await gatepay('create', await signedCreate(shop.app, { price: '3.00', out_order_id: key('s') }))).data;
    expect((await orderRow(c.order_id))!.shard).toBe(0);
    const holds = await runInDurableObject(stubOf(shop, 0), (_c, state) =>
      state.storage.sql.exec(`SELECT COUNT(*) AS n FROM holds`).one(),
    );
    expect(holds.n).toBe(1);
  });
});
