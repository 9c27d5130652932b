/**
 * The apps pages: the list (the merchant API's endpoints, each app with what shop software needs —
 * appkey, epay pid and URLs, the V免签 URL — and the create form), an app's edit page with its
 * official channel credentials, and the keys shown once after a create or a secret rotation.
 */
import type { App, ChannelConfig } from '../../db/schema';
import { Badge, Csrf, Data, FieldName, mbase, PostButton, type PageCtx } from '../layout';
import { AppFields } from './app-form';
import { ChannelsSection } from './channels';

/** The merchant API's endpoints (README "Merchant API"). */
const ENDPOINTS = ['create', 'query', 'close', 'refund', 'refund_query'] as const;

/**
 * What a merchant types into its shop software (README "Setting up the shop software"): the
 * appkey, the epay pid and URLs, the V免签 URL; the secret itself is shown only when made.
 */
function Connect({ ctx, app, origin }: { ctx: PageCtx; app: App; origin: string }) {
  const { t } = ctx;
  return (
    <dl class="facts">
      <dt>
        {t.appkey} <FieldName name="appkey" />
      </dt>
      <dd class="mono appkey">{app.appkey}</dd>
      <dt>
        {t.epayPid} <FieldName name="pid" />
      </dt>
      <dd class="mono epay-pid">{app.id}</dd>
      <dt>{t.epayUrl}</dt>
      <dd>
        <span class="mono epay-url">{origin}</span>
        <span class="hint">
          {t.epayUrlHint} <span class="mono">v2board, Xboard, new-api</span>
        </span>
      </dd>
      <dt>{t.epaySubmitUrl}</dt>
      <dd>
        <span class="mono">{`${origin}/submit.php`}</span>
        <span class="hint">
          {t.epaySubmitUrlHint} <span class="mono">商户 KEY</span>
        </span>
      </dd>
      <dt>{t.vmqUrl}</dt>
      <dd>
        <span class="mono vmq-url">{`${origin}/vmq/${app.appkey}/`}</span>
        <span class="hint">{t.vmqUrlHint}</span>
      </dd>
      <dt>{t.keyForShops}</dt>
      <dd>{t.keyForShopsHint}</dd>
    </dl>
  );
}

/** The app's keys right after they were made: the secret is shown this once. */
export function SecretShown({ ctx, app, secret }: { ctx: PageCtx; app: App; secret: string }) {
  const { t } = ctx;
  return (
    <div class="card">
      <div class="secret">
        <dl class="facts">
          <dt>
            {t.appkey} <FieldName name="appkey" />
          </dt>
          <dd class="mono" id="appkey">
            {app.appkey}
          </dd>
          <dt>
            {t.appsecret} <FieldName name="appsecret" />
          </dt>
          <dd class="mono" id="appsecret">
            {secret}
          </dd>
          <dt>
            {t.epayPid} <FieldName name="pid" />
          </dt>
          <dd class="mono">{app.id}</dd>
        </dl>
        <p>{t.secretShownOnce}</p>
      </div>
      <a class="button secondary" href={`${mbase(app.merchantId)}/apps`}>
        {t.backToApps}
      </a>
    </div>
  );
}

/** The apps page: the API's endpoints at `origin`, a card per app, the create form. */
export function Apps({
  ctx,
  merchantId,
  rows,
  origin,
}: {
  ctx: PageCtx;
  merchantId: number;
  rows: App[];
  origin: string;
}) {
  const { t } = ctx;
  const base = mbase(merchantId);
  return (
    <>
      <div class="card">
        <h2>{t.apiEndpoints}</h2>
        <dl class="facts" id="endpoints">
          {ENDPOINTS.map((e) => (
            <>
              <dt>{t.endpoint[e]}</dt>
              <dd class="mono">{`POST ${origin}/api/cloudpay/${e}`}</dd>
            </>
          ))}
        </dl>
        <a href="/docs">{t.apiReference}</a>
      </div>
      {rows.length === 0 && <p>{t.noApps}</p>}
      {rows.map((a) => (
        <div class="card">
          <h2>
            <Data>{a.name}</Data> <Badge kind={a.mode} label={t.mode[a.mode]} />{' '}
            {!a.enabled && <Badge kind="disabled" label={t.disabled} />}
          </h2>
          <Connect ctx={ctx} app={a} origin={origin} />
          <dl class="facts">
            <dt>{t.orderTtl}</dt>
            <dd>{t.seconds(a.orderTtlSeconds)}</dd>
            <dt>{t.payTypesLegend}</dt>
            <dd>{a.payTypes.map((pt) => t.payTypes[pt]).join(t.listSeparator)}</dd>
            <dt>{t.appUrl.notify_url}</dt>
            <dd class="mono">{a.notifyUrl ?? '—'}</dd>
            <dt>{t.appUrl.return_url}</dt>
            <dd class="mono">{a.returnUrl ?? '—'}</dd>
          </dl>
          <a class="button secondary" href={`${base}/apps/${a.appkey}`}>
            {t.edit}
          </a>{' '}
          <PostButton ctx={ctx} action={`${base}/apps/${a.appkey}/rotate`} label={t.rotateSecret} kind="danger" />
        </div>
      ))}
      <h2>{t.createApp}</h2>
      <form class="card" method="post" action={`${base}/apps`}>
        <Csrf ctx={ctx} />
        <AppFields ctx={ctx} />
        <button type="submit">{t.create}</button>
      </form>
    </>
  );
}

/** An app's edit page: its mode and connection facts, the form, its official channel configs. */
export function AppEdit(props: { ctx: PageCtx; app: App; configs: ChannelConfig[]; origin: string }) {
  const { ctx, app, configs, origin } = props;
  const { t } = ctx;
  return (
    <>
      <div class="card">
        <p>
          <Badge kind={app.mode} label={t.mode[app.mode]} />
        </p>
        <Connect ctx={ctx} app={app} origin={origin} />
      </div>
      <form class="card" method="post" action={`${mbase(app.merchantId)}/apps/${app.appkey}`}>
        <Csrf ctx={ctx} />
        <AppFields ctx={ctx} app={app} />
        <button type="submit">{t.save}</button>
      </form>
      <ChannelsSection ctx={ctx} app={app} configs={configs} origin={origin} />
    </>
  );
}
