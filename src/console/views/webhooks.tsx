/** The webhooks pages: the endpoints (with the mode toggle) and the add form, the edit form, a test send's exact request and response. */
import type { App, Webhook } from '../../db/schema';
import { MODES, WEBHOOK_EVENTS, WEBHOOK_MODES, type WebhookEvent } from '../../domain/vocab';
import type { testSend } from '../../services/deliveries';
import { Badge, Csrf, Data, FieldName, Label, List, mbase, type PageCtx, PostButton } from '../layout';

const headerText = (h: Record<string, string>) =>
  Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

/** The fields of the webhook form (add and edit share them). */
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

/** The webhooks page: the merchant's endpoints across its apps (`appRows`), and the add form. */
export function Webhooks(props: { ctx: PageCtx; merchantId: number; appRows: App[]; rows: Webhook[] }) {
  const { ctx, appRows, rows } = props;
  const { t } = ctx;
  const base = mbase(props.merchantId);
  return (
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
    </>
  );
}

/** The edit form of one webhook. */
export function WebhookEdit({ ctx, merchantId, w }: { ctx: PageCtx; merchantId: number; w: Webhook }) {
  return (
    <form class="card" method="post" action={`${mbase(merchantId)}/webhooks/${w.id}`}>
      <Csrf ctx={ctx} />
      <WebhookFields ctx={ctx} w={w} />
      <button type="submit">{ctx.t.save}</button>
    </form>
  );
}

/** What a test send did: delivered or not, the request as sent and the response as received. */
export function TestSent(props: { ctx: PageCtx; merchantId: number; r: Awaited<ReturnType<typeof testSend>> }) {
  const { ctx, r } = props;
  const { t } = ctx;
  const reqText = `${r.request.method} ${r.request.url}\n${headerText(r.request.headers)}\n\n${r.request.body}`;
  return (
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
      <a class="button secondary" href={`${mbase(props.merchantId)}/webhooks`}>
        {t.back}
      </a>
    </div>
  );
}
