/**
 * Console, merchant side: apps (keys shown once, rotate secret, URLs, TTL, pay types, routing per
 * pay type, the official channel credentials of channels.tsx), the points ledger, a sandbox test payment.
 */
import type { App } from '../../db/schema';
import { planMonth, quotaUsedIn } from '../../domain/points';
import { PAY_TYPES } from '../../domain/vocab';
import { HuipayError } from '../../errors';
import { publicOrigin } from '../../routes/origin';
import { AppCreate, AppUpdate } from '../../schemas/apps';
import {
  createApp,
  enabledSandboxApps,
  merchantApp,
  merchantApps,
  rotateAppSecret,
  updateApp,
} from '../../services/apps';
import { configsOfApp } from '../../services/channels';
import { ledger, withBooksOf } from '../../services/points';
import { createTestOrder } from '../../services/test-payment';
import { attempt, type CCtx, consoleRouter, field, notFound, ownApp, refuse } from '../core';
import { orNull, validate } from '../forms';
import { mbase, page } from '../layout';
import { URL_FIELDS } from '../views/app-form';
import { AppEdit, Apps, SecretShown } from '../views/apps';
import { Points } from '../views/points';
import { SandboxTest } from '../views/sandbox';

const router = consoleRouter();

/** The app form's values as the admin API's body names them (create and edit). */
function appForm(c: CCtx) {
  const f = c.get('form');
  const out: Record<string, unknown> = {
    name: field(c, 'name'),
    order_ttl_seconds: Number(field(c, 'order_ttl_seconds') || 600),
    pay_types: f.getAll('pay_types'),
    allow_url_override: f.get('allow_url_override') === '1',
  };
  for (const name of URL_FIELDS) out[name] = orNull(field(c, name));
  // The edit form names a routing per pay type (checked by the admin API's schema).
  const routing = Object.fromEntries(
    PAY_TYPES.filter((pt) => f.has(`routing_${pt}`)).map((pt) => [pt, field(c, `routing_${pt}`)]),
  );
  if (Object.keys(routing).length) out.routing = routing;
  return out;
}

/** The page showing an app's newly made secret. */
function secretPage(c: CCtx, app: App, secret: string) {
  const ctx = c.get('ctx');
  return page(
    ctx,
    { label: `${ctx.t.appKeys} ·`, name: app.name },
    <SecretShown ctx={ctx} app={app} secret={secret} />,
  );
}

router.get('/apps', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const rows = await merchantApps(c.get('db'), m.id);
  const view = <Apps ctx={ctx} merchantId={m.id} rows={rows} origin={publicOrigin(c)} />;
  return c.html(page(ctx, ctx.t.nav['/apps'], view));
});

router.post('/apps', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/apps`;
  const v = validate(AppCreate, { ...appForm(c), mode: field(c, 'mode') });
  if ('error' in v) return refuse(c, to, v.error);
  try {
    const { app, secret } = await createApp(c.env, c.get('db'), m.id, v.data);
    return c.html(secretPage(c, app, secret));
  } catch (err) {
    if (err instanceof HuipayError) return refuse(c, to, err.message);
    throw err;
  }
});

router.get('/apps/:appkey', async (c) => {
  const app = await ownApp(c);
  if (!app) return notFound(c);
  const configs = await configsOfApp(c.get('db'), app.id);
  const ctx = c.get('ctx');
  const view = <AppEdit ctx={ctx} app={app} configs={configs} origin={publicOrigin(c)} />;
  return c.html(page(ctx, { label: `${ctx.t.editApp} ·`, name: app.name }, view));
});

router.post('/apps/:appkey', async (c) => {
  const app = await ownApp(c);
  if (!app) return notFound(c);
  const to = `${mbase(app.merchantId)}/apps/${app.appkey}`;
  const v = validate(AppUpdate, { ...appForm(c), enabled: c.get('form').get('enabled') === '1' });
  if ('error' in v) return refuse(c, to, v.error);
  return attempt(c, to, c.get('ctx').t.appSaved, () => updateApp(c.env, c.get('db'), app.appkey, v.data));
});

router.post('/apps/:appkey/rotate', async (c) => {
  const app = await ownApp(c);
  if (!app) return notFound(c);
  const { app: rotated, secret } = await rotateAppSecret(c.env, c.get('db'), app.appkey);
  return c.html(secretPage(c, rotated, secret));
});

router.get('/points', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const cursor = c.req.query('cursor');
  const l = await ledger(c.env, m.id, {
    cursor: cursor && /^\d{1,15}$/.test(cursor) ? cursor : undefined,
    limit: 50,
  });
  // The count of an earlier month is no count of this one (it starts again at the month's first order).
  const account = await withBooksOf(c.env, m);
  const quotaUsed = quotaUsedIn(account, planMonth(Date.now(), m.timezone));
  return c.html(page(ctx, ctx.t.nav['/points'], <Points ctx={ctx} m={account} quotaUsed={quotaUsed} ledger={l} />));
});

router.get('/sandbox', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const rows = await enabledSandboxApps(c.get('db'), m.id);
  return c.html(page(ctx, ctx.t.sandboxTitle, <SandboxTest ctx={ctx} merchantId={m.id} apps={rows} />));
});

router.post('/sandbox', async (c) => {
  const m = c.get('merchant');
  const app = await merchantApp(c.get('db'), m.id, field(c, 'appkey'));
  if (app?.mode !== 'sandbox') return notFound(c);
  const ask = { price: field(c, 'price'), type: field(c, 'type') };
  try {
    const order = await createTestOrder(c.env, c.get('db'), app, ask, publicOrigin(c));
    return c.redirect(order.pay_url, 303);
  } catch (err) {
    if (err instanceof HuipayError && err.merchant)
      return refuse(c, `${mbase(m.id)}/sandbox`, `${err.gatepay}: ${err.message}`);
    throw err;
  }
});

export default router;
