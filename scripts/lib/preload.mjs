/**
 * `--preload N` for the bench: a merchant's history written straight into the local D1 (a few
 * statements, each a recursive CTE, not N API calls) and into its Collectors, consistent with what
 * huipay itself would have left there after 60 days of trade:
 *
 * - N orders created evenly over the last 60 days (ids rising with time), of the merchant's app,
 *   spread over its sessions: 55 % paid, 25 % expired, 15 % closed, 5 % refunded; 70 % of the
 *   type of the merchant's first session, 30 % of the other type;
 * - one matched payment per paid or refunded order, and an unmatched payment (the inbox) for one
 *   expired order in ten;
 * - one notify delivery per paid order (delivered), with its attempts: one in seven needed two
 *   failed attempts first;
 * - for a live merchant, the points ledger of those orders: a recharge, an order fee per order
 *   and the fee given back for each order that did not pay, `balance_after` a running sum;
 * - in each Collector (one per shard in use), the de-duplication rows a Collector keeps: the
 *   payments received in the last `windowDays` days (older ones it has pruned). They go in through
 *   `seedReports`, a method the bench's entry adds to the bundle's Collector class (bench-entry.mjs).
 *
 * Every row is written as the code writes it (JSON columns as drizzle writes them), so the routes
 * read history exactly as they would read their own.
 */

const DAY_MS = 86_400_000;
const SPAN_MS = 60 * DAY_MS;

/**
 * Writes `count` historical orders of one merchant (and their payments, deliveries, attempts and
 * ledger) and returns the payments a Collector still keeps, by shard.
 *
 * `db` is the merchant's order store, `m.storeIndex` its index (0 for DB, n for ORDERS_n).
 * `m`: { merchantId, appId, mode, sessions: [{ id, type, shard }], tag, storeIndex } — `tag` (letters and
 * digits) keeps this merchant's out_order_ids, pay tokens and payment ids apart from the others'.
 */
