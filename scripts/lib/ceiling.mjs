/**
 * The most creates + reports per second a `Collector` serves here, measured on fresh gateways
 * (each its own workerd process, in-memory state) so the bench's other rows leave nothing behind:
 *
 * - `one`: one merchant, one Collector, in one process;
 * - `shards`: one merchant over `shards` Collectors, in one process — workerd runs every object of
 *   a process on one thread, so this shows what sharding costs, not what it gains;
 * - `processes`: `processes` merchants, one Collector each, each in its own workerd process at the
 *   same time — objects on separate threads, as the platform places them, limited here by the
 *   machine's cores.
 *
 * Each loop runs inside workerd and calls the objects by RPC alone (`POST /__bench/collector` of
 * scripts/lib/bench-entry.mjs: no HTTP per operation, no D1; the Collectors' queue sends dropped).
 */
import { cpuWindow, gatewayClient, serveHuipay, specSign } from './local.mjs';

/** A fresh gateway with one merchant of `shards` Collectors and four online Alipay sessions, synced. */
async function freshGateway(script, shards) {
  const gw = await serveHuipay({ script });
  const api = gatewayClient(gw.url);
  const { m, app, sessions } = await api.seedShop({
    name: 'Ceiling shop',
    tag: 'ceiling',
    sessions: Math.max(4, shards),
    shards,
    callbacks: 'http://127.0.0.1:9',
  });
  for (const s of sessions) await api.heartbeat(s);
  const placed = new Set(sessions.map((s) => s.shard ?? 0));
  // A few creates through the API, so every shard has its app and sessions before the loop.
  for (let i = 0; i < 8 * shards; i++) {
    const p = { appkey: app.appkey, price: '1.00', type: 'alipay', out_order_id: `warm-${i}`, custom: '' };
    p.sign = specSign([p.appkey, p.price, p.type, p.out_order_id, p.custom], app.appsecret);
    const j = await (
      await fetch(`${gw.url}/api/cloudpay/create`, { method: 'POST', body: new URLSearchParams(p) })
    ).json();
    if (j.code !== 100) throw new Error(`ceiling: warm-up create answered ${JSON.stringify(j)}`);
  }
  const names = [...placed].map((k) => (k ? `${m.id}:sandbox:${k}` : `${m.id}:sandbox`));
  return { gw, app, names };
}

/** Runs the RPC loop of one gateway for `ms` and returns its counts. */
async function loop({ gw, app, names }, ms, run) {
  const res = await fetch(`${gw.url}/__bench/collector`, {
    method: 'POST',
    body: JSON.stringify({ names, appkey: app.appkey, secret: app.appsecret, concurrency: 32, ms, run }),
  });
  if (!res.ok) throw new Error(`ceiling loop → ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

/** Measures the three set-ups one after another; `seconds` per measurement. */
export async function collectorCeilings({ script, seconds, cores, shards = 4, processes = 2 }) {
  const ms = seconds * 1000;
  const measure = async (label, setups) => {
    const gws = [];
    try {
      for (const n of setups) gws.push(await freshGateway(script, n));
      const cpu = cpuWindow(cores);
      const counts = await Promise.all(gws.map((g, i) => loop(g, ms, `${label}${i}`)));
      const sum = (k) => counts.reduce((a, c) => a + c[k], 0);
      return {
        label,
        collectors: gws.reduce((a, g) => a + g.names.length, 0),
        processes: gws.length,
        creates: sum('creates'),
        reports: sum('reports'),
        refused: sum('refused'),
        ops_per_s: Number(((sum('creates') + sum('reports')) / seconds).toFixed(1)),
        cpu: cpu(),
      };
    } finally {
      for (const g of gws) await g.gw.mf.dispose();
    }
  };
  const one = await measure('one', [1]);
  const sharded = await measure('shards', [shards]);
  const parallel = await measure('processes', Array(processes).fill(1));
  return { one, shards: sharded, processes: parallel };
}
