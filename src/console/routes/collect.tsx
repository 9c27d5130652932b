/** Console, merchant side: collection sessions (scan to go online, reuse, enable/disable, rule), rules, settings. */
import { and, eq } from 'drizzle-orm';
import { raw } from 'hono/html';
import { rules, sessions, type Session } from '../../db/schema';
import { formatFen } from '../../domain/money';
import { MODES, ROTATIONS, SESSION_TYPES } from '../../domain/vocab';
import { ApiError } from '../../errors';
import { createRule, updateSettings } from '../../services/merchants';
import {
  createSession,
  listSessions,
  monitorConfig,
  vmqConfig,
  rotateSessionSecret,
  updateSession,
} from '../../services/sessions';
import { RuleCreate, SessionCreate, SettingsUpdate } from '../../routes/admin/schemas';
import { publicOrigin } from '../../routes/origin';
import { qrSvg } from '../../views/qr';
import { consoleRouter, field, idParam, notFound, redirectWith, type CCtx } from '../core';
import { orNull, validate } from '../forms';
import { Badge, Csrf, mbase, page, PostButton, when, type PageCtx } from '../layout';
import { typeLabel } from './orders';

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

const stateLabel = (ctx: PageCtx, s: string) =>
  ({
    new: ctx.tr('未上线', 'new'),
    online: ctx.tr('在线', 'online'),
    offline: ctx.tr('离线', 'offline'),
    disabled: ctx.tr('已停用', 'disabled'),
  })[s] ?? s;

