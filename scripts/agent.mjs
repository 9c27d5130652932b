#!/usr/bin/env node
/**
 * huipay monitor agent simulator: speaks the native monitor protocol (SPEC §4.2) like the app
 * on a wallet's phone. It keeps a collection session online with heartbeats and reports
 * payments given on the command line or typed at its prompt.
 *
 *   npm run agent -- --config '<monitor_config JSON from the console / admin API>'
 *   npm run agent -- --endpoint http://127.0.0.1:8787/monitor/v1 --session 1 --secret s3cr3t
 *   options: --pay 9.99 (repeatable)  --type alipay|wechat  --interval 30  --once (exit after the payments)
 *   prompt:  9.99 | pay 9.99 [ref] | heartbeat | quit
 *
 * Every request is signed: X-Huipay-Signature = hex HMAC-SHA256(secret, timestamp + "." + body).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    endpoint: { type: 'string' },
    session: { type: 'string' },
    secret: { type: 'string' },
    type: { type: 'string', default: 'alipay' },
    pay: { type: 'string', multiple: true, default: [] },
    interval: { type: 'string', default: '30' },
    once: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function usage(problem) {
  if (problem) console.error(`agent: ${problem}`);
  console.error(
    "usage: npm run agent -- --config '<monitor_config>' | --endpoint URL --session ID --secret SECRET [--pay 9.99] [--type alipay] [--once]",
  );
  process.exit(problem ? 2 : 0);
}

if (values.help) usage();
let cfg = { endpoint: values.endpoint, session: values.session, secret: values.secret };
if (values.config) {
  try {
    const c = JSON.parse(values.config);
    cfg = { endpoint: c.endpoint, session: String(c.session), secret: c.secret };
  } catch {
    usage('--config is not the monitor_config JSON (expected {"v":1,"endpoint":…,"session":…,"secret":…})');
  }
}
if (!cfg.endpoint || !cfg.session || !cfg.secret) usage('give --config, or --endpoint, --session and --secret');
if (!['alipay', 'wechat'].includes(values.type)) usage('--type must be alipay or wechat');
const interval = Number(values.interval);
if (!(interval >= 1)) usage('--interval must be a number of seconds ≥ 1');

const stamp = () => new Date().toISOString().slice(11, 19);
const say = (msg) => console.log(`[agent ${stamp()}] ${msg}`);

async function call(path, payload) {
  const body = JSON.stringify(payload);
  const ts = String(Date.now());
  const sig = createHmac('sha256', cfg.secret).update(`${ts}.${body}`).digest('hex');
  const res = await fetch(`${cfg.endpoint.replace(/\/+$/, '')}/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-huipay-session': cfg.session,
      'x-huipay-timestamp': ts,
      'x-huipay-signature': sig,
    },
    body,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${path} → HTTP ${res.status}: ${json.error?.message ?? JSON.stringify(json)}`);
  return json;
}

async function heartbeat() {
  try {
    const r = await call('heartbeat', { agent: 'huipay-agent-simulator', at: Date.now() });
    say(`heartbeat ok: session ${r.session_id} is ${r.state}`);
    return true;
  } catch (err) {
    say(`heartbeat failed: ${err.message}`);
    return false;
  }
}

async function report(amount, ref = `sim-${randomUUID()}`) {
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(amount)) return say(`not an amount: ${amount} (like 9.99)`);
  try {
    const r = await call('payments', { type: values.type, amount, paid_at: Date.now(), ref, payer: 'simulator' });
    say(
      r.matched
        ? `payment ${amount} matched order ${r.out_order_id} (payment ${r.payment_id})`
        : `payment ${amount} matched no order: it is in the unmatched inbox (payment ${r.payment_id})`,
    );
    return r;
  } catch (err) {
    say(`payment failed: ${err.message}`);
    return null;
  }
}

const online = await heartbeat();
for (const amount of values.pay) await report(amount);
if (values.once) process.exit(online ? 0 : 1);

const timer = setInterval(heartbeat, interval * 1000);
say(`online; heartbeat every ${interval} s. Type an amount (9.99), "pay 9.99 [ref]", "heartbeat" or "quit".`);
const rl = createInterface({ input: process.stdin, terminal: false });
let quitting = false;
rl.on('line', async (line) => {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (!cmd) return;
  if (cmd === 'quit' || cmd === 'exit') {
    quitting = true;
    return rl.close();
  }
  if (cmd === 'heartbeat') return void (await heartbeat());
  if (cmd === 'pay') return void (await report(args[0] ?? '', args[1]));
  await report(cmd);
});
// End of input stops an interactive agent (Ctrl-D); a detached one (stdin not a terminal) keeps the session online.
rl.on('close', () => {
  if (!quitting && !process.stdin.isTTY) return say('input closed; still sending heartbeats (Ctrl-C to stop)');
  clearInterval(timer);
  say('bye');
});
