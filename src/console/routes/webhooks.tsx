/** Console, merchant side: webhook endpoints (list with the mode toggle, add, edit, delete, test send with the exact request and response). */
import { eq, inArray } from 'drizzle-orm';
import { apps, webhooks, type Webhook } from '../../db/schema';
import { MODES, WEBHOOK_EVENTS, WEBHOOK_MODES, type WebhookEvent } from '../../domain/vocab';
import { testSend } from '../../services/deliveries';
import { createWebhook, deleteWebhook, updateWebhook } from '../../services/webhooks';
import { WebhookCreate, WebhookUpdate } from '../../schemas/webhooks';
import { attempt, consoleRouter, field, idParam, notFound, redirectWith, refuse, type CCtx } from '../core';
import { headerLines, validate } from '../forms';
import { Badge, Csrf, Data, FieldName, Label, List, mbase, page, PostButton, type PageCtx } from '../layout';

const router = consoleRouter();

/** The merchant's own webhook named in the URL (through its app), or null. */
async function ownWebhook(c: CCtx): Promise<{ webhook: Webhook; appkey: string } | null> {
  const id = idParam(c, 'id');
  if (id === null) return null;
  const [row] = await c
    .get('db')
    .select({ webhook: webhooks, appkey: apps.appkey, merchantId: apps.merchantId })
    .from(webhooks)
    .innerJoin(apps, eq(apps.id, webhooks.appId))
    .where(eq(webhooks.id, id));
  return row && row.merchantId === c.get('merchant').id ? { webhook: row.webhook, appkey: row.appkey } : null;
}

const headerText = (h: Record<string, string>) =>
  Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

function WebhookFields({ ctx, w }: { ctx: PageCtx; w?: Webhook }) {
  const { t } = ctx;
  return (
    <>
      <label for="w-url">{t.webhookUrl}</label>
      <input id="w-url" name="url" type="url" required maxlength={1024} value={w?.url ?? ''} />
      <Label for="w-mode" text={t.webhookModeLabel} hint={t.webhookModeHint} />
      <select id="w-mode" name="mode">
        {WEBHOOK_MODES.map((m) => (
          <option value={m} selected={w?.mode === m}>
            {t.webhookMode[m]}
          </option>
        ))}
      </select>
      <fieldset>
        <legend>{t.events}</legend>
        {WEBHOOK_EVENTS.map((e) => (
          <label class="check">
            <input
              type="checkbox"
              name="events"
              value={e}
              checked={w ? w.events.includes(e) : e === 'payment.succeeded'}
            />
            {t.webhookEvent[e]} <FieldName name={e} />
          </label>
        ))}
      </fieldset>
      <Label for="w-headers" text={t.extraHeaders} hint={t.extraHeadersHint} />
      <textarea id="w-headers" name="headers" maxlength={8000}>
        {w ? headerText(w.headers) : ''}
      </textarea>
    </>
  );
}

function webhookForm(c: CCtx): { error: string } | { body: Record<string, unknown> } {
  const headers = headerLines(c.get('form').get('headers') ?? '');
  return typeof headers === 'string'
    ? { error: headers }
    : { body: { url: field(c, 'url'), mode: field(c, 'mode'), events: c.get('form').getAll('events'), headers } };
}

router.get('/webhooks', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const db = c.get('db');
  const appRows = await db.select().from(apps).where(eq(apps.merchantId, m.id)).orderBy(apps.id);
  const rows = appRows.length
    ? await db
        .select()
        .from(webhooks)
        .where(
          inArray(
            webhooks.appId,
            appRows.map((a) => a.id),
          ),
        )
        .orderBy(webhooks.id)
    : [];
  const base = mbase(m.id);
  return c.html(
    page(
      ctx,
      t.nav['/webhooks'],
      <>
        <p class="muted">{t.webhooksIntro}</p>
        <List
          rows={rows}
          empty={t.noWebhooks}
          cols={[
            { label: t.webhookUrl, cell: (w) => <span class="mono">{w.url}</span> },
            { label: t.app, cell: (w) => <Data>{appRows.find((a) => a.id === w.appId)?.name}</Data> },
            {
              label: t.webhookModeLabel,
              block: true,
              cell: (w) => (
                <>
                  <Badge kind={w.mode} label={t.webhookMode[w.mode]} />{' '}
                  <PostButton
                    ctx={ctx}
                    action={`${base}/webhooks/${w.id}/mode`}
                    label={t.switchWebhookMode(t.webhookMode[w.mode === 'test' ? 'live' : 'test'])}
                    kind="secondary"
                  />
                </>
              ),
            },
            {
              label: t.events,
              cell: (w) => w.events.map((e) => t.webhookEvent[e as WebhookEvent] ?? e).join(t.listSeparator),
            },
            {
              label: t.actions,
              block: true,
              cell: (w) => (
                <>
                  <a class="button secondary" href={`${base}/webhooks/${w.id}`}>
                    {t.edit}
                  </a>{' '}
                  <PostButton ctx={ctx} action={`${base}/webhooks/${w.id}/test`} label={t.sendTest} />{' '}
                  <PostButton ctx={ctx} action={`${base}/webhooks/${w.id}/delete`} label={t.delete} kind="danger" />
                </>
              ),
            },
          ]}
        />
        <h2>{t.addWebhook}</h2>
        {appRows.length === 0 ? (
          <p>{t.createAppFirst}</p>
        ) : (
          <form class="card" method="post" action={`${base}/webhooks`}>
            <Csrf ctx={ctx} />
            <label for="w-app">{t.app}</label>
            <select id="w-app" name="appkey">
              {MODES.map((md) => (
                <optgroup label={t.mode[md]}>
                  {appRows
                    .filter((a) => a.mode === md)
                    .map((a) => (
                      <option value={a.appkey} translate="no">
                        {a.name}
                      </option>
                    ))}
                </optgroup>
              ))}
            </select>
            <WebhookFields ctx={ctx} />
            <button type="submit">{t.add}</button>
          </form>
        )}
      </>,
    ),
  );
});

