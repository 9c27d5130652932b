/** Admin API shapes of merchants, their settings and collection rules. */
import { z } from '@hono/zod-openapi';
import { REGION_PATTERN } from '../domain/rules';
import { MAX_SHARDS } from '../domain/shards';
import { DIRECTIONS, ROTATIONS } from '../domain/vocab';
import { Name, TimeZone, UnixSeconds, Yuan } from './common';

const Clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM')
  .openapi({ example: '09:00' });
const Region = z
  .string()
  .regex(REGION_PATTERN, 'an ISO country code (CN) or China province code (CN-GD)')
  .transform((s) => s.toUpperCase());

/** An order store's binding name (SPEC §14.1); one this deployment does not bind is refused with 422. */
export const StoreName = z.string().max(64).openapi({
  example: 'ORDERS_1',
  description: "the D1 binding of the merchant's order store: DB or ORDERS_1 … ORDERS_64",
});

export const MerchantCreate = z
  .object({
    name: Name,
    timezone: TimeZone.optional(),
    store: StoreName.optional().openapi({ description: 'default: the bound store with the fewest merchants' }),
  })
  .strict()
  .openapi('MerchantCreate', { example: { name: 'Demo shop', timezone: 'Asia/Shanghai' } });
export const MerchantView = z
  .object({
    id: z.number().int(),
    name: z.string(),
    timezone: z.string(),
    rotation: z.enum(ROTATIONS),
    max_offset: Yuan,
    offset_direction: z.enum(DIRECTIONS),
    default_rule_id: z.number().int().nullable(),
    created: UnixSeconds,
    enabled: z.boolean(),
    store: StoreName,
    points: z.number().int().openapi({ description: 'points balance (100 points = 1 yuan)' }),
    onboarding_fee: z.number().int(),
    order_fee_points: z.number().int(),
    order_fee_permille: z.number().int(),
    monthly_quota: z.number().int().nullable(),
    collector_shards: z
      .number()
      .int()
      .openapi({ description: 'over how many Collectors new sessions of each mode are spread' }),
  })
  .openapi('Merchant');
export const MerchantUpdate = z
  .object({
    name: Name,
    enabled: z.boolean(),
    store: StoreName.openapi({ description: 'fixed once set: only the current store is accepted' }),
  })
  .partial()
  .strict()
  .openapi('MerchantUpdate');
export const SettingsUpdate = z
  .object({
    rotation: z.enum(ROTATIONS),
    max_offset: Yuan.openapi({ description: 'largest move from the asked price, 0.00 to 1.00' }),
    offset_direction: z.enum(DIRECTIONS),
    default_rule_id: z.number().int().positive().nullable(),
    timezone: TimeZone,
    collector_shards: z.number().int().min(1).max(MAX_SHARDS).openapi({
      description:
        'spread new sessions over this many Collectors, for a merchant past what one can serve; a session never changes shard, so it cannot go below a shard that has sessions',
    }),
  })
  .partial()
  .strict()
  .openapi('SettingsUpdate');

export const RuleCreate = z
  .object({
    name: Name,
    start_time: Clock.default('00:00'),
    end_time: Clock.default('00:00').openapi({
      description: 'equal to start_time: all day; earlier: the window wraps midnight',
    }),
    timezone: TimeZone.nullable().default(null).openapi({ description: "default: the merchant's time zone" }),
    min_amount: Yuan.nullable().default(null),
    max_amount: Yuan.nullable().default(null),
    regions: z.array(Region).max(100).default([]).openapi({ description: 'empty: anywhere' }),
    daily_cap: Yuan.nullable().default(null).openapi({ description: 'per session, per local day' }),
  })
  .strict()
  .openapi('RuleCreate');
export const RuleView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    name: z.string(),
    start_time: z.string(),
    end_time: z.string(),
    timezone: z.string().nullable(),
    min_amount: Yuan.nullable(),
    max_amount: Yuan.nullable(),
    regions: z.array(z.string()),
    daily_cap: Yuan.nullable(),
    created: UnixSeconds,
  })
  .openapi('Rule');

export const StoreView = z
  .object({
    binding: StoreName,
    merchants: z.number().int(),
    size_bytes: z.number().int().openapi({ description: 'the database file size D1 reports' }),
  })
  .openapi('Store');
export const StoreList = z.object({ data: z.array(StoreView) }).openapi('StoreList');
