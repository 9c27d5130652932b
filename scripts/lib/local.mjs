/**
 * Serving huipay's real bundle locally for the bench and the soak: build it as `wrangler deploy`
 * would, run it under Miniflare on loopback with D1, the Collector Durable Object and the queue,
 * a local merchant server, and the admin and monitor calls a seeding script needs. Never
 * `wrangler dev` (its proxy costs more CPU than the routes measured).
 */
import { Log, LogLevel, Miniflare } from 'miniflare';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT = join(ROOT, 'bench', 'out');
export const ADMIN_TOKEN = 'local-admin-token-not-a-secret';
const MASTER_KEY = 'local-master-key-not-a-secret';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const md5 = (s) => createHash('md5').update(s).digest('hex');
/** The spec's sign: md5(md5(the values joined) + secret). */
export const specSign = (values, secret) => md5(md5(values.join('')) + secret);
/** Integer fen as the API writes yuan. */
export const yuan = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

// ── wrangler.toml (the few keys these scripts need) ────────────────────────────────────────────

/** A minimal TOML reader: tables, arrays of tables, strings, numbers, booleans, one-line arrays. */
export function readToml(path) {
  const root = {};
  let table = root;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    let m;
    if ((m = line.match(/^\[\[([\w.-]+)\]\]$/))) {
      const keys = m[1].split('.');
      let t = root;
      for (const k of keys.slice(0, -1)) t = t[k] ??= {};
      (t[keys.at(-1)] ??= []).push((table = {}));
    } else if ((m = line.match(/^\[([\w.-]+)\]$/))) {
      table = root;
      for (const k of m[1].split('.')) table = table[k] ??= {};
    } else if ((m = line.match(/^([\w-]+)\s*=\s*(.+)$/))) {
      const v = m[2];
      if (/^".*"$/.test(v)) table[m[1]] = JSON.parse(v);
      else if (/^-?\d+(\.\d+)?$/.test(v)) table[m[1]] = Number(v);
      else if (v === 'true' || v === 'false') table[m[1]] = v === 'true';
      else if (/^\[\s*(".*?"\s*,?\s*)*\]$/.test(v)) table[m[1]] = JSON.parse(v.replace(/,\s*\]$/, ']'));
      else table[m[1]] = v; // inline tables and the like: kept raw, unused
    }
  }
  return root;
}

/** What Miniflare needs from wrangler.toml: dates, flags, vars and the queue consumer's settings. */
export function workerConfig() {
  const main = readToml(join(ROOT, 'wrangler.toml'));
  const consumer = (main.queues?.consumers ?? []).find((c) => c.queue === 'huipay-jobs');
  if (!main.compatibility_date || !consumer)
    throw new Error('wrangler.toml: compatibility_date or the huipay-jobs consumer not found');
  return {
    compatibilityDate: main.compatibility_date,
    compatibilityFlags: main.compatibility_flags ?? [],
    vars: main.vars ?? {},
    consumer: {
      maxBatchSize: consumer.max_batch_size,
      maxBatchTimeout: consumer.max_batch_timeout,
      maxRetries: consumer.max_retries,
      deadLetterQueue: consumer.dead_letter_queue,
    },
  };
}

// ── build ───────────────────────────────────────────────────────────────────────────────────

