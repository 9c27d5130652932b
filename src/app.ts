/** Builds the Hono app: request ids, the database handle, routes, /openapi.json, /docs, errors. */
import { createRouter, makeDb } from './env';
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

/** What the groups of /docs are, where the name alone does not say. */
const TAG_NOTES: Record<string, string> = {
  Refunds: "The merchant API's refund calls, signed like the rest of it (the operator's refunds are under `refunds`).",
  'epay V1':
    '彩虹易支付 V1 compatibility: `submit.php`, `mapi.php`, `api.php`, also under `/epay/` and without `.php`.',
  V免签: 'The V免签 merchant API, per app under `/vmq/{appkey}/`.',
  'V免签 monitor app':
    "The V免签 Android app as a session's monitor, on the session's own host `<label>.<VMQ_MONITOR_DOMAIN>`.",
  Providers: 'Called by the payment providers, not by merchants.',
  refunds: "Admin API: refunds of any app's order (the merchant API's are under `Refunds`).",
};

const OPENAPI_INFO = {
  openapi: '3.1.0',
  tags: [
    'merchant API',
    'Refunds',
    'monitor protocol',
    'cashier',
    'epay V1',
    'V免签',
    'V免签 monitor app',
    'Providers',
    'merchants',
    'points',
    'rules',
    'apps',
    'sessions',
    'orders',
    'payments',
    'webhooks',
    'deliveries',
    'channels',
    'refunds',
  ].map((name) => ({ name, ...(TAG_NOTES[name] ? { description: TAG_NOTES[name] } : {}) })),
  info: {
    title: 'huipay API',
    version: '1',
    description: DOCS_INTRO,
  },
};

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
  app.doc31('/openapi.json', OPENAPI_INFO);
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
