/**
 * 彩虹易支付 (epay) V1's request parameters (SPEC §12.1): `submit.php`, `mapi.php` and `api.php`.
 * The messages are the ones a shop reads (Chinese, naming the field); the checks run after the
 * sign is verified over the raw values, field by field (src/domain/epay.ts), and the same schemas
 * describe the endpoints in the OpenAPI document (src/routes/epay-docs.ts). Amounts are checked
 * in the domain too, against MAX_AMOUNT or the order's price.
 */
import { z } from '@hono/zod-openapi';
import { EPAY_TYPES, type EpayType as EpayTypeWord } from '../domain/epay';
import { PRINTABLE } from '../domain/gatepay';
import { fieldCheck } from './common';
import { CallbackUrl, Md5Hex, orderNo, Param, PlainAmount } from './facade';

const TYPE_WORDS = Object.keys(EPAY_TYPES) as [EpayTypeWord, ...EpayTypeWord[]];
const EpayType = z
  .enum(TYPE_WORDS, { error: (iss) => `type ${String(iss.input)} 无效：应为 alipay、wxpay、qqpay 或 bank` })
  .openapi({ description: '`alipay`, `wxpay` (WeChat), `qqpay`, `bank` (UnionPay)' });
const PID_HELP = '（huipay 应用详情中的 epay_pid）';
const Pid = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, `pid 无效：应为数字商户 ID${PID_HELP}`)
  .openapi({ description: "the app's numeric id (`epay_pid` in the app view)", example: '7' });
const NAME_INVALID = 'name 无效：最多 127 个字符，不能有控制字符';

const createFields = {
  pid: Pid,
  out_trade_no: orderNo('out_trade_no').openapi({
    description: "the merchant's order number (the order's `out_order_id`)",
  }),
  notify_url: CallbackUrl.optional().openapi({
    description: 'where the GET notify goes; may be left out when the app has a notify URL',
  }),
  name: z
    .string()
    .max(127, NAME_INVALID)
    .regex(PRINTABLE, NAME_INVALID)
    .openapi({ description: 'item name, up to 127 characters, no control characters', example: '月卡' }),
  money: PlainAmount,
  param: Param,
  sign: Md5Hex,
  sign_type: z
    .string()
    .refine((v) => v === '' || v.toUpperCase() === 'MD5', {
      error: (iss) => `sign_type ${String(iss.input)} 不支持：只支持 MD5`,
    })
    .optional()
    .openapi({ description: '`MD5` (any case), empty or absent; not signed' }),
};
const clientip = z.string().openapi({
  description: "the payer's address; passed to an official channel as the payer's IP when it is an IP address",
});

export const EpaySubmit = z
  .object({
    ...createFields,
    type: EpayType.optional().openapi({
      description: 'absent: a page lets the payer pick one of the open types (a sign made without `type` stays valid)',
    }),
    return_url: CallbackUrl.optional().openapi({
      description: 'where the payer returns; may be left out when the app has a return URL',
    }),
    clientip: clientip.optional(),
  })
  .openapi('EpaySubmit');
export const EpayMapi = z
  .object({
    ...createFields,
    type: EpayType,
    return_url: CallbackUrl.optional().openapi({ description: 'where the payer returns (optional)' }),
    clientip,
    device: z.string().optional().openapi({
      description:
        'official channel: absent or `pc` asks the provider for its QR; anything else leaves the method to the cashier page',
    }),
  })
  .openapi('EpayMapi');

const inRange = (min: number, max: number) => (v: string) => Number(v) >= min && Number(v) <= max;
export const EpayApi = z
  .object({
    act: z
      .enum(['order', 'query', 'orders', 'refund'], {
        error: (iss) => `act ${String(iss.input) || '缺少'} 无效：应为 order、query、orders 或 refund`,
      })
      .openapi({ description: 'what to do' }),
    pid: Pid,
    key: z.string().openapi({ description: 'the plain KEY (appsecret), not a sign' }),
    trade_no: z
      .string()
      .regex(/^\d{1,15}$/, { error: (iss) => `trade_no ${String(iss.input)} 无效：应为数字订单号` })
      .optional()
      .openapi({ description: "order, refund: huipay's order id" }),
    out_trade_no: orderNo('out_trade_no')
      .optional()
      .openapi({ description: 'order, refund: give trade_no or out_trade_no' }),
    limit: z
      .string()
      .regex(/^\d{1,2}$/, 'limit 无效：1 到 50')
      .refine(inRange(1, 50), 'limit 无效：1 到 50')
      .optional()
      .openapi({ description: 'orders: 1–50, default 20' }),
    page: z
      .string()
      .regex(/^\d{1,6}$/, 'page 无效：从 1 开始的页码')
      .refine(inRange(1, 999_999), 'page 无效：从 1 开始的页码')
      .optional()
      .openapi({ description: 'orders: from 1, default 1' }),
    money: PlainAmount.optional().openapi({ description: 'refund: the amount, > 0 and ≤ the order price' }),
    out_refund_no: orderNo('out_refund_no').optional().openapi({
      description:
        'refund: idempotency key (same amount: the same refund; another amount: refused); absent: a new refund each call',
    }),
  })
  .openapi('EpayApi');

/** A submit or mapi field's problem (mapi's schema: it has every create field), or null. */
export const epayCreateProblem = fieldCheck(EpayMapi);
/** An api.php field's problem, or null. */
export const epayApiProblem = fieldCheck(EpayApi);
