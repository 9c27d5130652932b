/** Console, merchant side: dashboard, transactions (filters, paging, CSV), the unmatched inbox (order detail: order-detail.tsx). */
import { and, eq, or } from 'drizzle-orm';
import { orders, payments } from '../../db/schema';
import { startOfLocalDay } from '../../domain/clock';
import { OUT_ORDER_ID } from '../../domain/gatepay';
import { formatFen } from '../../domain/money';
import { MODES, ORDER_STATUSES, PAY_TYPES, type Mode, type PayType } from '../../domain/vocab';
import { listOrders, listPayments, type OrderFilter } from '../../services/listing';
import { assignPayment } from '../../services/payments';
import { dailyStats, type DayStats } from '../../services/stats';
import { ApiError } from '../../errors';
import type { Child } from 'hono/jsx';
import { DailyChart } from '../chart';
import { consoleRouter, field, notFound, problem, redirectWith, refuse, type CCtx } from '../core';
import { Badge, Csrf, Data, Label, List, mbase, page, when } from '../layout';

const router = consoleRouter();

// ── dashboard ────────────────────────────────────────────────────────────────────────────

const DAYS = 7;
/** The dashboard's mode switch, in its order. */
const SWITCH = ['live', 'sandbox'] as const;

router.get('/', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const [live, sandbox] = await Promise.all(SWITCH.map((md) => dailyStats(c.get('db'), m.id, md, m.timezone, DAYS)));
  const stats: Record<Mode, DayStats[]> = { live, sandbox };
  const count = (md: Mode) => stats[md].reduce((n, d) => n + d.orders, 0);
  // Opens on the mode that has orders: live if it has any, else sandbox if it has.
  const asked = c.req.query('mode');
  const mode: Mode =
    asked === 'live' || asked === 'sandbox' ? asked : count('live') > 0 || count('sandbox') === 0 ? 'live' : 'sandbox';
  const days = stats[mode];
  const today = days[days.length - 1];
  const sum = (ds: DayStats[]) =>
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
  const Figures = ({ d, children }: { d: ReturnType<typeof sum>; children?: Child }) => (
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
  return c.html(
    page(
      ctx,
      t.nav[''],
      <>
        <nav class="switch" aria-label={t.modeSwitch}>
          {SWITCH.map((md) => (
            <a href={`${mbase(m.id)}?mode=${md}`} aria-current={md === mode ? 'page' : undefined}>
              {t.modeWithCount(t.mode[md], count(md))}
            </a>
          ))}
        </nav>
        <p class="muted" id="showing">
          {t.showingMode(t.mode[mode], DAYS)}
        </p>
        <h2>{t.today}</h2>
        <Figures d={sum([today])}>
          <Stat label={t.pointsBalance} value={String(m.points)} />
        </Figures>
        <h2>{t.lastDays(DAYS)}</h2>
        <Figures d={sum(days)} />
        <div class="card">
          <DailyChart
            days={days}
            label={t.chartTitle(t.mode[mode], DAYS)}
            netLabel={t.chartNet}
            ordersLabel={t.chartOrders}
          />
        </div>
      </>,
    ),
  );
});

// ── transactions ─────────────────────────────────────────────────────────────────────────

