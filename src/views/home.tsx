/** `/`: a small landing page pointing at the docs, the demo and the API reference. */
import { raw } from 'hono/html';

const CSS = `body{font:16px/1.6 system-ui,sans-serif;max-width:720px;margin:3rem auto;padding:0 1rem;color:#111827}
code,pre{font:14px ui-monospace,monospace;background:#f3f4f6;border-radius:4px;padding:.1rem .3rem}pre{padding:.75rem;overflow:auto}
h1{margin-bottom:0}.sub{color:#374151;margin-top:.25rem}a{color:#1d4ed8}`;

export function renderHome(origin: string): string {
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>huipay gateway</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <h1>huipay</h1>
        <p class="sub">Aggregated payment gateway on Cloudflare Workers · 聚合支付网关</p>
        <h2>Try the demo</h2>
        <p>
          With <code>npm start</code> running, create a sandbox order and open its cashier page:
        </p>
        <pre>npm run demo</pre>
        <p>
          On the cashier page, <em>simulate payment</em> pays the order through the same path a monitor agent's report
          takes; the page then returns you to the demo shop.
        </p>
        <h2>Reference</h2>
        <ul>
          <li>
            <a href="/docs">Admin API reference</a> (<a href="/openapi.json">OpenAPI document</a>)
          </li>
          <li>
            Merchant API: <code>POST {origin}/api/cloudpay/create</code>, <code>/query</code>, <code>/close</code>{' '}
            (gatepay-compatible; see the README)
          </li>
          <li>
            Monitor protocol: <code>POST {origin}/monitor/v1/heartbeat</code>, <code>/payments</code>
          </li>
          <li>
            Health: <a href="/healthz">/healthz</a>
          </li>
        </ul>
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}
