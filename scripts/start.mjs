/**
 * `npm start`: run huipay locally with a ready-to-use demo.
 *
 * 1. Creates .dev.vars from .dev.vars.example if it is missing.
 * 2. Applies the D1 migrations to every local D1 database wrangler.toml binds (.wrangler/state).
 * 3. Starts `wrangler dev` on $LISTEN:$PORT (default 127.0.0.1:8787), with VMQ_MONITOR_DOMAIN set to
 *    $VMQ_MONITOR_DOMAIN or localhost:$PORT, so each session's V免签 host is <label>.localhost:$PORT.
 * 4. Once /healthz answers, makes sure a "Demo shop" merchant exists with a sandbox app and a
 *    sandbox alipay session (the personal wallet), and a second sandbox app whose orders of every
 *    type go through the official channels (routing `official`: the built-in simulators, no setup);
 *    see scripts/lib/demo-setup.mjs. They are created once; the secrets that only creation reveals
 *    are kept in .wrangler/demo.json so later starts can print them again.
 * 5. Keeps the demo wallet online with the monitor agent simulator (scripts/agent.mjs).
 * 6. Prints the URLs, the demo keys and a correctly signed create-order curl line; the console's
 *    first-run hint only while the deployment has no operator account yet.
 * wrangler's output passes through, less what is not the user's problem (scripts/lib/quiet.mjs).
 * Ctrl-C (SIGINT) or SIGTERM is forwarded to wrangler; the script exits with wrangler's code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDemo, OFFICIAL_APP } from './lib/demo-setup.mjs';
import { d1Bindings } from './lib/d1-bindings.mjs';
import { quietEnv, quietLines } from './lib/quiet.mjs';

process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
const PORT = Number(process.env.PORT || 8787);
const LISTEN = process.env.LISTEN || '127.0.0.1';
const VMQ_DOMAIN = process.env.VMQ_MONITOR_DOMAIN || `localhost:${PORT}`;
const BASE = `http://127.0.0.1:${PORT}`;
const DEMO_FILE = '.wrangler/demo.json';
const log = (msg) => console.log(`[start] ${msg}`);

// 1. Local secrets.
if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars');
  log('created .dev.vars from .dev.vars.example (local, fake values)');
}
const devVars = Object.fromEntries(
  readFileSync('.dev.vars', 'utf8')
    .split('\n')
    .map((line) => line.match(/^\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$/))
    .filter(Boolean)
    .map(([, k, v]) => [k, v.replace(/^(["'])(.*)\1$/, '$2')]),
);
if (!devVars.ADMIN_TOKEN) throw new Error('.dev.vars has no ADMIN_TOKEN');

// 2. Local database.
const QUIET_ENV = await quietEnv();
// Every D1 binding wrangler.toml has: DB and each order store ORDERS_n (its own migrations_dir).
for (const { binding } of d1Bindings()) {
  log(`applying local D1 migrations to ${binding}`);
  const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', binding, '--local'], {
    stdio: 'inherit',
    env: { ...process.env, ...QUIET_ENV, CI: '1' },
  });
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);
}

// 3. The gateway. Run like `npx wrangler dev`, but without npx: npx starts wrangler under `sh -c`,
// which does not pass on the signals we forward, so Ctrl-C/SIGTERM would leave workerd running.
const wrangler = join('node_modules', 'wrangler', 'bin', 'wrangler.js');
const child = spawn(
  process.execPath,
  [wrangler, 'dev', '--ip', LISTEN, '--port', String(PORT), '--var', `VMQ_MONITOR_DOMAIN:${VMQ_DOMAIN}`],
  {
    // stderr through the filter (still in colour on a terminal); stdin and stdout stay the terminal's.
    stdio: ['inherit', 'inherit', 'pipe'],
    env: {
      ...process.env,
      ...QUIET_ENV,
      ...(process.stderr.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
    },
  },
);
child.stderr.pipe(quietLines()).pipe(process.stderr);
let exiting = false,
  failed = false;
child.on('exit', (code, signal) => {
  exiting = true;
  process.exit(failed ? 1 : (code ?? 128 + (constants.signals[signal] ?? 0)));
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

async function waitForHealth() {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !exiting; ) {
    try {
      if ((await fetch(`${BASE}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${BASE}/healthz did not answer within 60 s`);
}

async function admin(method, path, body) {
  const res = await fetch(`${BASE}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${devVars.ADMIN_TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body && JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} /admin/v1${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// 4. The demo (scripts/lib/demo-setup.mjs), its secrets kept for the next start.
async function setUpDemo() {
  const saved = existsSync(DEMO_FILE) ? JSON.parse(readFileSync(DEMO_FILE, 'utf8')) : {};
  const demo = await ensureDemo({ admin, base: BASE, saved, log });
  mkdirSync(dirname(DEMO_FILE), { recursive: true });
  writeFileSync(DEMO_FILE, `${JSON.stringify(demo, null, 2)}\n`);
  return demo;
}

// 5. The banner.
const md5 = (s) => createHash('md5').update(s).digest('hex');

/** A signed create-order curl line for an app. */
function curlLine(app, outOrderId, type = 'alipay') {
  const p = { appkey: app.appkey, price: '10.00', type, out_order_id: outOrderId, custom: 'demo' };
  const sign = md5(md5(p.appkey + p.price + p.type + p.out_order_id + p.custom) + app.appsecret);
  const fields = Object.entries({ ...p, sign })
    .map(([k, v]) => `-d ${k}=${v}`)
    .join(' ');
  return `curl -s ${BASE}/api/cloudpay/create ${fields}`;
}

