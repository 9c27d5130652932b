/**
 * A server-rendered SVG chart of the days: bars of the net amount taken (paid less refunded),
 * a line of the order counts on its own axis, and an HTML legend (no script, no fonts fetched).
 */
import { formatFen } from '../domain/money';
import type { DayStats } from '../services/stats';

/** The legend's swatches have these colours too (layout.tsx: .swatch.bar, .swatch.line). */
const BAR = '#3b82f6';
const LINE = '#f59e0b';

export function DailyChart(props: { days: DayStats[]; label: string; netLabel: string; ordersLabel: string }) {
  const { days } = props;
  const W = 700;
  const H = 240;
  const pad = { l: 64, r: 40, t: 16, b: 36 };
  const net = (d: DayStats) => d.paidFen - d.refundedFen;
  const maxFen = Math.max(100, ...days.map(net));
  const maxOrders = Math.max(2, ...days.map((d) => d.orders));
  const step = (W - pad.l - pad.r) / days.length;
  const y = (fen: number) => H - pad.b - ((H - pad.t - pad.b) * fen) / maxFen;
  const yo = (n: number) => H - pad.b - ((H - pad.t - pad.b) * n) / maxOrders;
  const line = days.map((d, i) => `${(pad.l + step * (i + 0.5)).toFixed(1)},${yo(d.orders).toFixed(1)}`).join(' ');
  return (
    <div class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label} xmlns="http://www.w3.org/2000/svg">
        <title>{props.label}</title>
        {[0, 0.5, 1].map((f) => (
          <g>
            <line x1={pad.l} x2={W - pad.r} y1={y(maxFen * f)} y2={y(maxFen * f)} stroke="#e5e7eb" />
            <text x={pad.l - 6} y={y(maxFen * f) + 4} text-anchor="end" font-size="12" fill="#1d4ed8">
              {formatFen(Math.round(maxFen * f))}
            </text>
            <text x={W - pad.r + 6} y={y(maxFen * f) + 4} text-anchor="start" font-size="12" fill="#92400e">
              {String(Math.round(maxOrders * f * 10) / 10)}
            </text>
          </g>
        ))}
        {days.map((d, i) => (
          <g>
            <rect
              x={pad.l + step * i + step * 0.2}
              y={y(net(d))}
              width={step * 0.6}
              height={H - pad.b - y(net(d))}
              fill={BAR}
              rx="3"
            >
              <title>{`${d.day}: ${props.netLabel} ¥${formatFen(net(d))}, ${props.ordersLabel} ${d.orders}`}</title>
            </rect>
            <text x={pad.l + step * (i + 0.5)} y={H - 12} text-anchor="middle" font-size="12" fill="#374151">
              {d.day.slice(5)}
            </text>
          </g>
        ))}
        <polyline points={line} fill="none" stroke={LINE} stroke-width="2" />
      </svg>
      <ul class="legend">
        <li>
          <span class="swatch bar" />
          {props.netLabel}
        </li>
        <li>
          <span class="swatch line" />
          {props.ordersLabel}
        </li>
      </ul>
    </div>
  );
}
