/**
 * What the facades' parameter schemas share (schemas/epay.ts, schemas/vmq.ts): the field shapes
 * of an amount, an order number, an MD5 sign, a callback URL and `param`, and the `{code: -1, msg}`
 * failure. The facades verify each sign over the exact strings received (facades/params.ts), then
 * check field by field (`fieldCheck`, schemas/common.ts) in the order their clients meet the
 * checks, so a message names the first field at fault; the same schemas are the OpenAPI
 * document's (routes/epay-docs.ts, routes/vmq-docs.ts).
 */
import { z } from '@hono/zod-openapi';
import { OUT_ORDER_ID } from '../domain/gatepay';
import { PLAIN_YUAN } from '../domain/money';

/** An amount as the facades take it (domain/money.ts `parsePlainYuan`, which also applies MAX_AMOUNT). */
export const PlainAmount = z.string().regex(PLAIN_YUAN).openapi({
  description:
    'yuan written plainly: > 0, at most two decimals, ≤ MAX_AMOUNT; no sign, exponent or leading zero (`1`, `1.5`, `10.00`; not `01`, `00.10`, `1e2`)',
  example: '30',
});
const ORDER_NO_HELP = '应为 1-64 位字母、数字或 _ . | -（不能有空格）';
/** The merchant's order number (epay out_trade_no, V免签 payId); `field` names it in the message. */
export const orderNo = (field: string) =>
  z
    .string()
    .regex(OUT_ORDER_ID, `${field} 无效：${ORDER_NO_HELP}`)
    .openapi({ description: '1–64 characters of A-Z a-z 0-9 _ . | -', example: 'SO-20261201-0008' });
export const Md5Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/)
  .openapi({ description: 'hex MD5 (lowercase; uppercase accepted), formula in the description' });
/** A callback URL given with the order: http(s), ≤ 1024 characters; a live app's notify URL may not be internal. */
export const CallbackUrl = z.string().max(1024).openapi({ format: 'uri', example: 'https://shop.example.com/notify' });
/** `param` of both facades: the order's `custom`. */
export const Param = z.string().max(255, 'param 无效：最多 255 个字符').optional().openapi({
  description: "pass-through text up to 255 characters, the order's `custom`, echoed in the notify",
  example: 'uid881',
});

/** Every facade's refusal: HTTP 200 (404 for an unknown API or monitor host) with a message naming the field. */
export const Failure = z
  .object({ code: z.literal(-1), msg: z.string().openapi({ example: 'money 00.10 无效：…' }) })
  .openapi('FacadeFailure');
