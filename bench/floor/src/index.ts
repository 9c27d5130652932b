/**
 * The bench's calibration worker (see ../wrangler.toml): `POST /floor` reads a create-order
 * form, makes one RPC call to a trivial SQLite-backed Durable Object and one D1 insert, and
 * answers a small JSON body. Whatever create order costs above this is the gateway's own work.
 * `GET /page?size=N` is the page floor: one D1 read by primary key and a static HTML answer of N
 * bytes (the bench passes the cashier page's size), what any server-rendered page cannot avoid.
 */
import { DurableObject } from 'cloudflare:workers';

interface FloorEnv {
  DB: D1Database;
  FLOOR: DurableObjectNamespace<Floor>;
}

/** One synchronous SQLite write per call: the least a slot reservation can cost. */
export class Floor extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS holds (id INTEGER PRIMARY KEY, k TEXT NOT NULL)`);
  }

  hold(key: string): number {
    return this.ctx.storage.sql.exec(`INSERT INTO holds (k) VALUES (?) RETURNING id`, key).one().id as number;
  }
}

const pages = new Map<number, string>();

/** A fixed HTML page of `size` bytes (made once per size), with the row's key in it. */
function staticPage(size: number, key: string): string {
  const n = Math.min(Math.max(Math.floor(size) || 0, 64), 1 << 20);
  let body = pages.get(n);
  if (!body) {
    const head = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>floor</title></head><body><p>';
    body = head + 'x'.repeat(Math.max(0, n - head.length - 18));
    pages.set(n, body);
  }
  return `${body}${key.slice(0, 4)}</p></body></html>`;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return new Response('ok');
    if (request.method === 'GET' && url.pathname === '/page') {
      const row = await env.DB.prepare(`SELECT id, out_order_id FROM floor_orders WHERE id = ?`).bind(1).first();
      return new Response(staticPage(Number(url.searchParams.get('size') ?? 4096), String(row?.out_order_id ?? '')), {
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
    }
    if (request.method !== 'POST' || url.pathname !== '/floor') return new Response('not found', { status: 404 });
    const p = new URLSearchParams(await request.text());
    const out = p.get('out_order_id') ?? crypto.randomUUID();
    const slot = await env.FLOOR.get(env.FLOOR.idFromName('floor')).hold(out);
    await env.DB.prepare(`INSERT INTO floor_orders (out_order_id, price, slot, created_ms) VALUES (?, ?, ?, ?)`)
      .bind(out, p.get('price') ?? '', slot, Date.now())
      .run();
    return Response.json({ code: 100, msg: 'success', data: { out_order_id: out, slot } });
  },
} satisfies ExportedHandler<FloorEnv>;