router.get('/sessions', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const db = c.get('db');
  const [list, ruleRows] = await Promise.all([
    listSessions(c.env, db, m.id),
    db.select().from(rules).where(eq(rules.merchantId, m.id)),
  ]);
  const base = mbase(m.id);
  const stateOf = (r: (typeof list)[number]) =>
    !r.session.enabled ? 'disabled' : !r.live?.lastSeenMs ? 'new' : r.live.online ? 'online' : 'offline';
  const Table = ({ rows }: { rows: typeof list }) => (
    <div class="scroll" tabindex={0}>
      <table>
        <thead>
          <tr>
            <th>{tr('会话', 'Session')}</th>
            <th>{tr('状态', 'State')}</th>
            <th class="num">{tr('今日收款', 'Today')}</th>
            <th>{tr('规则', 'Rule')}</th>
            <th>{tr('操作', 'Actions')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const s = r.session;
            const state = stateOf(r);
            return (
              <tr>
                <td>
                  #{s.id} {s.label} · {typeLabel(tr, s.type)} <Badge value={s.mode} />
                  <div class="muted">
                    {tr('最后心跳', 'Last heartbeat')}: {when(r.live?.lastSeenMs ?? null, m.timezone)}
                  </div>
                  {s.offlineReason === 'insufficient_points' && (
                    <div class="flash error">
                      {tr(
                        `积分不足以支付上码费（${m.onboardingFee} 积分），会话保持离线。充值后下一次心跳即上线。`,
                        `Points are short of the onboarding fee (${m.onboardingFee} points): the session stays offline. After a recharge the next heartbeat brings it online.`,
                      )}
                    </div>
                  )}
                </td>
                <td>
                  <Badge value={state} label={stateLabel(ctx, state)} />
                </td>
                <td class="num">
                  ¥{formatFen(r.live?.todayFen ?? 0)} / {r.live?.todayCount ?? 0}
                  {tr(' 笔', '')}
                </td>
                <td>
                  <form method="post" action={`${base}/sessions/${s.id}/rule`}>
                    <Csrf ctx={ctx} />
                    <label for={`rule-${s.id}`} class="muted">
                      {tr('规则', 'Rule')}
                    </label>
                    <select id={`rule-${s.id}`} name="rule_id">
                      <option value="">{tr('无', 'None')}</option>
                      {ruleRows.map((rule) => (
                        <option value={String(rule.id)} selected={s.ruleId === rule.id}>
                          {rule.name}
                        </option>
                      ))}
                    </select>
                    <button type="submit" class="secondary">
                      {tr('保存', 'Save')}
                    </button>
                  </form>
                </td>
                <td>
                  {state !== 'online' && s.enabled && (
                    <PostButton
                      ctx={ctx}
                      action={`${base}/sessions/${s.id}/online`}
                      label={
                        state === 'new'
                          ? tr('扫码上线', 'Scan to go online')
                          : tr('重新上线（复用）', 'Reuse: go online again')
                      }
                    />
                  )}{' '}
                  <PostButton
                    ctx={ctx}
                    action={`${base}/sessions/${s.id}/toggle`}
                    label={s.enabled ? tr('停用', 'Disable') : tr('启用', 'Enable')}
                    kind="secondary"
                  />
                </td>
              </tr>
            );
          })}
          {rows.length === 0 && (
            <tr>
              <td colspan={5}>{tr('没有会话。', 'No sessions.')}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
  return c.html(
    page(
      ctx,
      tr('收款会话', 'Collection sessions'),
      <>
        <h2>{tr('在线会话', 'Online')}</h2>
        <Table rows={list.filter((r) => stateOf(r) === 'online')} />
        <h2>{tr('离线会话', 'Offline')}</h2>
        <Table rows={list.filter((r) => stateOf(r) !== 'online')} />
        <h2>{tr('添加会话', 'Add a session')}</h2>
        <form class="card" method="post" action={`${base}/sessions`}>
          <Csrf ctx={ctx} />
          <div class="row">
            <div>
              <label for="s-label">{tr('名称', 'Label')}</label>
              <input id="s-label" name="label" required maxlength={100} />
            </div>
            <div>
              <label for="s-type">{tr('收款方式', 'Pay type')}</label>
              <select id="s-type" name="type">
                {SESSION_TYPES.map((t) => (
                  <option value={t}>{typeLabel(tr, t)}</option>
                ))}
              </select>
            </div>
            <div>
              <label for="s-mode">{tr('环境', 'Mode')}</label>
              <select id="s-mode" name="mode">
                {MODES.map((md) => (
                  <option value={md} selected={md === 'live'}>
                    {md}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <label for="s-qr">
            {tr('收款码内容（钱包收款二维码里的文字）', "Receive-money QR payload (the text in the wallet's QR code)")}
          </label>
          <input id="s-qr" name="qr_payload" required maxlength={1024} />
          <button type="submit">{tr('添加', 'Add')}</button>
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
  const { tr } = ctx;
  const m = c.get('merchant');
  return page(
    ctx,
    `${tr('扫码上线', 'Scan to go online')} · #${s.id} ${s.label}`,
    <div class="card">
      <p>
        {s.mode === 'live'
          ? tr(
              `用监控端扫描下面的二维码。首次心跳后会话上线，并扣除上码费 ${m.onboardingFee} 积分（当前余额 ${m.points}）。`,
              `Scan this code with the monitor agent. Its first heartbeat brings the session online and is charged the onboarding fee of ${m.onboardingFee} points (balance now ${m.points}).`,
            )
          : tr(
              '用监控端扫描下面的二维码。沙箱会话不收上码费。',
              'Scan this code with the monitor agent. Sandbox sessions are not charged.',
            )}
      </p>
      <div class="qr" id="monitor-qr" role="img" aria-label={tr('监控配置二维码', 'Monitor configuration QR code')}>
        {raw(qrSvg(config))}
      </div>
      <div class="secret">
        <strong>
          {tr(
            '监控配置（只显示这一次，内含密钥）',
            'Monitor configuration (shown only this once; it holds the secret)',
          )}
        </strong>
        <pre id="monitor-config">{config}</pre>
      </div>
      {vmq && (
        <>
          <p>
            {tr(
              '使用 V免签 监控 App？扫描这个二维码，或在 App 中填入下面的配置（主机/密钥）。',
              'Using the V免签 monitor app? Scan this code, or enter the configuration below (host/key) in the app.',
            )}
          </p>
          <div class="qr" id="vmq-qr" role="img" aria-label={tr('V免签 配置二维码', 'V免签 configuration QR code')}>
            {raw(qrSvg(vmq))}
          </div>
          <pre id="vmq-config">{vmq}</pre>
        </>
      )}
      <a class="button secondary" href={`${mbase(m.id)}/sessions`}>
        {tr('返回会话列表', 'Back to sessions')}
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
  if ('error' in v) return redirectWith(c, `${mbase(m.id)}/sessions`, 'error', v.error);
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
  return redirectWith(c, `${mbase(s.merchantId)}/sessions`, 'ok', c.get('ctx').tr('已更新。', 'Updated.'));
});

router.post('/sessions/:id/rule', async (c) => {
  const s = await ownSession(c);
  if (!s) return notFound(c);
  const raw = field(c, 'rule_id');
  const to = `${mbase(s.merchantId)}/sessions`;
  if (raw !== '' && !/^\d{1,15}$/.test(raw)) return redirectWith(c, to, 'error', 'rule_id: a rule of this merchant');
  try {
    await updateSession(c.env, c.get('db'), s.id, { rule_id: raw === '' ? null : Number(raw) });
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, to, 'ok', c.get('ctx').tr('规则已保存。', 'Rule saved.'));
});

// ── rules ────────────────────────────────────────────────────────────────────────────────

router.get('/rules', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const rows = await c.get('db').select().from(rules).where(eq(rules.merchantId, m.id)).orderBy(rules.id);
  const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
  const yuan = (f: number | null) => (f === null ? '—' : formatFen(f));
  return c.html(
    page(
      ctx,
      tr('收款规则', 'Collection rules'),
      <>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th>{tr('名称', 'Name')}</th>
                <th>{tr('时段', 'Hours')}</th>
                <th>{tr('金额范围', 'Amounts')}</th>
                <th>{tr('地区', 'Regions')}</th>
                <th>{tr('每日上限', 'Daily cap')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>
                    {r.name} {m.defaultRuleId === r.id && <Badge value="live" label={tr('默认', 'default')} />}
                  </td>
                  <td>
                    {hhmm(r.startMinute)}–{hhmm(r.endMinute)} {r.timezone ?? ''}
                  </td>
                  <td>
                    {yuan(r.minFen)} – {yuan(r.maxFen)}
                  </td>
                  <td>{r.regions.join(', ') || tr('不限', 'anywhere')}</td>
                  <td>{yuan(r.dailyCapFen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>{tr('添加规则', 'Add a rule')}</h2>
        <form class="card" method="post" action={`${mbase(m.id)}/rules`}>
          <Csrf ctx={ctx} />
          <div class="row">
            <div>
              <label for="r-name">{tr('名称', 'Name')}</label>
              <input id="r-name" name="name" required maxlength={100} />
            </div>
            <div>
              <label for="r-start">{tr('开始时间', 'Start')}</label>
              <input id="r-start" name="start_time" type="time" value="00:00" required />
            </div>
            <div>
              <label for="r-end">{tr('结束时间', 'End')}</label>
              <input id="r-end" name="end_time" type="time" value="00:00" required />
            </div>
            <div>
              <label for="r-min">{tr('最小金额', 'Min amount')}</label>
              <input id="r-min" name="min_amount" inputmode="decimal" maxlength={12} />
            </div>
            <div>
              <label for="r-max">{tr('最大金额', 'Max amount')}</label>
              <input id="r-max" name="max_amount" inputmode="decimal" maxlength={12} />
            </div>
            <div>
              <label for="r-cap">{tr('每会话每日上限', 'Daily cap per session')}</label>
              <input id="r-cap" name="daily_cap" inputmode="decimal" maxlength={12} />
            </div>
            <div>
              <label for="r-regions">
                {tr('地区（如 CN-GD, US，留空不限）', 'Regions (e.g. CN-GD, US; empty: anywhere)')}
              </label>
              <input id="r-regions" name="regions" maxlength={500} />
            </div>
          </div>
          <button type="submit">{tr('添加', 'Add')}</button>
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
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  try {
    await createRule(c.get('db'), m.id, v.data);
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, to, 'ok', c.get('ctx').tr('规则已添加。', 'Rule added.'));
});

// ── settings ─────────────────────────────────────────────────────────────────────────────

router.get('/settings', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const ruleRows = await c.get('db').select().from(rules).where(eq(rules.merchantId, m.id));
  const rotationLabel = {
    smart_random: tr('智能随机', 'Smart random'),
    uniform: tr('均匀收款', 'Uniform'),
    random: tr('普通随机', 'Random'),
  };
  return c.html(
    page(
      ctx,
      tr('设置', 'Settings'),
      <form class="card" method="post" action={`${mbase(m.id)}/settings`}>
        <Csrf ctx={ctx} />
        <div class="row">
          <div>
            <label for="st-rotation">{tr('轮询策略', 'Rotation')}</label>
            <select id="st-rotation" name="rotation">
              {ROTATIONS.map((r) => (
                <option value={r} selected={m.rotation === r}>
                  {rotationLabel[r]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="st-offset">{tr('最大金额偏移（元）', 'Max amount offset (yuan)')}</label>
            <input id="st-offset" name="max_offset" value={formatFen(m.maxOffsetFen)} maxlength={6} />
          </div>
          <div>
            <label for="st-dir">{tr('偏移方向', 'Offset direction')}</label>
            <select id="st-dir" name="offset_direction">
              <option value="down" selected={m.offsetDirection === 'down'}>
                {tr('向下', 'down')}
              </option>
              <option value="up" selected={m.offsetDirection === 'up'}>
                {tr('向上', 'up')}
              </option>
            </select>
          </div>
          <div>
            <label for="st-rule">{tr('默认收款规则', 'Default rule')}</label>
            <select id="st-rule" name="default_rule_id">
              <option value="">{tr('无', 'None')}</option>
              {ruleRows.map((r) => (
                <option value={String(r.id)} selected={m.defaultRuleId === r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="st-tz">{tr('时区', 'Time zone')}</label>
            <input id="st-tz" name="timezone" value={m.timezone} maxlength={64} />
          </div>
        </div>
        <button type="submit">{tr('保存', 'Save')}</button>
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
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  try {
    await updateSettings(c.env, c.get('db'), m.id, v.data);
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, to, 'ok', c.get('ctx').tr('设置已保存。', 'Settings saved.'));
});

export default router;
