/**
 * 彩虹易支付 (epay) V1 flows (SPEC §12.1) onto huipay's orders: starting a payment (`submit`,
 * browser; `mapi`, server) and `api.php` (`order`, `query`, `orders`, `refund`). An epay order is
 * an ordinary order: `trade_no` is its order id, `out_trade_no` its out_order_id, `param` its
 * custom; it records its type word, name and money so the notify echoes them.
 */
import type { App, Order } from '../../db/schema';
import { localClock, startOfLocalDay } from '../../domain/clock';
import {
  checkEpayCreate,
  EPAY_MSG,
  EPAY_SIGN_HELP,
  type EpayFields,
  type EpayType,
  epayAuthProblem,
  epaySignValid,
  epaySmuggling,
  epayTypeOf,
  isEpayType,
} from '../../domain/epay';
import { formatFen, maxAmountFen, parsePlainYuan } from '../../domain/money';
import type { PayerRegion } from '../../domain/rules';
import { randomToken } from '../../domain/ids';
import { safeEqual } from '../../domain/sign';
import { channelFor } from '../../channels/registry';
import { isSessionType } from '../../domain/gatepay';
import { epayApiProblem, epayCreateProblem } from '../../schemas/epay';
import { routeOrder } from '../../domain/routing';
import type { Db } from '../../env';
import { type AppWithSecret, appById } from '../../services/apps';
import { appOrder, appOrdersPage, appOrderTotals, merchantOf, payTypeSources } from '../../services/facade-data';
import { isRefundRefused, type RefundRefusal, refusalOf } from '../../errors';
import { requestRefund } from '../../services/refunds';
import { merchantStore } from '../../db/stores';
import { createView, payerIp, type PlaceRefusal, placeFacadeOrder } from '../orders';
import { countCheck, uncount } from '../../services/epay-keys';

export type EpayStart =
  | { kind: 'order'; order: Order }
  /** A submit without `type`: the payer picks one of these. */
  | { kind: 'pick'; types: EpayType[]; merchantName: string; name: string; money: string }
  /** `badSign`: the merchant's sign is wrong; `msg` (its formula) is for the merchant only. */
  | { kind: 'refused'; msg: string; badSign?: true };

const REFUSALS: Record<PlaceRefusal, (type: string, detail: string) => string> = {
  changed: () => EPAY_MSG.changed,
  paid: () => EPAY_MSG.paid,
  final: () => '该订单已关闭或已过期，请更换订单号重新发起支付',
  closed: (type) => `支付方式 ${type} 未开通：该商户没有可用的官方通道或收款会话`,
  unavailable: () => '当前没有可用的收款方式，请稍后再试',
  plan: (_, detail) => `商户套餐额度或积分不足，暂时无法下单（${detail}）`,
  disabled: () => '商户已被禁用',
};

/** The app a request's pid names, if the pid is well formed and the app exists. */
async function appOfPid(env: Env, db: Db, pid: string): Promise<AppWithSecret | null> {
  return /^[1-9]\d{0,14}$/.test(pid) ? appById(env, db, Number(pid)) : null;
}

/** The epay words of the app's pay types that its routing can send somewhere: a channel or sessions. */
async function pickable(db: Db, app: App): Promise<EpayType[]> {
  const { configs, sessionTypes } = await payTypeSources(db, app);
  const served = app.payTypes.filter((type) => {
    const cfg = configs.find((c) => channelFor(type)?.name === c.channel);
    const route = routeOrder({
      mode: app.mode,
      type,
      routing: app.routing[type] ?? 'official_then_personal',
      slot: channelFor(type)
        ? { configId: cfg?.id ?? null, enabled: cfg?.enabled ?? false, implicit: cfg?.implicit ?? false }
        : null,
      hasSessions: () => sessionTypes.some((t) => t === type),
    });
    return route.kind === 'official' || (route.kind === 'personal' && isSessionType(type));
  });
  return [...new Set(served.map((t) => epayTypeOf(t)))];
}

