/**
 * 彩虹易支付 (epay) V1 in the OpenAPI document: `submit.php`, `mapi.php` and `api.php`, their
 * parameters from the schemas the handlers check with (src/schemas/epay.ts), their answers here.
 * The handlers are in src/facades/epay/routes.ts.
 */
import { z } from '@hono/zod-openapi';
import { EpayApi, EpayMapi, EpaySubmit } from '../schemas/epay';
import { Failure } from '../schemas/facade';
import { GUARD_LIMITS, GUARD_WINDOW_MS } from '../services/epay-keys';
import { type OpenAPIRegistry, registerFacadeOperation } from './facade-docs';

const EpayType = EpayMapi.shape.type;

const SIGN = [
  "`sign = md5( k1=v1&k2=v2&…&kn=vn + KEY )`, lowercase hex (uppercase accepted), where KEY is the app's appsecret and the pairs are **every** parameter received except `sign`, `sign_type` and those with an empty value, sorted by name in byte order, values as decoded (not percent-encoded), hashed as UTF-8.",
  'Example: `money=1.00&name=VIP会员&notify_url=http://www.pay.com/notify_url.php&out_trade_no=20160806151343349&pid=1001&return_url=http://www.pay.com/return_url.php&type=alipay` + `89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i` → `427724b6656aa612cfdbe7a2262036a3`.',
  "Because the pairs are joined unescaped, a value may not hold `&<field>=` for an epay field sorted after its own name (`return_url=X&type=alipay` with no `type` would carry a sign made for `type=alipay`), and a parameter name may not hold `&` or `=`; a URL's own query (`?a=1&b=2`) is fine.",
].join('\n\n');
const ROUTES =
  'Served at the gateway root and under `/epay/` (`/epay/submit.php` is the same), each also without `.php` (`/submit`, `/epay/submit`); doubled slashes (`//submit.php`) are collapsed.';

const EpayTrade = z
  .object({
    trade_no: z.string().openapi({ example: '1043' }),
    out_trade_no: z.string(),
    type: EpayType,
    pid: z.number().int(),
    addtime: z.string().openapi({ description: 'China time `YYYY-MM-DD HH:mm:ss`', example: '2026-12-01 10:00:00' }),
    endtime: z.string().nullable().openapi({ description: 'payment time, China time; null until paid' }),
    name: z.string().openapi({ description: 'the item name (an order made through another API: its order number)' }),
    money: z.string().openapi({ description: 'the price, two decimals', example: '30.00' }),
    status: z.union([z.literal(0), z.literal(1)]).openapi({ description: '1 paid (or refunded), else 0' }),
    param: z.string(),
    buyer: z.literal(''),
  })
  .openapi('EpayTrade');
const ApiAnswer = z
  .union([
    EpayTrade.extend({ code: z.literal(1), msg: z.literal('查询订单号成功！') }).openapi('EpayOrderAnswer'),
    z
      .object({ code: z.literal(1), msg: z.literal('查询订单记录成功！'), data: z.array(EpayTrade) })
      .openapi('EpayOrdersAnswer', { description: 'act=orders: newest first' }),
    z
      .object({
        code: z.literal(1),
        pid: z.number().int(),
        key: z.string().openapi({ description: 'echoed' }),
        active: z.union([z.literal(0), z.literal(1)]).openapi({ description: '1 while the app is enabled' }),
        money: z.literal('0.00').openapi({ description: 'always: huipay holds no balance' }),
        orders: z.number().int().openapi({ description: "the app's orders" }),
        order_today: z.string().openapi({ description: 'sum of the prices of orders paid today (merchant time zone)' }),
        order_lastday: z.string().openapi({ description: 'the same for yesterday' }),
      })
      .openapi('EpayAccountAnswer', { description: 'act=query' }),
    z
      .object({ code: z.literal(1), msg: z.string() })
      .openapi('EpayRefundAnswer', { description: 'act=refund: `退款成功`, or submitted and awaiting the provider' }),
    Failure,
  ])
  .openapi('EpayApiAnswer');

/** Adds epay V1's three endpoints to the document. */
export function registerEpayDocs(registry: OpenAPIRegistry): void {
  const tags = ['epay V1'];
  registerFacadeOperation(registry, {
    path: '/submit.php',
    tags,
    summary: 'Start a payment in the browser',
    description: `${ROUTES}\n\n${SIGN}\n\nChecks in order: pid, sign_type, sign present, the app exists and is enabled, the sign; then out_trade_no, type, whether the type is open, money, name, notify_url, return_url, the URLs' form, param; then the order number and a way to collect. The same out_trade_no with identical money (as an amount), type, name, notify_url, return_url and param is the same pending order.`,
    params: EpaySubmit,
    responses: {
      302: {
        description: 'To the cashier page `<origin>/pay/<token>`',
        headers: { Location: { schema: { type: 'string' }, description: '`<origin>/pay/<token>`' } },
      },
      200: {
        description:
          'No `type`: an HTML page with one button per open pay type, each posting the same parameters back with `type` added',
        content: { 'text/html': { schema: { type: 'string' } } },
      },
      400: {
        description:
          "An HTML page naming the problem (in Chinese or English by Accept-Language); a wrong sign only says the request's signature is invalid, with the request id (how the sign is made is in mapi.php's answer)",
        content: { 'text/html': { schema: { type: 'string' } } },
      },
    },
  });
  registerFacadeOperation(registry, {
    path: '/mapi.php',
    tags,
    summary: 'Start a payment from the server',
    description: `${ROUTES}\n\n${SIGN}\n\nChecked as submit.php, with \`type\` and \`clientip\` required and \`return_url\` optional. An order through an official channel asked from a PC (\`device\` absent or \`pc\`) also answers \`qrcode\`, the text of the provider's QR.`,
    params: EpayMapi,
    responses: {
      200: {
        description: 'JSON, always HTTP 200',
        content: {
          'application/json': {
            schema: z.union([
              z
                .object({
                  code: z.literal(1),
                  msg: z.literal(''),
                  trade_no: z.string().openapi({ description: "huipay's order id", example: '1043' }),
                  payurl: z.string().openapi({ description: 'the cashier page `<origin>/pay/<token>`' }),
                  qrcode: z
                    .string()
                    .optional()
                    .openapi({ description: "official channel QR order: the provider's QR text" }),
                })
                .openapi('EpayMapiAnswer'),
              Failure,
            ]),
          },
        },
      },
    },
  });
  registerFacadeOperation(registry, {
    path: '/api.php',
    tags,
    summary: 'Query orders and the account; refund',
    description: `${ROUTES}\n\nAuthenticated by \`pid\` and the plain \`key\` (no sign). Acts: \`order\` (\`trade_no\` or \`out_trade_no\`), \`orders\` (\`limit\`, \`page\`), \`query\` (the account), \`refund\` (\`trade_no\` or \`out_trade_no\`, \`money\`, \`out_refund_no?\`; POST only; refunds a paid official-channel order at its provider; an order paid into a collection session cannot be refunded here). Wrong keys are counted per pid and per client address: after ${GUARD_LIMITS.pid} for a pid or ${GUARD_LIMITS.ip} for an address within a ${GUARD_WINDOW_MS / 60_000}-minute window every key check of them is refused, even with the right key, until the window ends.`,
    params: EpayApi,
    responses: {
      200: { description: 'JSON, always HTTP 200', content: { 'application/json': { schema: ApiAnswer } } },
    },
  });
}
