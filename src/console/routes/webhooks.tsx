/** Console, merchant side: webhook endpoints (list with the mode toggle, add, edit, delete, test send with the exact request and response). */
import type { Webhook } from '../../db/schema';
import { WebhookCreate, WebhookUpdate } from '../../schemas/webhooks';
import { merchantApp, merchantApps } from '../../services/apps';
import { testSend } from '../../services/deliveries';
import { createWebhook, deleteWebhook, merchantWebhook, updateWebhook, webhooksOfApps } from '../../services/webhooks';
import { attempt, type CCtx, consoleRouter, field, idParam, notFound, redirectWith, refuse } from '../core';
import { headerLines, validate } from '../forms';
import { mbase, page } from '../layout';
import { TestSent, WebhookEdit, Webhooks } from '../views/webhooks';

const router = consoleRouter();

/** The merchant's own webhook named in the URL (through its app), or null. */
async function ownWebhook(c: CCtx): Promise<{ webhook: Webhook; appkey: string } | null> {
  const id = idParam(c, 'id');
  return id === null ? null : merchantWebhook(c.get('db'), c.get('merchant').id, id);
}

/** The webhook form's values as the admin API's body names them, or the header line that is wrong. */
function webhookForm(c: CCtx): { error: string } | { body: Record<string, unknown> } {
  const headers = headerLines(c.get('form').get('headers') ?? '');
  return typeof headers === 'string'
    ? { error: headers }
    : { body: { url: field(c, 'url'), mode: field(c, 'mode'), events: c.get('form').getAll('events'), headers } };
}

router.get('/webhooks', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const appRows = await merchantApps(c.get('db'), m.id);
  const rows = await webhooksOfApps(
    c.get('db'),
    appRows.map((a) => a.id),
  );
  const view = <Webhooks ctx={ctx} merchantId={m.id} appRows={appRows} rows={rows} />;
  return c.html(page(ctx, ctx.t.nav['/webhooks'], view));
});

router.post('/webhooks', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/webhooks`;
  const app = await merchantApp(c.get('db'), m.id, field(c, 'appkey'));
  if (!app) return notFound(c);
  const form = webhookForm(c);
  if ('error' in form) return refuse(c, to, form.error);
  const v = validate(WebhookCreate, form.body);
  if ('error' in v) return refuse(c, to, v.error);
  return attempt(c, to, c.get('ctx').t.webhookAdded, () => createWebhook(c.env, c.get('db'), app.appkey, v.data));
});

router.get('/webhooks/:id', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const ctx = c.get('ctx');
  const view = <WebhookEdit ctx={ctx} merchantId={c.get('merchant').id} w={own.webhook} />;
  return c.html(page(ctx, `${ctx.t.editWebhook} #${own.webhook.id}`, view));
});

router.post('/webhooks/:id', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const to = `${mbase(c.get('merchant').id)}/webhooks`;
  const form = webhookForm(c);
  if ('error' in form) return refuse(c, to, form.error);
  const v = validate(WebhookUpdate, form.body);
  if ('error' in v) return refuse(c, to, v.error);
  return attempt(c, to, c.get('ctx').t.webhookSaved, () => updateWebhook(c.env, c.get('db'), own.webhook.id, v.data));
});

router.post('/webhooks/:id/mode', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const to = `${mbase(c.get('merchant').id)}/webhooks`;
  const mode = own.webhook.mode === 'test' ? 'live' : 'test';
  const { t } = c.get('ctx');
  return attempt(c, to, t.switchedWebhookMode(t.webhookMode[mode]), () =>
    updateWebhook(c.env, c.get('db'), own.webhook.id, { mode }),
  );
});

router.post('/webhooks/:id/delete', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  await deleteWebhook(c.env, c.get('db'), own.webhook.id);
  return redirectWith(c, `${mbase(c.get('merchant').id)}/webhooks`, 'ok', c.get('ctx').t.webhookDeleted);
});

router.post('/webhooks/:id/test', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const ctx = c.get('ctx');
  const r = await testSend(c.env, own.webhook);
  return c.html(page(ctx, ctx.t.testSendTitle, <TestSent ctx={ctx} merchantId={c.get('merchant').id} r={r} />));
});

export default router;
