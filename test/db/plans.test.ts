/**
 * The query plans of the hot D1 queries, from the project's own code: each flow below runs the
 * real service functions over a recording D1 binding (test/db/recorder.ts), then every statement
 * it sent is explained (`EXPLAIN QUERY PLAN`, with its parameters) against the real migrated
 * schema. A statement fails when it scans a whole table, or sorts in a temporary B-tree where an
 * index should give the order — the two things that make a query's cost grow with the data.
 * Without `ANALYZE` statistics SQLite's choice does not depend on the rows, so a small database
 * shows the plan a large one gets.
 */
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { queries } from '../../src/db/queries';
import { makeDb } from '../../src/env';
import { epayApi } from '../../src/facades/epay/service';
import { stateVmq } from '../../src/facades/vmq/service';
import { appByKey } from '../../src/services/apps';
import { payState } from '../../src/services/cashier';
import { syncCollector } from '../../src/services/collector';
import { deliveriesOfOrder } from '../../src/services/deliveries';
import { listOrders, listPayments, type OrderFilter } from '../../src/services/listing';
import { authenticateMonitor } from '../../src/services/monitor';
import { closeOrder, createOrder, queryOrder } from '../../src/services/orders';
import { applyJob } from '../../src/services/payments';
import { ledger } from '../../src/services/points';
import { listSessions } from '../../src/services/sessions';
import { dailyStats } from '../../src/services/stats';
import { sweep } from '../../src/queues/sweeper';
import { ORDER_STATUSES } from '../../src/domain/vocab';
import { eventually, gatepay, hmac, md5, pay, setupMerchant, signedCreate, signedLookup } from '../helpers';
import { type Recorded, Recorder } from './recorder';

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

/**
 * Sorts that are fine, with why: the rows sorted are few by construction, not the merchant's
 * whole history.
 */
const SMALL_SORTS: { why: string; test: (sql: string, plan: string[]) => boolean }[] = [
  {
    why: 'a search by order numbers: the few orders its terms name are looked up by id and sorted',
    test: (_sql, plan) => plan[0]?.startsWith('SEARCH orders USING INTEGER PRIMARY KEY') && plan.includes('UNION ALL'),
  },
  {
    why: "an order's delivery attempts (a few deliveries, at most one attempt per retry each)",
    test: (sql) => /from "delivery_attempts" where "delivery_attempts"\."delivery_id" in/.test(sql),
  },
  {
    why: "a merchant's sessions counted by pay type and shard (tens of rows; each isolate reads it every 30 s)",
    test: (sql) => /from "sessions" .*group by "sessions"\."type", "sessions"\."shard"/.test(sql),
  },
  {
    why: "the dashboard's days: rows of the last few days grouped by the day they fall in (an expression no index holds)",
    test: (sql) => /GROUP BY b\b/.test(sql),
  },
];

let recorder: Recorder;
let tables: Set<string>;
const plans = new Map<string, { source: string; sql: string; plan: string[] }>();

