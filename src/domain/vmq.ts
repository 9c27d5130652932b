/**
 * V免签 (vmq) as pure code (SPEC §12.2): the merchant API's and the monitor app's signs, type
 * numbers, create checks and the notify / return query. Every sign is md5 over the raw strings
 * received, concatenated, lowercase hex; `key` is the app's appsecret (merchant API) or the
 * session's secret (monitor app):
 *
 *   createOrder  md5(payId + param + type + price + key)
 *   closeOrder   md5(orderId + key)            getState  md5(t + key)
 *   notify       md5(payId + param + type + price + reallyPrice + key)
 *   appHeart     md5(t + key)                  appPush   md5(type + price + t + key)
 *
 * `price` is echoed exactly as the merchant sent it (`0.1` stays `0.1`); `reallyPrice` has two
 * decimals. The monitor app prints its amount as a Java double (`1.0`, `0.01`, `10.5`).
 */
import { type CheckedCreate, type CreateApp, callbackUrl, type FieldProblem, facadeCreate } from './gatepay';
import { formatFen, parsePlainYuan } from './money';
import { md5Hex, safeEqual } from './sign';
import type { PayType, SessionType } from './vocab';

/** V免签's type numbers. */
export const VMQ_TYPES = { 1: 'wechat', 2: 'alipay', 3: 'unionpay', 4: 'qqpay' } as const satisfies Record<
  number,
  PayType
>;
export type VmqType = keyof typeof VMQ_TYPES;
const TYPE_NAMES = { 1: '微信', 2: '支付宝', 3: '云闪付', 4: 'QQ钱包' } as const;

/** What a vmq order must echo: the type number, the price as sent, and whether its QR has the amount in it. */
export interface VmqFields {
  type: VmqType;
  price: string;
  isAuto: 0 | 1;
}

export const vmqSign = (...parts: string[]) => md5Hex(parts.join(''));

/** Whether `sign` is md5 of `parts` joined (case-insensitive hex, constant time). */
export async function vmqSignValid(sign: string | undefined, ...parts: string[]): Promise<boolean> {
  return safeEqual((sign ?? '').toLowerCase(), await vmqSign(...parts));
}

const TYPE_HELP = '1|微信 2|支付宝 3|云闪付 4|QQ钱包';

/** Why a type cannot be paid in this app (not among its pay types, or no channel or session serves it). */
export const vmqTypeClosed = (type: VmqType) =>
  `支付方式 ${type}（${TYPE_NAMES[type]}）未开通：该商户暂不支持此支付方式`;

export const vmqTypeOf = (raw: string): VmqType | null => (/^[1-4]$/.test(raw) ? (Number(raw) as VmqType) : null);

/** The type number of a pay type. */
export const vmqNumberOf = (type: PayType): VmqType =>
  (Number(Object.entries(VMQ_TYPES).find(([, t]) => t === type)?.[0]) || 2) as VmqType;

export type VmqCreate =
  | { ok: true; order: CheckedCreate; type: VmqType; fingerprint: string }
  | { ok: false; msg: string };

/** What the createOrder checks need of the app: the gatepay view, and the hosts of its own URLs. */
export type VmqApp = Pick<CreateApp, 'mode' | 'payTypes' | 'hasNotifyUrl' | 'allowUrlOverride'> & {
  ownHosts: readonly string[];
};

/**
 * Checks a createOrder whose sign is verified: the first problem, or the order to make.
 * `problem` checks a field's form against the createOrder schema (src/schemas/vmq.ts).
 * `notifyUrl` and `returnUrl` are not signed, and an `isHtml=1` link is handed to the payer, so
 * they are taken only when the app allows overrides, and only on the hosts of its own URLs.
 */
