/**
 * V免签's request parameters (SPEC §12.2): the merchant API under `/vmq/{appkey}/` and the
 * monitor app's heartbeat and payment report. Messages are the ones a shop (or the app's owner)
 * reads; the checks run after the sign is verified over the raw strings (src/domain/vmq.ts), and
 * the same schemas describe the endpoints in the OpenAPI document (src/routes/vmq-docs.ts).
 */
import { z } from '@hono/zod-openapi';
import { VMQ_TOLERANCE_MS } from '../domain/vmq';
import { fieldCheck } from './common';
import { CallbackUrl, Md5Hex, orderNo, Param, PlainAmount } from './facade';

/** notifyUrl and returnUrl are not signed (SPEC §12.2), and an isHtml=1 link is handed to the payer. */
const UNSIGNED_URL =
  "not signed: taken only when the app has `allow_url_override`, and only on a host of the app's own URLs (notify, return, timeout, sandbox notify, backup notify URL); else code -1 naming the field";
const TYPE_HELP = '1|微信 2|支付宝 3|云闪付 4|QQ钱包';
const VmqType = z
  .enum(['1', '2', '3', '4'], { error: (iss) => `支付方式错误（type ${String(iss.input)}）=>${TYPE_HELP}` })
  .openapi({
    description: '`1` WeChat, `2` Alipay, `3` UnionPay, `4` QQ Wallet (3 and 4 only through official channels)',
  });
const OrderId = z
  .string()
  .regex(/^[A-Za-z0-9]{24}$/)
  .openapi({ description: "huipay's id of the order in this API: its pay token (24 characters)" });
const Time = z.string().optional().openapi({
  description:
    'any text (V免签 sends unix seconds), joined into the sign as sent (absent: `""`); not checked against the clock',
});

export const VmqCreateOrder = z
  .object({
    payId: orderNo('payId').openapi({ description: "the merchant's order number (the order's `out_order_id`)" }),
    type: VmqType,
    price: PlainAmount.openapi({ description: 'plain amount, echoed later exactly as sent (`0.1` stays `0.1`)' }),
    sign: Md5Hex,
    param: Param,
    isHtml: z
      .string()
      .optional()
      .openapi({ description: '`1`: answer a 302 redirect to the cashier page instead of JSON' }),
    notifyUrl: CallbackUrl.optional().openapi({
      description: `required unless the app has a notify URL. ${UNSIGNED_URL}`,
    }),
    returnUrl: CallbackUrl.optional().openapi({ description: UNSIGNED_URL }),
  })
  .openapi('VmqCreateOrder');
export const VmqByOrderId = z.object({ orderId: OrderId }).openapi('VmqOrderId');
export const VmqCloseOrder = z.object({ orderId: OrderId, sign: Md5Hex }).openapi('VmqCloseOrder');
export const VmqGetState = z.object({ t: Time, sign: Md5Hex }).openapi('VmqGetState');

const MonitorTime = z
  .string()
  .regex(/^\d{1,16}$/, 't 缺少或无效：应为毫秒时间戳')
  .openapi({ description: `unix ms, within ${VMQ_TOLERANCE_MS / 1000} s of the gateway's clock` });
export const VmqAppHeart = z.object({ t: MonitorTime, sign: Md5Hex }).openapi('VmqAppHeart');
export const VmqAppPush = z
  .object({
    t: MonitorTime.openapi({
      description: `unix ms, the payment time; within ${VMQ_TOLERANCE_MS / 1000} s of the gateway's clock`,
    }),
    type: z
      .enum(['1', '2'], { error: (iss) => `type ${String(iss.input ?? '')} 无效：应为 1（微信）或 2（支付宝）` })
      .openapi({ description: "`1` WeChat, `2` Alipay; must be the session's type" }),
    price: z.string().openapi({
      description:
        'the amount as the app printed it (a Java double: `1.0`, `0.01`, `10.5`), signed as sent; up to twice MAX_AMOUNT',
    }),
    sign: Md5Hex,
  })
  .openapi('VmqAppPush');

/** A createOrder field's problem, or null. */
export const vmqCreateProblem = fieldCheck(VmqCreateOrder);
/** A monitor app request's field problem (heartbeat and report share `t`), or null. */
export const vmqPushProblem = fieldCheck(VmqAppPush);
