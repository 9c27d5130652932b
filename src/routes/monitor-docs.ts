/**
 * The monitor protocol in the OpenAPI document: `POST /monitor/v1/heartbeat` and
 * `/monitor/v1/payments`, HMAC-signed JSON. Documentation only; the handlers are in monitor.ts.
 */
import { z } from '@hono/zod-openapi';
import { SESSION_TYPES } from '../domain/vocab';
import { Yuan } from '../schemas/common';
import type { OpenAPIRegistry } from './facade-docs';

const MonitorHeaders = z.object({
  'X-Huipay-Session': z
    .string()
    .openapi({ param: { name: 'X-Huipay-Session', in: 'header' }, example: '1', description: 'the session id' }),
  'X-Huipay-Timestamp': z.string().openapi({
    param: { name: 'X-Huipay-Timestamp', in: 'header' },
    example: '1795320000000',
    description: 'unix ms; refused if more than 300 s from the gateway clock',
  }),
  'X-Huipay-Signature': z.string().openapi({
    param: { name: 'X-Huipay-Signature', in: 'header' },
    description: 'hex HMAC-SHA256(session secret, timestamp + "." + raw body)',
  }),
});
const MonitorError = z
  .object({ error: z.object({ code: z.string(), message: z.string(), request_id: z.string() }) })
  .openapi('MonitorError');
const monitorErrors = {
  400: {
    description: 'Bad body: the message names the field',
    content: { 'application/json': { schema: MonitorError } },
  },
  401: {
    description: 'Missing or wrong headers, unknown session, bad signature, clock skew',
    content: { 'application/json': { schema: MonitorError } },
  },
  413: { description: 'Body larger than 64 KiB', content: { 'application/json': { schema: MonitorError } } },
};
const Report = z
  .object({
    type: z.enum(SESSION_TYPES),
    amount: Yuan,
    paid_at: z.number().int().openapi({ description: 'unix ms', example: 1795319990000 }),
    ref: z.string().max(128).optional().openapi({ description: 'wallet bill id; de-duplicates reports' }),
    payer: z.string().max(128).optional(),
  })
  .openapi('PaymentReport');

/** Adds the monitor protocol's two calls to the document. */
export function registerMonitorDocs(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/monitor/v1/heartbeat',
    tags: ['monitor protocol'],
    summary: 'Keep a collection session online',
    description:
      'The first heartbeat after a monitor config was issued brings the session online and charges the onboarding fee (live sessions); when the balance is short it answers 402 and the session stays offline.',
    request: {
      headers: MonitorHeaders,
      body: { required: true, content: { 'application/json': { schema: z.object({}).passthrough() } } },
    },
    responses: {
      200: {
        description: 'Online',
        content: {
          'application/json': {
            schema: z.object({
              ok: z.boolean(),
              session_id: z.number().int(),
              state: z.enum(['online', 'disabled']),
              server_time: z.number().int(),
            }),
          },
        },
      },
      402: {
        description: 'The points balance does not cover the onboarding fee',
        content: { 'application/json': { schema: MonitorError } },
      },
      ...monitorErrors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/monitor/v1/payments',
    tags: ['monitor protocol'],
    summary: 'Report a received payment',
    description:
      'De-duplicated on (session, ref), or without ref on (session, type, amount, paid_at); a repeat gets the first answer.',
    request: { headers: MonitorHeaders, body: { required: true, content: { 'application/json': { schema: Report } } } },
    responses: {
      200: {
        description: 'Recorded; `matched: false` puts it in the unmatched inbox',
        content: {
          'application/json': {
            schema: z.object({ payment_id: z.string(), matched: z.boolean(), out_order_id: z.string().nullable() }),
          },
        },
      },
      ...monitorErrors,
    },
  });
}
