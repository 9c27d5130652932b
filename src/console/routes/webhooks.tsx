/** Console, merchant side: webhook endpoints (list with the mode toggle, add, edit, delete, test send with the exact request and response). */
import { eq, inArray } from 'drizzle-orm';
import { apps, webhooks, type Webhook } from '../../db/schema';
import { WEBHOOK_EVENTS, WEBHOOK_MODES } from '../../domain/vocab';
import { ApiError } from '../../errors';
import { testSend } from '../../services/deliveries';
import { createWebhook, deleteWebhook, updateWebhook } from '../../services/webhooks';
import { WebhookCreate, WebhookUpdate } from '../../routes/admin/schemas';
import { consoleRouter, field, idParam, notFound, redirectWith, type CCtx } from '../core';
import { headerLines, validate } from '../forms';
import { Badge, Csrf, mbase, page, PostButton, type PageCtx } from '../layout';

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
  const { tr } = ctx;
  return (
    <>
      <label for="w-url">URL</label>
      <input id="w-url" name="url" type="url" required maxlength={1024} value={w?.url ?? ''} />
      <label for="w-mode">{tr('模式', 'Mode')}</label>
      <select id="w-mode" name="mode">
        {WEBHOOK_MODES.map((m) => (
          <option value={m} selected={w?.mode === m}>
            {m}
          </option>
        ))}
      </select>
      <fieldset>
        <legend>{tr('事件', 'Events')}</legend>
        {WEBHOOK_EVENTS.map((e) => (
          <label class="check">
            <input
              type="checkbox"
              name="events"
              value={e}
              checked={w ? w.events.includes(e) : e === 'payment.succeeded'}
            />
            {e}
          </label>
        ))}
      </fieldset>
      <label for="w-headers">
        {tr('额外请求头（每行一个 Name: value）', 'Extra headers (one "Name: value" per line)')}
      </label>
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
  const { tr } = ctx;
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
      'Webhooks',
      <>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th>URL</th>
                <th>{tr('应用', 'App')}</th>
                <th>{tr('模式', 'Mode')}</th>
                <th>{tr('事件', 'Events')}</th>
                <th>{tr('操作', 'Actions')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr>
                  <td class="mono">{w.url}</td>
                  <td>{appRows.find((a) => a.id === w.appId)?.name}</td>
                  <td>
                    <Badge value={w.mode} />{' '}
                    <PostButton
                      ctx={ctx}
                      action={`${base}/webhooks/${w.id}/mode`}
                      label={
                        w.mode === 'test' ? tr('切换到 live', 'Switch to live') : tr('切换到 test', 'Switch to test')
                      }
                      kind="secondary"
                    />
                  </td>
                  <td>{w.events.join(', ')}</td>
                  <td>
                    <a class="button secondary" href={`${base}/webhooks/${w.id}`}>
                      {tr('编辑', 'Edit')}
                    </a>{' '}
                    <PostButton
                      ctx={ctx}
                      action={`${base}/webhooks/${w.id}/test`}
                      label={tr('测试发送', 'Send test')}
                    />{' '}
                    <PostButton
                      ctx={ctx}
                      action={`${base}/webhooks/${w.id}/delete`}
                      label={tr('删除', 'Delete')}
                      kind="danger"
                    />
                  </td>
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colspan={5}>{tr('没有 webhook。', 'No webhooks.')}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <h2>{tr('添加 webhook', 'Add a webhook')}</h2>
        {appRows.length === 0 ? (
          <p>{tr('请先创建应用。', 'Create an app first.')}</p>
        ) : (
          <form class="card" method="post" action={`${base}/webhooks`}>
            <Csrf ctx={ctx} />
            <label for="w-app">{tr('应用', 'App')}</label>
            <select id="w-app" name="appkey">
              {appRows.map((a) => (
                <option value={a.appkey}>
                  {a.name} ({a.mode})
                </option>
              ))}
            </select>
            <WebhookFields ctx={ctx} />
            <button type="submit">{tr('添加', 'Add')}</button>
          </form>
        )}
      </>,
    ),
  );
});

