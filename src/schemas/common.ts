/** Admin API building blocks shared by every resource: money, time, URLs, names, path params, errors, pages. */
import { z } from '@hono/zod-openapi';
import { isTimeZone } from '../domain/clock';
import { type FieldProblem, PRINTABLE } from '../domain/gatepay';
import { normalizeHttpUrl } from '../domain/ssrf';

export const Yuan = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, 'a decimal yuan string like "10.00"')
  .openapi({ example: '10.00' });
export const TimeZone = z
  .string()
  .refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai')
  .openapi({ example: 'Asia/Shanghai' });
/** An absolute http(s) URL without credentials or control characters, stored normalised. */
export const HttpUrl = z
  .string()
  .max(1024)
  .transform((v, ctx) => {
    const parsed = normalizeHttpUrl(v);
    if (parsed.ok) return parsed.url;
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  })
  .openapi({ type: 'string', format: 'uri', example: 'https://shop.example.com/pay/notify' });
/** A display name or label: 1–100 characters after trimming, no control characters. */
export const Name = z.string().trim().min(1).max(100).regex(PRINTABLE, 'printable text without control characters');
export const UnixSeconds = z.number().int().openapi({ example: 1767225600 });
const NumericId = z
  .string()
  .regex(/^\d{1,15}$/, 'a numeric id')
  .transform(Number);
export const IdParam = z.object({ id: NumericId.openapi({ param: { name: 'id', in: 'path' }, example: '1' }) });
export const AppkeyParam = z.object({
  appkey: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'appkey', in: 'path' } }),
});

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), request_id: z.string() }) })
  .openapi('Error');
/** A page of `item`s and the cursor of the next one (null: the last page). */
export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/** `cursor` and `limit` of a paged list: a next_cursor from a previous page, 1–200 rows (default 50). */
export const Cursor = z
  .string()
  .regex(/^\d{1,15}$/, 'a next_cursor from a previous page')
  .optional();
export const Limit = z.coerce.number().int().min(1).max(200).default(50);

/** The check of one field of an operation's schema: null when the value passes (or is no field of it), else its message. */
export const fieldCheck =
  (schema: z.ZodObject): FieldProblem =>
  (field, value) => {
    const s = schema.shape[field];
    if (!s) return null;
    const r = (s as z.ZodType).safeParse(value);
    return r.success ? null : r.error.issues[0].message;
  };
