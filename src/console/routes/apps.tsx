/**
 * Console, merchant side: apps (keys shown once, rotate secret, URLs, TTL, pay types, routing per
 * pay type, what shop software needs — epay pid and URLs, the V免签 URL — and the official channel
 * credentials of channels.tsx), the points ledger, a sandbox test payment.
 */
import { and, eq } from 'drizzle-orm';
import { apps, type App, channelConfigs, type LedgerRow } from '../../db/schema';
import { planMonth, quotaUsedIn } from '../../domain/points';
import { openSecret } from '../../domain/secrets';
import { gatepaySign, SIGN_FIELDS } from '../../domain/sign';
import { MODES, PAY_TYPES, type PointsReason, type Routing } from '../../domain/vocab';
import { ApiError, GatepayError } from '../../errors';
import { createApp, rotateAppSecret, updateApp } from '../../services/apps';
import { createOrder } from '../../services/orders';
import { ledger } from '../../services/points';
import { AppCreate, AppUpdate } from '../../schemas/apps';
import { publicOrigin } from '../../routes/origin';
import { attempt, consoleRouter, field, notFound, ownApp, refuse, type CCtx } from '../core';
import { orNull, validate } from '../forms';
import { Badge, Csrf, Data, FieldName, Label, List, mbase, page, PostButton, when, type PageCtx } from '../layout';
import { ChannelsSection } from './channels';

const router = consoleRouter();

/** The app's URL fields, in the form's order (labels and hints: `t.appUrl`). */
const URL_FIELDS = ['notify_url', 'return_url', 'timeout_url', 'sandbox_notify_url', 'backup_notify_url'] as const;

