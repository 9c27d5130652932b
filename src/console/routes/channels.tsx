/**
 * Console, merchant side: an app's official channel credentials — add or replace, delete, check
 * (the section itself: views/channels.tsx). Forms go through the admin API's zod schema
 * (`ChannelConfigBody`) and the same config service as `PUT /admin/v1/apps/:appkey/channels/:channel`.
 */
import { channelNamed } from '../../channels/registry';
import type { AnyChannel, CheckResult } from '../../channels/types';
import type { App } from '../../db/schema';
import { HuipayError } from '../../errors';
import { publicOrigin } from '../../routes/origin';
import { ChannelConfigBody } from '../../schemas/channels';
import { checkConfig, deleteConfig, offeredFields, saveConfig } from '../../services/channels';
import { attempt, type CCtx, consoleRouter, notFound, ownApp, redirectWith, refuse } from '../core';
import { validate } from '../forms';
import type { Labels } from '../i18n';
import { mbase } from '../layout';

const router = consoleRouter();

/** The app and channel named in the path, the app the merchant's own (else null: 404). */
async function target(c: CCtx): Promise<{ app: App; channel: AnyChannel; to: string } | null> {
  const app = await ownApp(c);
  const channel = channelNamed(c.req.param('channel') ?? '');
  if (!app || !channel) return null;
  return { app, channel, to: `${mbase(app.merchantId)}/apps/${app.appkey}#channels` };
}

/** The admin API's body from the form: the offered provider fields given, the methods ticked, enabled. */
function configBody(c: CCtx, channel: AnyChannel): Record<string, unknown> {
  const form = c.get('form');
  const body: Record<string, unknown> = {};
  for (const f of offeredFields(channel)) {
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
  const v = validate(ChannelConfigBody, configBody(c, t.channel));
  if ('error' in v) return refuse(c, t.to, v.error);
  return attempt(c, t.to, c.get('ctx').t.channelSaved, () =>
    saveConfig(c.env, c.get('db'), t.app.appkey, t.channel.name, v.data, publicOrigin(c)),
  );
});

router.post('/apps/:appkey/channels/:channel/delete', async (c) => {
  const t = await target(c);
  if (!t) return notFound(c);
  return attempt(c, t.to, c.get('ctx').t.channelDeleted, () =>
    deleteConfig(c.env, c.get('db'), t.app.appkey, t.channel.name),
  );
});

/** What a check found: one line of labels, and the provider's own code and hint as its detail. */
function checkText(t: Labels, r: CheckResult): { text: string; detail?: string } {
  const accepted = r.accepted === true ? t.checkAccepted : r.accepted === false ? t.checkRefused : t.checkUnreachable;
  const verified = r.response_verified ? t.checkVerified : t.checkNotVerified;
  const provider = r.provider_code ? `${r.provider_code}${r.provider_msg ? `: ${r.provider_msg}` : ''}` : '';
  const detail = [provider, r.hint].filter(Boolean).join(' — ');
  return { text: t.checkSummary(accepted, verified), detail: detail || undefined };
}

router.post('/apps/:appkey/channels/:channel/check', async (c) => {
  const t = await target(c);
  if (!t) return notFound(c);
  try {
    const r = await checkConfig(c.env, c.get('db'), t.app.appkey, t.channel.name, publicOrigin(c));
    const good = r.accepted === true && r.response_verified;
    const { text, detail } = checkText(c.get('ctx').t, r);
    return redirectWith(c, t.to, good ? 'ok' : 'error', text, detail);
  } catch (err) {
    if (err instanceof HuipayError) return refuse(c, t.to, err.message);
    throw err;
  }
});

export default router;
