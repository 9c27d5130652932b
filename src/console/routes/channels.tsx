/**
 * Console, merchant side: an app's official channel credentials (SPEC §11.1) on its edit page —
 * the configs with their fingerprints and notify URL (never a secret), a form per channel to add
 * or replace one, delete, and the check. Forms go through the admin API's zod schema
 * (`ChannelConfigBody`) and the same config service as `PUT /admin/v1/apps/:appkey/channels/:channel`.
 */
import { CHANNELS } from '../../channels/registry';
import type { AnyChannel, CheckResult } from '../../channels/types';
import type { App, ChannelConfig } from '../../db/schema';
import { ApiError } from '../../errors';
import { ChannelConfigBody } from '../../routes/admin/schemas';
import { publicOrigin } from '../../routes/origin';
import { checkConfig, configView, deleteConfig, saveConfig } from '../../services/channels';
import { consoleRouter, notFound, ownApp, redirectWith, type CCtx } from '../core';
import { validate } from '../forms';
import { Badge, Csrf, mbase, PostButton, type PageCtx } from '../layout';
import { typeLabel } from './orders';

const router = consoleRouter();

/** Keys and certificates (PEM text) are typed into a text area; other fields into a line. */
const isLongText = (field: string) => /(private_key|public_key|sign_key|_cert|_p12)$/.test(field);

const channelNamed = (name: string): AnyChannel | undefined => CHANNELS.find((ch) => ch.name === name);

/** One config as the list shows it: the admin view's values (secrets are null there, never shown). */
function ConfigCard({ ctx, app, cfg, origin }: { ctx: PageCtx; app: App; cfg: ChannelConfig; origin: string }) {
  const { tr } = ctx;
  const view = configView(cfg, app, origin) as Record<string, unknown>;
  const base = `${mbase(app.merchantId)}/apps/${app.appkey}/channels/${cfg.channel}`;
  const shown = Object.entries(view).filter(
    ([k, v]) => typeof v === 'string' && !['appkey', 'channel', 'mode', 'notify_url'].includes(k),
  ) as [string, string][];
  return (
    <div class="card" id={`channel-${cfg.channel}`}>
      <h3>
        {typeLabel(tr, channelNamed(cfg.channel)?.payType ?? cfg.channel)} · <span class="mono">{cfg.channel}</span>{' '}
        <Badge
          value={cfg.enabled ? 'live' : 'disabled'}
          label={cfg.enabled ? tr('已启用', 'enabled') : tr('已停用', 'disabled')}
        />{' '}
        {cfg.implicit && <Badge value="sandbox" label={tr('内置模拟器（免配置）', 'built-in simulator (no setup)')} />}
      </h3>
      <p>
        {tr('支付方式', 'Methods')}: <span class="mono">{cfg.methods.join(', ')}</span>
      </p>
      <p>
        {tr('通知地址（填到服务商后台）', 'Notify URL (register it with the provider)')}:{' '}
        <span class="mono notify-url">{String(view.notify_url)}</span>
      </p>
      <details>
        <summary>
          {tr(
            '配置详情（指纹与公钥；密钥从不显示）',
            'Details (fingerprints and public keys; secrets are never shown)',
          )}
        </summary>
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
      <PostButton ctx={ctx} action={`${base}/check`} label={tr('检查配置', 'Check')} kind="secondary" />{' '}
      <PostButton ctx={ctx} action={`${base}/delete`} label={tr('删除', 'Delete')} kind="danger" />
    </div>
  );
}

