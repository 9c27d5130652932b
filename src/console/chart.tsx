/** A server-rendered SVG bar chart of paid amounts per day, with the order counts as a line (no script, no fonts fetched). */
import { formatFen } from '../domain/money';
import type { DayStats } from '../services/stats';

export function DailyChart({ days, label }: { days: DayStats[]; label: string }) {
  const W = 700;
  const H = 240;
  const pad = { l: 56, r: 16, t: 16, b: 36 };
  const maxFen = Math.max(100, ...days.map((d) => d.paidFen));
  const maxOrders = Math.max(1, ...days.map((d) => d.orders));
  const step = (W - pad.l - pad.r) / days.length;
  const y = (fen: number) => H - pad.b - ((H - pad.t - pad.b) * fen) / maxFen;
  const yo = (n: number) => H - pad.b - ((H - pad.t - pad.b) * n) / maxOrders;
  const line = days.map((d, i) => `${(pad.l + step * (i + 0.5)).toFixed(1)},${yo(d.orders).toFixed(1)}`).join(' ');
  return (
    <div class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} xmlns="http://www.w3.org/2000/svg">
        <title>{label}</title>
        {[0, 0.5, 1].map((f) => (
          <g>
            <line x1={pad.l} x2={W - pad.r} y1={y(maxFen * f)} y2={y(maxFen * f)} stroke="#e5e7eb" />
            <text x={pad.l - 6} y={y(maxFen * f) + 4} text-anchor="end" font-size="12" fill="#4b5563">
              {formatFen(Math.round(maxFen * f))}
            </text>
          </g>
        ))}
        {days.map((d, i) => (
          <g>
            <rect
              x={pad.l + step * i + step * 0.2}
              y={y(d.paidFen)}
              width={step * 0.6}
              height={H - pad.b - y(d.paidFen)}
              fill="#3b82f6"
              rx="3"
            >
              <title>{`${d.day}: ¥${formatFen(d.paidFen)}, ${d.paid}/${d.orders}`}</title>
            </rect>
            <text x={pad.l + step * (i + 0.5)} y={H - 12} text-anchor="middle" font-size="12" fill="#374151">
              {d.day.slice(5)}
            </text>
          </g>
        ))}
        <polyline points={line} fill="none" stroke="#f59e0b" stroke-width="2" />
      </svg>
    </div>
  );
}
