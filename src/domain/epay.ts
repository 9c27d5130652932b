/**
 * 彩虹易支付 (epay) V1 as pure code (SPEC §12.1): its sign, pay-type words, create checks,
 * and the notify / return fields.
 *
 *   sign = md5( k1=v1&k2=v2&… + KEY ), lowercase hex, over every received parameter except
 *          `sign`, `sign_type` and empty values, keys in byte order, values raw (not URL-encoded).
 *
 * `pid` is the app's numeric id and `KEY` its appsecret. The notify and the return redirect carry
 * `pid, trade_no, out_trade_no, type, name, money, trade_status, param?` signed the same way,
 * where `money` is the amount asked written as PHP prints a float (`1`, `1.5`, `0.01`) and
 * `param` is left out when empty (v2board signs every field it receives, empty or not).
 */
import { type CheckedCreate, type CreateApp, callbackUrl, type FieldProblem, facadeCreate } from './gatepay';
import { formatFen, formatFenTrimmed, parsePlainYuan } from './money';
import { md5Hex, safeEqual } from './sign';
import type { PayType } from './vocab';

/** The epay words for huipay's pay types. */
export const EPAY_TYPES = { alipay: 'alipay', wxpay: 'wechat', qqpay: 'qqpay', bank: 'unionpay' } as const;
export type EpayType = keyof typeof EPAY_TYPES;

/** What an epay order must echo: the type word, the item name and the amount as asked. */
export interface EpayFields {
  type: EpayType;
  name: string;
  money: string;
}

/** The answers SPEC §12.1 fixes word for word. */
export const EPAY_MSG = {
  changed: '该订单支付参数有变化，请更换订单号重新发起支付',
  paid: '已完成支付，请勿重复发起支付',
} as const;

export const isEpayType = (t: string): t is EpayType => Object.hasOwn(EPAY_TYPES, t);

/** The epay word of a pay type (`wechat` → `wxpay`). */
export function epayTypeOf(type: PayType): EpayType {
  return (Object.keys(EPAY_TYPES) as EpayType[]).find((k) => EPAY_TYPES[k] === type) ?? 'alipay';
}

