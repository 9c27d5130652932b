/** Builds the Hono app: request ids, the database handle, routes, /openapi.json, /docs, errors. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { type AppEnv, createRouter, makeDb } from './env';
import { GATEPAY_CODES } from './domain/gatepay';
import { apiErrorResponse, gatepayBody, onError } from './errors';
import admin from './routes/admin';
import consoleApp from './console';
import channels from './routes/channels';
import sandbox from './routes/sandbox';
import { registerSelf } from './services/loopback';
import demo from './routes/demo';
import gatepay from './routes/gatepay';
import monitor from './routes/monitor';
import pay from './routes/pay';
import qrcode from './routes/qrcode';
import { DOCS_INTRO, docsPage, SCALAR_BUNDLE } from './views/docs';
import { registerPublicDocs } from './routes/public-docs';
import { renderHome } from './views/home';
import { pickLang } from './views/cashier';
import { publicOrigin } from './routes/origin';
import epay, { collapseEpaySlashes } from './facades/epay/routes';
import vmq from './facades/vmq/routes';
import vmqMonitor, { MONITOR_PREFIX, monitorPath } from './facades/vmq/monitor';

/** The groups of /docs, in order, each with what it is. One name each, lowercase but for proper names. */
const TAGS: Record<string, string> = {
  'merchant API':
    'The gatepay-compatible merchant API: create, query and close orders, refund them and query refunds; form bodies signed with the appsecret, HTTP 200 with a `code`.',
  'monitor protocol': "A collection session's monitor agent: heartbeats and payment reports, HMAC-signed JSON.",
  cashier: "The payer's payment page.",
  'epay V1':
    '彩虹易支付 V1 compatibility: `submit.php`, `mapi.php`, `api.php`, also under `/epay/` and without `.php`.',
  V免签: 'The V免签 merchant API, per app under `/vmq/{appkey}/`.',
  'V免签 monitor app':
    "The V免签 Android app as a session's monitor, on the session's own host `<label>.<VMQ_MONITOR_DOMAIN>`.",
  providers: 'Called by the payment providers, not by merchants.',
  merchants: 'Admin API: merchants, their settings and plans.',
  points: "Admin API: a merchant's points balance and ledger.",
  rules: "Admin API: a merchant's collection rules (when, where and how much a session collects).",
  apps: "Admin API: a merchant's apps, each with its appkey and appsecret.",
  sessions: 'Admin API: collection sessions (personal wallets) and their monitor configs.',
  orders: 'Admin API: orders of any app.',
  payments: 'Admin API: received payments, the unmatched inbox and assigning a payment to an order.',
  webhooks: "Admin API: an app's webhook endpoints.",
  deliveries: 'Admin API: notify and webhook deliveries, their attempts and resends.',
  channels: "Admin API: an app's official channel configs (Alipay, WeChat Pay, UnionPay, QQ Wallet) and their logs.",
  refunds: "Admin API: refunds of any app's order (the merchant API's own are under `merchant API`).",
};

const OPENAPI_INFO = {
  openapi: '3.1.0',
  tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  info: {
    title: 'huipay API',
    version: '1',
    description: DOCS_INTRO,
  },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/**
 * The document as served to this request: this gateway's origin as the server, so the examples
 * /docs shows run as shown; an operation without the bearer scheme says it takes none (`security: []`).
 */
function openApiDocument(app: OpenAPIHono<AppEnv>, origin: string) {
  const doc = app.getOpenAPI31Document({ ...OPENAPI_INFO, servers: [{ url: origin }] });
  for (const item of [...Object.values(doc.paths ?? {}), ...Object.values(doc.webhooks ?? {})])
    for (const m of METHODS) if (item[m]) item[m].security ??= [];
  return doc;
}

export function buildApp() {
  // A V免签 monitor host's requests are routed by their Host header before anything else.
  const app = createRouter({ getPath: monitorPath(collapseEpaySlashes) });

  app.use('*', async (c, next) => {
    const requestId = c.req.header('cf-ray') ?? crypto.randomUUID();
    c.set('requestId', requestId);
    c.set('db', makeDb(c.env.DB));
    await next();
    c.header('x-request-id', requestId);
    // No page of huipay may be framed (clickjacking) or sniffed into another type, whoever rendered it.
    if (c.res.headers.get('content-type')?.startsWith('text/html')) {
      c.header('x-frame-options', 'DENY');
      c.header('x-content-type-options', 'nosniff');
    }
  });

  app.get('/', (c) => {
    c.header('vary', 'Accept-Language');
    return c.html(renderHome(publicOrigin(c), pickLang(c.req.header('accept-language'))));
  });
  app.get('/healthz', (c) => c.text('ok'));
  app.route('/api/cloudpay', gatepay);
  app.route('/monitor/v1', monitor);
  app.route('/qrcode', qrcode);
  app.route('/pay', pay);
  app.route('/demo', demo);
  app.route('/admin/v1', admin);
  app.route('/console', consoleApp);
  app.route('/channels', channels);
  app.route('/sandbox', sandbox);
  app.route('/', epay);
  app.route('/vmq', vmq);
  app.route(MONITOR_PREFIX, vmqMonitor);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN',
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument(app, publicOrigin(c))));
  registerPublicDocs(app.openAPIRegistry);
  app.get('/docs', docsPage);
  // Served from static assets before the worker runs in production; this route covers runtimes that ask the worker.
  app.get(SCALAR_BUNDLE, (c) => c.env.ASSETS.fetch(c.req.raw));

  app.notFound((c) => {
    if (c.req.path.startsWith('/vmq/'))
      return c.json({ code: -1, msg: `没有这个接口：${c.req.method} ${c.req.path}` }, 404);
    if (c.req.path.startsWith('/api/cloudpay/'))
      return c.json(gatepayBody(GATEPAY_CODES.param_missing, `no such API: ${c.req.method} ${c.req.path}`));
    return apiErrorResponse(c, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
  });
  app.onError(onError);
  registerSelf((req, env, ctx) => app.fetch(req, env, ctx));
  return app;
}
