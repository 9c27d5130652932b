/** Rows → admin wire views (unix seconds, yuan strings, snake_case). */
import type { z } from '@hono/zod-openapi';
import type {
  App,
  Attempt,
  ChannelLogRow,
  Delivery,
  LedgerRow,
  Order,
  Payment,
  Rule,
  Session,
  Webhook,
} from '../../db/schema';
import { formatFen } from '../../domain/money';
import type { MerchantAccount } from '../../services/points';
import { PAY_TYPES } from '../../domain/vocab';
import type { LiveSession } from '../../durable/collector/types';
import type { AppView } from '../../schemas/apps';
import type { ChannelLogView } from '../../schemas/channels';
import type { MerchantView, RuleView } from '../../schemas/merchants';
import type { OrderView, PaymentView } from '../../schemas/orders';
import type { LedgerRowView } from '../../schemas/points';
import type { SessionView } from '../../schemas/sessions';
import type { DeliveryView, WebhookView } from '../../schemas/webhooks';

const sec = (ms: number) => Math.floor(ms / 1000);
const secOrNull = (ms: number | null) => (ms === null ? null : sec(ms));
const yuanOrNull = (fen: number | null) => (fen === null ? null : formatFen(fen));
const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

export const merchantView = (m: MerchantAccount): z.infer<typeof MerchantView> => ({
  id: m.id,
  name: m.name,
  timezone: m.timezone,
  rotation: m.rotation,
  max_offset: formatFen(m.maxOffsetFen),
  offset_direction: m.offsetDirection,
  default_rule_id: m.defaultRuleId,
  created: sec(m.createdMs),
  enabled: m.enabled,
  store: m.store,
  points: m.points,
  onboarding_fee: m.onboardingFee,
  order_fee_points: m.orderFeePoints,
  order_fee_permille: m.orderFeePermille,
  monthly_quota: m.monthlyQuota,
  collector_shards: m.collectorShards,
});

export const ledgerRowView = (r: LedgerRow): z.infer<typeof LedgerRowView> => ({
  id: r.id,
  merchant_id: r.merchantId,
  delta: r.delta,
  reason: r.reason,
  reference: r.reference,
  note: r.note,
  balance_after: r.balanceAfter,
  created: sec(r.createdMs),
});

export const appView = (a: App, appsecret?: string): z.infer<typeof AppView> => ({
  id: a.id,
  merchant_id: a.merchantId,
  appkey: a.appkey,
  epay_pid: a.id,
  ...(appsecret ? { appsecret } : {}),
  name: a.name,
  mode: a.mode,
  notify_url: a.notifyUrl,
  return_url: a.returnUrl,
  timeout_url: a.timeoutUrl,
  sandbox_notify_url: a.sandboxNotifyUrl,
  backup_notify_url: a.backupNotifyUrl,
  order_ttl_seconds: a.orderTtlSeconds,
  allow_url_override: a.allowUrlOverride,
  pay_types: a.payTypes,
  enabled: a.enabled,
  routing: Object.fromEntries(PAY_TYPES.map((t) => [t, a.routing[t] ?? 'official_then_personal'])),
  created: sec(a.createdMs),
});

export const channelLogView = (l: ChannelLogRow): z.infer<typeof ChannelLogView> => ({
  id: l.id,
  kind: l.kind,
  api: l.api,
  order_id: l.orderId,
  refund_id: l.refundId,
  started: sec(l.startedMs),
  duration_ms: l.durationMs,
  request: l.request,
  status: l.status,
  response: l.response,
  outcome: l.outcome,
  error: l.error,
});

export const ruleView = (r: Rule): z.infer<typeof RuleView> => ({
  id: r.id,
  merchant_id: r.merchantId,
  name: r.name,
  start_time: hhmm(r.startMinute),
  end_time: hhmm(r.endMinute),
  timezone: r.timezone,
  min_amount: yuanOrNull(r.minFen),
  max_amount: yuanOrNull(r.maxFen),
  regions: r.regions,
  daily_cap: yuanOrNull(r.dailyCapFen),
  created: sec(r.createdMs),
});

