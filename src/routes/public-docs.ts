/**
 * The public interfaces in the one OpenAPI document (`/openapi.json`, `/docs`): the gatepay
 * merchant API with its refunds (form bodies, every code), the payer's status route and the
 * providers' notify route; the monitor protocol (monitor-docs.ts) and the facades (epay-docs.ts,
 * vmq-docs.ts) are added from here too. Their handlers read raw parameters (signatures are
 * checked over the exact strings sent), so these entries document the wire; the handlers stay in
 * gatepay.ts, pay.ts, channels.ts, monitor.ts and src/facades.
 */
import { z } from '@hono/zod-openapi';
import { CHANNEL_NAMES } from '../channels/registry';
import { GATEPAY_CODES } from '../domain/gatepay';
import { CHANNEL_METHODS, ORDER_STATUSES, PAY_TYPES } from '../domain/vocab';
import { Yuan } from '../schemas/common';
import { GatepayCreate, GatepayLookup, GatepayRefund, GatepayRefundQuery } from '../schemas/gatepay';
import { RefundView } from '../schemas/refunds';
import { registerEpayDocs } from './epay-docs';
import type { OpenAPIRegistry } from './facade-docs';
import { registerMonitorDocs } from './monitor-docs';
import { registerVmqDocs } from './vmq-docs';

const CODE_MEANINGS: Record<number, string> = {
  100: 'success',
  101: 'appkey missing',
  102: 'appkey invalid',
  103: 'sign missing',
  104: 'sign invalid',
  105: 'required parameter missing or malformed (also: order not found, both order_id and out_order_id set, unreadable body, a parameter sent twice)',
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

const OrderData = z
  .object({
    order_id: z.number().int(),
    out_order_id: z.string(),
    status: z.enum(ORDER_STATUSES),
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
    channel: z.string().nullable().openapi({ description: 'the official channel, or null for a session order' }),
    method: z.enum(CHANNEL_METHODS).nullable().openapi({ description: "the channel's method, or null" }),
    refunded: Yuan.openapi({ description: 'the sum of succeeded refunds, "0.00" until one' }),
    pay_info: z.string().optional().openapi({
      description: "`app` and `jsapi` channel orders: what the merchant's app or page hands the provider's SDK",
    }),
    params: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: 'create only: the request as received' }),
  })
  .openapi('GatepayOrder');
const answerOf = (data: z.ZodTypeAny) =>
  z.object({
    code: z.number().int().openapi({ description: 'see the code table', example: 100 }),
    msg: z.string(),
    time: z.string().openapi({ description: 'unix seconds' }),
    data: data.nullable(),
  });
const Answer = answerOf(OrderData).openapi('GatepayAnswer');

const RefundAnswer = answerOf(RefundView.omit({ log: true }).openapi('MerchantRefund')).openapi('GatepayRefundAnswer');

const form = (schema: z.ZodTypeAny) => ({
  body: {
    required: true,
    content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } },
  },
});
const answered = (schema: z.ZodTypeAny) => ({
  200: {
    description: `Always HTTP 200; \`code\` says the outcome.\n\n${codeTable}`,
    content: { 'application/json': { schema } },
  },
});
const answer = answered(Answer);

const REFUND_CODES =
  'For a refund: 201 an invalid `amount` or more than is refundable (`msg` says how much is); 203 the order was paid into a collection session (only official-channel orders can be refunded); 211 `out_refund_no` already used with another amount or order; 212 the order is not paid; 105 `out_refund_no` or `reason` malformed, or no such order.';
const providerAnswer = (body: string) => ({ 'text/plain': { schema: { type: 'string' as const, example: body } } });