/** Runs a service call; an ApiError (bad URL, …) becomes a flash message on `to`. */
async function attempt(c: CCtx, to: string, ok: string, run: () => Promise<unknown>) {
  try {
    await run();
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, to, 'ok', ok);
}

router.post('/webhooks', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/webhooks`;
  const app = await c
    .get('db')
    .query.apps.findFirst({ where: (a, { and, eq }) => and(eq(a.appkey, field(c, 'appkey')), eq(a.merchantId, m.id)) });
  if (!app) return notFound(c);
  const form = webhookForm(c);
  if ('error' in form) return redirectWith(c, to, 'error', form.error);
  const v = validate(WebhookCreate, form.body);
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  return attempt(c, to, c.get('ctx').tr('Webhook 已添加。', 'Webhook added.'), () =>
    createWebhook(c.get('db'), app.appkey, v.data),
  );
});

router.get('/webhooks/:id', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const ctx = c.get('ctx');
  return c.html(
    page(
      ctx,
      `${ctx.tr('编辑 webhook', 'Edit webhook')} #${own.webhook.id}`,
      <form class="card" method="post" action={`${mbase(c.get('merchant').id)}/webhooks/${own.webhook.id}`}>
        <Csrf ctx={ctx} />
        <WebhookFields ctx={ctx} w={own.webhook} />
        <button type="submit">{ctx.tr('保存', 'Save')}</button>
      </form>,
    ),
  );
});

router.post('/webhooks/:id', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const to = `${mbase(c.get('merchant').id)}/webhooks`;
  const form = webhookForm(c);
  if ('error' in form) return redirectWith(c, to, 'error', form.error);
  const v = validate(WebhookUpdate, form.body);
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  return attempt(c, to, c.get('ctx').tr('Webhook 已保存。', 'Webhook saved.'), () =>
    updateWebhook(c.get('db'), own.webhook.id, v.data),
  );
});

router.post('/webhooks/:id/mode', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const to = `${mbase(c.get('merchant').id)}/webhooks`;
  const mode = own.webhook.mode === 'test' ? 'live' : 'test';
  return attempt(c, to, c.get('ctx').tr(`已切换到 ${mode}。`, `Switched to ${mode}.`), () =>
    updateWebhook(c.get('db'), own.webhook.id, { mode }),
  );
});

router.post('/webhooks/:id/delete', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  await deleteWebhook(c.get('db'), own.webhook.id);
  return redirectWith(
    c,
    `${mbase(c.get('merchant').id)}/webhooks`,
    'ok',
    c.get('ctx').tr('Webhook 已删除。', 'Webhook deleted.'),
  );
});

router.post('/webhooks/:id/test', async (c) => {
  const own = await ownWebhook(c);
  if (!own) return notFound(c);
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const r = await testSend(c.env, c.get('db'), own.webhook);
  const reqText = `${r.request.method} ${r.request.url}\n${Object.entries(r.request.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n\n${r.request.body}`;
  return c.html(
    page(
      ctx,
      tr('测试发送', 'Test send'),
      <div class="card">
        <p>
          {r.delivered ? (
            <Badge value="delivered" label={tr('成功（HTTP 2xx）', 'Delivered (HTTP 2xx)')} />
          ) : (
            <Badge value="failed" label={tr('失败', 'Failed')} />
          )}{' '}
          · {r.duration_ms} ms
          {r.error && ` · ${r.error}`}
        </p>
        <h2>{tr('请求', 'Request')}</h2>
        <pre id="test-request">{reqText}</pre>
        <h2>{tr('响应', 'Response')}</h2>
        <pre id="test-response">
          {r.response ? `HTTP ${r.response.status}\n\n${r.response.body}` : tr('无响应', 'No response')}
        </pre>
        <a class="button secondary" href={`${mbase(c.get('merchant').id)}/webhooks`}>
          {tr('返回', 'Back')}
        </a>
      </div>,
    ),
  );
});

export default router;
