/**
 * Per-file setup inside workerd: apply the D1 migrations (the control plane's to DB, the order
 * stores' to ORDERS_1 and ORDERS_2), and resolve the fake public host
 * `merchant.example` to the local merchant server (test/merchant-server.ts) — the only part of
 * the outside world the tests stand in for. Everything else is the real worker.
 */
import { applyD1Migrations, env } from 'cloudflare:test';
import { inject } from 'vitest';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.ORDERS_1, env.TEST_ORDER_MIGRATIONS);
await applyD1Migrations(env.ORDERS_2, env.TEST_ORDER_MIGRATIONS);

const port = inject('merchantPort');
const realFetch = globalThis.fetch;
globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const req = new Request(input, init);
  const url = new URL(req.url);
  if (url.hostname !== 'merchant.example') return realFetch(req);
  url.protocol = 'http:';
  url.host = `127.0.0.1:${port}`;
  return realFetch(new Request(url, req));
};
