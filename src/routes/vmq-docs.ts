/**
 * V免签 in the OpenAPI document: the merchant API under `/vmq/{appkey}/` and the monitor app's
 * endpoints on a session host, their parameters from the schemas the handlers check with
 * (src/schemas/vmq.ts), their answers here. The handlers are in src/facades/vmq/routes.ts and monitor.ts.
 */
import { z } from '@hono/zod-openapi';
import { VMQ_TOLERANCE_MS } from '../domain/vmq';
import { AppkeyParam } from '../schemas/common';
import { Failure } from '../schemas/facade';
import { VmqAppHeart, VmqAppPush, VmqByOrderId, VmqCloseOrder, VmqCreateOrder, VmqGetState } from '../schemas/vmq';
import { type OpenAPIRegistry, registerFacadeOperation } from './facade-docs';

const OrderData = z
  .object({
    payId: z.string(),
    orderId: z.string().openapi({ description: 'the pay token, not the numeric order_id' }),
    payType: z.number().int().openapi({ description: 'the type number' }),
    price: z.string().openapi({ description: 'as sent' }),
    reallyPrice: z.string().openapi({ description: 'the amount to pay, two decimals', example: '9.89' }),
    payUrl: z.string().openapi({
      description:
        "the QR text the payer scans: the wallet's payload, or for a channel order the provider's QR (else the cashier page)",
    }),
    isAuto: z.union([z.literal(0), z.literal(1)]).openapi({
      description: "0 when the wallet has a fixed-amount code for reallyPrice or the order is a channel's, else 1",
    }),
    state: z.union([z.literal(0), z.literal(1), z.literal(-1)]).openapi({
      description: '0 unpaid, 1 paid (or refunded), -1 expired or closed (also a pending order past its expiry)',
    }),
    timeOut: z.number().int().openapi({ description: "the order's lifetime in minutes" }),
    date: z.number().int().openapi({ description: 'creation time, unix s' }),
  })
  .openapi('VmqOrder');
const ok = <T extends z.ZodTypeAny>(data: T) => z.object({ code: z.literal(1), msg: z.literal('成功'), data });
const json = (schema: z.ZodTypeAny, description = 'JSON, HTTP 200') => ({
  200: { description, content: { 'application/json': { schema: z.union([schema, Failure]) } } },
});
const NOTE =
  '`appkey` names the app; the 通讯密钥 (key) is its appsecret. Signs are plain MD5 of the raw strings joined without separators, lowercase hex (uppercase accepted); a field not sent joins as `""`. An unknown appkey or a disabled app answers code -1; an unknown API name HTTP 404 with code -1.';

const MONITOR_HOST = [
  {
    url: 'http://{label}.{domain}',
    description: "a collection session's monitor host (its `vmq_host`); plain http is accepted",
    variables: {
      label: { default: 'abcdefgh2345', description: 'the 12 lower-case letters and digits of the session' },
      domain: { default: 'vmq.example.com', description: 'VMQ_MONITOR_DOMAIN' },
    },
  },
];
const MONITOR_NOTE = `Only on a session's own host: the request's \`Host\` must be \`<label>.<VMQ_MONITOR_DOMAIN>\` (the session's \`vmq_host\`; with VMQ_MONITOR_DOMAIN unset this is off). The V免签 Android app is configured with the \`host/key\` string of the session's \`vmq_config\`; \`key\` is the session secret. Checks in order: the host names a session (else HTTP 404, code -1, asking to re-scan the config), the sign over the raw strings, \`t\` within ${VMQ_TOLERANCE_MS / 1000} s. Another path on a session host answers HTTP 404 with code -1.`;

