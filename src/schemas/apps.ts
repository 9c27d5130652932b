/** Admin API shapes of apps: keys, callback URLs, TTL, pay types and routing. */
import { z } from '@hono/zod-openapi';
import { MODES, PAY_TYPES, ROUTINGS } from '../domain/vocab';
import { HttpUrl, Name, UnixSeconds } from './common';

const appFields = {
  notify_url: HttpUrl.nullable(),
  return_url: HttpUrl.nullable(),
  timeout_url: HttpUrl.nullable(),
  sandbox_notify_url: HttpUrl.nullable(),
  backup_notify_url: HttpUrl.nullable(),
  order_ttl_seconds: z.number().int().min(60).max(86400),
  allow_url_override: z.boolean(),
  pay_types: z.array(z.enum(PAY_TYPES)).min(1),
  enabled: z.boolean(),
  routing: z.partialRecord(z.enum(PAY_TYPES), z.enum(ROUTINGS)).openapi({
    description:
      'per pay type: official (the channel only), personal (collection sessions only), official_then_personal (default)',
    example: { alipay: 'official_then_personal' },
  }),
};
export const AppCreate = z
  .object({ name: Name, mode: z.enum(MODES), ...z.object(appFields).partial().shape })
  .strict()
  .openapi('AppCreate', {
    example: {
      name: 'Demo shop',
      mode: 'sandbox',
      notify_url: 'https://shop.example.com/pay/notify',
      return_url: 'https://shop.example.com/pay/done',
    },
  });
export const AppUpdate = z
  .object({ name: Name, ...appFields })
  .partial()
  .strict()
  .openapi('AppUpdate');
export const AppView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    appkey: z.string(),
    epay_pid: z
      .number()
      .int()
      .openapi({ description: '彩虹易支付 (epay) facade: the `pid` (its KEY is the appsecret)' }),
    appsecret: z.string().optional().openapi({ description: 'shown only on create and rotate-secret' }),
    name: z.string(),
    mode: z.enum(MODES),
    ...appFields,
    created: UnixSeconds,
  })
  .openapi('App');