/** The text that is signed: `k=v` pairs of the non-empty parameters but sign and sign_type, sorted, joined by `&`. */
export function epaySignText(p: Record<string, string>): string {
  return Object.keys(p)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && p[k] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${p[k]}`)
    .join('&');
}

export const epaySign = (p: Record<string, string>, key: string) => md5Hex(epaySignText(p) + key);

/**
 * Whether `p.sign` signs `p` under `key`. A sign made without `type` also holds when `type` was
 * added afterwards: the merchant left the pay type to the payer (v2board's link has none, and the
 * type picking page adds it); a sign that covered a type cannot be moved to another one.
 */
export async function epaySignValid(p: Record<string, string>, key: string): Promise<boolean> {
  const given = (p.sign ?? '').toLowerCase();
  if (safeEqual(given, await epaySign(p, key))) return true;
  if (p.type === undefined || p.type === '') return false;
  const { type: _, ...untyped } = p;
  return safeEqual(given, await epaySign(untyped, key));
}

/** The fields epay's signed text carries a meaning for, in byte order (`sign`, `sign_type` are not in it). */
const SIGNED_FIELDS = [
  'clientip',
  'device',
  'money',
  'name',
  'notify_url',
  'out_trade_no',
  'param',
  'pid',
  'return_url',
  'type',
] as const;

/**
 * Why a received parameter could be another's signed text, or null. The text joins `k=v` with `&`
 * unescaped, so a value of `k` holding `&j=` for a field `j` sorted after `k` signs exactly as `j`
 * sent on its own: `return_url=X&type=alipay` with no `type` carries a sign made for
 * `type=alipay`, and the payer could then pick `wxpay`. Only those fields are refused (a URL's own
 * `?a=1&b=2` is fine), and names holding `&` or `=`.
 */
export function epaySmuggling(p: Record<string, string>): string | null {
  for (const [k, v] of Object.entries(p)) {
    if (k === 'sign' || k === 'sign_type') continue;
    if (/[&=]/.test(k)) return `参数名 ${k} 无效：参数名不能含有 & 或 =`;
    const j = SIGNED_FIELDS.find((f) => f > k && v.includes(`&${f}=`));
    if (j)
      return `${k} 无效：值中不能含有“&${j}=”（签名串按 k=v&k=v 直接拼接，这样的值与单独传 ${j} 的签名相同）；请去掉或改名其中的 ${j} 参数`;
  }
  return null;
}

export const EPAY_SIGN_HELP =
  'sign 错误：应为 md5(按参数名排序的 k=v&k=v（不含 sign、sign_type 与空值，值不做 URL 编码）+ 商户密钥)，小写十六进制';

/**
 * Problems every epay request can have before its app is known. `problem` checks a field against
 * its schema (src/schemas/epay.ts), as in `checkEpayCreate`.
 */
export function epayAuthProblem(p: Record<string, string>, problem: FieldProblem): string | null {
  if (!p.pid) return 'pid 缺少：应为商户 ID（huipay 应用详情中的 epay_pid）';
  const bad = problem('pid', p.pid) ?? (p.sign_type === undefined ? null : problem('sign_type', p.sign_type));
  if (bad) return bad;
  if (!p.sign) return 'sign 缺少';
  return null;
}

/** What the create checks need of the app (the gatepay checks' view of it). */
export type EpayApp = Pick<CreateApp, 'mode' | 'payTypes' | 'hasNotifyUrl' | 'hasReturnUrl'>;

export type EpayCreate =
  | { ok: true; order: CheckedCreate; fields: EpayFields; fingerprint: string }
  | { ok: false; msg: string };

/**
 * Checks a signed submit (`flow` 'submit', browser) or mapi ('mapi', server) request against
 * its app: the first problem found, or the order to make. `type` must be present here.
 * `problem` checks a field's form against the create schema; the rest needs the app or MAX_AMOUNT.
 */
export function checkEpayCreate(
  app: EpayApp,
  p: Record<string, string>,
  flow: 'submit' | 'mapi',
  maxFen: number,
  problem: FieldProblem,
): EpayCreate {
  const refuse = (msg: string) => ({ ok: false as const, msg });
  const shape = (field: string) => {
    const msg = problem(field, p[field] ?? '');
    return msg === null ? null : refuse(msg);
  };
  if (!p.out_trade_no) return refuse('out_trade_no 缺少：商户订单号');
  const badNo = shape('out_trade_no');
  if (badNo) return badNo;
  if (!p.type) return refuse('type 缺少：应为 alipay、wxpay、qqpay 或 bank');
  const badType = shape('type');
  if (badType || !isEpayType(p.type)) return badType ?? refuse(`type ${p.type} 无效`);
  const payType = EPAY_TYPES[p.type];
  if (!app.payTypes.includes(payType)) return refuse(`支付方式 ${p.type} 未开通：该商户暂不支持此支付方式`);
  if (p.money === undefined || p.money === '') return refuse('money 缺少：订单金额');
  const money = parsePlainYuan(p.money, maxFen);
  if (!money.ok)
    return refuse(
      `money ${p.money} 无效：应为大于 0、最多两位小数、不超过 ${formatFen(maxFen)} 的金额，如 1 或 1.50（不能有正负号、指数或前导零）`,
    );
  if (!p.name) return refuse('name 缺少：商品名称');
  const badName = shape('name');
  if (badName) return badName;
  if (!p.notify_url && !app.hasNotifyUrl) return refuse('notify_url 缺少：异步通知地址');
  if (!p.return_url && !app.hasReturnUrl && flow === 'submit') return refuse('return_url 缺少：页面跳转通知地址');
  const urls: Record<string, string> = {};
  for (const [field, strict] of [
    ['notify_url', app.mode === 'live'],
    ['return_url', false],
  ] as const) {
    const url = p[field] ? callbackUrl(p[field], strict) : null;
    if (url && !url.ok) return refuse(`${field} 无效：${url.error}`);
    if (url?.ok) urls[field] = url.url;
  }
  const param = p.param ?? '';
  const badParam = shape('param');
  if (badParam) return badParam;
  if (flow === 'mapi' && !p.clientip) return refuse('clientip 缺少：用户的 IP 地址');
  const fields: EpayFields = { type: p.type, name: p.name, money: p.money };
  return {
    ok: true,
    fields,
    // Identical money, name, notify_url, return_url and param; not the type (SPEC §12.1).
    fingerprint: JSON.stringify(['epay', money.value, p.name, p.notify_url ?? '', p.return_url ?? '', param]),
    order: facadeCreate({
      priceFen: money.value,
      type: payType as CheckedCreate['type'],
      outOrderId: p.out_trade_no,
      custom: param,
      notifyUrl: urls.notify_url ?? null,
      returnUrl: urls.return_url ?? null,
    }),
  };
}

/** A paid epay order, as its notify and return redirect describe it. */
export interface EpayPaid {
  id: number;
  appId: number;
  outOrderId: string;
  priceFen: number;
  custom: string;
  fields: EpayFields;
}

/** The notify / return fields in the spec's order, signed: pid … param?, sign, sign_type. */
export async function epayNotifyFields(o: EpayPaid, key: string): Promise<Record<string, string>> {
  const f: Record<string, string> = {
    pid: String(o.appId),
    trade_no: String(o.id),
    out_trade_no: o.outOrderId,
    type: o.fields.type,
    name: o.fields.name,
    money: formatFenTrimmed(o.priceFen),
    trade_status: 'TRADE_SUCCESS',
  };
  if (o.custom !== '') f.param = o.custom;
  f.sign = await epaySign(f, key);
  f.sign_type = 'MD5';
  return f;
}