/** Whether the console has its operator yet: /console shows the first-run page (200) only while no account exists. */
async function hasOperator() {
  return (await fetch(`${BASE}/console`, { redirect: 'manual' })).status !== 200;
}

function banner(demo, operator) {
  const now = Math.floor(Date.now() / 1000);
  const consoleHint = operator
    ? 'sign in with your operator account'
    : 'first visit: enter the admin token, then make the operator account';
  console.log(`
=============================================================================
 huipay is running at ${BASE}
   Console        ${BASE}/console   (${consoleHint})
   API reference  ${BASE}/docs
   OpenAPI        ${BASE}/openapi.json
   Admin token    ${devVars.ADMIN_TOKEN}   (from .dev.vars)

 Demo (merchant ${demo.merchant_id}, sandbox; saved in ${DEMO_FILE})
   appkey     ${demo.appkey}
   appsecret  ${demo.appsecret}
   session    ${demo.session.id} (alipay wallet, kept online by the agent simulator below)

 Create an order (signed; each out_order_id can be used once):
   ${curlLine(demo, `demo-${now}`)}

 The same through the official channels: app "${OFFICIAL_APP}" ${demo.official.appkey},
 secret ${demo.official.appsecret}. Every type goes to its built-in provider simulator with no
 setup (open pay_url: a PC shows the provider's QR, a phone goes to its page; pay there):
   ${curlLine(demo.official, `official-${now}`)}
   ${curlLine(demo.official, `wechat-${now}`, 'wechat')}
   ${curlLine(demo.official, `qqpay-${now}`, 'qqpay')}
   ${curlLine(demo.official, `unionpay-${now}`, 'unionpay')}

 The wallet's app through the facades (README: "Compatibility facades"):
   彩虹易支付 (epay)  URL ${BASE}/   pid ${demo.epay_pid}   key = appsecret
   V免签 merchant API ${BASE}/vmq/${demo.appkey}/   通讯密钥 = appsecret
   V免签 app config   ${demo.vmq_config ?? '(set VMQ_MONITOR_DOMAIN)'}

 Or simply, in another terminal:  npm run demo   (creates one order on each app and
 prints their cashier pages: the wallet's has "simulate payment"; the official one leads
 to the Alipay simulator's payer page; either way the notify goes to /demo/notify).

 The demo wallet stays online while this runs: a monitor agent simulator sends
 its heartbeats (lines marked [agent]). To run an agent yourself:
   npm run agent -- --endpoint ${BASE}/monitor/v1 --session ${demo.session.id} --secret ${demo.session.secret}

 Stop with Ctrl-C.
=============================================================================
`);
}

/** Keeps the demo wallet online with the agent simulator (stopped with the gateway). */
function startAgent(demo) {
  const args = [
    '--endpoint',
    `${BASE}/monitor/v1`,
    '--session',
    String(demo.session.id),
    '--secret',
    demo.session.secret,
    '--interval',
    '30',
  ];
  const agent = spawn(process.execPath, ['scripts/agent.mjs', ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', () => agent.kill('SIGTERM'));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => agent.kill('SIGTERM'));
}

try {
  await waitForHealth();
  const demo = await setUpDemo();
  startAgent(demo);
  banner(demo, await hasOperator());
} catch (err) {
  console.error(`[start] ${err.message}`);
  failed = true;
  if (!exiting) child.kill('SIGTERM');
}