/** `submit.php` / `mapi.php`: authenticate by pid and sign, check, then the order (new or the same again). */
export async function startEpay(
  env: Env,
  db: Db,
  received: Record<string, string>,
  flow: 'submit' | 'mapi',
  where: { region: PayerRegion; origin: string },
): Promise<EpayStart> {
  const refuse = (msg: string) => ({ kind: 'refused' as const, msg });
  const problem = epayAuthProblem(received, epayCreateProblem);
  if (problem) return refuse(problem);
  const app = await appOfPid(env, db, received.pid);
  if (!app) return refuse(`pid ${received.pid} 无效：没有这个商户`);
  if (!app.enabled) return refuse(REFUSALS.disabled('', ''));
  if (!(await epaySignValid(received, app.secret))) return { kind: 'refused', msg: EPAY_SIGN_HELP, badSign: true };
  const smuggled = epaySmuggling(received);
  if (smuggled) return refuse(smuggled);
  const p = await typedAsMade(env, app, received);
  const maxFen = maxAmountFen(env.MAX_AMOUNT);
  if (!p.type && flow === 'submit') {
    const types = await pickable(db, app);
    if (types.length === 0) return refuse('该商户暂无可用的支付方式');
    // Everything but the type must be right before the payer is asked to pick one.
    const check = checkEpayCreate(createView(app), { ...p, type: types[0] }, flow, maxFen, epayCreateProblem);
    if (!check.ok) return refuse(check.msg);
    const merchant = await merchantOf(db, app);
    return { kind: 'pick', types, merchantName: merchant?.name ?? app.name, name: p.name ?? '', money: p.money ?? '' };
  }
  const checked = checkEpayCreate(createView(app), p, flow, maxFen, epayCreateProblem);
  if (!checked.ok) return refuse(checked.msg);
  // Through an official channel: the item name is the subject; mapi from a PC (`device` pc or
  // none) asks for the provider's QR, so the answer can carry `qrcode`; otherwise the cashier
  // page picks the method by the payer's device.
  const ask = {
    subject: p.name,
    clientIp: payerIp(p.clientip),
    prefer: flow === 'mapi' && (!p.device || p.device === 'pc') ? ('qr' as const) : undefined,
  };
  const placed = await placeFacadeOrder(
    env,
    db,
    app,
    checked,
    { facade: 'epay', fields: () => checked.fields },
    { ...where, ask },
  );
  return placed.ok ? { kind: 'order', order: placed.order } : refuse(REFUSALS[placed.reason](p.type, placed.detail));
}

/**
 * A create as compared with the order of its out_trade_no, if there is one: the type is not
 * compared (SPEC §12.1), so a payer who went back to the shop and picked another method (or none)
 * gets that order again, of the type it was made with. A type that is no epay word is left to be
 * refused by name.
 */
async function typedAsMade(env: Env, app: App, p: Record<string, string>): Promise<Record<string, string>> {
  if (!p.out_trade_no || (p.type && !isEpayType(p.type))) return p;
  const made = await findTrade(env, app, { out_trade_no: p.out_trade_no });
  return typeof made === 'string' ? p : { ...p, type: epayTypeOfOrder(made) };
}

/** China time as epay prints it: `YYYY-MM-DD HH:mm:ss`. */
const chinaTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** The epay word of an order: the one it was made with, or (not made through epay) its pay type's. */
const epayTypeOfOrder = (o: Order): EpayType =>
  o.facade === 'epay' ? (o.facadeFields as EpayFields).type : epayTypeOf(o.type);

/** An order as `api.php` describes it. */
function tradeView(o: Order) {
  const fields = o.facade === 'epay' ? (o.facadeFields as EpayFields) : null;
  return {
    trade_no: String(o.id),
    out_trade_no: o.outOrderId,
    type: epayTypeOfOrder(o),
    pid: o.appId,
    addtime: chinaTime(o.createdMs),
    endtime: o.paidMs === null ? null : chinaTime(o.paidMs),
    name: fields?.name ?? o.outOrderId,
    money: formatFen(o.priceFen),
    status: o.status === 'paid' || o.status === 'refunded' ? 1 : 0,
    param: o.custom,
    buyer: '',
  };
}

export type ApiAnswer = { code: number; msg?: string; [k: string]: unknown };

/** The client's address as Cloudflare saw it. */
export interface Caller {
  address: string;
  method: string;
}

/** `api.php`: checks pid and the plain key (rate-limited), then runs `act`. */
export async function epayApi(
  env: Env,
  db: Db,
  p: Record<string, string>,
  caller: Caller,
  origin: string,
): Promise<ApiAnswer> {
  const acts = { order: actOrder, query: actQuery, orders: actOrders, refund: actRefund } as const;
  const act = p.act ?? '';
  const badAct = epayApiProblem('act', act);
  if (badAct) return { code: -1, msg: badAct };
  if (!p.pid) return { code: -1, msg: 'pid 缺少：商户 ID' };
  if (!p.key) return { code: -1, msg: 'key 缺少：商户密钥' };
  const subject = { pid: p.pid, address: caller.address };
  const wait = await countCheck(db, subject);
  if (wait > 0) return { code: -1, msg: `密钥错误次数过多，请 ${wait} 秒后再试` };
  const app = await appOfPid(env, db, p.pid);
  // Compare against something of the same length even when the pid is unknown, so both cost the same.
  const right = safeEqual(p.key, app?.secret ?? 'x'.repeat(32)) && app !== null;
  if (!right || !app) return { code: -1, msg: 'KEY 校验失败：pid 或 key 错误' };
  await uncount(db, subject);
  if (act === 'refund' && caller.method !== 'POST') return { code: -1, msg: 'act=refund 只接受 POST' };
  return acts[act as keyof typeof acts](db, app, p, { env, origin });
}

/** What an act may need besides the request: the bindings, and the origin for URLs given to providers. */
interface ActContext {
  env: Env;
  origin: string;
}

