/** Admin API shapes of refunds, each with its provider calls. */
import { z } from '@hono/zod-openapi';
import { OUT_ORDER_ID } from '../domain/gatepay';
import { REFUND_STATUSES } from '../domain/vocab';
import { ChannelLogView } from './channels';
import { UnixSeconds, Yuan } from './common';

export const RefundCreate = z
  .object({
    amount: Yuan,
    reason: z.string().max(256).optional(),
    out_refund_no: z
      .string()
      .regex(OUT_ORDER_ID, '1-64 of A-Z a-z 0-9 _ . | -')
      .optional()
      .openapi({ description: 'your idempotency key (default: one is made)' }),
  })
  .strict()
  .openapi('RefundCreate');
export const RefundView = z
  .object({
    refund_id: z.number().int(),
    out_refund_no: z.string(),
    order_id: z.number().int(),
    out_order_id: z.string(),
    amount: Yuan,
    status: z.enum(REFUND_STATUSES),
    reason: z.string().nullable(),
    created: UnixSeconds,
    finished: z.number().int().openapi({ description: 'unix seconds; 0 while pending' }),
    msg: z.string(),
    log: z.array(ChannelLogView).optional(),
  })
  .openapi('Refund');
