/** Admin API shapes of orders, received payments and manual assignment (the order filter: ./order-filter). */
import { z } from '@hono/zod-openapi';
import { FACADES, MODES, ORDER_STATUSES, PAY_TYPES } from '../domain/vocab';
import { UnixSeconds, Yuan } from './common';

export const PaymentParam = z.object({
  id: z
    .string()
    .regex(/^pay_[A-Za-z0-9]{1,40}$/, 'a payment id')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const OrderView = z
  .object({
    id: z.number().int(),
    app_id: z.number().int(),
    out_order_id: z.string(),
    session_id: z.number().int(),
    status: z.enum(ORDER_STATUSES),
    price: Yuan,
    realprice: Yuan,
    type: z.enum(PAY_TYPES),
    mode: z.enum(MODES),
    custom: z.string(),
    product_id: z.string(),
    payment_id: z.string().nullable(),
    facade: z
      .enum(FACADES)
      .nullable()
      .openapi({ description: 'the compatibility facade that made the order; null: gatepay' }),
    facade_fields: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .nullable()
      .openapi({
        description: "the facade's own strings its notify echoes (epay type, name, money; vmq type, price, isAuto)",
      }),
    created: UnixSeconds,
    expires: UnixSeconds,
    paid_at: UnixSeconds.nullable(),
    closed_at: UnixSeconds.nullable(),
    channel: z.string().nullable().openapi({ description: 'the official channel, or null for a collection session' }),
    method: z.string().nullable(),
    provider_trade_no: z.string().nullable().openapi({ description: "huipay's order number at the provider" }),
    provider_txn_id: z.string().nullable().openapi({ description: "the provider's transaction number, once paid" }),
    refunded: Yuan.openapi({ description: 'sum of succeeded refunds' }),
  })
  .openapi('Order');
export const PaymentView = z
  .object({
    id: z.string(),
    session_id: z.number().int().openapi({ description: '0 when an official channel reported it' }),
    mode: z.enum(MODES),
    type: z.enum(PAY_TYPES),
    amount: Yuan,
    paid_at: UnixSeconds,
    ref: z.string().nullable(),
    payer: z.string().nullable(),
    order_id: z.number().int().nullable(),
    matched_by: z.enum(['auto', 'manual']).nullable(),
    received: UnixSeconds,
    channel: z.string().nullable(),
    note: z.string().nullable().openapi({ description: 'why it is unmatched, or what was unusual about its match' }),
  })
  .openapi('Payment');
export const PaymentFilters = z
  .object({
    matched: z.enum(['true', 'false']).optional(),
    cursor: z
      .string()
      .regex(/^\d{1,16}$/, 'a next_cursor from a previous page')
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export const Assign = z.object({ order_id: z.number().int().positive() }).strict().openapi('Assign');

/** `GET /merchants/{id}/export`: checked by the export itself, so a bad date is a 422 naming it. */
export const ExportQuery = z
  .object({
    from: z
      .string()
      .max(64)
      .optional()
      .openapi({ example: '2026-12-01', description: "first day, YYYY-MM-DD in the merchant's time zone" }),
    to: z.string().max(64).optional().openapi({ example: '2026-12-07', description: 'last day, included' }),
    format: z.string().max(16).optional().openapi({ example: 'csv', description: 'csv (default) or ndjson' }),
  })
  .openapi('ExportQuery');
