#!/usr/bin/env node
/**
 * `npm run soak [-- --orders <n>] [--merchants <n>] [--sessions <n>] [--shards <n>] [--connections <n>] [--json <path>]`
 *
 * Load with invariants, on loopback, in about two to three minutes: the real bundle under
 * Miniflare (as `npm run bench` serves it), several merchants each with many sandbox sessions
 * (Alipay and WeChat) kept online by heartbeats — one more merchant with its sessions spread over
 * `--shards` Collectors (collector_shards, default 4) — and a merchant server that refuses the first
 * notify of one order in five. Then, all concurrent:
 *   1. thousands of creates over a few contended prices (some retried with the same parameters),
 *      so that amount slots run out and some creates are answered 204;
 *   2. payment reports for most pending orders, one in five sent twice at once, in random order;
 *      closes for some orders, half of them raced by a report of the same amount; stray reports
 *      that match nothing; the rest left to expire (order TTL 60 s, grace 5 s);
 *   3. a wait until no order is pending and no notify is still being retried (bounded).
 * Then it checks the invariants against D1, the admin API and what the merchant server saw, and
 * exits non-zero if any fails. See README → "Soak".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  build,
  gatewayClient,
  merchantServer,
  QueueLog,
  runtimeLog,
  serveHuipay,
  sleep,
  specSign,
  yuan,
} from './lib/local.mjs';

const TTL_S = 60;
const GRACE_S = 5;
const PRICES_FEN = [100, 500, 2000, 5000]; // few prices: the slots near them run out
const MAX_OFFSET = '0.20'; // 21 amounts per price, session and type
const WAIT_FINAL_MS = 150_000;
const started = performance.now();
const log = (msg) => console.log(`[soak ${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}`);

function parseArgs(argv) {
  const opts = { orders: 3000, merchants: 3, sessions: 8, shards: 4, connections: 16, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (a === '--json') opts.json = resolve(v);
    else if (
      ['--orders', '--merchants', '--sessions', '--shards', '--connections'].includes(a) &&
      /^\d+$/.test(v ?? '') &&
      Number(v) > 0
    )
      opts[a.slice(2)] = Number(v);
    else {
      console.log(
        'usage: npm run soak -- [--orders <n>=3000] [--merchants <n>=3] [--sessions <n>=8 per merchant] [--shards <n>=4: one more merchant over this many Collectors; 1: none] [--connections <n>=16] [--json <path>]',
      );
      process.exit(a === '--help' || a === '-h' ? 0 : 2);
    }
  }
  return opts;
}

/** Runs `tasks` (async thunks) with at most `n` in flight. */
async function pool(n, tasks) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  // Any sequence must keep the invariants; the interleaving under load is not repeatable anyway.
  const rnd = Math.random;
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const cleanups = [];
  try {
    log('building the worker (wrangler deploy --dry-run)');
    const bundle = await build('huipay', []);
    // The merchant answers `fail` to the first notify of one order in five: those are retried.
    const flaky = (id) => [...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % 5 === 0;
    const merchant = await merchantServer((p, n) => (flaky(p.out_order_id) && n === 1 ? 'fail' : 'success'));
    cleanups.push(
      () => new Promise((ok) => (merchant.server.closeAllConnections?.(), merchant.server.close(() => ok()))),
    );
    const runtime = runtimeLog('huipay');
    const huipay = await serveHuipay({
      script: bundle.script,
      vars: { NOTIFY_SCHEDULE_SECONDS: '1,2,3,4,5,6,7,8,9,10', PAYMENT_GRACE_SECONDS: String(GRACE_S) },
      handleRuntimeStdio: runtime.handle,
      log: new QueueLog(),
    });
    cleanups.push(() => huipay.mf.dispose());
    const { db } = huipay;
    const api = gatewayClient(huipay.url);
    log(`huipay on ${huipay.url}; merchant server on :${merchant.port}`);

    // ── seed ────────────────────────────────────────────────────────────────────────────
    const rotations = ['smart_random', 'uniform', 'random'];
    const shops = [];
    const sharded = opts.shards > 1 ? 1 : 0;
    for (let i = 0; i < opts.merchants + sharded; i++) {
      // The last merchant (with --shards > 1) spreads its sessions over that many Collectors.
      const shards = i === opts.merchants ? opts.shards : 1;
      const m = await api.admin('POST', '/merchants', {
        name: `Soak shop ${i}${shards > 1 ? ` (${shards} shards)` : ''}`,
      });
      await api.admin('PUT', `/merchants/${m.id}/settings`, {
        max_offset: MAX_OFFSET,
        rotation: rotations[i % 3],
        offset_direction: i % 2 ? 'down' : 'up',
        collector_shards: shards,
      });
      const app = await api.admin('POST', `/merchants/${m.id}/apps`, {
        name: 'soak',
        mode: 'sandbox',
        sandbox_notify_url: `http://127.0.0.1:${merchant.port}/notify`,
        return_url: `http://127.0.0.1:${merchant.port}/return`,
        order_ttl_seconds: TTL_S,
      });
      const sessions = [];
      for (let j = 0; j < opts.sessions; j++) {
        const type = j % 2 ? 'wechat' : 'alipay';
        sessions.push(
          await api.admin('POST', `/merchants/${m.id}/sessions`, {
            type,
            label: `soak ${i}.${j}`,
            qr_payload: `https://pay.example/soak-${i}-${j}`,
            mode: 'sandbox',
          }),
        );
      }
      shops.push({ merchant: m, app, sessions, shards, byPayload: new Map(sessions.map((s) => [s.qr_payload, s])) });
    }
    const allSessions = shops.flatMap((s) => s.sessions);
    const beat = () => Promise.all(allSessions.map((s) => api.heartbeat(s)));
    await beat();
    const beating = setInterval(() => beat().catch((err) => log(`heartbeat failed: ${err.message}`)), 20_000);
    cleanups.push(() => clearInterval(beating));
    const slotsPerShop = PRICES_FEN.length * opts.sessions * (Math.round(Number(MAX_OFFSET) * 100) + 1);
    log(
      `${shops.length} merchants × ${opts.sessions} sessions online${
        sharded
          ? ` (the last over ${opts.shards} Collectors: sessions on shards ${shops
              .at(-1)
              .sessions.map((x) => x.shard)
              .join(',')})`
          : ''
      }; ${slotsPerShop} amount slots per merchant over ${PRICES_FEN.length} prices`,
    );

    // ── 1. creates ──────────────────────────────────────────────────────────────────────
    const post = async (path, form) => {
      const res = await fetch(`${huipay.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
      return { status: res.status, body: await res.json() };
    };
    const orders = []; // pending orders as created
    const tally = { created: 0, no_slot: 0, retried_same: 0, other: 0, status500: 0 };
    const createTasks = Array.from({ length: opts.orders }, (_, k) => async () => {
      const shop = shops[k % shops.length];
      const p = {
        appkey: shop.app.appkey,
        price: yuan(pick(PRICES_FEN)),
        type: pick(['alipay', 'wechat']),
        out_order_id: `soak-${k}`,
        custom: `c${k}`,
      };
      p.sign = specSign([p.appkey, p.price, p.type, p.out_order_id, p.custom], shop.app.appsecret);
      const r = await post('/api/cloudpay/create', p);
      if (r.status >= 500) tally.status500++;
      if (r.body.code === 204) return void tally.no_slot++;
      if (r.body.code !== 100) {
        if (tally.other++ === 0) log(`create answered ${JSON.stringify(r.body)}`);
        return;
      }
      const d = r.body.data;
      const order = {
        shop,
        orderId: d.order_id,
        outOrderId: d.out_order_id,
        type: d.type,
        realprice: d.realprice,
        session: shop.byPayload.get(new URL(d.qrcode_url).searchParams.get('text')),
      };
      orders.push(order);
      tally.created++;
      if (rnd() < 0.05) {
        // the merchant's retry of the same create: the same order back
        const again = await post('/api/cloudpay/create', p);
        if (
          again.body.code === 100 &&
          again.body.data.order_id === d.order_id &&
          again.body.data.realprice === d.realprice
        )
          tally.retried_same++;
        else tally.other++;
      }
    });
    const c0 = performance.now();
    await pool(opts.connections, createTasks);
    const createSeconds = (performance.now() - c0) / 1000;
    log(
      `creates: ${tally.created} pending, ${tally.no_slot} answered 204 (no slot), ${tally.retried_same} retries got their order back, ${tally.other} other answers, in ${createSeconds.toFixed(1)} s (${(opts.orders / createSeconds).toFixed(0)}/s)`,
    );
    const shared = (
      await db
        .prepare(
          `SELECT COUNT(*) AS n FROM (SELECT 1 FROM orders WHERE status = 'pending' GROUP BY session_id, type, realprice_fen HAVING COUNT(*) > 1)`,
        )
        .first()
    ).n;

    // ── 2. reports, duplicates, closes, strays, expiries ────────────────────────────────
    const reports = []; // { order, body, answers: [] }
    const closes = []; // { order, answer }
    const strays = [];
    const tasks = [];
    const report = (session, body) =>
      fetch(`${huipay.url}/monitor/v1/payments`, {
        method: 'POST',
        headers: api.monitorHeaders(session, body),
        body,
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
    const plan = { paid: 0, closed: 0, raced: 0, left: 0 };
    for (const o of orders) {
      const roll = rnd();
      if (roll < 0.65) {
        plan.paid++;
        const r = {
          order: o,
          body: JSON.stringify({ type: o.type, amount: o.realprice, paid_at: Date.now(), ref: `tx-${o.outOrderId}` }),
          answers: [],
        };
        reports.push(r);
        const send = async () => r.answers.push(await report(o.session, r.body));
        tasks.push(rnd() < 0.2 ? () => Promise.all([send(), send()]) : send);
      } else if (roll < 0.75) {
        plan.closed++;
        const c = { order: o, answer: null, raced: roll < 0.7 };
        closes.push(c);
        // Exactly one of order_id and out_order_id (SPEC §3.2): both set is 105.
        const p = { appkey: o.shop.app.appkey, order_id: String(o.orderId), out_order_id: '' };
        p.sign = specSign([p.appkey, p.order_id, p.out_order_id], o.shop.app.appsecret);
        const close = async () => (c.answer = await post('/api/cloudpay/close', p));
        if (c.raced) {
          plan.raced++;
          const r = {
            order: o,
            body: JSON.stringify({
              type: o.type,
              amount: o.realprice,
              paid_at: Date.now(),
              ref: `race-${o.outOrderId}`,
            }),
            answers: [],
            raced: true,
          };
          reports.push(r);
          const pay = () => report(o.session, r.body).then((a) => r.answers.push(a));
          const [first, second] = rnd() < 0.5 ? [close, pay] : [pay, close];
          const gapMs = Math.floor(rnd() * 15); // the second starts while the first is in flight
          tasks.push(() => Promise.all([first(), sleep(gapMs).then(second)]));
        } else tasks.push(close);
      } else plan.left++;
    }
    for (let k = 0; k < Math.max(10, Math.floor(orders.length / 50)); k++) {
      const session = pick(allSessions);
      const s = {
        session,
        body: JSON.stringify({ type: session.type, amount: yuan(90_000 + k), paid_at: Date.now(), ref: `stray-${k}` }),
        answer: null,
      };
      strays.push(s);
      tasks.push(async () => (s.answer = await report(session, s.body)));
    }
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j], tasks[i]];
    }
    const r0 = performance.now();
    await pool(opts.connections, tasks);
    const reportSeconds = (performance.now() - r0) / 1000;
    log(
      `payments: ${reports.reduce((n, r) => n + r.answers.length, 0)} reports (${plan.paid} orders, ${reports.filter((r) => r.answers.length > 1).length} sent twice at once), ${closes.length} closes (${plan.raced} raced by a report), ${strays.length} stray reports, in ${reportSeconds.toFixed(1)} s; ${plan.left} orders left to expire`,
    );

    // ── 3. wait until everything is final ──────────────────────────────────────────────
    // Every distinct report becomes one payment row (matched or in the inbox) once applied.
    const distinctReports = reports.filter((r) => r.answers.length > 0).length + strays.length;
    const until = performance.now() + WAIT_FINAL_MS;
    let open;
    for (;;) {
      open = await db
        .prepare(
          `SELECT (SELECT COUNT(*) FROM orders WHERE status = 'pending') AS pending, (SELECT COUNT(*) FROM deliveries WHERE status = 'pending') AS retrying, (SELECT COUNT(*) FROM payments) AS payments`,
        )
        .first();
      if ((open.pending === 0 && open.retrying === 0 && open.payments >= distinctReports) || performance.now() > until)
        break;
      await sleep(1000);
    }
    const settledAt = (performance.now() - started) / 1000;
    log(
      `settled: ${open.pending} orders pending, ${open.retrying} deliveries still retrying, ${open.payments} of ${distinctReports} payments recorded`,
    );

    // ── invariants ─────────────────────────────────────────────────────────────────────
    const rows = async (sql, ...args) =>
      (
        await db
          .prepare(sql)
          .bind(...args)
          .all()
      ).results;
    const byOut = new Map(
      (await rows(`SELECT id, out_order_id, status, realprice_fen, session_id, payment_id FROM orders`)).map((o) => [
        o.out_order_id,
        o,
      ]),
    );
    const matchedPays = await rows(
      `SELECT order_id, COUNT(*) AS n, SUM(amount_fen) AS fen FROM payments WHERE order_id IS NOT NULL GROUP BY order_id`,
    );
    const paidRows = [...byOut.values()].filter((o) => o.status === 'paid');
    const notifies = new Map(
      (await rows(`SELECT order_id, status, attempts FROM deliveries WHERE kind = 'notify'`)).map((d) => [
        d.order_id,
        d,
      ]),
    );
    const unmatched = (await db.prepare(`SELECT COUNT(*) AS n FROM payments WHERE order_id IS NULL`).first()).n;
    const sessionsNow = (
      await Promise.all(shops.map((s) => api.admin('GET', `/merchants/${s.merchant.id}/sessions`)))
    ).flatMap((l) => l.data);

    const matchedBy = new Map(); // out_order_id → reports answered matched
    let inconsistentDuplicates = 0;
    let errors = 0;
    for (const r of reports) {
      if (r.answers.some((a) => a.status !== 200)) errors++;
      if (r.answers.length > 1 && JSON.stringify(r.answers[0].body) !== JSON.stringify(r.answers[1].body))
        inconsistentDuplicates++;
      if (r.answers.some((a) => a.body.matched))
        matchedBy.set(r.order.outOrderId, (matchedBy.get(r.order.outOrderId) ?? 0) + 1);
    }
    const matchedReportsForOthers = reports.filter((r) =>
      r.answers.some((a) => a.body.matched && a.body.out_order_id !== r.order.outOrderId),
    ).length;
    const paidFen = paidRows.reduce((n, o) => n + o.realprice_fen, 0);
    const matchedFen = matchedPays.reduce((n, p) => n + p.fen, 0);
    const collectedFen = sessionsNow.reduce((n, s) => n + Math.round(Number(s.today.collected) * 100), 0);
    const strayFen = strays.reduce((n, s) => n + Math.round(Number(JSON.parse(s.body).amount) * 100), 0);
    const lostRaceFen = reports
      .filter((r) => r.raced && !r.answers[0]?.body.matched)
      .reduce((n, r) => n + byOut.get(r.order.outOrderId).realprice_fen, 0);
    const closedAndPaid = closes.filter(
      (c) => byOut.get(c.order.outOrderId).status === 'paid' && c.answer?.body.code === 100,
    ).length;
    const racedOutcome = { paid: 0, closed: 0 };
    for (const c of closes.filter((x) => x.raced))
      racedOutcome[byOut.get(c.order.outOrderId).status === 'paid' ? 'paid' : 'closed']++;
    const created = new Map(orders.map((o) => [o.outOrderId, o]));
    const notSigned = paidRows.filter((o) => {
      const got = merchant.received.get(o.out_order_id)?.params;
      const { app } = created.get(o.out_order_id).shop;
      return (
        !got ||
        got.sign !==
          specSign(
            [app.appkey, got.order_id, got.out_order_id, got.price, got.realprice, got.type, got.paytime, got.extend],
            app.appsecret,
          )
      );
    }).length;
    const afterSuccess = [...merchant.received.entries()].filter(([id, e]) => e.at.length > (flaky(id) ? 2 : 1)).length;
    const retried = paidRows.filter((o) => flaky(o.out_order_id)).length;
    const statusCounts = {};
    for (const o of byOut.values()) statusCounts[o.status] = (statusCounts[o.status] ?? 0) + 1;

    const shardedShop = shops.find((x) => x.shards > 1);
    const byShard = shardedShop
      ? await rows(
          `SELECT o.shard, s.shard AS session_shard, o.status, COUNT(*) AS n FROM orders o JOIN sessions s ON s.id = o.session_id
           WHERE o.merchant_id = ? GROUP BY o.shard, s.shard, o.status ORDER BY o.shard`,
          shardedShop.merchant.id,
        )
      : [];
    const shardSummary = [...new Set(byShard.map((r) => r.shard))]
      .map(
        (k) =>
          `shard ${k}: ${byShard
            .filter((r) => r.shard === k)
            .map((r) => `${r.n} ${r.status}`)
            .join(', ')}`,
      )
      .join('; ');

    const checks = [
      [
        'the run exercised every path',
        tally.created >= opts.orders / 2 &&
          tally.no_slot > 0 &&
          tally.retried_same > 0 &&
          paidRows.length > 0 &&
          racedOutcome.closed > 0 &&
          (statusCounts.expired ?? 0) > 0 &&
          retried > 0,
        `${tally.created} created, ${tally.no_slot} × 204, ${tally.retried_same} idempotent retries, ${paidRows.length} paid, ${statusCounts.closed ?? 0} closed, ${statusCounts.expired ?? 0} expired, ${retried} notifies retried`,
      ],
      [
        'no 5xx answer from create, report or close',
        tally.status500 + errors + closes.filter((c) => c.answer?.status >= 500).length === 0,
        `${tally.status500 + errors} 5xx`,
      ],
      [
        'no two pending orders shared a session, type and amount (after the creates)',
        shared === 0,
        `${shared} shared amounts`,
      ],
      [
        'no more orders than amount slots',
        tally.created <= slotsPerShop * shops.length,
        `${tally.created} created, ${slotsPerShop * shops.length} slots`,
      ],
      [
        'every order ended paid, closed or expired',
        (statusCounts.pending ?? 0) === 0 && byOut.size === orders.length,
        JSON.stringify(statusCounts),
      ],
      [
        'no lost payment: every report answered matched left its order paid',
        [...matchedBy.keys()].every((id) => byOut.get(id).status === 'paid'),
        `${matchedBy.size} orders matched by a report`,
      ],
      [
        'no payment credited elsewhere: a matched report names its own order',
        matchedReportsForOthers === 0,
        `${matchedReportsForOthers} matched another order`,
      ],
      [
        'no double credit: each paid order has exactly one matched payment',
        paidRows.length === matchedPays.length &&
          matchedPays.every((p) => p.n === 1) &&
          paidRows.length === matchedBy.size,
        `${paidRows.length} paid, ${matchedPays.length} matched payments`,
      ],
      [
        'money adds up: paid realprices = matched payments',
        paidFen === matchedFen,
        `${yuan(paidFen)} vs ${yuan(matchedFen)}`,
      ],
      [
        'session counters = every payment received, counted once',
        collectedFen === matchedFen + strayFen + lostRaceFen,
        `collected ${yuan(collectedFen)} = matched ${yuan(matchedFen)} + stray ${yuan(strayFen)} + raced-out ${yuan(lostRaceFen)}`,
      ],
      ['a duplicate report got its first answer', inconsistentDuplicates === 0, `${inconsistentDuplicates} differed`],
      [
        'every stray report (and every report that lost a race to close) is in the inbox',
        unmatched === strays.length + reports.filter((r) => r.raced && !r.answers[0]?.body.matched).length &&
          strays.every((s) => s.answer?.body.matched === false),
        `${unmatched} unmatched`,
      ],
      [
        'a close and a report raced: the order is either paid or closed, never both',
        closedAndPaid === 0,
        `${racedOutcome.paid} paid, ${racedOutcome.closed} closed`,
      ],
      [
        'every paid order has a notify delivered (or still retrying)',
        paidRows.every((o) => ['delivered', 'pending'].includes(notifies.get(o.id)?.status)),
        `${paidRows.filter((o) => notifies.get(o.id)?.status === 'delivered').length} delivered, ${paidRows.filter((o) => notifies.get(o.id)?.status === 'pending').length} retrying`,
      ],
      [
        'every paid order reached the merchant with a valid sign',
        notSigned === 0,
        `${notSigned} missing or badly signed; ${retried} needed a retry`,
      ],
      [
        'nothing sent after the merchant acknowledged',
        afterSuccess === 0,
        `${afterSuccess} orders notified after success`,
      ],
      [
        'no notify for an order that is not paid',
        [...notifies.keys()].every((id) => paidRows.some((o) => o.id === id)),
        `${notifies.size} notify deliveries`,
      ],
      ...(shardedShop
        ? [
            [
              `the sharded merchant: every order held by a session of its own shard, paid on each of the ${opts.shards}`,
              byShard.every((r) => r.shard === r.session_shard) &&
                new Set(byShard.filter((r) => r.status === 'paid').map((r) => r.shard)).size === opts.shards,
              shardSummary,
            ],
          ]
        : []),
      [
        'every amount slot is free at the end',
        sessionsNow.every((s) => s.held_slots === 0),
        `${sessionsNow.reduce((n, s) => n + s.held_slots, 0)} held`,
      ],
    ];
    const failed = checks.filter(([, ok]) => !ok);
    console.log(
      `\nhuipay soak · ${opts.orders} creates over ${shops.length} merchants × ${opts.sessions} sessions${shardedShop ? ` (one over ${opts.shards} Collectors)` : ''} · ${opts.connections} connections`,
    );
    for (const [name, ok, detail] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name} — ${detail}`);
    console.log(
      `\n${failed.length ? `${failed.length} invariants FAILED` : 'all invariants hold'} · settled after ${settledAt.toFixed(1)} s · total ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    if (opts.json) {
      mkdirSync(dirname(opts.json), { recursive: true });
      writeFileSync(
        opts.json,
        `${JSON.stringify({ options: opts, tally, plan, statuses: statusCounts, checks: checks.map(([name, ok, detail]) => ({ name, ok, detail })) }, null, 2)}\n`,
      );
    }
    return failed.length ? 1 : 0;
  } finally {
    while (cleanups.length)
      await Promise.resolve()
        .then(cleanups.pop())
        .catch(() => {});
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[soak] failed: ${err?.stack ?? err}`);
    process.exit(2);
  },
);
