/**
 * Console, merchant side: apps (keys shown once, rotate secret, URLs, TTL, pay types, routing per
 * pay type, and the official channel credentials of channels.tsx), the points ledger, a sandbox
 * test payment.
 */
import { and, eq } from 'drizzle-orm';
import { apps, type App, channelConfigs, type LedgerRow } from '../../db/schema';
import { planMonth, quotaUsedIn } from '../../domain/points';
import { openSecret } from '../../domain/secrets';
import { gatepaySign, SIGN_FIELDS } from '../../domain/sign';
import { MODES, PAY_TYPES, type Routing } from '../../domain/vocab';
import { ApiError, GatepayError } from '../../errors';
import { createApp, rotateAppSecret, updateApp } from '../../services/apps';
import { createOrder } from '../../services/orders';
import { ledger } from '../../services/points';
import { AppCreate, AppUpdate } from '../../routes/admin/schemas';
import { publicOrigin } from '../../routes/origin';
import { consoleRouter, field, notFound, ownApp, redirectWith, type CCtx } from '../core';
import { orNull, validate } from '../forms';
import { Badge, Csrf, mbase, page, PostButton, when, type PageCtx } from '../layout';
import { ChannelsSection } from './channels';
import { typeLabel } from './orders';

const router = consoleRouter();

const URL_FIELDS = [
  ['notify_url', '异步通知地址', 'Notify URL'],
  ['return_url', '同步跳转地址', 'Return URL'],
  ['timeout_url', '超时跳转地址', 'Timeout URL'],
  ['sandbox_notify_url', '沙箱通知地址', 'Sandbox notify URL'],
  ['backup_notify_url', '备用通知地址', 'Backup notify URL'],
] as const;

