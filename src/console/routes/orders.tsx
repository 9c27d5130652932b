/** Console, merchant side: dashboard, transactions (filters, paging, CSV), the unmatched inbox (order detail: order-detail.tsx). */
import { and, eq } from 'drizzle-orm';
import { payments } from '../../db/schema';
import { startOfLocalDay } from '../../domain/clock';
import { formatFen } from '../../domain/money';
import { MODES, ORDER_STATUSES, PAY_TYPES } from '../../domain/vocab';
import { listOrders, listPayments, type OrderFilter } from '../../services/listing';
import { assignPayment } from '../../services/payments';
import { dailyStats } from '../../services/stats';
import { ApiError } from '../../errors';
import { DailyChart } from '../chart';
import { consoleRouter, field, notFound, problem, redirectWith } from '../core';
import { Badge, Csrf, mbase, page, when, type Tr } from '../layout';

const router = consoleRouter();

export const statusLabel = (tr: Tr, s: string) =>
  ({
    pending: tr('待支付', 'pending'),
    paid: tr('已支付', 'paid'),
    expired: tr('已过期', 'expired'),
    closed: tr('已关闭', 'closed'),
    refunded: tr('已退款', 'refunded'),
  })[s] ?? s;
export const typeLabel = (tr: Tr, t: string) =>
  ({
    alipay: tr('支付宝', 'Alipay'),
    wechat: tr('微信', 'WeChat'),
    qqpay: tr('QQ钱包', 'QQ Wallet'),
    unionpay: tr('云闪付', 'UnionPay'),
  })[t] ?? t;

// ── dashboard ────────────────────────────────────────────────────────────────────────────

