/** Console, merchant side: collection sessions (scan to go online, reuse, enable/disable, rule), rules, settings (each explained). */
import type { Session } from '../../db/schema';
import { publicOrigin } from '../../routes/origin';
import { RuleCreate, SettingsUpdate } from '../../schemas/merchants';
import { SessionCreate } from '../../schemas/sessions';
import { createRule, merchantRules, updateSettings } from '../../services/merchants';
import {
  createSession,
  listSessions,
  merchantSession,
  monitorConfig,
  rotateSessionSecret,
  updateSession,
  vmqConfig,
} from '../../services/sessions';
import { attempt, type CCtx, consoleRouter, field, idParam, notFound, redirectWith, refuse } from '../core';
import { orNull, validate } from '../forms';
import { mbase, page } from '../layout';
import { Rules } from '../views/rules';
import { MonitorConfig, Sessions } from '../views/sessions';
import { withBooksOf } from '../../services/points';
import { Settings } from '../views/settings';

const router = consoleRouter();

/** The merchant's own session named by the `id` path parameter, or null. */
async function ownSession(c: CCtx): Promise<Session | null> {
  const id = idParam(c, 'id');
  return id === null ? null : merchantSession(c.get('db'), c.get('merchant').id, id);
}

router.get('/sessions', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const db = c.get('db');
  const [list, ruleRows] = await Promise.all([listSessions(c.env, db, m.id), merchantRules(db, m.id)]);
  return c.html(page(ctx, ctx.t.sessionsTitle, <Sessions ctx={ctx} m={m} list={list} ruleRows={ruleRows} />));
});

/** The page after a monitor config was issued: its QR code (what the agent scans) and the text, shown once. */
async function onlinePage(c: CCtx, s: Session, secret: string) {
  const config = monitorConfig(publicOrigin(c), s, secret);
  const vmq = vmqConfig(c.env.VMQ_MONITOR_DOMAIN, s, secret);
  const ctx = c.get('ctx');
  const view = (
    <MonitorConfig ctx={ctx} m={await withBooksOf(c.env, c.get('merchant'))} s={s} config={config} vmq={vmq} />
  );
  return page(ctx, { label: `${ctx.t.scanToGoOnline} · #${s.id}`, name: s.label }, view);
}

router.post('/sessions', async (c) => {
  const m = c.get('merchant');
  const v = validate(SessionCreate, {
    label: field(c, 'label'),
    type: field(c, 'type'),
    mode: field(c, 'mode'),
    qr_payload: field(c, 'qr_payload'),
  });
  if ('error' in v) return refuse(c, `${mbase(m.id)}/sessions`, v.error);
  const { session, secret } = await createSession(c.env, c.get('db'), m.id, v.data);
  return c.html(await onlinePage(c, session, secret));
});

router.post('/sessions/:id/online', async (c) => {
  const s = await ownSession(c);
  if (!s) return notFound(c);
  const { session, secret } = await rotateSessionSecret(c.env, c.get('db'), s.id);
  return c.html(await onlinePage(c, session, secret));
});

router.post('/sessions/:id/toggle', async (c) => {
  const s = await ownSession(c);
  if (!s) return notFound(c);
  await updateSession(c.env, c.get('db'), s.id, { enabled: !s.enabled });
  return redirectWith(c, `${mbase(s.merchantId)}/sessions`, 'ok', c.get('ctx').t.updated);
});

router.post('/sessions/:id/rule', async (c) => {
  const s = await ownSession(c);
  if (!s) return notFound(c);
  const raw = field(c, 'rule_id');
  const to = `${mbase(s.merchantId)}/sessions`;
  if (raw !== '' && !/^\d{1,15}$/.test(raw)) return refuse(c, to, 'rule_id: a rule of this merchant');
  return attempt(c, to, c.get('ctx').t.ruleSaved, () =>
    updateSession(c.env, c.get('db'), s.id, { rule_id: raw === '' ? null : Number(raw) }),
  );
});

router.get('/rules', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const rows = await merchantRules(c.get('db'), m.id);
  return c.html(page(ctx, ctx.t.rulesTitle, <Rules ctx={ctx} m={m} rows={rows} />));
});

router.post('/rules', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/rules`;
  const v = validate(RuleCreate, {
    name: field(c, 'name'),
    start_time: field(c, 'start_time'),
    end_time: field(c, 'end_time'),
    min_amount: orNull(field(c, 'min_amount')),
    max_amount: orNull(field(c, 'max_amount')),
    daily_cap: orNull(field(c, 'daily_cap')),
    regions: field(c, 'regions')
      .split(/[\s,]+/)
      .filter(Boolean),
  });
  if ('error' in v) return refuse(c, to, v.error);
  return attempt(c, to, c.get('ctx').t.ruleAdded, () => createRule(c.get('db'), m.id, v.data));
});

router.get('/settings', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const ruleRows = await merchantRules(c.get('db'), m.id);
  return c.html(page(ctx, ctx.t.nav['/settings'], <Settings ctx={ctx} m={m} ruleRows={ruleRows} />));
});

router.post('/settings', async (c) => {
  const m = c.get('merchant');
  const to = `${mbase(m.id)}/settings`;
  const rule = field(c, 'default_rule_id');
  const v = validate(SettingsUpdate, {
    rotation: field(c, 'rotation'),
    max_offset: field(c, 'max_offset'),
    offset_direction: field(c, 'offset_direction'),
    default_rule_id: rule === '' ? null : /^\d{1,15}$/.test(rule) ? Number(rule) : rule,
    timezone: field(c, 'timezone'),
  });
  if ('error' in v) return refuse(c, to, v.error);
  return attempt(c, to, c.get('ctx').t.settingsSaved, () => updateSettings(c.env, c.get('db'), m.id, v.data));
});

export default router;
