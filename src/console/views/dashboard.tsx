/** The merchant's dashboard: a live/sandbox switch, today's and the last days' figures (net of refunds), and the chart. */
import type { Child } from 'hono/jsx';
import type { MerchantAccount } from '../../services/points';
import { formatFen } from '../../domain/money';
import type { Mode } from '../../domain/vocab';
import type { DayStats } from '../../services/stats';
import { DailyChart } from '../chart';
import { mbase, type PageCtx } from '../layout';

/** The dashboard's mode switch, in its order. */
export const SWITCH = ['live', 'sandbox'] as const;

interface Totals {
  orders: number;
  paid: number;
  paidFen: number;
  refundedFen: number;
}

const sum = (ds: DayStats[]): Totals =>
  ds.reduce(
    (a, d) => ({
      orders: a.orders + d.orders,
      paid: a.paid + d.paid,
      paidFen: a.paidFen + d.paidFen,
      refundedFen: a.refundedFen + d.refundedFen,
    }),
    { orders: 0, paid: 0, paidFen: 0, refundedFen: 0 },
  );

const rate = (paid: number, n: number) => (n === 0 ? '—' : `${((paid / n) * 100).toFixed(1)}%`);

const Stat = ({ label, value, sub }: { label: string; value: string; sub?: string }) => (
  <div class="card stat">
    <div class="label">{label}</div>
    <div class="value">{value}</div>
    {sub && <div class="sub">{sub}</div>}
  </div>
);

const Figures = ({ ctx, d, children }: { ctx: PageCtx; d: Totals; children?: Child }) => {
  const { t } = ctx;
  return (
    <div class="grid">
      <Stat
        label={t.netTaken}
        value={`¥${formatFen(d.paidFen - d.refundedFen)}`}
        sub={t.grossLessRefunds(formatFen(d.paidFen), formatFen(d.refundedFen))}
      />
      <Stat label={t.orderCount} value={String(d.orders)} />
      <Stat label={t.successRate} value={rate(d.paid, d.orders)} sub={t.paidOfOrders(d.paid, d.orders)} />
      {children}
    </div>
  );
};

/** Opens on the mode asked for, else the mode that has orders: live if it has any, else sandbox if it has. */
export function Dashboard(props: {
  ctx: PageCtx;
  m: MerchantAccount;
  stats: Record<Mode, DayStats[]>;
  asked?: string;
}) {
  const { ctx, m, stats, asked } = props;
  const { t } = ctx;
  const count = (md: Mode) => stats[md].reduce((n, d) => n + d.orders, 0);
  const mode: Mode =
    asked === 'live' || asked === 'sandbox' ? asked : count('live') > 0 || count('sandbox') === 0 ? 'live' : 'sandbox';
  const days = stats[mode];
  return (
    <>
      <nav class="switch" aria-label={t.modeSwitch}>
        {SWITCH.map((md) => (
          <a href={`${mbase(m.id)}?mode=${md}`} aria-current={md === mode ? 'page' : undefined}>
            {t.modeWithCount(t.mode[md], count(md))}
          </a>
        ))}
      </nav>
      <p class="muted" id="showing">
        {t.showingMode(t.mode[mode], days.length)}
      </p>
      <h2>{t.today}</h2>
      <Figures ctx={ctx} d={sum([days[days.length - 1]])}>
        <Stat label={t.pointsBalance} value={String(m.points)} />
      </Figures>
      <h2>{t.lastDays(days.length)}</h2>
      <Figures ctx={ctx} d={sum(days)} />
      <div class="card">
        <DailyChart
          days={days}
          label={t.chartTitle(t.mode[mode], days.length)}
          netLabel={t.chartNet}
          ordersLabel={t.chartOrders}
        />
      </div>
    </>
  );
}