export function checkVmqCreate(
  app: VmqApp,
  p: Record<string, string>,
  maxFen: number,
  problem: FieldProblem,
): VmqCreate {
  const refuse = (msg: string) => ({ ok: false as const, msg });
  const shape = (field: string) => {
    const msg = problem(field, p[field] ?? '');
    return msg === null ? null : refuse(msg);
  };
  if (!p.payId) return refuse('请传入商户订单号（payId）');
  const badId = shape('payId');
  if (badId) return badId;
  if (!p.type) return refuse(`请传入支付方式（type）=>${TYPE_HELP}`);
  const type = vmqTypeOf(p.type);
  if (type === null) return shape('type') ?? refuse(`支付方式错误（type ${p.type}）`);
  const payType = VMQ_TYPES[type];
  if (!app.payTypes.includes(payType)) return refuse(vmqTypeClosed(type));
  if (!p.price) return refuse('请传入订单金额（price）');
  const price = parsePlainYuan(p.price, maxFen);
  if (!price.ok)
    return refuse(
      `price ${p.price} 无效：应为大于 0、最多两位小数、不超过 ${formatFen(maxFen)} 的金额，如 1 或 0.1（不能有正负号、指数或前导零）`,
    );
  const param = p.param ?? '';
  const badParam = shape('param');
  if (badParam) return badParam;
  if (!p.notifyUrl && !app.hasNotifyUrl) return refuse('请传入异步通知地址（notifyUrl），或在应用中设置通知地址');
  const urls: Record<string, string> = {};
  for (const [field, strict] of [
    ['notifyUrl', app.mode === 'live'],
    ['returnUrl', false],
  ] as const) {
    if (!p[field]) continue;
    if (!app.allowUrlOverride)
      return refuse(
        `${field} 不允许：该应用未开启按订单指定回调地址（allow_url_override）；请在应用中开启，或不传 ${field} 而使用应用设置的地址`,
      );
    const url = callbackUrl(p[field], strict);
    if (!url.ok) return refuse(`${field} 无效：${url.error}`);
    const host = new URL(url.url).host;
    if (!app.ownHosts.includes(host))
      return refuse(
        `${field} 无效：域名 ${host} 不是该应用所设地址的域名（${app.ownHosts.join('、') || '该应用未设置任何地址'}）`,
      );
    urls[field] = url.url;
  }
  return {
    ok: true,
    type,
    fingerprint: JSON.stringify(['vmq', p.price, type, param, p.notifyUrl ?? '', p.returnUrl ?? '']),
    order: facadeCreate({
      priceFen: price.value,
      type: payType,
      outOrderId: p.payId,
      custom: param,
      notifyUrl: urls.notifyUrl ?? null,
      returnUrl: urls.returnUrl ?? null,
    }),
  };
}

/** A paid vmq order as its notify and return describe it. */
export interface VmqPaid {
  outOrderId: string;
  custom: string;
  realpriceFen: number;
  fields: VmqFields;
}

/** The notify / return query fields, signed: payId, param, type, price, reallyPrice, sign. */
export async function vmqNotifyFields(o: VmqPaid, key: string): Promise<Record<string, string>> {
  const f: Record<string, string> = {
    payId: o.outOrderId,
    param: o.custom,
    type: String(o.fields.type),
    price: o.fields.price,
    reallyPrice: formatFen(o.realpriceFen),
  };
  f.sign = await vmqSign(f.payId, f.param, f.type, f.price, f.reallyPrice, key);
  return f;
}

/** How far a monitor app's `t` may be from the gateway's clock (as the native protocol's timestamp). */
export const VMQ_TOLERANCE_MS = 300_000;

/** Checks a monitor app's `t` (unix ms) against its form (`problem`) and the clock: null when usable, else why not. */
export function vmqClockProblem(t: string | undefined, nowMs: number, problem: FieldProblem): string | null {
  const bad = problem('t', t ?? '');
  if (bad || t === undefined) return bad ?? 't 缺少';
  const skew = Math.abs(nowMs - Number(t));
  if (skew > VMQ_TOLERANCE_MS)
    return `客户端时间错误：t 与服务器时间相差 ${Math.round(skew / 1000)} 秒（最多 300 秒），请校准手机时间`;
  return null;
}

export type VmqPush = { ok: true; type: SessionType; amountFen: number; paidMs: number } | { ok: false; msg: string };

/** Checks a signed appPush against its session (`problem`: a field's form): the payment report, or why not. */
export function checkVmqPush(
  p: Record<string, string>,
  sessionType: SessionType,
  maxFen: number,
  problem: FieldProblem,
): VmqPush {
  const bad = problem('type', p.type ?? '');
  const type = vmqTypeOf(p.type ?? '');
  if (bad || type === null) return { ok: false, msg: bad ?? `type ${p.type ?? ''} 无效` };
  if (VMQ_TYPES[type] !== sessionType)
    return {
      ok: false,
      msg: `type ${type}（${TYPE_NAMES[type]}）与该收款会话不符：它收${sessionType === 'alipay' ? '支付宝' : '微信'}`,
    };
  const amount = parsePlainYuan(p.price, maxFen);
  if (!amount.ok) return { ok: false, msg: `price ${p.price ?? ''} 无效：应为金额，如 1.0 或 0.01` };
  return { ok: true, type: VMQ_TYPES[type], amountFen: amount.value, paidMs: Number(p.t) };
}
