/** Admin API shapes of a merchant's points: its plan, adjustments and the ledger. */
import { z } from '@hono/zod-openapi';
import { PRINTABLE } from '../domain/gatepay';
import { POINTS_REASONS } from '../domain/vocab';
import { Cursor, Limit, UnixSeconds } from './common';

export const PlanUpdate = z
  .object({
    onboarding_fee: z.number().int().min(0).max(100_000_000).openapi({ description: 'points per scan-to-go-online' }),
    order_fee_points: z.number().int().min(0).max(100_000_000).openapi({ description: 'points per paid live order' }),
    order_fee_permille: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .openapi({ description: "per-mille of a paid live order's amount, in points (1 point = 1 fen), rounded up" }),
    monthly_quota: z
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .nullable()
      .openapi({ description: "live orders per calendar month in the merchant's time zone; null: no limit" }),
  })
  .partial()
  .strict()
  .openapi('PlanUpdate');
export const PointsAdjust = z
  .object({
    delta: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((d) => d !== 0, 'a non-zero number of points'),
    reason: z.enum(['recharge', 'adjustment']),
    note: z.string().max(200).regex(PRINTABLE, 'printable text without control characters').optional(),
  })
  .strict()
  .openapi('PointsAdjust');
export const LedgerRowView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    delta: z.number().int(),
    reason: z.enum(POINTS_REASONS),
    reference: z.string().nullable(),
    note: z.string().nullable(),
    balance_after: z.number().int(),
    created: UnixSeconds,
  })
  .openapi('LedgerRow');
export const PointsView = z
  .object({ balance: z.number().int(), data: z.array(LedgerRowView), next_cursor: z.string().nullable() })
  .openapi('Points');
export const LedgerFilters = z.object({ cursor: Cursor, limit: Limit }).strict();
