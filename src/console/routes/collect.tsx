/** Console, merchant side: collection sessions (scan to go online, reuse, enable/disable, rule), rules, settings (each explained). */
import { and, eq } from 'drizzle-orm';
import { raw } from 'hono/html';
import { rules, sessions, type Session } from '../../db/schema';
import { formatFen } from '../../domain/money';
import { DIRECTIONS, MODES, ROTATIONS, SESSION_TYPES, type SessionState } from '../../domain/vocab';
import { createRule, updateSettings } from '../../services/merchants';
import {
  createSession,
  listSessions,
  monitorConfig,
  vmqConfig,
  rotateSessionSecret,
  updateSession,
} from '../../services/sessions';
import { RuleCreate, SettingsUpdate } from '../../schemas/merchants';
import { SessionCreate } from '../../schemas/sessions';
import { publicOrigin } from '../../routes/origin';
import { qrSvg } from '../../views/qr';
import { attempt, consoleRouter, field, idParam, notFound, redirectWith, refuse, type CCtx } from '../core';
import { orNull, validate } from '../forms';
import { Badge, Csrf, Data, Label, List, mbase, page, PostButton, when } from '../layout';

const router = consoleRouter();

async function ownSession(c: CCtx): Promise<Session | null> {
  const id = idParam(c, 'id');
  if (id === null) return null;
  return (
    (await c
      .get('db')
      .query.sessions.findFirst({ where: and(eq(sessions.id, id), eq(sessions.merchantId, c.get('merchant').id)) })) ??
    null
  );
}