/** Adds every public interface but the admin API to the document. */
export function registerPublicDocs(registry: OpenAPIRegistry): void {
  const signNote = (fields: string) =>
    `\`sign = md5( md5(${fields}) + appsecret )\`, lowercase hex, over the values exactly as sent.`;
  registry.registerPath({
    method: 'post',
    path: '/api/cloudpay/create',
    tags: ['merchant API'],
    summary: 'Create an order',
    description: `${signNote('appkey + price + type + out_order_id + custom')} The same out_order_id with the same price, type and custom returns the same pending order.`,
    request: form(GatepayCreate),
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
      request: form(GatepayLookup),
      responses: answer,
    });
  registry.registerPath({
    method: 'post',
    path: '/api/cloudpay/refund',
    tags: ['merchant API'],
    summary: 'Refund a paid official-channel order',
    description: `\`sign = md5( md5("amount=" + amount + "&appkey=" + appkey + "&order_id=" + order_id + "&out_order_id=" + out_order_id + "&out_refund_no=" + out_refund_no) + appsecret )\`, lowercase hex, over the values exactly as sent: every key always present, empty values kept, in this order (the example: \`amount=3.00&appkey=ak_demo123&order_id=42&out_order_id=&out_refund_no=rf20261122001\`, appsecret \`sk_demo456\`). The keys keep characters from moving between fields; the bare concatenation is refused (104). \`reason\` is not signed. The refund is asked of the provider at once; one whose outcome the provider has not confirmed stays \`pending\` and is followed up with the provider's refund query until final (webhooks \`refund.succeeded\`, \`refund.failed\`). ${REFUND_CODES}`,
    request: form(GatepayRefund),
    responses: answered(RefundAnswer),
  });
  registry.registerPath({
    method: 'post',
    path: '/api/cloudpay/refund_query',
    tags: ['merchant API'],
    summary: 'Query a refund',
    description: `${signNote('appkey + out_refund_no')} (the example: \`ak_demo123rf20261122001\`, appsecret \`sk_demo456\`). An \`out_refund_no\` this app never used answers 105 (refund not found).`,
    request: form(GatepayRefundQuery),
    responses: answered(RefundAnswer),
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
                status: z.enum(ORDER_STATUSES),
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
  registry.registerPath({
    method: 'post',
    path: '/channels/{channel}/notify/{config_id}',
    tags: ['providers'],
    summary: "A provider's payment or refund notification",
    description:
      'Called by Alipay, WeChat Pay, UnionPay or QQ Wallet, never by merchants: the channel config\'s `notify_url` (shown in the admin API) is where huipay tells the provider to send them. The body is the provider\'s own signed notification, verified by the channel (form for Alipay and UnionPay, JSON for WeChat Pay API v3, XML for QQ Wallet); a forged or mismatched one changes nothing and is logged in the channel log. Answered in the provider\'s expected format: Alipay `success` / `fail`; WeChat Pay 204 / 400 `{"code":"FAIL","message"}`; UnionPay `ok` / 400; QQ Wallet an XML `return_code`.',
    request: {
      params: z.object({
        channel: z.enum(CHANNEL_NAMES).openapi({ param: { name: 'channel', in: 'path' } }),
        config_id: z
          .string()
          .regex(/^\d{1,15}$/)
          .openapi({ param: { name: 'config_id', in: 'path' }, description: 'the channel config id' }),
      }),
      body: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': { schema: { type: 'string' } },
          'application/json': { schema: { type: 'object' } },
          'text/xml': { schema: { type: 'string' } },
        },
      },
    },
    responses: {
      200: {
        description: 'Processed (duplicates too), or refused in a 200 where the provider expects that',
        content: { ...providerAnswer('success'), 'text/xml': { schema: { type: 'string' } } },
      },
      204: { description: 'WeChat Pay: processed' },
      400: {
        description: 'WeChat Pay or UnionPay: refused, with the reason',
        content: {
          ...providerAnswer('no alipay channel config 9'),
          'application/json': { schema: { type: 'object' } },
        },
      },
      404: { description: 'No such channel', content: providerAnswer('no channel foo') },
    },
  });
  registerMonitorDocs(registry);
  registerEpayDocs(registry);
  registerVmqDocs(registry);
}
