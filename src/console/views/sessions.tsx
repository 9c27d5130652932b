/**
 * The collection sessions page (online and offline sessions with their state, today's takings,
 * rule and actions; the add form) and the page after a monitor config was issued (its QR codes).
 */
import { raw } from 'hono/html';
import type { Merchant, Rule, Session } from '../../db/schema';
import type { MerchantAccount } from '../../services/points';
import { formatFen } from '../../domain/money';
import { MODES, SESSION_TYPES, type SessionState } from '../../domain/vocab';
import type { listSessions } from '../../services/sessions';
import { qrSvg } from '../../views/qr';
import { Badge, Csrf, Data, Label, List, mbase, type PageCtx, PostButton, when } from '../layout';

type Row = Awaited<ReturnType<typeof listSessions>>[number];

const stateOf = (r: Row): SessionState =>
  !r.session.enabled ? 'disabled' : !r.live?.lastSeenMs ? 'new' : r.live.online ? 'online' : 'offline';

/** One table of sessions with their state, today's takings, the rule form and the actions. */
function Table(props: { ctx: PageCtx; m: Merchant; ruleRows: Rule[]; rows: Row[]; empty: string }) {
  const { ctx, m, ruleRows, rows, empty } = props;
  const { t } = ctx;
  const base = mbase(m.id);
  return (
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
}

/** The sessions page: online, then offline sessions, and the add form. */
export function Sessions(props: { ctx: PageCtx; m: Merchant; list: Row[]; ruleRows: Rule[] }) {
  const { ctx, m, list, ruleRows } = props;
  const { t } = ctx;
  const base = mbase(m.id);
  const table = { ctx, m, ruleRows };
  return (
    <>
      <h2>{t.onlineSessions}</h2>
      <Table {...table} rows={list.filter((r) => stateOf(r) === 'online')} empty={t.noOnlineSessions} />
      <h2>{t.offlineSessions}</h2>
      <Table {...table} rows={list.filter((r) => stateOf(r) !== 'online')} empty={t.noOfflineSessions} />
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
    </>
  );
}

/** A monitor config just issued: its QR code (what the agent scans) and the text, shown once; the V免签 one too. */
export function MonitorConfig(props: {
  ctx: PageCtx;
  m: MerchantAccount;
  s: Session;
  config: string;
  vmq: string | null;
}) {
  const { ctx, m, s, config, vmq } = props;
  const { t } = ctx;
  return (
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
    </div>
  );
}
