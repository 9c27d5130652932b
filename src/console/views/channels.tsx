/**
 * An app's official channel credentials on its edit page (SPEC §11.1): the configs with their
 * fingerprints and notify URL (never a secret), and a form per channel to add or replace one (the
 * fields the channel accepts, each labelled), with delete and the check.
 */
import { CHANNELS, channelNamed } from '../../channels/registry';
import type { AnyChannel } from '../../channels/types';
import type { App, ChannelConfig } from '../../db/schema';
import type { ChannelMethod } from '../../domain/vocab';
import { configView, offeredFields } from '../../services/channels';
import { Badge, Csrf, FieldName, mbase, type PageCtx, PostButton } from '../layout';

/** Keys and certificates (PEM text) are typed into a text area; other fields into a line. */
const isLongText = (field: string) => /(private_key|public_key|sign_key|_cert|_p12)$/.test(field);

/** One config as the list shows it: the admin view's values (secrets are null there, never shown). */
function ConfigCard({ ctx, app, cfg, origin }: { ctx: PageCtx; app: App; cfg: ChannelConfig; origin: string }) {
  const { t } = ctx;
  const view = configView(cfg, app, origin) as Record<string, unknown>;
  const base = `${mbase(app.merchantId)}/apps/${app.appkey}/channels/${cfg.channel}`;
  const shown = Object.entries(view).filter(
    ([k, v]) => typeof v === 'string' && !['appkey', 'channel', 'mode', 'notify_url'].includes(k),
  ) as [string, string][];
  return (
    <div class="card" id={`channel-${cfg.channel}`}>
      <h3>
        {t.officialChannelOf(t.payTypes[channelNamed(cfg.channel)?.payType ?? 'alipay'])}{' '}
        <Badge kind={cfg.enabled ? 'live' : 'disabled'} label={cfg.enabled ? t.enabledState : t.disabled} />{' '}
        {cfg.implicit && <Badge kind="sandbox" label={t.builtInSimulator} />}
      </h3>
      <p>
        {t.labelled(t.methods)}
        {cfg.methods.map((md) => t.method[md as ChannelMethod] ?? md).join(t.listSeparator)}
      </p>
      <p>
        {t.labelled(t.channelNotifyUrl)}
        <span class="mono notify-url">{String(view.notify_url)}</span>
      </p>
      <details>
        <summary>{t.configDetails}</summary>
        <table>
          <tbody>
            {shown.map(([k, v]) => (
              <tr>
                <th class="mono">{k}</th>
                <td class="mono">{v.length > 120 ? <pre>{v}</pre> : v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <PostButton ctx={ctx} action={`${base}/check`} label={t.checkConfig} kind="secondary" />{' '}
      <PostButton ctx={ctx} action={`${base}/delete`} label={t.delete} kind="danger" />
    </div>
  );
}

/** The add-or-replace form of one channel: its provider fields, methods and enabled. */
function ConfigForm(props: { ctx: PageCtx; app: App; channel: AnyChannel; cfg?: ChannelConfig; origin: string }) {
  const { ctx, app, channel, cfg, origin } = props;
  const { t } = ctx;
  const explicit = cfg && !cfg.implicit ? cfg : undefined;
  // Non-secret fields start from the stored config (what its view shows), so a replace keeps them.
  const view = explicit ? (configView(explicit, app, origin) as Record<string, unknown>) : {};
  const id = (f: string) => `c-${channel.name}-${f}`;
  const shape = channel.input.shape as Record<string, { isOptional(): boolean }>;
  return (
    <details class="card" open={!cfg}>
      <summary>
        {cfg ? t.replaceConfigOf : t.addConfigFor} <strong>{t.officialChannelOf(t.payTypes[channel.payType])}</strong>
      </summary>
      {channel.unsupportedFields?.length ? <p class="muted">{t.channelNote[channel.name]}</p> : null}
      <form method="post" action={`${mbase(app.merchantId)}/apps/${app.appkey}/channels/${channel.name}`}>
        <Csrf ctx={ctx} />
        <div class="row">
          {offeredFields(channel).map((f) => {
            const secret = channel.secretFields.includes(f);
            const value = !secret && typeof view[f] === 'string' ? (view[f] as string) : '';
            const optional = shape[f].isOptional();
            const hint = secret ? (explicit ? t.secretKeep : t.secretSealed) : optional ? t.optional : t.required;
            return (
              <div>
                <label for={id(f)}>
                  {t.channelField[`${channel.name}.${f}`] ?? f} <FieldName name={f} />
                  <span class="hint">{hint}</span>
                </label>
                {isLongText(f) ? (
                  <textarea id={id(f)} name={f} autocomplete="off" spellcheck={false} required={!optional}>
                    {value}
                  </textarea>
                ) : (
                  <input
                    id={id(f)}
                    name={f}
                    type={secret ? 'password' : 'text'}
                    autocomplete="off"
                    value={value}
                    required={!optional}
                  />
                )}
              </div>
            );
          })}
        </div>
        <fieldset>
          <legend>{t.methods}</legend>
          {channel.methods.map((md) => (
            <label class="check">
              <input
                type="checkbox"
                name="methods"
                value={md}
                checked={explicit ? explicit.methods.includes(md) : true}
              />
              {t.method[md]}
            </label>
          ))}
        </fieldset>
        <label class="check">
          <input type="checkbox" name="enabled" value="1" checked={explicit ? explicit.enabled : true} />
          {t.enabled}
        </label>
        <button type="submit">{t.saveChannelConfig}</button>
      </form>
    </details>
  );
}

/** The app edit page's channel section: the configs, then a form per channel. */
export function ChannelsSection(props: { ctx: PageCtx; app: App; configs: ChannelConfig[]; origin: string }) {
  const { ctx, app, configs, origin } = props;
  const { t } = ctx;
  return (
    <section id="channels" aria-labelledby="channels-title">
      <h2 id="channels-title">{t.officialChannels}</h2>
      <p class="muted">{t.officialChannelsIntro}</p>
      {configs.length === 0 && <p>{app.mode === 'sandbox' ? t.noConfigSandbox : t.noConfig}</p>}
      {configs.map((cfg) => (
        <ConfigCard ctx={ctx} app={app} cfg={cfg} origin={origin} />
      ))}
      {CHANNELS.map((ch) => (
        <ConfigForm ctx={ctx} app={app} channel={ch} cfg={configs.find((c) => c.channel === ch.name)} origin={origin} />
      ))}
    </section>
  );
}