const RANGES = ['today', '7d', '30d', '60d', 'custom'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CHANNELS = ['personal', 'alipay', 'wechat', 'unionpay', 'qqpay'] as const;

type Query = Record<string, string>;

/** The transactions filter from the query string, or the field that is wrong. */
function filterOf(q: Query, timeZone: string): { filter: Omit<OrderFilter, 'limit'> } | { error: string } {
  const oneOf = <T extends readonly string[]>(name: string, list: T): T[number] | undefined | null => {
    const v = q[name];
    if (!v) return undefined;
    return (list as readonly string[]).includes(v) ? (v as T[number]) : null;
  };
  const status = oneOf('status', ORDER_STATUSES);
  const type = oneOf('type', PAY_TYPES);
  const mode = oneOf('mode', MODES);
  const channel = oneOf('channel', CHANNELS);
  const range = oneOf('range', RANGES);
  for (const [name, v] of Object.entries({ status, type, mode, channel, range }))
    if (v === null) return { error: name };
  if (q.cursor && !/^\d{1,15}$/.test(q.cursor)) return { error: 'cursor' };
  if ((q.q ?? '').length > 1000) return { error: 'q' };
  const f: Omit<OrderFilter, 'limit'> = {
    status: status ?? undefined,
    type: type ?? undefined,
    mode: mode ?? undefined,
    channel: channel ?? undefined,
    q: q.q || undefined,
    cursor: q.cursor || undefined,
  };
  if (range === 'custom') {
    if (q.from && !DATE.test(q.from)) return { error: 'from' };
    if (q.to && !DATE.test(q.to)) return { error: 'to' };
    if (q.from) f.from = Math.floor(startOfLocalDay(q.from, timeZone) / 1000);
    if (q.to) f.to = Math.floor((startOfLocalDay(q.to, timeZone) + 86_400_000) / 1000);
    if (f.from !== undefined && f.to !== undefined && f.to <= f.from) return { error: 'to' };
  } else if (range) f.range = range;
  return { filter: f };
}

const qs = (q: Query, extra: Query = {}) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

router.get('/orders', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const q = c.req.query();
  const parsed = filterOf(q, m.timezone);
  if ('error' in parsed) return problem(c, 400, t.invalidFilter(parsed.error));
  const list = await listOrders(c.get('db'), m.id, { ...parsed.filter, limit: 50 }, m);
  const base = mbase(m.id);
  const { cursor: _, ...keep } = q;
  const Select = ({ name, label, options }: { name: string; label: string; options: Record<string, string> }) => (
    <div>
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">{t.all}</option>
        {Object.entries(options).map(([v, l]) => (
          <option value={v} selected={q[name] === v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
  return c.html(
    page(
      ctx,
      t.nav['/orders'],
      <>
        <form class="card filters" method="get" action={`${base}/orders`} aria-label={t.filters}>
          <Select name="status" label={t.status} options={t.orderStatus} />
          <Select name="type" label={t.payType} options={t.payTypes} />
          <Select name="channel" label={t.channel} options={t.channelFilter} />
          <Select name="mode" label={t.modeLabel} options={t.mode} />
          <Select name="range" label={t.timeRange} options={t.ranges} />
          <div>
            <label for="f-from">{t.fromDate}</label>
            <input id="f-from" type="date" name="from" value={q.from ?? ''} />
          </div>
          <div>
            <label for="f-to">{t.toDate}</label>
            <input id="f-to" type="date" name="to" value={q.to ?? ''} />
          </div>
          <div class="wide">
            <label for="f-q">{t.orderNumbers}</label>
            <input id="f-q" name="q" value={q.q ?? ''} maxlength={1000} placeholder={t.orderSearchHint} />
          </div>
          <div class="actions">
            <button type="submit">{t.filter}</button>
            <a class="button secondary" href={`${base}/orders.csv${qs(keep)}`}>
              {t.exportCsv}
            </a>
          </div>
        </form>
        <List
          rows={list.data}
          empty={t.noOrdersMatch}
          cols={[
            {
              label: t.order,
              nowrap: true,
              cell: (o) => (
                <>
                  <a href={`${base}/orders/${o.id}`}>#{o.id}</a>{' '}
                  {o.mode === 'sandbox' && <Badge kind="sandbox" label={t.mode.sandbox} />}
                </>
              ),
            },
            { label: t.outOrderId, cell: (o) => <span class="mono">{o.outOrderId}</span> },
            { label: t.status, cell: (o) => <Badge kind={o.status} label={t.orderStatus[o.status]} /> },
            { label: t.payType, nowrap: true, cell: (o) => t.payTypes[o.type] },
            { label: t.price, num: true, nowrap: true, cell: (o) => formatFen(o.priceFen) },
            { label: t.realprice, num: true, nowrap: true, cell: (o) => formatFen(o.realpriceFen) },
            { label: t.createdAt, nowrap: true, cell: (o) => <time>{when(o.createdMs, m.timezone)}</time> },
          ]}
        />
        <div class="pager">
          {q.cursor && <a href={`${base}/orders${qs(keep)}`}>{t.firstPage}</a>}
          {list.next_cursor && <a href={`${base}/orders${qs(keep, { cursor: list.next_cursor })}`}>{t.nextPage}</a>}
        </div>
      </>,
    ),
  );
});

const CSV_MAX_ROWS = 10_000;
/** A CSV cell: quoted, and a leading = + - @ made inert for spreadsheets. */
const cell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

router.get('/orders.csv', async (c) => {
  const m = c.get('merchant');
  const parsed = filterOf(c.req.query(), m.timezone);
  if ('error' in parsed) return problem(c, 400, c.get('ctx').t.invalidFilter(parsed.error));
  const lines = [
    [
      'order_id',
      'out_order_id',
      'status',
      'type',
      'mode',
      'price',
      'realprice',
      'custom',
      'session_id',
      'created',
      'paid_at',
    ].join(','),
  ];
  let cursor = parsed.filter.cursor;
  while (lines.length <= CSV_MAX_ROWS) {
    const list = await listOrders(c.get('db'), m.id, { ...parsed.filter, cursor, limit: 1000 }, m);
    for (const o of list.data)
      lines.push(
        [
          o.id,
          o.outOrderId,
          o.status,
          o.type,
          o.mode,
          formatFen(o.priceFen),
          formatFen(o.realpriceFen),
          o.custom,
          o.sessionId,
          when(o.createdMs, m.timezone),
          o.paidMs === null ? '' : when(o.paidMs, m.timezone),
        ]
          .map(cell)
          .join(','),
      );
    if (!list.next_cursor) break;
    cursor = list.next_cursor;
  }
  c.header('content-type', 'text/csv; charset=utf-8');
  c.header('content-disposition', `attachment; filename="orders-${m.id}.csv"`);
  return c.body(`\ufeff${lines.slice(0, CSV_MAX_ROWS + 1).join('\r\n')}\r\n`);
});

// ── unmatched inbox ──────────────────────────────────────────────────────────────────────

router.get('/inbox', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const cursor = c.req.query('cursor');
  const list = await listPayments(c.get('db'), m.id, {
    matched: 'false',
    cursor: cursor && /^\d{1,16}$/.test(cursor) ? cursor : undefined,
    limit: 50,
  });
  const base = mbase(m.id);
  return c.html(
    page(
      ctx,
      t.unmatchedTitle,
      <>
        <p class="muted">{t.unmatchedIntro}</p>
        <List
          rows={list.data}
          empty={t.noUnmatched}
          cols={[
            {
              label: t.payment,
              cell: (p) => (
                <>
                  <span class="mono">{p.id}</span> <Badge kind={p.mode} label={t.mode[p.mode]} />
                </>
              ),
            },
            { label: t.amount, num: true, nowrap: true, cell: (p) => formatFen(p.amountFen) },
            { label: t.payType, nowrap: true, cell: (p) => t.payTypes[p.type as PayType] ?? p.type },
            { label: t.paidAt, nowrap: true, cell: (p) => <time>{when(p.paidMs, m.timezone)}</time> },
            { label: t.payer, cell: (p) => (p.payer ? <Data>{p.payer}</Data> : '—') },
            {
              label: t.assign,
              block: true,
              cell: (p) => (
                <form method="post" action={`${base}/inbox/${p.id}/assign`}>
                  <Csrf ctx={ctx} />
                  <Label for={`o-${p.id}`} text={t.assignTo} hint={t.assignHint} />
                  <input id={`o-${p.id}`} name="order" required maxlength={64} autocomplete="off" />
                  <button type="submit">{t.assign}</button>
                </form>
              ),
            },
          ]}
        />
        {list.next_cursor && <a href={`${base}/inbox?cursor=${list.next_cursor}`}>{t.nextPage}</a>}
      </>,
    ),
  );
});

/**
 * The merchant's order that a 补单 form names: by huipay's order id or by the merchant's own
 * out_order_id (in the payment's mode when several apps use that number), or why none.
 */
async function orderNamed(c: CCtx, text: string, mode: Mode): Promise<{ id: number } | { error: string }> {
  const { t } = c.get('ctx');
  if (!OUT_ORDER_ID.test(text)) return { error: t.assignBadNumber };
  const m = c.get('merchant');
  const rows = await c
    .get('db')
    .select({ id: orders.id, mode: orders.mode })
    .from(orders)
    .where(
      and(
        eq(orders.merchantId, m.id),
        /^\d{1,15}$/.test(text)
          ? or(eq(orders.id, Number(text)), eq(orders.outOrderId, text))
          : eq(orders.outOrderId, text),
      ),
    )
    .limit(20);
  const same = rows.filter((r) => r.mode === mode);
  const pick = same.length > 0 ? same : rows;
  if (pick.length === 0) return { error: t.assignNoOrder(text) };
  if (pick.length > 1) return { error: t.assignAmbiguous(text, pick.map((r) => `#${r.id}`).join(', ')) };
  return { id: pick[0].id };
}

router.post('/inbox/:pid/assign', async (c) => {
  const m = c.get('merchant');
  const pid = c.req.param('pid');
  const { t } = c.get('ctx');
  const to = `${mbase(m.id)}/inbox`;
  const p = /^pay_[A-Za-z0-9]{1,40}$/.test(pid)
    ? await c.get('db').query.payments.findFirst({ where: and(eq(payments.id, pid), eq(payments.merchantId, m.id)) })
    : undefined;
  if (!p) return notFound(c);
  const named = await orderNamed(c, field(c, 'order'), p.mode);
  if ('error' in named) return redirectWith(c, to, 'error', named.error);
  try {
    const r = await assignPayment(c.env, c.get('db'), p.id, named.id);
    return redirectWith(c, `${mbase(m.id)}/orders/${r.order.id}`, 'ok', t.assigned);
  } catch (err) {
    if (err instanceof ApiError) return refuse(c, to, err.message);
    throw err;
  }
});

export default router;
