/**
 * The module the bench serves instead of the bundle's entry. It re-exports the bundle — the same
 * worker `wrangler deploy` would upload, byte for byte — and adds only what measuring needs:
 *
 * - `Collector.seedReports(rows)`: writes de-duplication rows for `--preload` (the columns are
 *   the Collector's own, src/durable/collector/store.ts);
 * - `GET /__bench/counters[?on=1|0]`: counts, while switched on, what the app asks of the
 *   platform — D1 statements (each statement of a batch counted, and batches), Durable Object
 *   calls, queue messages sent — from the worker's requests, its queue consumer and its Durable
 *   Objects; off (the default), the app gets its bindings untouched;
 * - `POST /__bench/collector`: the most creates + reports one Collector (or several) serves,
 *   driven from inside workerd by RPC alone (no HTTP, no D1), while the Collectors' queue sends
 *   are dropped so the consumer does not run in the same thread.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function benchEntry(bundleScript) {
  const path = join(dirname(bundleScript), 'bench-entry.mjs');
  writeFileSync(path, SOURCE);
  return path;
}

const SOURCE = `import worker, { Collector as BaseCollector, Sweeper as BaseSweeper } from './index.js';
export * from './index.js';

const counts = { d1: 0, d1_batches: 0, d1_rows_written: 0, do_calls: 0, queue: 0, requests: 0, queue_batches: 0, d1_by: {} };
/** Adds the rows D1 says a statement wrote (index entries included) to the count. */
const written = (r) => {
  for (const one of Array.isArray(r) ? r : [r]) counts.d1_rows_written += one?.meta?.rows_written ?? 0;
  return r;
};
let on = false;
let dropQueue = false;

/** A D1 binding whose statements are counted, in all and under its binding name (d1_by). */
function countedD1(d1, name) {
  const tick = (n = 1) => {
    counts.d1 += n;
    counts.d1_by[name] = (counts.d1_by[name] ?? 0) + n;
  };
  const wrap = (stmt) => ({
    real: stmt,
    bind: (...v) => wrap(stmt.bind(...v)),
    first: (...a) => (tick(), stmt.first(...a)),
    run: () => (tick(), stmt.run().then(written)),
    all: () => (tick(), stmt.all().then(written)),
    raw: (...a) => (tick(), stmt.raw(...a)),
  });
  return {
    prepare: (q) => wrap(d1.prepare(q)),
    batch: (stmts) => {
      tick(stmts.length);
      counts.d1_batches++;
      return d1.batch(stmts.map((s) => s.real ?? s)).then(written);
    },
    exec: (q) => d1.exec(q),
    dump: () => d1.dump(),
    withSession: (...a) => d1.withSession(...a),
  };
}

function countedStub(stub) {
  return new Proxy(stub, {
    get(t, k) {
      const v = Reflect.get(t, k);
      if (typeof v !== 'function' || typeof k !== 'string') return v;
      return (...a) => (counts.do_calls++, t[k](...a));
    },
  });
}

function countedNamespace(ns) {
  return new Proxy(ns, {
    get(t, k) {
      const v = Reflect.get(t, k);
      if (k === 'get') return (id, o) => countedStub(t.get(id, o));
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

function countedQueue(q) {
  return {
    send: (m, o) => {
      if (on) counts.queue++;
      return dropQueue ? Promise.resolve() : q.send(m, o);
    },
    sendBatch: (ms, o) => {
      if (on) counts.queue += ms.length;
      return dropQueue ? Promise.resolve() : q.sendBatch(ms, o);
    },
  };
}

/** Every D1 binding of env (DB and the order stores ORDERS_n), counted. */
const countedStores = (env) =>
  Object.fromEntries(
    Object.keys(env)
      .filter((k) => k === 'DB' || /^ORDERS_\\d+$/.test(k))
      .map((k) => [k, countedD1(env[k], k)]),
  );

const countedEnvs = new WeakMap();
function counted(env) {
  if (!on) return env;
  let c = countedEnvs.get(env);
  if (!c) {
    c = {
      ...env,
      ...countedStores(env),
      COLLECTOR: countedNamespace(env.COLLECTOR),
      SWEEPER: countedNamespace(env.SWEEPER),
      JOBS: countedQueue(env.JOBS),
    };
    countedEnvs.set(env, c);
  }
  return c;
}

const md5 = async (text) =>
  [...new Uint8Array(await crypto.subtle.digest('MD5', new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

/** Loops of create + report against the given Collectors for \`ms\`; how many of each completed. */
async function collectorLoop(env, spec) {
  const stubs = spec.names.map((n) => env.COLLECTOR.get(env.COLLECTOR.idFromName(n)));
  const end = Date.now() + spec.ms;
  const done = { creates: 0, reports: 0, refused: 0 };
  let seq = 0;
  dropQueue = true;
  try {
    await Promise.all(
      Array.from({ length: spec.concurrency }, async (_, i) => {
        const stub = stubs[i % stubs.length];
        while (Date.now() < end) {
          const fen = 100 + Math.floor(Math.random() * 4_999_900);
          const p = {
            appkey: spec.appkey,
            price: \`\${Math.floor(fen / 100)}.\${String(fen % 100).padStart(2, '0')}\`,
            type: 'alipay',
            out_order_id: \`cl\${spec.run}-\${i}-\${++seq}\`,
            custom: '',
          };
          p.sign = await md5((await md5(p.appkey + p.price + p.type + p.out_order_id + p.custom)) + spec.secret);
          const r = await stub.create({ params: p, region: {} });
          if (r.kind !== 'held') {
            done.refused++;
            continue;
          }
          done.creates++;
          const a = await stub.report({
            sessionId: r.hold.sessionId,
            type: 'alipay',
            amountFen: r.hold.amountFen,
            paidMs: Date.now(),
            ref: \`\${p.out_order_id}-bill\`,
            payer: null,
          });
          if (a?.matched) done.reports++;
        }
      }),
    );
  } finally {
    dropQueue = false;
  }
  return done;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/__bench/counters') {
      const flag = url.searchParams.get('on');
      if (flag !== null) on = flag === '1';
      return Response.json({ on, ...counts });
    }
    if (url.pathname === '/__bench/collector') return Response.json(await collectorLoop(env, await request.json()));
    if (on) counts.requests++;
    return worker.fetch(request, counted(env), ctx);
  },
  queue(batch, env, ctx) {
    if (on) counts.queue_batches++;
    return worker.queue(batch, counted(env), ctx);
  },
  scheduled(controller, env, ctx) {
    return worker.scheduled(controller, counted(env), ctx);
  },
};

/** The Collector's queue sends are counted (while on) and can be dropped (the collector loop). */
const collectorEnv = (env) => ({ ...env, JOBS: countedQueue(env.JOBS) });

export class Collector extends BaseCollector {
  constructor(ctx, env) {
    super(ctx, collectorEnv(env));
  }
  seedReports(rows) {
    this.ctx.storage.sql.exec(
      \`INSERT OR IGNORE INTO reports (dedupe_key, payment_id, payment, answer, app_id, out_order_id, seen_ms)
       SELECT j.value ->> 'dedupe_key', j.value ->> 'payment_id', j.value ->> 'payment', j.value ->> 'answer',
         j.value ->> 'app_id', j.value ->> 'out_order_id', j.value ->> 'seen_ms' FROM json_each(?) AS j\`,
      JSON.stringify(rows),
    );
    return rows.length;
  }
}

export class Sweeper extends BaseSweeper {
  constructor(ctx, env) {
    super(ctx, { ...env, ...(on ? countedStores(env) : {}), JOBS: countedQueue(env.JOBS) });
  }
}
`;
