/** The transactions page (filters, the list, paging) and its CSV export. */
import type { Merchant } from '../../db/schema';
import type { OrderRow } from '../../services/listing';
import { formatFen } from '../../domain/money';
import { CSV_START, csvLine } from '../../domain/order-csv';
import { badge, esc, List, mbase, type PageCtx, when } from '../layout';

type Query = Record<string, string>;

/** A query string of the non-empty values, with `extra` over `q`. */
const qs = (q: Query, extra: Query = {}) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

function Select(props: { ctx: PageCtx; q: Query; name: string; label: string; options: Record<string, string> }) {
  const { ctx, q, name } = props;
  return (
    <div>
      <label for={`f-${name}`}>{props.label}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">{ctx.t.all}</option>
        {Object.entries(props.options).map(([v, l]) => (
          <option value={v} selected={q[name] === v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The filter form, as given in the query `q`, with the export of the same filter. */
function Filters({ ctx, q, base }: { ctx: PageCtx; q: Query; base: string }) {
  const { t } = ctx;
  const { cursor: _, ...keep } = q;
  return (
    <form class="card filters" method="get" action={`${base}/orders`} aria-label={t.filters}>
      <Select ctx={ctx} q={q} name="status" label={t.status} options={t.orderStatus} />
      <Select ctx={ctx} q={q} name="type" label={t.payType} options={t.payTypes} />
      <Select ctx={ctx} q={q} name="channel" label={t.channel} options={t.channelFilter} />
      <Select ctx={ctx} q={q} name="mode" label={t.modeLabel} options={t.mode} />
      <Select ctx={ctx} q={q} name="range" label={t.timeRange} options={t.ranges} />
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
  );
}

/** Every order of a date range as a file (the admin export's stream), oldest first. */
function ExportForm({ ctx, base }: { ctx: PageCtx; base: string }) {
  const t = ctx.t;
  return (
    <form class="card filters" method="get" action={`${base}/export`} aria-label={t.exportAll}>
      <div>
        <label for="x-from">{t.fromDate}</label>
        <input id="x-from" type="date" name="from" required />
      </div>
      <div>
        <label for="x-to">{t.toDate}</label>
        <input id="x-to" type="date" name="to" required />
      </div>
      <div>
        <label for="x-format">{t.exportFormat}</label>
        <select id="x-format" name="format">
          <option value="csv">{t.exportFormats.csv}</option>
          <option value="ndjson">{t.exportFormats.ndjson}</option>
        </select>
      </div>
      <div class="actions">
        <button type="submit">{t.download}</button>
      </div>
    </form>
  );
}

/** The transactions page: the filters as asked (`q`), a page of orders and the links to the first and next pages. */
export function Transactions(props: {
  ctx: PageCtx;
  m: Merchant;
  q: Query;
  list: { data: OrderRow[]; next_cursor: string | null };
}) {
  const { ctx, m, q, list } = props;
  const { t } = ctx;
  const base = mbase(m.id);
  const { cursor: _, ...keep } = q;
  return (
    <>
      <Filters ctx={ctx} q={q} base={base} />
      <List
        rows={list.data}
        empty={t.noOrdersMatch}
        cols={[
          {
            label: t.order,
            nowrap: true,
            html: (o) =>
              `<a href="${base}/orders/${o.id}">#${o.id}</a> ${o.mode === 'sandbox' ? badge('sandbox', t.mode.sandbox) : ''}`,
          },
          { label: t.outOrderId, html: (o) => `<span class="mono">${esc(o.outOrderId)}</span>` },
          { label: t.status, html: (o) => badge(o.status, t.orderStatus[o.status]) },
          { label: t.payType, nowrap: true, html: (o) => esc(t.payTypes[o.type]) },
          { label: t.price, num: true, nowrap: true, html: (o) => formatFen(o.priceFen) },
          { label: t.realprice, num: true, nowrap: true, html: (o) => formatFen(o.realpriceFen) },
          { label: t.createdAt, nowrap: true, html: (o) => `<time>${esc(when(o.createdMs, m.timezone))}</time>` },
        ]}
      />
      <div class="pager">
        {q.cursor && <a href={`${base}/orders${qs(keep)}`}>{t.firstPage}</a>}
        {list.next_cursor && <a href={`${base}/orders${qs(keep, { cursor: list.next_cursor })}`}>{t.nextPage}</a>}
      </div>
      <h2>{t.exportAll}</h2>
      <ExportForm ctx={ctx} base={base} />
    </>
  );
}

/** The orders as a CSV file (domain/order-csv.ts), times in the merchant's time zone. */
export const ordersCsv = (rows: OrderRow[], timeZone: string): string =>
  CSV_START + rows.map((o) => csvLine(o, timeZone)).join('');