/** `wrangler deploy --dry-run --outdir bench/out/<name>`: the bundle `wrangler deploy` would upload. */
export function build(name, configArgs) {
  const outdir = join(OUT, name);
  rmSync(outdir, { recursive: true, force: true });
  const args = [
    join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
    'deploy',
    '--dry-run',
    '--outdir',
    outdir,
    ...configArgs,
  ];
  return new Promise((resolveBuild, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrangler build of ${name} failed (exit ${code}):\n${output}`));
      const size = output.match(/Total Upload: ([^\n]+)/)?.[1] ?? '?';
      resolveBuild({ script: join(outdir, 'index.js'), size });
    });
  });
}

// ── processes and memory ────────────────────────────────────────────────────────────────────

function processTable() {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(after[1]));
    } catch {
      /* exited */
    }
  }
  return parents;
}

/** The processes under `rootPids`, the roots included. */
function descendants(rootPids, parents = processTable()) {
  const out = new Set();
  const roots = new Set(rootPids);
  for (const pid of parents.keys()) {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parents.get(p) ?? 0, hops++) {
      if (roots.has(p)) {
        out.add(pid);
        break;
      }
    }
  }
  return out;
}

function rssKb(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Samples the summed RSS of a process tree every ~200 ms and keeps the peak. The tree is
 * re-read from /proc only every 5 s (a full scan blocks the driver's event loop for ~2 ms).
 */
export function rssSampler(rootPids) {
  let peakKb = 0;
  let lastKb = 0;
  let pids = new Set(rootPids);
  let ticks = 0;
  const sample = () => {
    if (ticks++ % 25 === 0) pids = new Set([...rootPids, ...descendants(rootPids)]);
    let kb = 0;
    for (const pid of pids) kb += rssKb(pid);
    lastKb = kb;
    peakKb = Math.max(peakKb, kb);
  };
  sample();
  const timer = setInterval(sample, 200);
  return { peakMb: () => peakKb / 1024, nowMb: () => lastKb / 1024, stop: () => clearInterval(timer), sample };
}

/** Clock ticks from /proc/stat: all CPUs' total and busy (not idle, not iowait). */
function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, busy: total - f[3] - f[4] };
}

/** CPU ticks used by this process (the driver) and by everything it started (the workerds; reaped children included). */
function ourTicks() {
  const t = { driver: 0, servers: 0 };
  for (const pid of new Set([process.pid, ...descendants([process.pid])])) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (pid === process.pid) {
        t.driver += Number(f[11]) + Number(f[12]);
        t.servers += Number(f[13]) + Number(f[14]);
      } else t.servers += Number(f[11]) + Number(f[12]);
    } catch {
      /* exited */
    }
  }
  return t;
}

/**
 * How busy the machine was with work that is not the bench's (other engineers' test runs):
 * average cores used by other processes between start() and stop().
 */
export function cpuWindow(cores) {
  const m0 = machineTicks();
  const o0 = ourTicks();
  return () => {
    const m1 = machineTicks();
    const o1 = ourTicks();
    const total = Math.max(m1.total - m0.total, 1);
    const driver = o1.driver - o0.driver;
    const servers = o1.servers - o0.servers;
    const share = (ticks) => Math.min(1, ticks / total) * cores;
    return {
      others: share(Math.max(0, m1.busy - m0.busy - driver - servers)),
      driver: share(driver),
      servers: share(servers),
    };
  };
}

/** Starts a Miniflare and returns it with the pids of the processes it started. */
export async function startMiniflare(options) {
  const before = descendants([process.pid]);
  const mf = new Miniflare(options);
  const url = await mf.ready;
  const pids = [...descendants([process.pid])].filter((p) => !before.has(p));
  return { mf, url: url.origin, pids };
}

/** The runtime's stdout/stderr: counted and kept (a few lines) instead of flooding the table. */
export function runtimeLog(name) {
  const state = { lines: 0, sample: [] };
  const take = (stream) => {
    let buf = '';
    stream.on('data', (chunk) => {
      buf += chunk;
      const parts = buf.split('\n');
      buf = parts.pop();
      for (const line of parts) {
        if (!line.trim()) continue;
        state.lines++;
        if (state.sample.length < 5) state.sample.push(line.slice(0, 300));
      }
    });
  };
  return { state, handle: (stdout, stderr) => (take(stdout), take(stderr)), name };
}

/**
 * Miniflare's own log, kept instead of printed: the local queue broker reports every consumer
 * batch as `QUEUE huipay-jobs <acked>/<total> (<ms>ms)`; those lines become queue statistics.
 */
export class QueueLog extends Log {
  batches = [];
  problems = [];
  constructor() {
    super(LogLevel.INFO, { prefix: '' });
  }
  log(message) {
    const text = message.replace(/\x1b\[[0-9;]*m/g, '');
    const m = text.match(/QUEUE (\S+) (\d+)\/(\d+)(?: \((\d+)ms\))?/);
    if (m)
      this.batches.push({
        at: performance.now(),
        queue: m[1],
        acked: Number(m[2]),
        size: Number(m[3]),
        ms: Number(m[4] ?? 0),
      });
    else if (/\[(wrn|err)/.test(text) && this.problems.length < 20) this.problems.push(text.slice(0, 300));
  }
  /** Consumer batches of `queue` that finished in (from, to]. */
  summary(queue, from, to = performance.now()) {
    const b = this.batches.filter((x) => x.queue === queue && x.at > from && x.at <= to);
    if (!b.length) return 'no consumer batches';
    const msgs = b.reduce((a, x) => a + x.size, 0);
    const ms = b.map((x) => x.ms).sort((x, y) => x - y);
    const failed = msgs - b.reduce((a, x) => a + x.acked, 0);
    return `${b.length} consumer batches (one at a time), ${msgs} messages (${(msgs / b.length).toFixed(0)} per batch${failed ? `, ${failed} retried` : ''}), batch time mean ${(ms.reduce((a, x) => a + x, 0) / b.length).toFixed(0)} ms, max ${ms.at(-1)} ms`;
  }
}

/** Applies drizzle-kit's SQL files in order to a D1 binding (what `wrangler d1 migrations apply` does). */
export async function applyMigrations(mf, dir, binding = 'DB') {
  const db = await mf.getD1Database(binding);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  for (const f of files) {
    const statements = readFileSync(join(dir, f), 'utf8')
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  return { db, files };
}

/**
 * huipay's bundle under Miniflare on 127.0.0.1 (a free port): D1 `DB` (migrated), the Collector and the Sweeper,
 * the `huipay-jobs` queue with wrangler.toml's consumer settings, the vars plus fake secrets and
 * `vars` on top. The runtime's output goes to `handleRuntimeStdio`; Miniflare's log to `log`.
 */
/** The order stores the served gateway binds besides DB. */
export const ORDER_STORES = ['ORDERS_1', 'ORDERS_2'];

/** `SELECT COUNT(*) AS n …` summed over every store of a served gateway (`stores` of serveHuipay). */
export async function countAll(stores, sql, ...binds) {
  const parts = await Promise.all(
    Object.values(stores).map((d1) =>
      d1
        .prepare(sql)
        .bind(...binds)
        .first(),
    ),
  );
  return parts.reduce((n, r) => n + Number(r.n), 0);
}

export async function serveHuipay({ script, vars = {}, log, handleRuntimeStdio, inspectorPort }) {
  const cfg = workerConfig();
  const server = await startMiniflare({
    ...commonOptions(),
    ...(inspectorPort ? { inspectorPort } : {}),
    scriptPath: script,
    // The bundle may be imported by a wrapping entry (the bench's --preload): every .js is an ES module.
    modulesRules: [{ type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
    // The control plane and first order store, and two more order stores (SPEC §14.1).
    d1Databases: { DB: 'huipay-local', ORDERS_1: 'huipay-local-orders-1', ORDERS_2: 'huipay-local-orders-2' },
    durableObjects: {
      COLLECTOR: { className: 'Collector', useSQLite: true },
      SWEEPER: { className: 'Sweeper', useSQLite: true },
    },
    queueProducers: { JOBS: { queueName: 'huipay-jobs' } },
    queueConsumers: { 'huipay-jobs': cfg.consumer },
    bindings: { ...cfg.vars, ADMIN_TOKEN, MASTER_KEY, PUBLIC_URL: '', NOTIFY_SCHEDULE_SECONDS: '', ...vars },
    handleRuntimeStdio,
    log,
  });
  const { db, files } = await applyMigrations(server.mf, join(ROOT, 'migrations'));
  const stores = { DB: db };
  for (const binding of ORDER_STORES)
    stores[binding] = (await applyMigrations(server.mf, join(ROOT, 'migrations', 'orders'), binding)).db;
  return { ...server, db, stores, files };
}

/** Miniflare options both served workers share: loopback, modules, wrangler.toml's date and flags. */
export function commonOptions() {
  const cfg = workerConfig();
  return {
    host: '127.0.0.1',
    port: 0,
    modules: true,
    // No per-request log: Miniflare would re-wrap every response and, at log level INFO, POST a
    // line per request to this process, which costs both sides more than /healthz itself.
    logRequests: false,
    compatibilityDate: cfg.compatibilityDate,
    compatibilityFlags: cfg.compatibilityFlags,
  };
}

// ── the local merchant server ───────────────────────────────────────────────────────────────

/**
 * A merchant's notify endpoint on loopback. `answer(params, n)` gives the body for the n-th
 * (1-based) notify of that out_order_id; the default always acknowledges with `success`.
 */
export function merchantServer(answer = () => 'success') {
  const received = new Map(); // out_order_id → { at: [ms…], params }
  let total = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const at = performance.now();
      let reply = 'success';
      if (req.method === 'POST' && req.url.startsWith('/notify')) {
        const params = Object.fromEntries(new URLSearchParams(body));
        const entry = received.get(params.out_order_id);
        if (entry) entry.at.push(at);
        else received.set(params.out_order_id, { at: [at], params });
        total++;
        reply = answer(params, received.get(params.out_order_id).at.length);
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(reply);
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ server, port: server.address().port, received, total: () => total })),
  );
}

// ── the gateway's APIs, as a merchant and a monitor agent call them ─────────────────────────

export function gatewayClient(base) {
  async function admin(method, path, body) {
    const res = await fetch(`${base}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }
  function monitorHeaders(session, body, ts = String(Date.now())) {
    return {
      'content-type': 'application/json',
      'x-huipay-session': String(session.id),
      'x-huipay-timestamp': ts,
      'x-huipay-signature': createHmac('sha256', session.secret).update(`${ts}.${body}`).digest('hex'),
    };
  }
  async function heartbeat(session) {
    const res = await fetch(`${base}/monitor/v1/heartbeat`, {
      method: 'POST',
      headers: monitorHeaders(session, '{}'),
      body: '{}',
    });
    if (!res.ok) throw new Error(`heartbeat of session ${session.id} → ${res.status} ${await res.text()}`);
  }
  /**
   * A merchant (on order store `store`, else the one with the fewest merchants; `max_offset` 0.50,
   * random rotation, its live state over `shards` Collectors), a
   * sandbox app whose callbacks go to `callbacks` (a base URL) and `sessions` sandbox Alipay
   * sessions whose QR payloads end in `<tag>-<i>`. Nothing is online until their heartbeats.
   */
  async function seedShop({ name, tag, sessions = 4, shards = 1, callbacks, store }) {
    const m = await admin('POST', '/merchants', { name, store });
    await admin('PUT', `/merchants/${m.id}/settings`, {
      max_offset: '0.50',
      rotation: 'random',
      ...(shards > 1 ? { collector_shards: shards } : {}),
    });
    const app = await admin('POST', `/merchants/${m.id}/apps`, {
      name: tag,
      mode: 'sandbox',
      sandbox_notify_url: `${callbacks}/notify`,
      return_url: `${callbacks}/return`,
      order_ttl_seconds: 86_400,
    });
    const made = [];
    for (let i = 0; i < sessions; i++)
      made.push(
        await admin('POST', `/merchants/${m.id}/sessions`, {
          type: 'alipay',
          label: `${tag} ${i}`,
          qr_payload: `https://qr.alipay.com/${tag}-${i}`,
          mode: 'sandbox',
        }),
      );
    return { m, app, sessions: made };
  }
  return { admin, monitorHeaders, heartbeat, seedShop };
}