export async function preloadMerchant(db, m, count, { nowMs = Date.now(), windowDays = 8 } = {}) {
  if (count <= 0) return new Map();
  const started = performance.now();
  const first = m.sessions[0];
  const other = first.type === 'alipay' ? 'wechat' : 'alipay';
  const ofType = (t) => m.sessions.filter((s) => s.type === t);
  const mainSessions = ofType(first.type);
  const otherSessions = ofType(other).length ? ofType(other) : mainSessions;
  const mainIds = JSON.stringify(mainSessions.map((s) => s.id));
  const otherIds = JSON.stringify(otherSessions.map((s) => s.id));
  const shardOf = new Map(m.sessions.map((s) => [s.id, s.shard ?? 0]));
  const shardJson = JSON.stringify(Object.fromEntries(shardOf));
  // Ids in the store's range (store n numbers from n × 10^13 + 1, src/domain/stores.ts).
  const firstId = (m.storeIndex ?? 0) * 10_000_000_000_000 + 1;
  const base = (await db.prepare(`SELECT MAX(COALESCE(MAX(id), 0) + 1, ?) AS b FROM orders`).bind(firstId).first()).b;
  const start = nowMs - SPAN_MS;
  // j → the order's facts, shared by every statement below.
  const facts = `WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j + 1 < ?2),
    f AS (SELECT j, ?3 + j AS id, ?4 + (j * ${SPAN_MS}) / ?2 AS created,
      CASE WHEN j % 20 < 11 THEN 'paid' WHEN j % 20 < 16 THEN 'expired' WHEN j % 20 < 19 THEN 'closed' ELSE 'refunded' END AS status,
      CASE WHEN j % 10 < 7 THEN ?5 ELSE ?6 END AS type,
      CASE WHEN j % 10 < 7 THEN json_extract(?7, '$[' || (j % json_array_length(?7)) || ']')
        ELSE json_extract(?8, '$[' || (j % json_array_length(?8)) || ']') END AS session,
      100 + (j * 7919) % 4999900 AS price, ?9 AS tag FROM n)`;
  const args = [m.merchantId, count, base, start, first.type, other, mainIds, otherIds, m.tag];
  // Binds as many values as the statement numbers (?1 … ?N).
  const run = (sql, extra = []) => {
    const n = Math.max(...[...sql.matchAll(/\?(\d+)/g)].map((x) => Number(x[1])));
    return db
      .prepare(sql)
      .bind(...[...args, ...extra].slice(0, n))
      .run();
  };

  await run(
    `${facts} INSERT INTO orders (id, merchant_id, app_id, mode, out_order_id, type, price_fen, realprice_fen, custom,
       product_id, session_id, status, pay_token, qr_payload, payment_id, created_ms, expires_ms, paid_ms, closed_ms, shard)
     SELECT id, ?1, ?10, ?11, 'h' || tag || '-' || j, type, price, price - j % 3, '', '', session, status,
       substr('H' || tag || 'x000000000000000000000000', 1, 24 - length(j)) || j, 'x',
       CASE WHEN status IN ('paid', 'refunded') THEN 'pay_h' || tag || '_' || j END,
       created, created + 600000,
       CASE WHEN status IN ('paid', 'refunded') THEN created + 30000 END,
       CASE WHEN status = 'closed' THEN created + 120000 END,
       COALESCE(json_extract(?12, '$."' || session || '"'), 0)
     FROM f`,
    [m.appId, m.mode, shardJson],
  );
  // Payments: one per paid or refunded order, and a stray one for one expired order in ten.
  await run(
    `${facts} INSERT INTO payments (id, merchant_id, mode, session_id, type, amount_fen, paid_ms, ref, payer, order_id, matched_by, received_ms)
     SELECT CASE WHEN status = 'expired' THEN 'pay_hs' ELSE 'pay_h' END || tag || '_' || j, ?1, ?10, session, type,
       price - j % 3, created + 30000, 'h' || tag || '-' || j, NULL,
       CASE WHEN status = 'expired' THEN NULL ELSE id END, CASE WHEN status = 'expired' THEN NULL ELSE 'auto' END,
       created + 31000
     FROM f WHERE status IN ('paid', 'refunded') OR (status = 'expired' AND j % 50 = 13)`,
    [m.mode],
  );
  // Notify deliveries of paid orders, delivered; their attempts (one in seven failed twice first).
  const dbase = (await db.prepare(`SELECT MAX(COALESCE(MAX(id), 0) + 1, ?) AS b FROM deliveries`).bind(firstId).first())
    .b;
  await run(
    `${facts} INSERT INTO deliveries (id, dedupe_key, kind, merchant_id, app_id, order_id, event_type, url, allow_internal, body,
       status, attempts, next_attempt_ms, created_ms, delivered_ms)
     SELECT ?11 + j, 'notify:' || id, 'notify', ?1, ?10, id, 'payment.succeeded', 'https://shop.example/notify', 0,
       'order_id=' || id, 'delivered', CASE WHEN j % 7 = 0 THEN 3 ELSE 1 END, created + 40000, created + 31000, created + 40000
     FROM f WHERE status IN ('paid', 'refunded')`,
    [m.appId, dbase],
  );
  await run(
    `${facts}, a(k) AS (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3)
     INSERT INTO delivery_attempts (delivery_id, attempt, manual, started_ms, url, request_body, status, response, duration_ms, error, ok)
     SELECT ?10 + j, k, 0, created + 31000 + k * 1000, 'https://shop.example/notify', 'order_id=' || id,
       CASE WHEN k = CASE WHEN j % 7 = 0 THEN 3 ELSE 1 END THEN 200 ELSE 500 END,
       CASE WHEN k = CASE WHEN j % 7 = 0 THEN 3 ELSE 1 END THEN 'success' ELSE 'fail' END, 40,
       CASE WHEN k = CASE WHEN j % 7 = 0 THEN 3 ELSE 1 END THEN NULL ELSE 'HTTP 500: not acknowledged' END,
       CASE WHEN k = CASE WHEN j % 7 = 0 THEN 3 ELSE 1 END THEN 1 ELSE 0 END
     FROM f JOIN a ON k <= CASE WHEN j % 7 = 0 THEN 3 ELSE 1 END
     WHERE status IN ('paid', 'refunded')
     ORDER BY j, k`,
    [dbase],
  );
  if (m.mode === 'live') {
    // The ledger: a recharge, then per order its fee (1 point) and, unpaid, the fee back.
    const recharge = 2 * count + 1000;
    await run(
      `${facts}, l(seq, j, delta, reason, ref, at) AS (
         SELECT 0, -1, ?10, 'recharge', NULL, ?4 - 1000
         UNION ALL SELECT 2 * j + 1, j, -1, 'order_fee', 'order:' || id, created FROM f
         UNION ALL SELECT 2 * j + 2, j, 1, 'refund_of_fee', 'order:' || id, created + 600000 FROM f WHERE status IN ('expired', 'closed'))
       INSERT INTO points_ledger (merchant_id, delta, reason, reference, balance_after, created_ms)
       SELECT ?1, delta, reason, ref, SUM(delta) OVER (ORDER BY seq), at FROM l ORDER BY seq`,
      [recharge],
    );
    await db
      .prepare(
        `INSERT INTO books (merchant_id, points) VALUES (?1, (SELECT balance_after FROM points_ledger WHERE merchant_id = ?1 ORDER BY id DESC LIMIT 1))
         ON CONFLICT (merchant_id) DO UPDATE SET points = excluded.points`,
      )
      .bind(m.merchantId)
      .run();
  }
  // What the Collectors keep: payments received within the de-duplication window.
  const since = nowMs - windowDays * DAY_MS;
  const kept = (
    await db
      .prepare(
        `SELECT p.id, p.session_id, p.type, p.amount_fen, p.paid_ms, p.ref, p.received_ms, o.app_id, o.out_order_id
         FROM payments p LEFT JOIN orders o ON o.id = p.order_id
         WHERE p.merchant_id = ?1 AND p.id LIKE ?2 AND p.received_ms >= ?3`,
      )
      .bind(m.merchantId, `pay_h%${m.tag}_%`, since)
      .all()
  ).results;
  const byShard = new Map();
  for (const p of kept) {
    const shard = shardOf.get(p.session_id) ?? 0;
    const payment = {
      id: p.id,
      sessionId: p.session_id,
      type: p.type,
      amountFen: p.amount_fen,
      paidMs: p.paid_ms,
      ref: p.ref,
      payer: null,
      receivedMs: p.received_ms,
    };
    const row = {
      dedupe_key: `ref:${p.session_id}:${p.ref}`,
      payment_id: p.id,
      payment: JSON.stringify(payment),
      answer: JSON.stringify({ payment_id: p.id, matched: p.app_id !== null, out_order_id: p.out_order_id ?? null }),
      app_id: p.app_id,
      out_order_id: p.out_order_id,
      seen_ms: Math.max(p.paid_ms, p.received_ms),
    };
    if (!byShard.has(shard)) byShard.set(shard, []);
    byShard.get(shard).push(row);
  }
  return { byShard, seconds: (performance.now() - started) / 1000 };
}

/** Sends the kept rows to each Collector of the merchant's mode (`nameOf(shard)` is its object name). */
export async function seedCollectors(mf, byShard, nameOf) {
  const ns = await mf.getDurableObjectNamespace('COLLECTOR');
  let rows = 0;
  for (const [shard, list] of byShard) {
    const stub = ns.get(ns.idFromName(nameOf(shard)));
    for (let i = 0; i < list.length; i += 2000) rows += await stub.seedReports(list.slice(i, i + 2000));
  }
  return rows;
}