/** The fields of the app form (create and edit share them). */
function AppFields({ ctx, app }: { ctx: PageCtx; app?: App }) {
  const { tr } = ctx;
  const urls: Record<string, string | null> = app
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
          <label for="a-name">{tr('名称', 'Name')}</label>
          <input id="a-name" name="name" required maxlength={100} value={app?.name ?? ''} />
        </div>
        {!app && (
          <div>
            <label for="a-mode">{tr('环境', 'Mode')}</label>
            <select id="a-mode" name="mode">
              {MODES.map((m) => (
                <option value={m}>{m}</option>
              ))}
            </select>
          </div>
        )}
        <div>
          <label for="a-ttl">{tr('订单有效期（秒）', 'Order time-to-live (s)')}</label>
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
        {URL_FIELDS.map(([name, zh, en]) => (
          <div>
            <label for={`a-${name}`}>{tr(zh, en)}</label>
            <input id={`a-${name}`} name={name} type="url" maxlength={1024} value={urls[name] ?? ''} />
          </div>
        ))}
      </div>
      <fieldset>
        <legend>{tr('支付方式', 'Pay types')}</legend>
        {PAY_TYPES.map((t) => (
          <label class="check">
            <input
              type="checkbox"
              name="pay_types"
              value={t}
              checked={app ? app.payTypes.includes(t) : t === 'alipay' || t === 'wechat'}
            />
            {typeLabel(tr, t)}
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input type="checkbox" name="allow_url_override" value="1" checked={app?.allowUrlOverride ?? false} />
        {tr('允许下单时覆盖回调地址', 'Allow per-order URL overrides')}
      </label>
      {app && (
        <label class="check">
          <input type="checkbox" name="enabled" value="1" checked={app.enabled} />
          {tr('启用', 'Enabled')}
        </label>
      )}
      {app && <RoutingFields ctx={ctx} app={app} />}
    </>
  );
}

/** Where each pay type's orders go (SPEC §11.2): the official channel, collection sessions, or the channel first. */
function RoutingFields({ ctx, app }: { ctx: PageCtx; app: App }) {
  const { tr } = ctx;
  const label: Record<Routing, string> = {
    official_then_personal: tr(
      '官方通道优先，其次个人收款会话（默认）',
      'Official channel, then personal sessions (default)',
    ),
    official: tr('仅官方通道', 'Official channel only'),
    personal: tr('仅个人收款会话', 'Personal sessions only'),
  };
  return (
    <fieldset>
      <legend>{tr('路由（每种支付方式的订单去向）', 'Routing (where each pay type’s orders go)')}</legend>
      <div class="row">
        {PAY_TYPES.map((t) => (
          <div>
            <label for={`a-routing-${t}`}>{typeLabel(tr, t)}</label>
            <select id={`a-routing-${t}`} name={`routing_${t}`}>
              {(['official_then_personal', 'official', 'personal'] as const).map((r) => (
                <option value={r} selected={(app.routing[t] ?? 'official_then_personal') === r}>
                  {label[r]}
                </option>
              ))}
            </select>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

function appForm(c: CCtx) {
  const f = c.get('form');
  const out: Record<string, unknown> = {
    name: field(c, 'name'),
    order_ttl_seconds: Number(field(c, 'order_ttl_seconds') || 600),
    pay_types: f.getAll('pay_types'),
    allow_url_override: f.get('allow_url_override') === '1',
  };
  for (const [name] of URL_FIELDS) out[name] = orNull(field(c, name));
  // The edit form names a routing per pay type (checked by the admin API's schema).
  const routing = Object.fromEntries(
    PAY_TYPES.filter((t) => f.has(`routing_${t}`)).map((t) => [t, field(c, `routing_${t}`)]),
  );
  if (Object.keys(routing).length) out.routing = routing;
  return out;
}

function secretPage(c: CCtx, app: App, secret: string) {
  const ctx = c.get('ctx');
  const { tr } = ctx;
  return page(
    ctx,
    `${tr('应用密钥', 'App keys')} · ${app.name}`,
    <div class="card">
      <div class="secret">
        <p>
          <strong>appkey</strong>{' '}
          <span class="mono" id="appkey">
            {app.appkey}
          </span>
        </p>
        <p>
          <strong>appsecret</strong>{' '}
          <span class="mono" id="appsecret">
            {secret}
          </span>
        </p>
        <p>
          {tr(
            'appsecret 只显示这一次，请立即保存。遗失后只能重新生成。',
            'The appsecret is shown only this once: store it now. If lost, rotate it.',
          )}
        </p>
      </div>
      <a class="button secondary" href={`${mbase(app.merchantId)}/apps`}>
        {tr('返回应用列表', 'Back to apps')}
      </a>
    </div>,
  );
}

router.get('/apps', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const rows = await c.get('db').select().from(apps).where(eq(apps.merchantId, m.id)).orderBy(apps.id);
  const base = mbase(m.id);
  const origin = publicOrigin(c);
  return c.html(
    page(
      ctx,
      tr('应用', 'Apps'),
      <>
        <div class="card">
          <strong>{tr('接口地址', 'API endpoints')}</strong>
          <pre>{`POST ${origin}/api/cloudpay/create\nPOST ${origin}/api/cloudpay/query\nPOST ${origin}/api/cloudpay/close`}</pre>
          <a href="/docs">{tr('接口文档', 'API reference')}</a>
        </div>
        {rows.map((a) => (
          <div class="card">
            <h2>
              {a.name} <Badge value={a.mode} />{' '}
              {!a.enabled && <Badge value="disabled" label={tr('已停用', 'disabled')} />}
            </h2>
            <p>
              appkey <span class="mono">{a.appkey}</span> · {tr('有效期', 'TTL')} {a.orderTtlSeconds}s ·{' '}
              {a.payTypes.map((t) => typeLabel(tr, t)).join(', ')}
            </p>
            <p class="muted mono">
              notify: {a.notifyUrl ?? '—'} · return: {a.returnUrl ?? '—'}
            </p>
            <a class="button secondary" href={`${base}/apps/${a.appkey}`}>
              {tr('编辑', 'Edit')}
            </a>{' '}
            <PostButton
              ctx={ctx}
              action={`${base}/apps/${a.appkey}/rotate`}
              label={tr('重新生成密钥', 'Rotate secret')}
              kind="danger"
            />
          </div>
        ))}
        <h2>{tr('创建应用', 'Create an app')}</h2>
        <form class="card" method="post" action={`${base}/apps`}>
          <Csrf ctx={ctx} />
          <AppFields ctx={ctx} />
          <button type="submit">{tr('创建', 'Create')}</button>
        </form>
      </>,
    ),
  );
});

router.post('/apps', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/apps`;
  const v = validate(AppCreate, { ...appForm(c), mode: field(c, 'mode') });
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  try {
    const { app, secret } = await createApp(c.env, c.get('db'), m.id, v.data);
    return c.html(secretPage(c, app, secret));
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
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
  const { tr } = ctx;
  return c.html(
    page(
      ctx,
      `${tr('编辑应用', 'Edit app')} · ${app.name}`,
      <>
        <form class="card" method="post" action={`${mbase(app.merchantId)}/apps/${app.appkey}`}>
          <Csrf ctx={ctx} />
          <p>
            appkey <span class="mono">{app.appkey}</span> · <Badge value={app.mode} />
          </p>
          <AppFields ctx={ctx} app={app} />
          <button type="submit">{tr('保存', 'Save')}</button>
        </form>
        <ChannelsSection ctx={ctx} app={app} configs={configs} origin={publicOrigin(c)} />
      </>,
    ),
  );
});

router.post('/apps/:appkey', async (c) => {
  const app = await ownApp(c);
  if (!app) return notFound(c);
  const to = `${mbase(app.merchantId)}/apps/${app.appkey}`;
  const v = validate(AppUpdate, { ...appForm(c), enabled: c.get('form').get('enabled') === '1' });
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  try {
    await updateApp(c.env, c.get('db'), app.appkey, v.data);
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, to, 'ok', c.get('ctx').tr('应用已保存。', 'App saved.'));
});

router.post('/apps/:appkey/rotate', async (c) => {
  const app = await ownApp(c);
  if (!app) return notFound(c);
  const { app: rotated, secret } = await rotateAppSecret(c.env, c.get('db'), app.appkey);
  return c.html(secretPage(c, rotated, secret));
});

// ── points ───────────────────────────────────────────────────────────────────────────────

export const reasonLabel = (ctx: PageCtx, r: string) =>
  ({
    recharge: ctx.tr('充值', 'recharge'),
    onboarding: ctx.tr('上码费', 'onboarding fee'),
    order_fee: ctx.tr('订单费', 'order fee'),
    adjustment: ctx.tr('调整', 'adjustment'),
    refund_of_fee: ctx.tr('退还订单费', 'fee returned'),
  })[r] ?? r;

/** Ledger rows, newest first (the merchant's points page and the operator's merchant page). */
export const LedgerTable = ({ ctx, rows, timeZone }: { ctx: PageCtx; rows: LedgerRow[]; timeZone: string }) => (
  <div class="scroll" tabindex={0}>
    <table>
      <thead>
        <tr>
          <th>{ctx.tr('时间', 'Time')}</th>
          <th>{ctx.tr('类型', 'Reason')}</th>
          <th class="num">{ctx.tr('变动', 'Delta')}</th>
          <th class="num">{ctx.tr('余额', 'Balance after')}</th>
          <th>{ctx.tr('关联/备注', 'Reference / note')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td>{when(r.createdMs, timeZone)}</td>
            <td>{reasonLabel(ctx, r.reason)}</td>
            <td class="num">{r.delta > 0 ? `+${r.delta}` : r.delta}</td>
            <td class="num">{r.balanceAfter}</td>
            <td class="mono">{r.reference ?? r.note ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

router.get('/points', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
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
      tr('积分', 'Points'),
      <>
        <div class="grid">
          <div class="card stat">
            <div class="label">{tr('余额', 'Balance')}</div>
            <div class="value" id="balance">
              {l.balance}
            </div>
          </div>
          <div class="card stat">
            <div class="label">{tr('上码费', 'Onboarding fee')}</div>
            <div class="value">{m.onboardingFee}</div>
          </div>
          <div class="card stat">
            <div class="label">{tr('每笔订单费', 'Per-order fee')}</div>
            <div class="value">
              {m.orderFeePoints} + {m.orderFeePermille}‰
            </div>
          </div>
          <div class="card stat">
            <div class="label">{tr('每月订单额度', 'Monthly order quota')}</div>
            <div class="value">{m.monthlyQuota === null ? tr('不限', 'none') : `${quotaUsed}/${m.monthlyQuota}`}</div>
          </div>
        </div>
        <p class="muted">
          {tr(
            '100 积分 = 1 元。订单费在下单时预扣，订单过期或关闭未支付时退还。',
            '100 points = 1 yuan. The order fee is held at create and returned if the order expires or is closed unpaid.',
          )}
        </p>
        <LedgerTable ctx={ctx} rows={l.data} timeZone={m.timezone} />
        {l.next_cursor && <a href={`${mbase(m.id)}/points?cursor=${l.next_cursor}`}>{tr('下一页 »', 'Next page »')}</a>}
      </>,
    ),
  );
});

// ── sandbox test payment ─────────────────────────────────────────────────────────────────

router.get('/sandbox', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
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
      tr('沙箱测试支付', 'Sandbox test payment'),
      rows.length === 0 ? (
        <p>
          {tr('需要一个沙箱应用。', 'This needs a sandbox app.')}{' '}
          <a href={`${mbase(m.id)}/apps`}>{tr('创建应用', 'Create an app')}</a>
        </p>
      ) : (
        <form class="card" method="post" action={`${mbase(m.id)}/sandbox`}>
          <Csrf ctx={ctx} />
          <p class="muted">
            {tr(
              '用沙箱应用下一个真实订单，然后在收银台点击“模拟支付”。不会产生真实扣款。',
              'Creates a real order with a sandbox app; on the cashier page, press "simulate payment". No real money moves.',
            )}
          </p>
          <div class="row">
            <div>
              <label for="t-app">{tr('沙箱应用', 'Sandbox app')}</label>
              <select id="t-app" name="appkey">
                {rows.map((a) => (
                  <option value={a.appkey}>{a.name}</option>
                ))}
              </select>
            </div>
            <div>
              <label for="t-price">{tr('金额（元）', 'Amount (yuan)')}</label>
              <input id="t-price" name="price" value="1.00" inputmode="decimal" required maxlength={12} />
            </div>
            <div>
              <label for="t-type">{tr('支付方式', 'Pay type')}</label>
              <select id="t-type" name="type">
                {PAY_TYPES.map((t) => (
                  <option value={t}>{typeLabel(tr, t)}</option>
                ))}
              </select>
            </div>
          </div>
          <button type="submit">{tr('下单并打开收银台', 'Create and open the cashier page')}</button>
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
    if (err instanceof GatepayError) return redirectWith(c, to, 'error', `${err.code}: ${err.message}`);
    throw err;
  }
});

export default router;
