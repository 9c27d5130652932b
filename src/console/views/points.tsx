/** The points page (balance, fees, monthly quota, the ledger) and the ledger table the operator's merchant page shares. */
import type { LedgerRow } from '../../db/schema';
import type { MerchantAccount } from '../../services/points';
import type { PointsReason } from '../../domain/vocab';
import { Data, List, mbase, type PageCtx, when } from '../layout';

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

/** The merchant's points: balance, fees, this month's quota used (`quotaUsed`), a page of the ledger. */
export function Points(props: {
  ctx: PageCtx;
  m: MerchantAccount;
  quotaUsed: number;
  ledger: { balance: number; data: LedgerRow[]; next_cursor: string | null };
}) {
  const { ctx, m, quotaUsed, ledger: l } = props;
  const { t } = ctx;
  return (
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
    </>
  );
}