router.get('/sessions', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const db = c.get('db');
  const [list, ruleRows] = await Promise.all([
    listSessions(c.env, db, m.id),
    db.select().from(rules).where(eq(rules.merchantId, m.id)),
  ]);
  const base = mbase(m.id);
  type Row = (typeof list)[number];
  const stateOf = (r: Row): SessionState =>
    !r.session.enabled ? 'disabled' : !r.live?.lastSeenMs ? 'new' : r.live.online ? 'online' : 'offline';
  const Table = ({ rows, empty }: { rows: Row[]; empty: string }) => (
    <List
      rows={rows}
      empty={empty}
      cols={[
        {
          label: t.session,
          block: true,
          cell: (r) => (
            <>
              #{r.session.id} <Data>{r.session.label}</Data> · {t.payTypes[r.session.type]}{' '}
              <Badge kind={r.session.mode} label={t.mode[r.session.mode]} />
              <div class="muted">
                {t.labelled(t.lastHeartbeat)}
                <time>{when(r.live?.lastSeenMs ?? null, m.timezone)}</time>
              </div>
              {r.session.offlineReason === 'insufficient_points' && (
                <div class="flash error">{t.pointsShortOfFee(m.onboardingFee)}</div>
              )}
            </>
          ),
        },
        { label: t.state, cell: (r) => <Badge kind={stateOf(r)} label={t.sessionState[stateOf(r)]} /> },
        {
          label: t.todayTaken,
          num: true,
          nowrap: true,
          cell: (r) => t.amountAndCount(formatFen(r.live?.todayFen ?? 0), r.live?.todayCount ?? 0),
        },
        {
          label: t.rule,
          block: true,
          cell: (r) => (
            <form class="row-form" method="post" action={`${base}/sessions/${r.session.id}/rule`}>
              <Csrf ctx={ctx} />
              <select id={`rule-${r.session.id}`} name="rule_id" aria-label={t.rule}>
                <option value="">{t.none}</option>
                {ruleRows.map((rule) => (
                  <option value={String(rule.id)} selected={r.session.ruleId === rule.id} translate="no">
                    {rule.name}
                  </option>
                ))}
              </select>
              <button type="submit" class="secondary">
                {t.save}
              </button>
            </form>
          ),
        },
        {
          label: t.actions,
          block: true,
          cell: (r) => {
            const state = stateOf(r);
            return (
              <>
                {state !== 'online' && r.session.enabled && (
                  <PostButton
                    ctx={ctx}
                    action={`${base}/sessions/${r.session.id}/online`}
                    label={state === 'new' ? t.scanToGoOnline : t.reuseGoOnline}
                  />
                )}{' '}
                <PostButton
                  ctx={ctx}
                  action={`${base}/sessions/${r.session.id}/toggle`}
                  label={r.session.enabled ? t.disable : t.enable}
                  kind="secondary"
                />
              </>
            );
          },
        },
      ]}
    />
  );
  return c.html(
    page(
      ctx,
      t.sessionsTitle,
      <>
        <h2>{t.onlineSessions}</h2>
        <Table rows={list.filter((r) => stateOf(r) === 'online')} empty={t.noOnlineSessions} />
        <h2>{t.offlineSessions}</h2>
        <Table rows={list.filter((r) => stateOf(r) !== 'online')} empty={t.noOfflineSessions} />
        <h2>{t.addSession}</h2>
        <form class="card" method="post" action={`${base}/sessions`}>
          <Csrf ctx={ctx} />
          <div class="row">
            <div>
              <label for="s-label">{t.name}</label>
              <input id="s-label" name="label" required maxlength={100} />
            </div>
            <div>
              <label for="s-type">{t.sessionPayType}</label>
              <select id="s-type" name="type">
                {SESSION_TYPES.map((st) => (
                  <option value={st}>{t.payTypes[st]}</option>
                ))}
              </select>
            </div>
            <div>
              <Label for="s-mode" text={t.modeLabel} hint={t.sessionModeHint} />
              <select id="s-mode" name="mode">
                {MODES.map((md) => (
                  <option value={md} selected={md === 'live'}>
                    {t.mode[md]}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <Label for="s-qr" text={t.qrPayload} hint={t.qrPayloadHint} />
          <input id="s-qr" name="qr_payload" required maxlength={1024} />
          <button type="submit">{t.add}</button>
        </form>
      </>,
    ),
  );
});

/** The page after a monitor config was issued: its QR code (what the agent scans) and the text, shown once. */
function onlinePage(c: CCtx, s: Session, secret: string) {
  const config = monitorConfig(publicOrigin(c), s, secret);
  const vmq = vmqConfig(c.env.VMQ_MONITOR_DOMAIN, s, secret);
  const ctx = c.get('ctx');
  const { t } = ctx;
  const m = c.get('merchant');
  return page(
    ctx,
    { label: `${t.scanToGoOnline} · #${s.id}`, name: s.label },
    <div class="card">
      <p>{s.mode === 'live' ? t.scanLive(m.onboardingFee, m.points) : t.scanSandbox}</p>
      <div class="qr" id="monitor-qr" role="img" aria-label={t.monitorQr}>
        {raw(qrSvg(config))}
      </div>
      <div class="secret">
        <strong>{t.monitorConfigOnce}</strong>
        <pre id="monitor-config">{config}</pre>
      </div>
      {vmq && (
        <>
          <p>{t.vmqScan}</p>
          <div class="qr" id="vmq-qr" role="img" aria-label={t.vmqQr}>
            {raw(qrSvg(vmq))}
          </div>
          <pre id="vmq-config">{vmq}</pre>
        </>
      )}
      <a class="button secondary" href={`${mbase(m.id)}/sessions`}>
        {t.backToSessions}
      </a>
    </div>,
  );
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
  return c.html(onlinePage(c, session, secret));
});

router.post('/sessions/:id/online', async (c) => {
  const s = await ownSession(c);
  if (!s) return notFound(c);
  const { session, secret } = await rotateSessionSecret(c.env, c.get('db'), s.id);
  return c.html(onlinePage(c, session, secret));
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

// ── rules ────────────────────────────────────────────────────────────────────────────────

router.get('/rules', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const rows = await c.get('db').select().from(rules).where(eq(rules.merchantId, m.id)).orderBy(rules.id);
  const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
  const yuan = (f: number | null) => (f === null ? '—' : formatFen(f));
  return c.html(
    page(
      ctx,
      t.rulesTitle,
      <>
        <p class="muted">{t.rulesIntro}</p>
        <List
          rows={rows}
          empty={t.noRules}
          cols={[
            {
              label: t.name,
              cell: (r) => (
                <>
                  <Data>{r.name}</Data> {m.defaultRuleId === r.id && <Badge kind="live" label={t.defaultRule} />}
                </>
              ),
            },
            {
              label: t.hours,
              nowrap: true,
              cell: (r) => (
                <>
                  {hhmm(r.startMinute)}–{hhmm(r.endMinute)} {r.timezone && <span class="mono">{r.timezone}</span>}
                </>
              ),
            },
            { label: t.amountRange, nowrap: true, cell: (r) => `${yuan(r.minFen)} – ${yuan(r.maxFen)}` },
            {
              label: t.regions,
              cell: (r) => (r.regions.length ? <span class="mono">{r.regions.join(', ')}</span> : t.anywhere),
            },
            { label: t.dailyCap, num: true, cell: (r) => yuan(r.dailyCapFen) },
          ]}
        />
        <h2>{t.addRule}</h2>
        <form class="card" method="post" action={`${mbase(m.id)}/rules`}>
          <Csrf ctx={ctx} />
          <div class="row">
            <div>
              <label for="r-name">{t.name}</label>
              <input id="r-name" name="name" required maxlength={100} />
            </div>
            <div>
              <Label for="r-start" text={t.startTime} hint={t.hoursHint} />
              <input id="r-start" name="start_time" type="time" value="00:00" required />
            </div>
            <div>
              <label for="r-end">{t.endTime}</label>
              <input id="r-end" name="end_time" type="time" value="00:00" required />
            </div>
            <div>
              <Label for="r-min" text={t.minAmount} hint={t.amountBoundHint} />
              <input id="r-min" name="min_amount" inputmode="decimal" maxlength={12} />
            </div>
            <div>
              <label for="r-max">{t.maxAmount}</label>
              <input id="r-max" name="max_amount" inputmode="decimal" maxlength={12} />
            </div>
            <div>
              <Label for="r-cap" text={t.dailyCapPerSession} hint={t.dailyCapHint} />
              <input id="r-cap" name="daily_cap" inputmode="decimal" maxlength={12} />
            </div>
            <div>
              <Label
                for="r-regions"
                text={t.regions}
                hint={
                  <>
                    {t.regionsHint} <span class="mono">CN, CN-GD, US</span>
                  </>
                }
              />
              <input id="r-regions" name="regions" maxlength={500} />
            </div>
          </div>
          <button type="submit">{t.add}</button>
        </form>
      </>,
    ),
  );
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

// ── settings ─────────────────────────────────────────────────────────────────────────────

router.get('/settings', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const ruleRows = await c.get('db').select().from(rules).where(eq(rules.merchantId, m.id));
  return c.html(
    page(
      ctx,
      t.nav['/settings'],
      <form class="card" method="post" action={`${mbase(m.id)}/settings`}>
        <Csrf ctx={ctx} />
        <div class="stack">
          <div>
            <Label for="st-rotation" text={t.rotationLabel} hint={t.rotationHint} />
            <select id="st-rotation" name="rotation">
              {ROTATIONS.map((r) => (
                <option value={r} selected={m.rotation === r}>
                  {t.rotation[r]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <Label for="st-offset" text={t.maxOffset} hint={t.maxOffsetHint} />
            <input id="st-offset" name="max_offset" value={formatFen(m.maxOffsetFen)} maxlength={6} />
          </div>
          <div>
            <Label for="st-dir" text={t.offsetDirectionLabel} hint={t.offsetDirectionHint} />
            <select id="st-dir" name="offset_direction">
              {DIRECTIONS.map((d) => (
                <option value={d} selected={m.offsetDirection === d}>
                  {t.offsetDirection[d]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <Label for="st-rule" text={t.defaultRuleLabel} hint={t.defaultRuleHint} />
            <select id="st-rule" name="default_rule_id">
              <option value="">{t.none}</option>
              {ruleRows.map((r) => (
                <option value={String(r.id)} selected={m.defaultRuleId === r.id} translate="no">
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <Label for="st-tz" text={t.timeZone} hint={t.timeZoneHint} />
            <input id="st-tz" name="timezone" value={m.timezone} maxlength={64} translate="no" />
          </div>
        </div>
        <button type="submit">{t.save}</button>
      </form>,
    ),
  );
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
