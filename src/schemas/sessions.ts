/** Admin API shapes of collection sessions (wallets) and their live state. */
import { z } from '@hono/zod-openapi';
import { MODES, SESSION_STATES, SESSION_TYPES } from '../domain/vocab';
import { Name, UnixSeconds, Yuan } from './common';

const AmountQr = z.array(z.object({ amount: Yuan, payload: z.string().min(1).max(1024) })).max(200);
export const SessionCreate = z
  .object({
    type: z.enum(SESSION_TYPES),
    label: Name,
    qr_payload: z
      .string()
      .min(1)
      .max(1024)
      .openapi({ description: "the text inside the wallet's receive-money QR code" }),
    mode: z
      .enum(MODES)
      .default('live')
      .openapi({ description: 'sandbox sessions serve sandbox apps (paid by the simulator)' }),
    rule_id: z
      .number()
      .int()
      .positive()
      .nullable()
      .optional()
      .openapi({ description: "default: the merchant's default rule" }),
    amount_qr: AmountQr.default([]).openapi({ description: 'fixed-amount receive codes' }),
  })
  .strict()
  .openapi('SessionCreate');
export const SessionUpdate = z
  .object({
    enabled: z.boolean(),
    rule_id: z.number().int().positive().nullable(),
    label: Name,
    qr_payload: z.string().min(1).max(1024),
    amount_qr: AmountQr,
  })
  .partial()
  .strict()
  .openapi('SessionUpdate');
export const SessionView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    mode: z.enum(MODES),
    type: z.enum(SESSION_TYPES),
    label: z.string(),
    qr_payload: z.string(),
    amount_qr: z.array(z.object({ amount: Yuan, payload: z.string() })),
    rule_id: z.number().int().nullable(),
    enabled: z.boolean(),
    state: z.enum(SESSION_STATES),
    last_heartbeat: UnixSeconds.nullable(),
    today: z.object({ collected: Yuan, payments: z.number().int() }),
    offline_reason: z
      .enum(['insufficient_points'])
      .nullable()
      .openapi({ description: 'why the last heartbeat did not bring it online' }),
    held_slots: z.number().int().openapi({ description: 'amounts this session holds for pending orders now' }),
    shard: z
      .number()
      .int()
      .openapi({ description: "the merchant's Collector shard that owns this session's live state" }),
    created: UnixSeconds,
    secret: z.string().optional().openapi({ description: 'shown only on create and rotate-secret' }),
    monitor_config: z.string().optional().openapi({ description: 'what the "scan to go online" QR code holds (JSON)' }),
    vmq_host: z.string().nullable().openapi({
      description:
        'the V免签 monitor app host of this session (`<label>.<VMQ_MONITOR_DOMAIN>`); null when VMQ_MONITOR_DOMAIN is not set',
    }),
    vmq_config: z.string().nullable().optional().openapi({
      description: 'the V免签 app config string `host/key` (key = the session secret); shown with the secret only',
    }),
    vmq_config_qr: z.string().nullable().optional().openapi({
      description: 'the QR code of vmq_config as an SVG document, for the V免签 app to scan',
    }),
  })
  .openapi('Session');
