/** Admin API shapes of webhook endpoints, test sends and the delivery log. */
import { z } from '@hono/zod-openapi';
import { DELIVERY_KINDS, WEBHOOK_EVENTS, WEBHOOK_MODES } from '../domain/vocab';
import { HttpUrl, UnixSeconds } from './common';

const RESERVED_HEADERS =
  /^(content-type|content-length|host|huipay-signature|user-agent|transfer-encoding|connection)$/i;
const ExtraHeaders = z
  .record(
    z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name'),
    z
      .string()
      .max(1024)
      // Sent as is: a control character (NUL, CR, LF…) or non-ASCII would fail in fetch or be mangled.
      .regex(/^[\t\x20-\x7e]*$/, 'a header value of printable ASCII: no NUL, line break or other control character'),
  )
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')
  .refine(
    (h) => !Object.keys(h).some((k) => RESERVED_HEADERS.test(k)),
    'content-type, host, huipay-signature and similar headers are set by huipay',
  );
const webhookFields = {
  url: HttpUrl,
  headers: ExtraHeaders,
  mode: z
    .enum(WEBHOOK_MODES)
    .openapi({ description: 'test endpoints receive sandbox events, live endpoints live events' }),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
  enabled: z.boolean(),
};
export const WebhookCreate = z
  .object({
    ...webhookFields,
    headers: ExtraHeaders.default({}),
    enabled: z.boolean().default(true),
    events: webhookFields.events.default(['payment.succeeded']),
  })
  .strict()
  .openapi('WebhookCreate');
export const WebhookUpdate = z.object(webhookFields).partial().strict().openapi('WebhookUpdate');
export const WebhookView = z
  .object({ id: z.number().int(), appkey: z.string(), ...webhookFields, created: UnixSeconds })
  .openapi('Webhook');
export const TestSendView = z
  .object({
    request: z.object({
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      body: z.string(),
    }),
    response: z.object({ status: z.number().int(), body: z.string() }).nullable(),
    delivered: z.boolean(),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('TestSend');

export const AttemptView = z
  .object({
    attempt: z.number().int(),
    manual: z.boolean(),
    started: UnixSeconds,
    url: z.string(),
    status: z.number().int().nullable(),
    response: z.string().nullable().openapi({ description: 'first 1 KB of the response body' }),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
    ok: z.boolean(),
  })
  .openapi('Attempt');
export const DeliveryView = z
  .object({
    id: z.number().int(),
    kind: z.enum(DELIVERY_KINDS),
    event_type: z.string(),
    event_id: z.string().nullable(),
    order_id: z.number().int().nullable(),
    payment_id: z.string().nullable(),
    webhook_id: z.number().int().nullable(),
    url: z.string(),
    backup_url: z.string().nullable(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: UnixSeconds.nullable(),
    created: UnixSeconds,
    delivered_at: UnixSeconds.nullable(),
    request_body: z.string(),
    log: z.array(AttemptView),
  })
  .openapi('Delivery');