/** Adds the V免签 merchant API and the monitor app's endpoints to the document. */
export function registerVmqDocs(registry: OpenAPIRegistry): void {
  const tags = ['V免签'];
  const at = (name: string) => `/vmq/{appkey}/${name}`;
  const pathParams = AppkeyParam;
  registerFacadeOperation(registry, {
    path: at('createOrder'),
    tags,
    summary: 'Create an order',
    description: `\`sign = md5(payId + param + type + price + key)\`, checked before anything but the app. Then payId, type, whether the type is open, price, param, notifyUrl, and each URL given: allowed by the app (\`allow_url_override\`), its form, on the app's own hosts. The same payId with the same price (as a string: \`0.1\` and \`0.10\` differ), type, param, notifyUrl and returnUrl is the same pending order; other values, or a paid, closed or expired order, are refused. \`mchId\` is ignored. The sign joins its values without separators, so it cannot tell param \`""\` with price \`25.00\` from param \`2\` with price \`5.00\` (type \`2\` both): a shop must compare the notify's \`price\` with its own order.\n\n${NOTE}`,
    params: VmqCreateOrder,
    pathParams,
    responses: {
      ...json(ok(OrderData)),
      302: { description: '`isHtml=1`: to the cashier page `<origin>/pay/<token>`' },
    },
  });
  registerFacadeOperation(registry, {
    path: at('getOrder'),
    tags,
    summary: 'An order',
    description: `No sign. An orderId of another app or none answers \`云端订单编号不存在\`.\n\n${NOTE}`,
    params: VmqByOrderId,
    pathParams,
    responses: json(ok(OrderData)),
  });
  registerFacadeOperation(registry, {
    path: at('checkOrder'),
    tags,
    summary: 'Whether an order is paid, and where the payer goes',
    description: `No sign. Unpaid: \`{"code":-1,"msg":"订单未支付"}\`; expired or closed: \`订单已过期\`; paid: \`data\` is the order's returnUrl (else the app's return URL, else the cashier page) with the signed notify fields \`payId, param, type, price, reallyPrice, sign\` added to its query, \`sign = md5(payId + param + type + price + reallyPrice + key)\`.\n\n${NOTE}`,
    params: VmqByOrderId,
    pathParams,
    responses: json(ok(z.string().openapi({ format: 'uri' }))),
  });
  registerFacadeOperation(registry, {
    path: at('closeOrder'),
    tags,
    summary: 'Close a pending order',
    description: `\`sign = md5(orderId + key)\`. Closes a pending order and frees its amount (an official channel's trade is closed at the provider first); closing a closed order succeeds again; a paid or expired order answers \`订单状态不允许关闭\`.\n\n${NOTE}`,
    params: VmqCloseOrder,
    pathParams,
    responses: json(ok(z.null())),
  });
  registerFacadeOperation(registry, {
    path: at('getState'),
    tags,
    summary: "The merchant's monitor state",
    description: `\`sign = md5(t + key)\`. \`lastheart\`: the latest heartbeat of the merchant's sessions in the app's mode; \`lastpay\`: the latest payment received for them (unix seconds as strings, \`"0"\` when none); \`jkstate\`: \`"1"\` while an enabled session is online.\n\n${NOTE}`,
    params: VmqGetState,
    pathParams,
    responses: json(
      ok(z.object({ lastheart: z.string(), lastpay: z.string(), jkstate: z.enum(['0', '1']) }).openapi('VmqState')),
    ),
  });

  const monitor = (path: string, summary: string, description: string, params: z.ZodObject) =>
    registerFacadeOperation(registry, {
      path,
      tags: ['V免签 monitor app'],
      summary,
      description: `${description}\n\n${MONITOR_NOTE}`,
      params,
      servers: MONITOR_HOST,
      responses: {
        ...json(ok(z.null())),
        404: {
          description: 'Not a session host, or no such path',
          content: { 'application/json': { schema: Failure } },
        },
      },
    });
  const heart =
    "`sign = md5(t + key)`. A heartbeat like the monitor protocol's: it brings the session online (the first one may charge the onboarding fee; a short balance answers code -1). A disabled session's heartbeat is recorded and answered code -1.";
  const push =
    "`sign = md5(type + price + t + key)`. A payment report with `paid_at` = `t` and no `ref`, de-duplicated on (session, type, amount, t): the app's retries pay nothing twice. Success whether or not it matched an order; an unmatched one goes to the inbox.";
  monitor('/appHeart', 'Monitor app heartbeat', heart, VmqAppHeart);
  monitor(
    '/api/monitor/heart',
    "Monitor app heartbeat (forks' path)",
    `The same as \`/appHeart\`. ${heart}`,
    VmqAppHeart,
  );
  monitor('/appPush', 'Monitor app payment report', push, VmqAppPush);
  monitor(
    '/api/monitor/push',
    "Monitor app payment report (forks' path)",
    `The same as \`/appPush\`. ${push}`,
    VmqAppPush,
  );
}
