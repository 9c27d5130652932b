/**
 * V免签 (vmq) merchant API flows (SPEC §12.2) onto huipay's orders, per app (`/vmq/:appkey/`, key =
 * appsecret): createOrder, getOrder, checkOrder, closeOrder, getState. A vmq order is an ordinary
 * order: `payId` is its out_order_id, `param` its custom, `orderId` its pay token (random,
 * unguessable); it records the type number, the price as sent and `isAuto`.
 */
import type { App, Order } from '../../db/schema';
import { formatFen, maxAmountFen } from '../../domain/money';
import { signedReturnUrl } from '../../domain/notify';
import type { PayerRegion } from '../../domain/rules';
import {
  checkVmqCreate,
  type VmqFields,
  type VmqType,
  vmqNumberOf,
  vmqSignValid,
  vmqTypeClosed,
} from '../../domain/vmq';
import type { Db } from '../../env';
import { vmqCreateProblem } from '../../schemas/vmq';
import { type AppWithSecret, appByKey } from '../../services/apps';
import { PAY_TOKEN } from '../../domain/stores';
import { merchantStore } from '../../db/stores';
import { orderByPayToken, sessionsAndLastPayment } from '../../services/facade-data';
import { liveStates } from '../../services/sessions';
import { closePending } from '../../services/orders';
import { createView, type PlaceRefusal, placeFacadeOrder } from '../orders';

/** A V免签 answer: `{code: 1, msg: "成功", data}` or `{code: -1, msg}`. */
export type VmqAnswer = { code: 1; msg: string; data: unknown } | { code: -1; msg: string };

const ok = (data: unknown = null): VmqAnswer => ({ code: 1, msg: '成功', data });
const no = (msg: string): VmqAnswer => ({ code: -1, msg });

const REFUSALS: Record<PlaceRefusal, (type: VmqType, detail: string) => string> = {
  changed: () => '商户订单号已存在，且订单参数不同：请更换商户订单号（payId）',
  paid: () => '该订单已支付，请勿重复发起支付',
  final: () => '该订单已关闭或已过期，请更换商户订单号（payId）',
  closed: (type) => vmqTypeClosed(type),
  unavailable: () => '当前没有可用的收款账户，请稍后再试',
  plan: (_, detail) => `商户套餐额度或积分不足，暂时无法下单（${detail}）`,
  disabled: () => '商户已被禁用',
};

const NO_ORDER = '云端订单编号不存在';

/** The app named by the path, enabled; or the answer saying why not. */
export async function vmqApp(env: Env, db: Db, appkey: string): Promise<AppWithSecret | VmqAnswer> {
  const app = await appByKey(env, db, appkey);
  if (!app) return no(`商户不存在：路径中的 appkey ${appkey} 无效`);
  if (!app.enabled) return no(REFUSALS.disabled(2, ''));
  return app;
}

/**
 * The order as createOrder and getOrder describe it. `payUrl` is the QR text the payer scans: the
 * session's receive code, or for an official channel's order the provider's QR (`qr`), else the
 * cashier page. `isAuto` is 0 for a channel order: its QR or page carries the amount.
 */
export function vmqOrderData(o: Order, origin: string, nowMs = Date.now()) {
  const f = o.facade === 'vmq' ? (o.facadeFields as VmqFields) : null;
  const final = o.status === 'expired' || o.status === 'closed' || (o.status === 'pending' && nowMs > o.expiresMs);
  return {
    payId: o.outOrderId,
    orderId: o.payToken,
    payType: f?.type ?? vmqNumberOf(o.type),
    price: f?.price ?? formatFen(o.priceFen),
    reallyPrice: formatFen(o.realpriceFen),
    payUrl: o.channel === null ? o.qrPayload : o.qrPayload || `${origin}/pay/${o.payToken}`,
    isAuto: f?.isAuto ?? 1,
    state: o.status === 'paid' || o.status === 'refunded' ? 1 : final ? -1 : 0,
    timeOut: Math.max(1, Math.round((o.expiresMs - o.createdMs) / 60_000)),
    date: Math.floor(o.createdMs / 1000),
  };
}