export function sessionView(
  s: Session,
  live: LiveSession | undefined,
  extra: { secret?: string; monitor_config?: string; vmq_config?: string | null; vmq_config_qr?: string | null } = {},
  vmqDomain = '',
): z.infer<typeof SessionView> {
  const state = !s.enabled ? 'disabled' : !live?.lastSeenMs ? 'new' : live.online ? 'online' : 'offline';
  return {
    id: s.id,
    merchant_id: s.merchantId,
    mode: s.mode,
    type: s.type,
    label: s.label,
    qr_payload: s.qrPayload,
    amount_qr: Object.entries(s.amountQr).map(([fen, payload]) => ({ amount: formatFen(Number(fen)), payload })),
    rule_id: s.ruleId,
    enabled: s.enabled,
    state,
    last_heartbeat: secOrNull(live?.lastSeenMs ?? null),
    today: { collected: formatFen(live?.todayFen ?? 0), payments: live?.todayCount ?? 0 },
    held_slots: live?.held ?? 0,
    shard: s.shard,
    vmq_host: vmqDomain && s.vmqHost ? `${s.vmqHost}.${vmqDomain}` : null,
    offline_reason: s.offlineReason as 'insufficient_points' | null,
    created: sec(s.createdMs),
    ...extra,
  };
}

export const orderView = (o: Order): z.infer<typeof OrderView> => ({
  id: o.id,
  app_id: o.appId,
  out_order_id: o.outOrderId,
  session_id: o.sessionId,
  status: o.status,
  price: formatFen(o.priceFen),
  realprice: formatFen(o.realpriceFen),
  type: o.type,
  mode: o.mode,
  custom: o.custom,
  product_id: o.productId,
  payment_id: o.paymentId,
  facade: o.facade,
  facade_fields: o.facadeFields ? { ...o.facadeFields } : null,
  created: sec(o.createdMs),
  expires: sec(o.expiresMs),
  paid_at: secOrNull(o.paidMs),
  closed_at: secOrNull(o.closedMs),
  channel: o.channel,
  method: o.method,
  provider_trade_no: o.providerTradeNo,
  provider_txn_id: o.providerTxnId,
  refunded: formatFen(o.refundedFen),
});

export const paymentView = (p: Payment): z.infer<typeof PaymentView> => ({
  id: p.id,
  session_id: p.sessionId,
  mode: p.mode,
  type: p.type,
  amount: formatFen(p.amountFen),
  paid_at: sec(p.paidMs),
  ref: p.ref,
  payer: p.payer,
  order_id: p.orderId,
  matched_by: p.matchedBy,
  received: sec(p.receivedMs),
  channel: p.channel,
  note: p.note,
});

export const webhookView = (w: Webhook, appkey: string): z.infer<typeof WebhookView> => ({
  id: w.id,
  appkey,
  url: w.url,
  headers: w.headers,
  mode: w.mode,
  events: w.events,
  enabled: w.enabled,
  created: sec(w.createdMs),
});

export const deliveryView = (d: Delivery, log: Attempt[]): z.infer<typeof DeliveryView> => ({
  id: d.id,
  kind: d.kind,
  event_type: d.eventType,
  event_id: d.eventId,
  order_id: d.orderId,
  payment_id: d.paymentId,
  webhook_id: d.webhookId,
  url: d.url,
  backup_url: d.backupUrl,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: d.status === 'pending' ? sec(d.nextAttemptMs) : null,
  created: sec(d.createdMs),
  delivered_at: secOrNull(d.deliveredMs),
  request_body: d.body,
  log: log.map((a) => ({
    attempt: a.attempt,
    manual: a.manual,
    started: sec(a.startedMs),
    url: a.url,
    status: a.status,
    response: a.response,
    duration_ms: a.durationMs,
    error: a.error,
    ok: a.ok,
  })),
});
