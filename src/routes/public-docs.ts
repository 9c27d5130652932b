/**
 * The public interfaces in the one OpenAPI document (`/openapi.json`, `/docs`): the gatepay
 * merchant API (form bodies, every code), the monitor protocol and the payer's status route.
 * Their handlers read raw parameters (signatures are checked over the exact strings sent), so
 * these entries document the wire; the handlers stay in gatepay.ts, monitor.ts and pay.ts.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';

type OpenAPIRegistry = OpenAPIHono['openAPIRegistry'];
import { GATEPAY_CODES } from '../domain/gatepay';
import { PAY_TYPES, SESSION_TYPES } from '../domain/vocab';

const CODE_MEANINGS: Record<number, string> = {
  100: 'success',
  101: 'appkey missing',
  102: 'appkey invalid',
  103: 'sign missing',
  104: 'sign invalid',
  105: 'required parameter missing or malformed (also: order not found, unreadable body, a parameter sent twice)',
  106: 'forbidden parameter (a URL override the app does not allow, or a bad URL)',
  107: 'API closed (app or merchant disabled)',
  108: 'return URL not configured',
  109: 'notify URL not configured',
  110: 'plan exceeded or points insufficient; `msg` says which (monthly quota, or the order fee against the balance)',
  199: 'unknown error (logged with a request id)',
  201: 'price invalid',
  202: 'pay type invalid',
  203: 'pay type closed for this app',
  204: 'no payment method available now (no online session accepts the order, or every amount near the price is taken)',
  211: '`out_order_id` already used with different parameters',
  212: 'order already paid, closed or expired',
};
const codeTable = `| code | meaning |\n|---|---|\n${Object.values(GATEPAY_CODES)
  .map((c) => `| ${c} | ${CODE_MEANINGS[c]} |`)
  .join('\n')}`;

const Yuan = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,2})?$/)
  .openapi({ example: '10.00' });
const Sign = z
  .string()
  .openapi({ description: 'lowercase hex MD5, see the formula above', example: '3cf45cbfb681de0a00f1776f8d306943' });

const CreateForm = z
  .object({
    appkey: z.string().openapi({ example: 'ak_demo123' }),
    price: Yuan,
    type: z.enum(PAY_TYPES),
    out_order_id: z
      .string()
      .regex(/^[A-Za-z0-9_.|-]{1,64}$/)
      .openapi({ example: '20261122001' }),
    custom: z.string().max(255).openapi({ description: 'pass-through value, may be empty', example: 'user42' }),
    sign: Sign,
    product_id: z.string().max(64).optional(),
    notify_url: z
      .string()
      .optional()
      .openapi({ description: 'per-order override; only when the app allows overrides (else 106)' }),
    return_url: z.string().optional(),
    timeout_url: z.string().optional(),
    payer_region: z
      .string()
      .optional()
      .openapi({ description: "the payer's region for collection rules, e.g. CN-GD or US" }),
  })
  .openapi('GatepayCreate');
const LookupForm = z
  .object({
    appkey: z.string(),
    order_id: z.string().optional().openapi({ description: 'give order_id or out_order_id; send the other empty' }),
    out_order_id: z.string().optional(),
    sign: Sign,
  })
  .openapi('GatepayLookup');
const OrderData = z
  .object({
    order_id: z.number().int(),
    out_order_id: z.string(),
    status: z.enum(['pending', 'paid', 'expired', 'closed', 'refunded']),
    price: Yuan,
    realprice: Yuan.openapi({ description: 'the exact amount the payer must pay' }),
    type: z.enum(PAY_TYPES),
    custom: z.string(),
    product_id: z.string(),
    paytime: z.number().int().openapi({ description: 'unix s; 0 until paid' }),
    created: z.number().int(),
    expires: z.number().int(),
    expires_at: z.number().int(),
    pay_url: z.string().openapi({ description: 'the cashier page' }),
    qrcode_url: z.string().openapi({ description: 'an SVG image of the payment QR code' }),
    params: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: 'create only: the request as received' }),
  })
  .openapi('GatepayOrder');
const Answer = z
  .object({
    code: z.number().int().openapi({ description: 'see the code table', example: 100 }),
    msg: z.string(),
    time: z.string().openapi({ description: 'unix seconds' }),
    data: OrderData.nullable(),
  })
  .openapi('GatepayAnswer');

const form = (schema: z.ZodTypeAny) => ({
  body: {
    required: true,
    content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } },
  },
});
const answer = {
  200: {
    description: `Always HTTP 200; \`code\` says the outcome.\n\n${codeTable}`,
    content: { 'application/json': { schema: Answer } },
  },
};

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

/** Adds the merchant API, the monitor protocol and the cashier's status route to the document. */
export function registerPublicDocs(registry: OpenAPIRegistry): void {
  const signNote = (fields: string) =>
    `\`sign = md5( md5(${fields}) + appsecret )\`, lowercase hex, over the values exactly as sent.`;
  registry.registerPath({
    method: 'post',
    path: '/api/cloudpay/create',
    tags: ['merchant API'],
    summary: 'Create an order',
    description: `${signNote('appkey + price + type + out_order_id + custom')} The same out_order_id with the same price, type and custom returns the same pending order.`,
    request: form(CreateForm),
    responses: answer,
  });
  for (const [path, summary] of [
    ['/api/cloudpay/query', 'Query an order'],
    ['/api/cloudpay/close', 'Close a pending order (frees its amount)'],
  ] as const)
    registry.registerPath({
      method: 'post',
      path,
      tags: ['merchant API'],
      summary,
      description: signNote('appkey + order_id + out_order_id'),
      request: form(LookupForm),
      responses: answer,
    });
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
  registry.registerPath({
    method: 'get',
    path: '/pay/{token}/status',
    tags: ['cashier'],
    summary: "The payer's page polls this",
    request: { params: z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' } }) }) },
    responses: {
      200: {
        description: 'The order as the payer may see it',
        content: {
          'application/json': {
            schema: z
              .object({
                status: z.enum(['pending', 'paid', 'expired', 'closed', 'refunded']),
                realprice: Yuan,
                expires_at: z.number().int(),
                acknowledged: z
                  .boolean()
                  .openapi({ description: 'the merchant answered the async notify with success' }),
                return_url: z.string().nullable().openapi({ description: 'signed return URL, once paid' }),
                timeout_url: z.string().nullable(),
              })
              .openapi('CashierStatus'),
          },
        },
      },
      404: { description: 'No such payment page' },
    },
  });
}