router.get('/', async (c) => {
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const mode = c.req.query('mode') === 'sandbox' ? 'sandbox' : 'live';
  const days = await dailyStats(c.get('db'), m.id, mode, m.timezone, 7);
  const today = days[days.length - 1];
  const week = days.reduce(
    (a, d) => ({ orders: a.orders + d.orders, paid: a.paid + d.paid, paidFen: a.paidFen + d.paidFen }),
    { orders: 0, paid: 0, paidFen: 0 },
  );
  const rate = (paid: number, n: number) => (n === 0 ? '—' : `${((paid / n) * 100).toFixed(1)}%`);
  const Stat = ({ label, value }: { label: string; value: string }) => (
    <div class="card stat">
      <div class="label">{label}</div>
      <div class="value">{value}</div>
    </div>
  );
  return c.html(
    page(
      ctx,
      tr('概览', 'Dashboard'),
      <>
        <p>
          {mode === 'live' ? (
            <strong>{tr('正式环境', 'Live')}</strong>
          ) : (
            <a href={mbase(m.id)}>{tr('正式环境', 'Live')}</a>
          )}{' '}
          ·{' '}
          {mode === 'sandbox' ? (
            <strong>{tr('沙箱', 'Sandbox')}</strong>
          ) : (
            <a href={`${mbase(m.id)}?mode=sandbox`}>{tr('沙箱', 'Sandbox')}</a>
          )}
        </p>
        <h2>{tr('今天', 'Today')}</h2>
        <div class="grid">
          <Stat label={tr('收款金额', 'Paid amount')} value={`¥${formatFen(today.paidFen)}`} />
          <Stat label={tr('订单数', 'Orders')} value={String(today.orders)} />
          <Stat label={tr('成功率', 'Success rate')} value={rate(today.paid, today.orders)} />
          <Stat label={tr('积分余额', 'Points balance')} value={String(m.points)} />
        </div>
        <h2>{tr('最近 7 天', 'Last 7 days')}</h2>
        <div class="grid">
          <Stat label={tr('收款金额', 'Paid amount')} value={`¥${formatFen(week.paidFen)}`} />
          <Stat label={tr('订单数', 'Orders')} value={String(week.orders)} />
          <Stat label={tr('成功率', 'Success rate')} value={rate(week.paid, week.orders)} />
        </div>
        <div class="card">
          <DailyChart
            days={days}
            label={tr(
              '最近 7 天每日收款金额（柱）与订单数（线）',
              'Paid amount per day (bars) and orders (line), last 7 days',
            )}
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
  const { tr } = ctx;
  const q = c.req.query();
  const parsed = filterOf(q, m.timezone);
  if ('error' in parsed) return problem(c, 400, `${tr('筛选条件无效', 'Invalid filter')}: ${parsed.error}`);
  const list = await listOrders(c.get('db'), m.id, { ...parsed.filter, limit: 50 }, m);
  const base = mbase(m.id);
  const { cursor: _, ...keep } = q;
  const Select = ({ name, label, options }: { name: string; label: string; options: [string, string][] }) => (
    <div>
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">{tr('全部', 'All')}</option>
        {options.map(([v, l]) => (
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
      tr('交易', 'Transactions'),
      <>
        <form class="card filters" method="get" action={`${base}/orders`} aria-label={tr('筛选', 'Filters')}>
          <Select
            name="status"
            label={tr('状态', 'Status')}
            options={ORDER_STATUSES.map((s) => [s, statusLabel(tr, s)])}
          />
          <Select
            name="type"
            label={tr('支付方式', 'Pay type')}
            options={PAY_TYPES.map((t) => [t, typeLabel(tr, t)])}
          />
          <Select
            name="channel"
            label={tr('通道', 'Channel')}
            options={CHANNELS.map((ch) => [
              ch,
              ch === 'personal'
                ? tr('个人收款会话', 'Personal sessions')
                : `${typeLabel(tr, ch)} ${tr('官方', 'official')}`,
            ])}
          />
          <Select
            name="mode"
            label={tr('环境', 'Mode')}
            options={[
              ['live', tr('正式', 'live')],
              ['sandbox', tr('沙箱', 'sandbox')],
            ]}
          />
          <Select
            name="range"
            label={tr('时间', 'Time')}
            options={[
              ['today', tr('今天', 'Today')],
              ['7d', tr('最近 7 天', 'Last 7 days')],
              ['30d', tr('最近 30 天', 'Last 30 days')],
              ['60d', tr('最近 60 天', 'Last 60 days')],
              ['custom', tr('自定义', 'Custom range')],
            ]}
          />
          <div>
            <label for="f-from">{tr('开始日期', 'From')}</label>
            <input id="f-from" type="date" name="from" value={q.from ?? ''} />
          </div>
          <div>
            <label for="f-to">{tr('结束日期', 'To')}</label>
            <input id="f-to" type="date" name="to" value={q.to ?? ''} />
          </div>
          <div>
            <label for="f-q">{tr('订单号', 'Order numbers')}</label>
            <input
              id="f-q"
              name="q"
              value={q.q ?? ''}
              maxlength={1000}
              placeholder={tr('订单号或商户订单号，可用 * 前缀', 'order id or out_order_id, prefix*')}
            />
          </div>
          <div>
            <button type="submit">{tr('筛选', 'Filter')}</button>{' '}
            <a class="button secondary" href={`${base}/orders.csv${qs(keep)}`}>
              {tr('导出 CSV', 'Export CSV')}
            </a>
          </div>
        </form>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th>{tr('订单', 'Order')}</th>
                <th>{tr('商户订单号', 'out_order_id')}</th>
                <th>{tr('状态', 'Status')}</th>
                <th>{tr('方式', 'Type')}</th>
                <th class="num">{tr('金额', 'Price')}</th>
                <th class="num">{tr('实付', 'Realprice')}</th>
                <th class="hide-sm">{tr('创建时间', 'Created')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((o) => (
                <tr>
                  <td>
                    <a href={`${base}/orders/${o.id}`}>#{o.id}</a>{' '}
                    {o.mode === 'sandbox' && <Badge value="sandbox" label={tr('沙箱', 'sandbox')} />}
                  </td>
                  <td class="mono">{o.outOrderId}</td>
                  <td>
                    <Badge value={o.status} label={statusLabel(tr, o.status)} />
                  </td>
                  <td>{typeLabel(tr, o.type)}</td>
                  <td class="num">{formatFen(o.priceFen)}</td>
                  <td class="num">{formatFen(o.realpriceFen)}</td>
                  <td class="hide-sm">{when(o.createdMs, m.timezone)}</td>
                </tr>
              ))}
              {list.data.length === 0 && (
                <tr>
                  <td colspan={7}>{tr('没有符合条件的订单。', 'No orders match.')}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <div class="pager">
          {q.cursor && <a href={`${base}/orders${qs(keep)}`}>{tr('« 第一页', '« First page')}</a>}
          {list.next_cursor && (
            <a href={`${base}/orders${qs(keep, { cursor: list.next_cursor })}`}>{tr('下一页 »', 'Next page »')}</a>
          )}
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
  if ('error' in parsed) return problem(c, 400, `invalid filter: ${parsed.error}`);
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
  const { tr } = ctx;
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
      tr('未匹配收款', 'Unmatched payments'),
      <>
        <p class="muted">
          {tr(
            '监控端报告了收款但没有匹配到订单。核对后可手动补单到一个待支付订单。',
            'Payments the monitor reported that matched no order. After checking, assign one to a pending order by hand.',
          )}
        </p>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th>{tr('收款', 'Payment')}</th>
                <th class="num">{tr('金额', 'Amount')}</th>
                <th>{tr('方式', 'Type')}</th>
                <th>{tr('时间', 'Paid at')}</th>
                <th>{tr('付款人', 'Payer')}</th>
                <th>{tr('补单', 'Assign')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((p) => (
                <tr>
                  <td class="mono">
                    {p.id} <Badge value={p.mode} />
                  </td>
                  <td class="num">{formatFen(p.amountFen)}</td>
                  <td>{typeLabel(tr, p.type)}</td>
                  <td>{when(p.paidMs, m.timezone)}</td>
                  <td>{p.payer ?? '—'}</td>
                  <td>
                    <form method="post" action={`${base}/inbox/${p.id}/assign`}>
                      <Csrf ctx={ctx} />
                      <label for={`o-${p.id}`}>{tr('订单号（待支付）', 'Pending order id')}</label>
                      <input
                        id={`o-${p.id}`}
                        name="order_id"
                        inputmode="numeric"
                        pattern="[0-9]+"
                        required
                        maxlength={15}
                      />
                      <button type="submit">{tr('补单', 'Assign')}</button>
                    </form>
                  </td>
                </tr>
              ))}
              {list.data.length === 0 && (
                <tr>
                  <td colspan={6}>{tr('没有未匹配的收款。', 'No unmatched payments.')}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {list.next_cursor && <a href={`${base}/inbox?cursor=${list.next_cursor}`}>{tr('下一页 »', 'Next page »')}</a>}
      </>,
    ),
  );
});

router.post('/inbox/:pid/assign', async (c) => {
  const m = c.get('merchant');
  const pid = c.req.param('pid');
  const { tr } = c.get('ctx');
  const to = `${mbase(m.id)}/inbox`;
  const p = /^pay_[A-Za-z0-9]{1,40}$/.test(pid)
    ? await c.get('db').query.payments.findFirst({ where: and(eq(payments.id, pid), eq(payments.merchantId, m.id)) })
    : undefined;
  if (!p) return notFound(c);
  const orderId = field(c, 'order_id');
  if (!/^\d{1,15}$/.test(orderId))
    return redirectWith(c, to, 'error', tr('订单号应为数字。', 'order_id: a numeric order id.'));
  try {
    const r = await assignPayment(c.env, c.get('db'), p.id, Number(orderId));
    return redirectWith(
      c,
      `${mbase(m.id)}/orders/${r.order.id}`,
      'ok',
      tr('已补单，订单已支付。', 'Assigned; the order is paid.'),
    );
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
});

export default router;