async function findTrade(env: Env, app: App, p: Record<string, string>): Promise<Order | string> {
  if (!p.trade_no && !p.out_trade_no) return 'trade_no 或 out_trade_no 缺少：给出其一';
  const bad = p.trade_no ? epayApiProblem('trade_no', p.trade_no) : null;
  if (bad) return bad;
  const order = await appOrder(env, app, p.trade_no ? { id: Number(p.trade_no) } : { outOrderId: p.out_trade_no });
  if (!order || (p.trade_no && p.out_trade_no && order.outOrderId !== p.out_trade_no)) return '订单号不存在';
  return order;
}

async function actOrder(_db: Db, app: App, p: Record<string, string>, x: ActContext): Promise<ApiAnswer> {
  const order = await findTrade(x.env, app, p);
  if (typeof order === 'string') return { code: -1, msg: order };
  return { code: 1, msg: '查询订单号成功！', ...tradeView(order) };
}

const DAY_MS = 86_400_000;

async function actQuery(db: Db, app: App, p: Record<string, string>, x: ActContext): Promise<ApiAnswer> {
  const merchant = await merchantOf(db, app);
  const tz = merchant?.timezone ?? 'Asia/Shanghai';
  const today = startOfLocalDay(localClock(Date.now(), tz).day, tz);
  const yesterday = startOfLocalDay(localClock(today - DAY_MS / 2, tz).day, tz);
  const totals = await appOrderTotals(x.env, app, today, yesterday);
  return {
    code: 1,
    pid: app.id,
    key: p.key,
    active: app.enabled ? 1 : 0,
    // Payers pay into the merchant's own wallets: huipay holds no balance for it.
    money: '0.00',
    orders: totals.orders,
    order_today: formatFen(totals.todayFen),
    order_lastday: formatFen(totals.lastDayFen),
  };
}

async function actOrders(_db: Db, app: App, p: Record<string, string>, x: ActContext): Promise<ApiAnswer> {
  const bad = epayApiProblem('limit', p.limit ?? '20') ?? epayApiProblem('page', p.page ?? '1');
  if (bad) return { code: -1, msg: bad };
  const limit = Number(p.limit ?? 20);
  const page = Number(p.page ?? 1);
  const rows = await appOrdersPage(x.env, app, limit, (page - 1) * limit);
  return { code: 1, msg: '查询订单记录成功！', data: rows.map(tradeView) };
}

/**
 * `act=refund`: the §11.4 rules through the refund service. An order paid through an official
 * channel is refunded at its provider (`money` yuan; the optional `out_refund_no` is the
 * idempotency key, else each call is a new refund, as epay V1's); an order paid into a personal
 * collection session cannot be (the money went straight to the merchant's own wallet). A refund
 * the provider has taken but not yet confirmed answers code 1 saying so; huipay follows it until
 * it is final (`refund.succeeded` / `refund.failed` webhooks).
 */
async function actRefund(_db: Db, app: App, p: Record<string, string>, x: ActContext): Promise<ApiAnswer> {
  const order = await findTrade(x.env, app, p);
  if (typeof order === 'string') return { code: -1, msg: order };
  if (!p.money) return { code: -1, msg: 'money 缺少：退款金额' };
  const money = parsePlainYuan(p.money, order.priceFen);
  if (!money.ok)
    return { code: -1, msg: `money ${p.money} 无效：应为大于 0 且不超过订单金额 ${formatFen(order.priceFen)} 的金额` };
  const badNo = p.out_refund_no === undefined ? null : epayApiProblem('out_refund_no', p.out_refund_no);
  if (badNo) return { code: -1, msg: badNo };
  if (order.status === 'refunded') return { code: -1, msg: '订单已全额退款' };
  if (order.status !== 'paid') return { code: -1, msg: '订单未支付，不能退款' };
  if (order.channel === null)
    return { code: -1, msg: '退款需要官方支付通道：该订单付入了个人收款账户，请在收款账户中直接退款给付款人' };
  const input = { outRefundNo: p.out_refund_no || `epay_${randomToken(24)}`, amountFen: money.value, reason: null };
  try {
    const r = await requestRefund(x.env, await merchantStore(x.env, app.merchantId), order, input, x.origin);
    if (r.status === 'succeeded') return { code: 1, msg: '退款成功' };
    if (r.status === 'failed') return { code: -1, msg: `退款失败：${r.msg ?? '支付通道拒绝了退款'}` };
    return { code: 1, msg: `退款已提交，等待支付通道确认（退款单号 ${r.outRefundNo}）` };
  } catch (err) {
    if (!isRefundRefused(err)) throw err;
    const why: Record<RefundRefusal, string> = {
      exceeds: `退款金额超过可退金额：可退 ${formatFen(err.details.refundableFen ?? 0)} 元`,
      conflict: `out_refund_no 已用于另一笔退款（${err.message}）`,
      not_paid: '订单未支付，不能退款',
      not_channel: '退款需要官方支付通道',
    };
    return { code: -1, msg: why[refusalOf(err)] };
  }
}