async function explain(r: Recorded): Promise<string[]> {
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${r.sql}`)
    .bind(...r.params)
    .all<PlanRow>();
  return rows.results.map((p) => p.detail);
}

/** What is wrong with a plan: a full scan of a table, or a temporary sort no listed reason allows. */
function problems(sql: string, plan: string[]): string[] {
  const out: string[] = [];
  for (const d of plan) {
    const scan = d.match(/^SCAN (\w+)/);
    if (scan && tables.has(scan[1])) out.push(`full scan: ${d}`);
    if (/USE TEMP B-TREE/.test(d) && !SMALL_SORTS.some((s) => s.test(sql, plan))) out.push(`temporary sort: ${d}`);
  }
  return out;
}

beforeAll(async () => {
  const names = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all<{ name: string }>();
  tables = new Set(names.results.map((t) => t.name));
  recorder = new Recorder(env.DB);
  const db = makeDb(recorder.d1);
  const renv = { ...env, DB: recorder.d1 } as Env;
  // On DB, the store the recorder wraps (ORDERS_n have the same order tables: migrations/orders).
  const { merchant, app, sessions } = await setupMerchant({ sessions: 2, store: 'DB' });
  const sandbox = await setupMerchant({ mode: 'sandbox', store: 'DB' });
  const ctx = { origin: 'http://gw.test', region: { country: 'CN', regionCode: 'GD' } };

  // Orders through the real API: one paid, one left pending, one stray payment in the inbox.
  const paid = (await gatepay('create', await signedCreate(app, { price: '3.00', out_order_id: 'p1' }))).data;
  // The order's session is one of the two: the other report of the same amount lands in the inbox.
  for (const s of sessions) await pay(s, paid.realprice, { ref: `pay-${s.id}` });
  const pending = (await gatepay('create', await signedCreate(app, { price: '4.00', out_order_id: 'p2' }))).data;
  await eventually(async () => {
    const n = await env.DB.prepare(`SELECT COUNT(*) AS n FROM payments WHERE merchant_id = ?`)
      .bind(merchant.id)
      .first<{ n: number }>();
    expect(n?.n).toBeGreaterThanOrEqual(2);
  });

  // ── create order: the live guarded insert batch, and the sandbox insert ────────────────
  const createParams = await signedCreate(app, { price: '5.00', out_order_id: 'c1' });
  await recorder.as('create (live)', () => createOrder(renv, db, createParams, ctx));
  const sb = (await gatepay('create', await signedCreate(sandbox.app, { price: '5.00', out_order_id: 's1' }))).data;
  await recorder.as('create (sandbox insert)', async () => {
    const row = await env.DB.prepare(`SELECT * FROM orders WHERE id = ?`).bind(sb.order_id).first<any>();
    await queries(db).insertOrder.all({
      merchantId: row.merchant_id,
      appId: row.app_id,
      mode: row.mode,
      outOrderId: row.out_order_id,
      type: row.type,
      priceFen: row.price_fen,
      realpriceFen: row.realprice_fen,
      custom: row.custom,
      productId: row.product_id,
      sessionId: row.session_id,
      shard: row.shard,
      payToken: row.pay_token,
      qrPayload: row.qr_payload,
      notifyUrl: null,
      returnUrl: null,
      timeoutUrl: null,
      createdMs: row.created_ms,
      expiresMs: row.expires_ms,
      facade: null,
      first: 1,
      facadeFields: null,
    });
  });
  await recorder.as('create (app route, app by key, shard weights)', async () => {
    await queries(db).appRoute.get({ appkey: app.appkey });
    await queries(db).sessionShards.all({ merchantId: merchant.id, mode: 'live' });
    await appByKey(renv, db, app.appkey);
  });

  // ── the payer's page and status poll, query and close ──────────────────────────────────
  const token = pending.pay_url.split('/').pop();
  await recorder.as('pay page / status poll', () => payState(renv, token));
  await recorder.as('query by order_id', async () =>
    queryOrder(renv, db, await signedLookup(app, String(pending.order_id), ''), ctx.origin),
  );
  await recorder.as('query by out_order_id', async () =>
    queryOrder(renv, db, await signedLookup(app, '', pending.out_order_id), ctx.origin),
  );
  await recorder.as('close', async () =>
    closeOrder(renv, db, await signedLookup(app, String(pending.order_id), ''), ctx.origin),
  );

  // ── the monitor's session lookup (native and V免签 host) ───────────────────────────────
  await recorder.as('monitor session lookup', async () => {
    const body = new TextEncoder().encode('{}');
    const ts = String(Date.now());
    const headers = new Headers({
      'x-huipay-session': String(sessions[0].id),
      'x-huipay-timestamp': ts,
      'x-huipay-signature': await hmac(sessions[0].secret, `${ts}.{}`),
    });
    await authenticateMonitor(renv, db, headers, body);
    await queries(db).sessionByVmqHost.get({ host: 'abcdefghijkl' });
  });

  // ── the queue consumer: apply a payment and an expiry ──────────────────────────────────
  await recorder.as('apply payment / expiry (consumer)', async () => {
    const base = { outboxId: 'obx_plan', merchantId: merchant.id, mode: 'live' as const };
    await applyJob(renv, db, {
      ...base,
      kind: 'apply',
      payment: {
        id: 'pay_plan',
        sessionId: sessions[0].id,
        type: 'alipay',
        amountFen: 100,
        paidMs: Date.now(),
        ref: null,
        payer: null,
        receivedMs: Date.now(),
      },
      match: { appId: app.id, outOrderId: 'c1' },
      matchedBy: 'auto',
    });
    await applyJob(renv, db, { ...base, kind: 'expire', order: { appId: app.id, outOrderId: 'p2' } });
  });

  // ── the sweep ──────────────────────────────────────────────────────────────────────────
  await recorder.as('sweep', () => sweep(renv));

  // ── console and admin listings: every filter combination ───────────────────────────────
  const filters: OrderFilter[] = [];
  const ranges: Pick<OrderFilter, 'range' | 'from' | 'to'>[] = [
    {},
    { range: 'today' },
    { range: '7d' },
    { range: '60d' },
    { from: Math.floor(Date.now() / 1000) - 40 * 86_400, to: Math.floor(Date.now() / 1000) - 30 * 86_400 },
    { from: Math.floor(Date.now() / 1000) - 40 * 86_400 },
  ];
  for (const status of [undefined, 'paid'] as const)
    for (const type of [undefined, 'alipay'] as const)
      for (const mode of [undefined, 'live'] as const)
        for (const channel of [undefined, 'personal', 'alipay'])
          for (const range of ranges)
            for (const q of [undefined, 'p1', String(paid.order_id), 'p*', `${paid.order_id} x1 ab*`])
              for (const cursor of [undefined, String(paid.order_id)])
                filters.push({ status, type, mode, channel, ...range, q, cursor, limit: 50 });
  for (const status of ORDER_STATUSES) filters.push({ status, limit: 50 });
  await recorder.as('order listing', async () => {
    for (const f of filters) await listOrders(renv, merchant.id, f);
  });
  await recorder.as('payments and unmatched inbox', async () => {
    for (const matched of [undefined, 'true', 'false'] as const)
      for (const cursor of [undefined, '1']) await listPayments(renv, merchant.id, { matched, cursor, limit: 50 });
  });
  await recorder.as('points ledger page', async () => {
    await ledger(renv, merchant.id, { limit: 50 });
    await ledger(renv, merchant.id, { limit: 50, cursor: '5' });
  });
  await recorder.as('dashboard', () => dailyStats(db, merchant.id, 'live', 'Asia/Shanghai', 7));
  await recorder.as('order detail deliveries', () => deliveriesOfOrder(db, paid.order_id));
  await recorder.as('sessions with live state, collector sync', async () => {
    await listSessions(renv, db, merchant.id);
    await syncCollector(renv, db, merchant.id, 'live');
  });

  // ── the facades' reads ─────────────────────────────────────────────────────────────────
  await recorder.as('epay api.php', async () => {
    const caller = { address: '203.0.113.9', method: 'POST' };
    for (const act of ['order', 'query', 'orders'])
      await epayApi(
        renv,
        db,
        { act, pid: String(app.id), key: app.appsecret, out_trade_no: 'p1' },
        caller,
        'https://pay.example',
      );
  });
  await recorder.as('V免签 getState', async () => {
    const withSecret = (await appByKey(renv, makeDb(env.DB), app.appkey))!;
    const t = String(Date.now());
    await stateVmq(renv, withSecret, { t, sign: await md5(t + app.appsecret) });
  });

  for (const r of recorder.log) {
    if (!/^\s*(select|insert|update|delete|with)\b/i.test(r.sql)) continue;
    if (plans.has(r.sql)) continue;
    plans.set(r.sql, { source: r.source, sql: r.sql, plan: await explain(r) });
  }
}, 120_000);

describe('query plans of the hot D1 queries', () => {
  it('every flow sent the statements it is known for', () => {
    const sources = new Set([...plans.values()].map((p) => p.source));
    for (const s of [
      'create (live)',
      'create (sandbox insert)',
      'pay page / status poll',
      'query by order_id',
      'close',
      'monitor session lookup',
      'apply payment / expiry (consumer)',
      'sweep',
      'order listing',
      'payments and unmatched inbox',
      'points ledger page',
    ])
      expect(sources, s).toContain(s);
    // Every listing combination is a distinct statement shape or a repeat of one already explained.
    expect([...plans.values()].filter((p) => p.source === 'order listing').length).toBeGreaterThan(50);
  });

  it('no hot query scans a table or sorts where an index should serve', () => {
    const bad = [...plans.values()]
      .map((p) => ({ ...p, problems: problems(p.sql, p.plan) }))
      .filter((p) => p.problems.length > 0)
      .map((p) => `[${p.source}] ${p.problems.join('; ')}\n    ${p.sql}\n    plan: ${p.plan.join(' | ')}`);
    expect(bad, `\n${bad.join('\n')}`).toEqual([]);
  });

  it('each listing is driven by the index of its filter, in its order', () => {
    const listing = [...plans.values()].filter((p) => p.source === 'order listing' && /from "orders"/.test(p.sql));
    for (const p of listing) {
      const first = p.plan[0] ?? '';
      const searched = / IN \(SELECT s\.id/.test(p.sql);
      const equalities = ['status', 'type', 'mode', 'channel'].filter(
        (c) => p.sql.includes(`"orders"."${c}" = ?`) || p.sql.includes(`"orders"."${c}" is null`),
      );
      if (searched) expect(first, p.sql).toMatch(/^SEARCH orders USING INTEGER PRIMARY KEY/);
      else {
        const driver = equalities.length
          ? `orders_merchant_(${equalities.join('|')}) \\(merchant_id=\\? AND (${equalities.join('|')})=\\?`
          : 'orders_merchant_created \\(merchant_id=\\?';
        expect(first, p.sql).toMatch(new RegExp(`^SEARCH orders USING INDEX ${driver}`));
        if (/"created_ms" >= \?/.test(p.sql)) expect(first, p.sql).toMatch(/created_ms>\?/);
        expect(p.plan.join(' | '), p.sql).not.toMatch(/USE TEMP B-TREE/);
      }
    }
  });
});
