/**
 * The orders CSV (the console's download and the admin export, SPEC §14.2): one header, one line
 * per order, cells quoted and a leading = + - @ made inert for spreadsheets, times in the
 * merchant's time zone, CRLF lines; the file starts with a UTF-8 BOM so spreadsheets read Chinese.
 */
import { localDateTime } from './clock';
import { formatFen } from './money';

/** What a CSV line shows of an order. */
export interface CsvOrder {
  id: number;
  outOrderId: string;
  status: string;
  type: string;
  mode: string;
  priceFen: number;
  realpriceFen: number;
  custom: string;
  sessionId: number;
  createdMs: number;
  paidMs: number | null;
}

const HEAD = [
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
];

/** A CSV cell: quoted, and a leading = + - @ made inert for spreadsheets. */
const cell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

/** The BOM and the header line. */
export const CSV_START = `\ufeff${HEAD.join(',')}\r\n`;

/** One order's line, CRLF-terminated. */
export const csvLine = (o: CsvOrder, timeZone: string): string =>
  `${[
    o.id,
    o.outOrderId,
    o.status,
    o.type,
    o.mode,
    formatFen(o.priceFen),
    formatFen(o.realpriceFen),
    o.custom,
    o.sessionId,
    localDateTime(o.createdMs, timeZone),
    o.paidMs === null ? '' : localDateTime(o.paidMs, timeZone),
  ]
    .map(cell)
    .join(',')}\r\n`;
