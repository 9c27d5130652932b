/** The app form's fields (create and edit share them): name, mode, TTL, URLs, pay types, routing per pay type. */
import type { App } from '../../db/schema';
import { MODES, PAY_TYPES, type Routing } from '../../domain/vocab';
import { Label, type PageCtx } from '../layout';

/** The app's URL fields, in the form's order (labels and hints: `t.appUrl`). */
export const URL_FIELDS = [
  'notify_url',
  'return_url',
  'timeout_url',
  'sandbox_notify_url',
  'backup_notify_url',
] as const;

/** The routing choices in the form's order, the default first. */
const ROUTING_ORDER = ['official_then_personal', 'official', 'personal'] as const satisfies readonly Routing[];

/** The fields of the app form; with `app`, its values and the edit-only fields (enabled, routing). */
export function AppFields({ ctx, app }: { ctx: PageCtx; app?: App }) {
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
