/**
 * `npm start`: run huipay locally with a ready-to-use demo.
 *
 * 1. Creates .dev.vars from .dev.vars.example if it is missing.
 * 2. Applies the D1 migrations to the local database (.wrangler/state).
 * 3. Starts `wrangler dev` on $LISTEN:$PORT (default 127.0.0.1:8787), with VMQ_MONITOR_DOMAIN set to
 *    $VMQ_MONITOR_DOMAIN or localhost:$PORT, so each session's V免签 host is <label>.localhost:$PORT.
 * 4. Once /healthz answers, makes sure a "Demo shop" merchant exists with a sandbox app and a
 *    sandbox alipay session (the personal wallet), and a second sandbox app whose Alipay orders go
 *    through the official channel (routing `official`: the built-in Alipay simulator, no setup).
 *    They are created once; the secrets that only creation reveals are kept in .wrangler/demo.json
 *    so later starts can print them again.
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
log('applying local D1 migrations');
const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local'], {
  stdio: 'inherit',
  env: { ...process.env, ...QUIET_ENV, CI: '1' },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

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

// 4. The demo: each part is created only if missing; a secret we no longer have is rotated.
async function ensureDemo() {
  const saved = existsSync(DEMO_FILE) ? JSON.parse(readFileSync(DEMO_FILE, 'utf8')) : {};
  let merchant = (await admin('GET', '/merchants')).data.find((m) => m.name === 'Demo shop');
  if (!merchant) {
    merchant = await admin('POST', '/merchants', { name: 'Demo shop' });
    log(`created merchant "Demo shop" (id ${merchant.id})`);
  }
  const m = `/merchants/${merchant.id}`;

  const urls = { notify_url: `${BASE}/demo/notify`, return_url: `${BASE}/demo/return` };
  let app = (await admin('GET', `${m}/apps`)).data.find((a) => a.name === 'Demo app');
  if (!app) {
    app = await admin('POST', `${m}/apps`, { name: 'Demo app', mode: 'sandbox', ...urls });
    log(`created sandbox app ${app.appkey}`);
  } else if (saved.appkey === app.appkey && saved.appsecret) {
    app.appsecret = saved.appsecret;
  } else {
    app = await admin('POST', `/apps/${app.appkey}/rotate-secret`);
    log(`app ${app.appkey} had no saved secret: rotated it`);
  }

  let session = (await admin('GET', `${m}/sessions`)).data.find((s) => s.label === 'Demo wallet');
  if (!session) {
    session = await admin('POST', `${m}/sessions`, {
      type: 'alipay',
      label: 'Demo wallet',
      qr_payload: 'https://qr.alipay.com/demo-not-a-real-code',
      mode: 'sandbox',
    });
    log(`created sandbox alipay session ${session.id}`);
  } else if (saved.session?.id === session.id && saved.session.secret) {
    session = { ...session, ...saved.session };
  } else {
    session = await admin('POST', `/sessions/${session.id}/rotate-secret`);
    log(`session ${session.id} had no saved secret: rotated it`);
  }

  if (app.notify_url !== urls.notify_url || app.return_url !== urls.return_url) {
    await admin('PATCH', `/apps/${app.appkey}`, urls); // the port may differ from the last start
  }

  // The official channel: Alipay orders of this app go to the Alipay simulator (routing official,
  // no channel config needed in sandbox), next to the personal wallet above.
  let official = (await admin('GET', `${m}/apps`)).data.find((a) => a.name === 'Demo app (Alipay official)');
  if (!official) {
    official = await admin('POST', `${m}/apps`, {
      name: 'Demo app (Alipay official)',
      mode: 'sandbox',
      ...urls,
      routing: { alipay: 'official' },
    });
    log(`created sandbox app ${official.appkey} (Alipay through the official channel's simulator)`);
  } else if (saved.official?.appkey === official.appkey && saved.official.appsecret) {
    official.appsecret = saved.official.appsecret;
  } else {
    official = await admin('POST', `/apps/${official.appkey}/rotate-secret`);
    log(`app ${official.appkey} had no saved secret: rotated it`);
  }
  if (official.notify_url !== urls.notify_url || official.return_url !== urls.return_url) {
    await admin('PATCH', `/apps/${official.appkey}`, urls);
  }

  const demo = {
    base: BASE,
    merchant_id: merchant.id,
    appkey: app.appkey,
    appsecret: app.appsecret,
    session: { id: session.id, secret: session.secret, monitor_config: session.monitor_config },
    official: { appkey: official.appkey, appsecret: official.appsecret },
    epay_pid: app.epay_pid ?? app.id,
    vmq_config: session.vmq_host ? `${session.vmq_host}/${session.secret}` : null,
  };
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

 The same through the official Alipay channel (app ${demo.official.appkey}, secret
 ${demo.official.appsecret}; its cashier shows the Alipay simulator's QR, a phone goes to its page):
   ${curlLine(demo.official, `official-${now}`)}

 WeChat Pay, QQ Wallet and UnionPay orders go to the built-in provider simulators with no
 setup (open pay_url; pay on the simulator's page):
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
  const demo = await ensureDemo();
  startAgent(demo);
  banner(demo, await hasOperator());
} catch (err) {
  console.error(`[start] ${err.message}`);
  failed = true;
  if (!exiting) child.kill('SIGTERM');
}
