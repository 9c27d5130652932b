/**
 * The gatepay merchant API's request parameters (SPEC §3), one zod schema per operation: create,
 * query/close (a lookup), refund and refund query. The same schemas check the parameters — once
 * the sign has been verified over the raw strings as sent, field by field in the order a merchant
 * meets the checks (src/domain/gatepay.ts) — and describe them in the OpenAPI document
 * (src/routes/public-docs.ts). A field's message is the one the merchant reads; its code follows
 * from the field (`invalidFieldCode`: 202 for `type`, else 105).
 */
import { z } from '@hono/zod-openapi';
import { OUT_ORDER_ID, PRINTABLE } from '../domain/gatepay';
import { REGION_PATTERN } from '../domain/rules';
import { CREATE_METHODS, PAY_TYPES } from '../domain/vocab';
import { fieldCheck, Yuan } from './common';

const ONE_OF = 'give exactly one of order_id and out_order_id, the other empty or absent (both set: 105)';
const OUT_ORDER_ID_HELP = '1-64 characters of A-Z a-z 0-9 _ . | -';
const REASON_INVALID = 'reason invalid: at most 256 characters, no control characters';

const Sign = z
  .string()
  .openapi({ description: 'lowercase hex MD5, see the formula above', example: '3cf45cbfb681de0a00f1776f8d306943' });
const Appkey = z.string().openapi({ example: 'ak_demo123' });

export const GatepayCreate = z
  .object({
    appkey: Appkey,
    price: Yuan,
    type: z.enum(PAY_TYPES, { error: `type invalid: must be one of ${PAY_TYPES.join(', ')}` }),
    out_order_id: z
      .string()
      .regex(OUT_ORDER_ID, `out_order_id invalid: ${OUT_ORDER_ID_HELP}`)
      .openapi({ example: '20261122001' }),
    custom: z
      .string()
      .max(255, 'custom invalid: at most 255 characters')
      .openapi({ description: 'pass-through value, may be empty', example: 'user42' }),
    sign: Sign,
    product_id: z.string().max(64, 'product_id invalid: at most 64 characters').optional(),
    notify_url: z
      .string()
      .optional()
      .openapi({ description: 'per-order override; only when the app allows overrides (else 106)' }),
    return_url: z.string().optional(),
    timeout_url: z.string().optional(),
    payer_region: z
      .string()
      .regex(REGION_PATTERN, 'payer_region invalid: an ISO country code (US) or China province code (CN-GD)')
      .optional()
      .openapi({ description: "the payer's region for collection rules, e.g. CN-GD or US" }),
    method: z
      .enum(CREATE_METHODS)
      .optional()
      .openapi({ description: 'official channel only (not signed): default `auto`, the cashier page picks by device' }),
    subject: z
      .string()
      .max(256)
      .optional()
      .openapi({ description: "official channel only: the item name the provider shows (default: the app's name)" }),
    client_ip: z
      .string()
      .optional()
      .openapi({ description: "official channel only: the payer's IPv4 or IPv6 address" }),
    openid: z
      .string()
      .optional()
      .openapi({ description: "official channel only: the payer's WeChat openid, for `jsapi`" }),
  })
  .openapi('GatepayCreate');

/** `query` and `close`: the order by exactly one of its ids. */
export const GatepayLookup = z
  .object({
    appkey: z.string(),
    order_id: z.string().optional().openapi({ description: ONE_OF }),
    out_order_id: z.string().optional(),
    sign: Sign,
  })
  .openapi('GatepayLookup');

export const GatepayRefund = z
  .object({
    appkey: Appkey,
    order_id: z.string().optional().openapi({ description: ONE_OF, example: '42' }),
    out_order_id: z.string().optional().openapi({ example: '' }),
    out_refund_no: z.string().regex(OUT_ORDER_ID, `out_refund_no invalid: ${OUT_ORDER_ID_HELP}`).openapi({
      description:
        'your refund number, 1–64 of A-Z a-z 0-9 _ . | -: the same one with the same amount is the same refund',
      example: 'rf20261122001',
    }),
    amount: Yuan.openapi({
      description: 'yuan to refund; partial refunds never add up to more than was paid',
      example: '3.00',
    }),
    reason: z
      .string()
      .max(256, REASON_INVALID)
      .regex(PRINTABLE, REASON_INVALID)
      .optional()
      .openapi({ description: 'not signed; no control characters' }),
    sign: Sign.openapi({ example: 'd3040c31efcd0b6d2bd6489e7ec23362' }),
  })
  .openapi('GatepayRefund');

export const GatepayRefundQuery = z
  .object({
    appkey: GatepayRefund.shape.appkey,
    out_refund_no: GatepayRefund.shape.out_refund_no,
    sign: Sign.openapi({ example: '01e3bb6903b3533294b96bfe1bc1421d' }),
  })
  .openapi('GatepayRefundQuery');

export const createFieldProblem = fieldCheck(GatepayCreate);
export const refundFieldProblem = fieldCheck(GatepayRefund);