/** The add-or-replace form of one channel: its provider fields, methods and enabled. */
function ConfigForm(props: { ctx: PageCtx; app: App; channel: AnyChannel; cfg?: ChannelConfig; origin: string }) {
  const { ctx, app, channel, cfg, origin } = props;
  const { tr } = ctx;
  const explicit = cfg && !cfg.implicit ? cfg : undefined;
  // Non-secret fields start from the stored config (what its view shows), so a replace keeps them.
  const view = explicit ? (configView(explicit, app, origin) as Record<string, unknown>) : {};
  const id = (f: string) => `c-${channel.name}-${f}`;
  return (
    <details class="card" open={!cfg}>
      <summary>
        {cfg ? tr('替换配置', 'Replace the config of') : tr('添加配置', 'Add a config for')}{' '}
        <strong>{typeLabel(tr, channel.payType)}</strong> (<span class="mono">{channel.name}</span>)
      </summary>
      <form method="post" action={`${mbase(app.merchantId)}/apps/${app.appkey}/channels/${channel.name}`}>
        <Csrf ctx={ctx} />
        <div class="row">
          {Object.entries(channel.input.shape).map(([f, schema]) => {
            const secret = channel.secretFields.includes(f);
            const value = !secret && typeof view[f] === 'string' ? (view[f] as string) : '';
            const optional = (schema as { isOptional(): boolean }).isOptional();
            const hint = secret
              ? explicit
                ? tr('密钥：留空则保留已保存的值', 'secret: leave empty to keep the stored one')
                : tr('密钥：保存后只显示指纹', 'secret: only its fingerprint is shown once saved')
              : optional
                ? tr('可选', 'optional')
                : tr('必填', 'required');
            return (
              <div>
                <label for={id(f)}>
                  <span class="mono">{f}</span> <span class="muted">({hint})</span>
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
          <legend>{tr('支付方式', 'Methods')}</legend>
          {channel.methods.map((m) => (
            <label class="check">
              <input
                type="checkbox"
                name="methods"
                value={m}
                checked={explicit ? explicit.methods.includes(m) : true}
              />
              {m}
            </label>
          ))}
        </fieldset>
        <label class="check">
          <input type="checkbox" name="enabled" value="1" checked={explicit ? explicit.enabled : true} />
          {tr('启用', 'Enabled')}
        </label>
        <button type="submit">{tr('保存通道配置', 'Save the channel config')}</button>
      </form>
    </details>
  );
}

/** The app edit page's channel section: the configs, then a form per channel. */
export function ChannelsSection(props: { ctx: PageCtx; app: App; configs: ChannelConfig[]; origin: string }) {
  const { ctx, app, configs, origin } = props;
  const { tr } = ctx;
  return (
    <section id="channels" aria-labelledby="channels-title">
      <h2 id="channels-title">{tr('官方通道', 'Official channels')}</h2>
      <p class="muted">
        {tr(
          '官方支付通道（支付宝、微信支付、云闪付、QQ钱包）的凭证。密钥加密保存，只显示指纹。字段说明见文档 docs/merchant-api.md。',
          'Credentials of the official channels (Alipay, WeChat Pay, UnionPay, QQ Wallet). Secrets are stored sealed and only their fingerprints are shown. The fields are described in docs/merchant-api.md.',
        )}
      </p>
      {configs.length === 0 && (
        <p>
          {app.mode === 'sandbox'
            ? tr(
                '尚无配置：沙箱应用的订单会使用内置模拟器。',
                'No config yet: this sandbox app’s orders use the built-in simulators.',
              )
            : tr('尚无配置。', 'No config yet.')}
        </p>
      )}
      {configs.map((cfg) => (
        <ConfigCard ctx={ctx} app={app} cfg={cfg} origin={origin} />
      ))}
      {CHANNELS.map((ch) => (
        <ConfigForm ctx={ctx} app={app} channel={ch} cfg={configs.find((c) => c.channel === ch.name)} origin={origin} />
      ))}
    </section>
  );
}

/** The app and channel named in the path, the app the merchant's own (else null: 404). */
async function target(c: CCtx): Promise<{ app: App; channel: AnyChannel; to: string } | null> {
  const app = await ownApp(c);
  const channel = channelNamed(c.req.param('channel') ?? '');
  if (!app || !channel) return null;
  return { app, channel, to: `${mbase(app.merchantId)}/apps/${app.appkey}#channels` };
}

/** The admin API's body from the form: the provider fields given, the methods ticked, enabled. */
function configBody(c: CCtx, channel: AnyChannel): Record<string, unknown> {
  const form = c.get('form');
  const body: Record<string, unknown> = {};
  for (const f of Object.keys(channel.input.shape)) {
    const v = (form.get(f) ?? '').trim();
    if (v !== '') body[f] = v;
  }
  body.methods = form.getAll('methods');
  body.enabled = form.get('enabled') === '1';
  return body;
}

router.post('/apps/:appkey/channels/:channel', async (c) => {
  const t = await target(c);
  if (!t) return notFound(c);
  const { tr } = c.get('ctx');
  const v = validate(ChannelConfigBody, configBody(c, t.channel));
  if ('error' in v) return redirectWith(c, t.to, 'error', v.error);
  try {
    await saveConfig(c.env, c.get('db'), t.app.appkey, t.channel.name, v.data, publicOrigin(c));
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, t.to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, t.to, 'ok', tr('通道配置已保存。', 'Channel config saved.'));
});

router.post('/apps/:appkey/channels/:channel/delete', async (c) => {
  const t = await target(c);
  if (!t) return notFound(c);
  try {
    await deleteConfig(c.env, c.get('db'), t.app.appkey, t.channel.name);
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, t.to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, t.to, 'ok', c.get('ctx').tr('通道配置已删除。', 'Channel config deleted.'));
});

/** What a check found, in one line. */
function checkText(tr: PageCtx['tr'], r: CheckResult): string {
  const accepted =
    r.accepted === true
      ? tr('服务商接受了签名', 'the provider accepted the signature')
      : r.accepted === false
        ? tr('服务商拒绝了签名', 'the provider refused the signature')
        : tr('无法连接服务商或无法验证其应答', 'the provider could not be reached or its answer not verified');
  const verified = r.response_verified
    ? tr('应答验签通过', 'its answer verified')
    : tr('应答验签未通过', 'its answer did not verify');
  const provider = r.provider_code ? ` (${r.provider_code}${r.provider_msg ? `: ${r.provider_msg}` : ''})` : '';
  return `${tr('检查结果', 'Check')}: ${accepted}, ${verified}${provider}${r.hint ? ` — ${r.hint}` : ''}`;
}

router.post('/apps/:appkey/channels/:channel/check', async (c) => {
  const t = await target(c);
  if (!t) return notFound(c);
  try {
    const r = await checkConfig(c.env, c.get('db'), t.app.appkey, t.channel.name, publicOrigin(c));
    const good = r.accepted === true && r.response_verified;
    return redirectWith(c, t.to, good ? 'ok' : 'error', checkText(c.get('ctx').tr, r));
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, t.to, 'error', err.message);
    throw err;
  }
});

export default router;