router.post('/webhooks', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/webhooks`;
  const app = await c
    .get('db')
    .query.apps.findFirst({ where: (a, { and, eq }) => and(eq(a.appkey, field(c, 'appkey')), eq(a.merchantId, m.id)) });
  if (!app) return notFound(c);
  const form = webhookForm(c);
  if ('error' in form) return refuse(c, to, form.error);
  const v = validate(WebhookCreate, form.body);
  if ('error' in v) return refuse(c, to, v.error);
  return attempt(c, to, c.get('ctx').t.webhookAdded, () => createWebhook(c.get('db'), app.appkey, v.data));
});

router.get('/webhooks/:id', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const ctx = c.get('ctx');
  return c.html(
    page(
      ctx,
      `${ctx.t.editWebhook} #${own.webhook.id}`,
      <form class="card" method="post" action={`${mbase(c.get('merchant').id)}/webhooks/${own.webhook.id}`}>
        <Csrf ctx={ctx} />
        <WebhookFields ctx={ctx} w={own.webhook} />
        <button type="submit">{ctx.t.save}</button>
      </form>,
    ),
  );
});

router.post('/webhooks/:id', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const to = `${mbase(c.get('merchant').id)}/webhooks`;
  const form = webhookForm(c);
  if ('error' in form) return refuse(c, to, form.error);
  const v = validate(WebhookUpdate, form.body);
  if ('error' in v) return refuse(c, to, v.error);
  return attempt(c, to, c.get('ctx').t.webhookSaved, () => updateWebhook(c.get('db'), own.webhook.id, v.data));
});

router.post('/webhooks/:id/mode', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const to = `${mbase(c.get('merchant').id)}/webhooks`;
  const mode = own.webhook.mode === 'test' ? 'live' : 'test';
  const { t } = c.get('ctx');
  return attempt(c, to, t.switchedWebhookMode(t.webhookMode[mode]), () =>
    updateWebhook(c.get('db'), own.webhook.id, { mode }),
  );
});

router.post('/webhooks/:id/delete', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  await deleteWebhook(c.get('db'), own.webhook.id);
  return redirectWith(c, `${mbase(c.get('merchant').id)}/webhooks`, 'ok', c.get('ctx').t.webhookDeleted);
});

router.post('/webhooks/:id/test', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const ctx = c.get('ctx');
  const { t } = ctx;
  const r = await testSend(c.env, c.get('db'), own.webhook);
  const reqText = `${r.request.method} ${r.request.url}\n${Object.entries(r.request.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n\n${r.request.body}`;
  return c.html(
    page(
      ctx,
      t.testSendTitle,
      <div class="card">
        <p>
          {r.delivered ? (
            <Badge kind="delivered" label={t.testDelivered} />
          ) : (
            <Badge kind="failed" label={t.testFailed} />
          )}{' '}
          · {r.duration_ms} ms
          {r.error && <span translate="no"> · {r.error}</span>}
        </p>
        <h2>{t.request}</h2>
        <pre id="test-request">{reqText}</pre>
        <h2>{t.response}</h2>
        <pre id="test-response">{r.response ? `HTTP ${r.response.status}\n\n${r.response.body}` : t.noResponse}</pre>
        <a class="button secondary" href={`${mbase(c.get('merchant').id)}/webhooks`}>
          {t.back}
        </a>
      </div>,
    ),
  );
});

export default router;