/** The fields of the app form (create and edit share them). */
function AppFields({ ctx, app }: { ctx: PageCtx; app?: App }) {
  const { t } = ctx;
  const urls: Record<(typeof URL_FIELDS)[number], string | null> | Record<string, never> = app
    ? {
        notify_url: app.notifyUrl,
        return_url: app.returnUrl,
        timeout_url: app.timeoutUrl,
        sandbox_notify_url: app.sandboxNotifyUrl,
        backup_notify_url: app.backupNotifyUrl,
      }
    : {};
  return (
    <>
      <div class="row">
        <div>
          <label for="a-name">{t.name}</label>
          <input id="a-name" name="name" required maxlength={100} value={app?.name ?? ''} />
        </div>
        {!app && (
          <div>
            <Label for="a-mode" text={t.modeLabel} hint={t.appModeHint} />
            <select id="a-mode" name="mode">
              {MODES.map((m) => (
                <option value={m}>{t.mode[m]}</option>
              ))}
            </select>
          </div>
        )}
        <div>
          <Label for="a-ttl" text={t.orderTtl} hint={t.orderTtlHint} />
          <input
            id="a-ttl"
            name="order_ttl_seconds"
            type="number"
            min={60}
            max={86400}
            value={String(app?.orderTtlSeconds ?? 600)}
          />
        </div>
      </div>
      <div class="row">
        {URL_FIELDS.map((name) => (
          <div>
            <Label for={`a-${name}`} text={t.appUrl[name]} hint={t.appUrlHint[name]} />
            <input id={`a-${name}`} name={name} type="url" maxlength={1024} value={urls[name] ?? ''} />
          </div>
        ))}
      </div>
      <fieldset>
        <legend>{t.payTypesLegend}</legend>
        {PAY_TYPES.map((pt) => (
          <label class="check">
            <input
              type="checkbox"
              name="pay_types"
              value={pt}
              checked={app ? app.payTypes.includes(pt) : pt === 'alipay' || pt === 'wechat'}
            />
            {t.payTypes[pt]}
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input type="checkbox" name="allow_url_override" value="1" checked={app?.allowUrlOverride ?? false} />
        {t.allowUrlOverride}
      </label>
      {app && (
        <label class="check">
          <input type="checkbox" name="enabled" value="1" checked={app.enabled} />
          {t.enabled}
        </label>
      )}
      {app && <RoutingFields ctx={ctx} app={app} />}
    </>
  );
}

/** Where each pay type's orders go (SPEC §11.2): the official channel, collection sessions, or the channel first. */
function RoutingFields({ ctx, app }: { ctx: PageCtx; app: App }) {
  const { t } = ctx;
  return (
    <fieldset>
      <legend>{t.routingLegend}</legend>
      <div class="row">
        {PAY_TYPES.map((pt) => (
          <div>
            <label for={`a-routing-${pt}`}>{t.payTypes[pt]}</label>
            <select id={`a-routing-${pt}`} name={`routing_${pt}`}>
              {ROUTING_ORDER.map((r) => (
                <option value={r} selected={(app.routing[pt] ?? 'official_then_personal') === r}>
                  {t.routing[r]}
                </option>
              ))}
            </select>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

/** The routing choices in the form's order, the default first. */
const ROUTING_ORDER = ['official_then_personal', 'official', 'personal'] as const satisfies readonly Routing[];

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

function secretPage(c: CCtx, app: App, secret: string) {
  const ctx = c.get('ctx');
  const { t } = ctx;
  return page(
    ctx,
    { label: `${t.appKeys} ·`, name: app.name },
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
    </div>,
  );
}

/** The merchant API's endpoints (README "Merchant API"). */
const ENDPOINTS = ['create', 'query', 'close', 'refund', 'refund_query'] as const;

router.get('/apps', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const rows = await c.get('db').select().from(apps).where(eq(apps.merchantId, m.id)).orderBy(apps.id);
  const base = mbase(m.id);
  const origin = publicOrigin(c);
  return c.html(
    page(
      ctx,
      t.nav['/apps'],
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
      </>,
    ),
  );
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
    if (err instanceof ApiError) return refuse(c, to, err.message);
    throw err;
  }
});

router.get('/apps/:appkey', async (c) => {
  const app = await ownApp(c);
  if (!app) return notFound(c);
  const configs = await c
    .get('db')
    .select()
    .from(channelConfigs)
    .where(eq(channelConfigs.appId, app.id))
    .orderBy(channelConfigs.id);
  const ctx = c.get('ctx');
  const { t } = ctx;
  const origin = publicOrigin(c);
  return c.html(
    page(
      ctx,
      { label: `${t.editApp} ·`, name: app.name },
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
      </>,
    ),
  );
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

// ── points ───────────────────────────────────────────────────────────────────────────────

/** Ledger rows, newest first (the merchant's points page and the operator's merchant page). */
export const LedgerTable = ({ ctx, rows, timeZone }: { ctx: PageCtx; rows: LedgerRow[]; timeZone: string }) => (
  <List
    rows={rows}
    empty={ctx.t.noLedgerRows}
    cols={[
      { label: ctx.t.time, nowrap: true, cell: (r) => <time>{when(r.createdMs, timeZone)}</time> },
      { label: ctx.t.ledgerReason, cell: (r) => ctx.t.ledgerReasons[r.reason as PointsReason] ?? r.reason },
      { label: ctx.t.delta, num: true, cell: (r) => (r.delta > 0 ? `+${r.delta}` : String(r.delta)) },
      { label: ctx.t.balanceAfter, num: true, cell: (r) => String(r.balanceAfter) },
      {
        label: ctx.t.referenceOrNote,
        cell: (r) => (r.reference ? <span class="mono">{r.reference}</span> : r.note ? <Data>{r.note}</Data> : '—'),
      },
    ]}
  />
);

router.get('/points', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const cursor = c.req.query('cursor');
  const l = await ledger(c.get('db'), m.id, {
    cursor: cursor && /^\d{1,15}$/.test(cursor) ? cursor : undefined,
    limit: 50,
  });
  // The count of an earlier month is no count of this one (it starts again at the month's first order).
  const quotaUsed = quotaUsedIn(m, planMonth(Date.now(), m.timezone));
  return c.html(
    page(
      ctx,
      t.nav['/points'],
      <>
        <div class="grid">
          <div class="card stat">
            <div class="label">{t.balance}</div>
            <div class="value" id="balance">
              {l.balance}
            </div>
          </div>
          <div class="card stat">
            <div class="label">{t.onboardingFee}</div>
            <div class="value">{m.onboardingFee}</div>
          </div>
          <div class="card stat">
            <div class="label">{t.perOrderFee}</div>
            <div class="value">
              {m.orderFeePoints} + {m.orderFeePermille}‰
            </div>
          </div>
          <div class="card stat">
            <div class="label">{t.monthlyQuota}</div>
            <div class="value">{m.monthlyQuota === null ? t.unlimited : `${quotaUsed}/${m.monthlyQuota}`}</div>
          </div>
        </div>
        <p class="muted">{t.pointsExplained}</p>
        <LedgerTable ctx={ctx} rows={l.data} timeZone={m.timezone} />
        {l.next_cursor && <a href={`${mbase(m.id)}/points?cursor=${l.next_cursor}`}>{t.nextPage}</a>}
      </>,
    ),
  );
});

// ── sandbox test payment ─────────────────────────────────────────────────────────────────

router.get('/sandbox', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const rows = (
    await c
      .get('db')
      .select()
      .from(apps)
      .where(and(eq(apps.merchantId, m.id), eq(apps.mode, 'sandbox')))
  ).filter((a) => a.enabled);
  return c.html(
    page(
      ctx,
      t.sandboxTitle,
      rows.length === 0 ? (
        <p>
          {t.needsSandboxApp} <a href={`${mbase(m.id)}/apps`}>{t.createApp}</a>
        </p>
      ) : (
        <form class="card" method="post" action={`${mbase(m.id)}/sandbox`}>
          <Csrf ctx={ctx} />
          <p class="muted">{t.sandboxIntro}</p>
          <div class="row">
            <div>
              <label for="t-app">{t.sandboxApp}</label>
              <select id="t-app" name="appkey">
                {rows.map((a) => (
                  <option value={a.appkey} translate="no">
                    {a.name}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for="t-price">{t.amountYuan}</label>
              <input id="t-price" name="price" value="1.00" inputmode="decimal" required maxlength={12} />
            </div>
            <div>
              <label for="t-type">{t.payType}</label>
              <select id="t-type" name="type">
                {PAY_TYPES.map((pt) => (
                  <option value={pt}>{t.payTypes[pt]}</option>
                ))}
              </select>
            </div>
          </div>
          <button type="submit">{t.createAndOpenCashier}</button>
        </form>
      ),
    ),
  );
});

router.post('/sandbox', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/sandbox`;
  const app = await c.get('db').query.apps.findFirst({
    where: and(eq(apps.appkey, field(c, 'appkey')), eq(apps.merchantId, m.id), eq(apps.mode, 'sandbox')),
  });
  if (!app) return notFound(c);
  const p: Record<string, string> = {
    appkey: app.appkey,
    price: field(c, 'price'),
    type: field(c, 'type'),
    out_order_id: `console_test_${Date.now()}`,
    custom: 'console sandbox test',
  };
  p.sign = await gatepaySign(
    SIGN_FIELDS.create.map((f) => p[f]),
    await openSecret(c.env.MASTER_KEY, app.secretEnc),
  );
  try {
    const order = await createOrder(c.env, c.get('db'), p, {
      origin: publicOrigin(c),
      region: { country: null, regionCode: null },
    });
    return c.redirect(order.pay_url, 303);
  } catch (err) {
    if (err instanceof GatepayError) return refuse(c, to, `${err.gatepay}: ${err.message}`);
    throw err;
  }
});

export default router;