/** createOrder: sign over payId + param + type + price + key, checks, then the order (new or the same again). */
export async function createVmq(
  env: Env,
  db: Db,
  app: AppWithSecret,
  p: Record<string, string>,
  where: { region: PayerRegion; origin: string },
): Promise<{ ok: true; order: Order } | { ok: false; msg: string }> {
  if (!p.sign) return { ok: false, msg: '请传入签名（sign）' };
  if (!(await vmqSignValid(p.sign, p.payId ?? '', p.param ?? '', p.type ?? '', p.price ?? '', app.secret)))
    return { ok: false, msg: '签名错误：应为 md5(payId + param + type + price + 通讯密钥)，按收到的原始字符串拼接' };
  const checked = checkVmqCreate(createView(app), p, maxAmountFen(env.MAX_AMOUNT), vmqCreateProblem);
  if (!checked.ok) return checked;
  const placed = await placeFacadeOrder(
    env,
    db,
    app,
    checked,
    { facade: 'vmq', fields: (hold) => ({ type: checked.type, price: p.price, isAuto: hold && !hold.fixed ? 1 : 0 }) },
    // Through an official channel: payUrl is a QR the payer scans, so the provider's QR is asked
    // for where the channel has one; isHtml=1 sends the browser to the cashier, which picks by device.
    { ...where, ask: { prefer: p.isHtml === '1' ? undefined : 'qr' } },
  );
  return placed.ok ? placed : { ok: false, msg: REFUSALS[placed.reason](checked.type, placed.detail) };
}

/** The app's order behind a V免签 orderId (its pay token). */
async function orderOf(env: Env, app: App, orderId: string | undefined): Promise<Order | null> {
  if (!orderId || !PAY_TOKEN.test(orderId)) return null;
  const order = await orderByPayToken(env, orderId);
  return order && order.appId === app.id ? order : null;
}

export async function getVmq(env: Env, app: App, p: Record<string, string>, origin: string): Promise<VmqAnswer> {
  const order = await orderOf(env, app, p.orderId);
  return order ? ok(vmqOrderData(order, origin)) : no(NO_ORDER);
}

/** checkOrder: unpaid, expired, or the signed return URL the payer's page goes to once paid. */
export async function checkVmq(
  env: Env,
  app: AppWithSecret,
  p: Record<string, string>,
  origin: string,
): Promise<VmqAnswer> {
  const order = await orderOf(env, app, p.orderId);
  if (!order) return no(NO_ORDER);
  const state = vmqOrderData(order, origin).state;
  if (state === 0) return no('订单未支付');
  if (state === -1) return no('订单已过期');
  const base = order.returnUrl ?? app.returnUrl ?? `${origin}/pay/${order.payToken}`;
  return ok(await signedReturnUrl(base, order, app.appkey, app.secret));
}

/** closeOrder: sign md5(orderId + key); a pending order becomes closed and frees its amount. */
export async function closeVmq(env: Env, app: AppWithSecret, p: Record<string, string>): Promise<VmqAnswer> {
  if (!(await vmqSignValid(p.sign, p.orderId ?? '', app.secret)))
    return no('签名校验不通过：应为 md5(orderId + 通讯密钥)');
  const order = await orderOf(env, app, p.orderId);
  if (!order) return no(NO_ORDER);
  const closed = await closePending(env, await merchantStore(env, app.merchantId), order);
  return 'refusal' in closed ? no('订单状态不允许关闭') : ok();
}

/**
 * getState: sign md5(t + key). `lastheart` is the latest heartbeat of the app's sessions, `lastpay`
 * the latest payment they reported (unix seconds, as strings like V免签's), `jkstate` "1" while an
 * enabled session is online.
 */
export async function stateVmq(env: Env, app: AppWithSecret, p: Record<string, string>): Promise<VmqAnswer> {
  if (!(await vmqSignValid(p.sign, p.t ?? '', app.secret))) return no('签名校验不通过：应为 md5(t + 通讯密钥)');
  const { sessions: rows, lastPaymentMs } = await sessionsAndLastPayment(env, app.merchantId, app.mode);
  const live = await liveStates(env, app.merchantId, rows);
  const enabled = new Set(rows.filter((r) => r.enabled).map((r) => r.id));
  const lastHeart = Math.max(0, ...live.map((l) => l.lastSeenMs ?? 0));
  return ok({
    lastheart: String(Math.floor(lastHeart / 1000)),
    lastpay: String(Math.floor(lastPaymentMs / 1000)),
    jkstate: live.some((l) => l.online && enabled.has(l.id)) ? '1' : '0',
  });
}
