/**
 * The order filter, defined once: its fields (status, pay type, mode, channel, time range, order
 * numbers, cursor) in two wire forms over them — the admin API's query (`from`/`to` in unix seconds,
 * `limit`, strict) and the console's transactions page (`from`/`to` as local dates of a custom
 * range, empty fields meaning "all", other keys ignored). Either way a bad value is an issue whose
 * path names the field.
 */
import { z } from '@hono/zod-openapi';
import { MODES, ORDER_STATUSES, PAY_TYPES } from '../domain/vocab';
import { Cursor, Limit } from './common';

/** The named ranges: calendar days in the merchant's time zone, today included. */
export const ORDER_RANGE_DAYS = { today: 1, '7d': 7, '30d': 30, '60d': 60 } as const;
export type OrderRange = keyof typeof ORDER_RANGE_DAYS;
/** The named ranges, or custom dates (console). */
export const ORDER_RANGES = ['today', '7d', '30d', '60d', 'custom'] as const satisfies readonly (
  | OrderRange
  | 'custom'
)[];
/** `personal` (collection sessions) or an official channel's name. */
export const ORDER_CHANNELS = ['personal', 'alipay', 'wechat', 'unionpay', 'qqpay'] as const;

const fields = {
  status: z.enum(ORDER_STATUSES).optional(),
  type: z.enum(PAY_TYPES).optional(),
  mode: z.enum(MODES).optional(),
  channel: z.enum(ORDER_CHANNELS).optional(),
  range: z.enum(ORDER_RANGES).optional(),
  cursor: Cursor,
  q: z.string().max(1000).optional(),
};

/** The admin API's order list query. */
export const OrderFilters = z
  .object({
    status: fields.status,
    type: fields.type,
    mode: fields.mode,
    range: z
      .enum(ORDER_RANGES)
      .exclude(['custom'])
      .optional()
      .openapi({ description: "calendar days in the merchant's time zone, today included" }),
    from: z.coerce.number().int().nonnegative().optional().openapi({ description: 'unix seconds, inclusive' }),
    to: z.coerce.number().int().nonnegative().optional().openapi({ description: 'unix seconds, exclusive' }),
    cursor: fields.cursor,
    limit: Limit,
  })
  .strict();

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The console's transactions filter; `from`/`to` (YYYY-MM-DD) are read only for a custom range. */
export const ConsoleOrderFilter = z
  .object({ ...fields, from: z.string().optional(), to: z.string().optional() })
  .superRefine((f, ctx) => {
    if (f.range !== 'custom') return;
    for (const name of ['from', 'to'] as const)
      if (f[name] !== undefined && !DATE.test(f[name]))
        ctx.addIssue({ code: 'custom', path: [name], message: 'a date' });
  });

export type ConsoleOrderFilter = z.infer<typeof ConsoleOrderFilter>;

/** The console's filter from a query string (empty values are "all"), or the first field that is wrong. */
export function consoleOrderFilter(query: Record<string, string>): { filter: ConsoleOrderFilter } | { error: string } {
  const r = ConsoleOrderFilter.safeParse(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== '')));
  return r.success ? { filter: r.data } : { error: String(r.error.issues[0].path[0]) };
}
