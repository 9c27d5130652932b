/**
 * The ORDER STORE tables of D1: everything keyed per order or per payment, growing with the
 * traffic — orders, received payments, refunds, deliveries and their attempt log, the log of
 * provider calls and notifies, and each merchant's points (balance, ledger, quota count). They
 * live on the merchant's store (src/db/stores.ts: `DB` or `ORDERS_n`, migrations/orders for the
 * latter): no table here references a control-plane table (merchant, app and config ids are
 * plain columns), and no statement joins the two.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  DELIVERY_KINDS,
  MODES,
  ORDER_STATUSES,
  PAY_TYPES,
  REFUND_STATUSES,
  type ChannelMethod,
  FACADES,
  POINTS_REASONS,
} from '../../domain/vocab';
import type { EpayFields } from '../../domain/epay';
import type { VmqFields } from '../../domain/vmq';

export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    merchantId: integer('merchant_id').notNull(),
    appId: integer('app_id').notNull(),
    mode: text('mode', { enum: MODES }).notNull(),
    outOrderId: text('out_order_id').notNull(),
    type: text('type', { enum: PAY_TYPES }).notNull(),
    priceFen: integer('price_fen').notNull(),
    realpriceFen: integer('realprice_fen').notNull(),
    custom: text('custom').notNull(),
    productId: text('product_id').notNull(),
    sessionId: integer('session_id').notNull(),
    /** The Collector shard of the order's session, which holds its amount (0 for channel orders). */
    shard: integer('shard').notNull().default(0),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('pending'),
    payToken: text('pay_token').notNull().unique(),
    notifyUrl: text('notify_url'),
    returnUrl: text('return_url'),
    timeoutUrl: text('timeout_url'),
    /** What the payer scans: the session's receive code (or its fixed-amount code). */
    qrPayload: text('qr_payload').notNull(),
    paymentId: text('payment_id'),
    createdMs: integer('created_ms').notNull(),
    expiresMs: integer('expires_ms').notNull(),
    paidMs: integer('paid_ms'),
    closedMs: integer('closed_ms'),
    // ── official channels (SPEC §11); null for orders paid into a collection session ──
    channel: text('channel'),
    method: text('method').$type<ChannelMethod | 'auto'>(),
    channelConfigId: integer('channel_config_id'),
    /** huipay's own order number at the provider (Alipay `out_trade_no`). */
    providerTradeNo: text('provider_trade_no'),
    /** The provider's transaction number once paid (Alipay `trade_no`). */
    providerTxnId: text('provider_txn_id'),
    /** `app` orders: what the provider's App SDK takes. */
    payInfo: text('pay_info'),
    subject: text('subject'),
    clientIp: text('client_ip'),
    openid: text('openid'),
    /** When the channel should next be asked about this order (active query, close at expiry); null: nothing due. */
    nextQueryMs: integer('next_query_ms'),
    queryAttempts: integer('query_attempts').notNull().default(0),
    /** Sum of succeeded refunds. */
    refundedFen: integer('refunded_fen').notNull().default(0),
    /** The compatibility facade that made the order (SPEC §12); null: the gatepay API. */
    facade: text('facade', { enum: FACADES }),
    /** The facade's own strings that its notify and return must echo exactly. */
    facadeFields: text('facade_fields', { mode: 'json' }).$type<EpayFields | VmqFields>(),
  },
  (t) => [
    uniqueIndex('orders_app_out').on(t.appId, t.outOrderId),
    index('orders_pending_expiry').on(t.status, t.expiresMs),
    // Listings are newest first by (created_ms, id): one index per equality filter, each ending in
    // created_ms so a time range and the order both come from the index (SQLite appends the rowid).
    index('orders_merchant_created').on(t.merchantId, t.createdMs),
    index('orders_merchant_status').on(t.merchantId, t.status, t.createdMs),
    index('orders_merchant_type').on(t.merchantId, t.type, t.createdMs),
    index('orders_merchant_mode').on(t.merchantId, t.mode, t.createdMs),
    index('orders_merchant_channel').on(t.merchantId, t.channel, t.createdMs),
    index('orders_merchant_out').on(t.merchantId, t.outOrderId),
    // epay's api.php act=query: an app's paid amount by payment time.
    index('orders_app_paid').on(t.appId, t.paidMs).where(sql`paid_ms IS NOT NULL`),
    uniqueIndex('orders_provider_trade').on(t.providerTradeNo),
    index('orders_next_query').on(t.nextQueryMs),
  ],
);

export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    merchantId: integer('merchant_id').notNull(),
    mode: text('mode', { enum: MODES }).notNull(),
    /** 0 for a payment an official channel reported. */
    sessionId: integer('session_id').notNull(),
    type: text('type', { enum: PAY_TYPES }).notNull(),
    amountFen: integer('amount_fen').notNull(),
    paidMs: integer('paid_ms').notNull(),
    ref: text('ref'),
    payer: text('payer'),
    orderId: integer('order_id'),
    /** How it met its order: `auto` by the matcher, `manual` by a merchant's assign (补单). */
    matchedBy: text('matched_by', { enum: ['auto', 'manual'] }),
    receivedMs: integer('received_ms').notNull(),
    /** The official channel that reported it (null: a monitor agent), and its config. */
    channel: text('channel'),
    channelConfigId: integer('channel_config_id'),
    /** Why it is unmatched, or how it met its order when that was unusual (paid after expiry). */
    note: text('note'),
  },
  (t) => [
    // Newest first by rowid: a merchant's payments, and its unmatched inbox.
    index('payments_merchant').on(t.merchantId),
    index('payments_unmatched').on(t.merchantId).where(sql`order_id IS NULL`),
    // V免签 getState's latest payment of a merchant's mode.
    index('payments_received').on(t.merchantId, t.mode, t.receivedMs),
  ],
);

/**
 * One message owed to a merchant: the gatepay async notify of a paid order, or one webhook
 * event to one endpoint. The request body is fixed when it is created; attempts follow the
 * retry schedule, claimed by compare-and-set on `attempts`.
 */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Makes fan-out idempotent: `notify:<order>`, `wh:<webhook>:<event>:<subject>`. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    kind: text('kind', { enum: DELIVERY_KINDS }).notNull(),
    merchantId: integer('merchant_id').notNull(),
    appId: integer('app_id').notNull(),
    orderId: integer('order_id'),
    paymentId: text('payment_id'),
    webhookId: integer('webhook_id'),
    eventId: text('event_id'),
    eventType: text('event_type').notNull(),
    url: text('url').notNull(),
    backupUrl: text('backup_url'),
    /** Internal targets are allowed (sandbox apps, test-mode webhooks). */
    allowInternal: integer('allow_internal', { mode: 'boolean' }).notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptMs: integer('next_attempt_ms').notNull(),
    createdMs: integer('created_ms').notNull(),
    deliveredMs: integer('delivered_ms'),
  },
  (t) => [index('deliveries_order').on(t.orderId), index('deliveries_due').on(t.status, t.nextAttemptMs)],
);

/** Every HTTP request made for a delivery (a backup URL tried in the same attempt is its own row). */
export const attempts = sqliteTable(
  'delivery_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: integer('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    manual: integer('manual', { mode: 'boolean' }).notNull().default(false),
    startedMs: integer('started_ms').notNull(),
    url: text('url').notNull(),
    requestBody: text('request_body').notNull(),
    status: integer('status'),
    /** The first 1 KB of the response body. */
    response: text('response'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
    ok: integer('ok', { mode: 'boolean' }).notNull(),
  },
  (t) => [index('attempts_delivery').on(t.deliveryId, t.attempt)],
);

/** A refund of a channel order (SPEC §11.4). Pending and succeeded refunds never sum past the paid amount. */
export const refunds = sqliteTable(
  'refunds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    merchantId: integer('merchant_id').notNull(),
    appId: integer('app_id').notNull(),
    orderId: integer('order_id').notNull(),
    mode: text('mode', { enum: MODES }).notNull(),
    outRefundNo: text('out_refund_no').notNull(),
    amountFen: integer('amount_fen').notNull(),
    reason: text('reason'),
    status: text('status', { enum: REFUND_STATUSES }).notNull().default('pending'),
    /** The idempotency key huipay gives the provider (Alipay `out_request_no`). */
    providerRequestNo: text('provider_request_no').notNull().unique(),
    msg: text('msg'),
    attempts: integer('attempts').notNull().default(0),
    /** When an unknown outcome is next followed up (refund query); null once final. */
    nextQueryMs: integer('next_query_ms'),
    createdMs: integer('created_ms').notNull(),
    finishedMs: integer('finished_ms'),
  },
  (t) => [
    uniqueIndex('refunds_app_out').on(t.appId, t.outRefundNo),
    index('refunds_order').on(t.orderId, t.status),
    index('refunds_next_query').on(t.nextQueryMs),
  ],
);

/** Every provider call and received provider notify, in the delivery log's style. */
export const channelLog = sqliteTable(
  'channel_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    configId: integer('config_id'),
    orderId: integer('order_id'),
    refundId: integer('refund_id'),
    kind: text('kind', { enum: ['call', 'notify'] }).notNull(),
    /** The provider API called (`alipay.trade.query`), or `notify`. */
    api: text('api').notNull(),
    startedMs: integer('started_ms').notNull(),
    durationMs: integer('duration_ms').notNull(),
    request: text('request').notNull(),
    status: integer('status'),
    /** The first 2 KB of the answer. */
    response: text('response'),
    /** `ok`, `refused`, `unknown` (calls); `processed`, `rejected` (notifies). */
    outcome: text('outcome').notNull(),
    error: text('error'),
  },
  (t) => [index('channel_log_order').on(t.orderId), index('channel_log_config').on(t.configId, t.id)],
);

/**
 * The points ledger (SPEC §7): append-only, one row per change of a merchant's balance, with the
 * balance after it. A charge's (reason, reference) is unique, so a retried charge is made once.
 */
export const pointsLedger = sqliteTable(
  'points_ledger',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    merchantId: integer('merchant_id').notNull(),
    delta: integer('delta').notNull(),
    reason: text('reason', { enum: POINTS_REASONS }).notNull(),
    /** What was charged: `session:<id>#<config_seq>` or `order:<id>`; null for the operator's changes. */
    reference: text('reference'),
    /** The operator's note on a recharge or adjustment. */
    note: text('note'),
    balanceAfter: integer('balance_after').notNull(),
    createdMs: integer('created_ms').notNull(),
  },
  (t) => [
    index('points_ledger_merchant').on(t.merchantId, t.id),
    uniqueIndex('points_ledger_charge')
      .on(t.reason, t.reference)
      .where(sql`reason IN ('onboarding', 'order_fee', 'refund_of_fee')`),
  ],
);

/**
 * A merchant's points balance and this month's count of live orders (SPEC §7), beside its ledger
 * so that an order's insert, its fee and its count are one transaction. The plan itself (fees,
 * quota) is the merchant's, in the control plane; `points` is always the newest ledger row's
 * `balance_after`.
 */
export const books = sqliteTable('books', {
  merchantId: integer('merchant_id').primaryKey(),
  /** Points balance (100 points = 1 yuan); always the sum of the merchant's `points_ledger` deltas. */
  points: integer('points').notNull().default(0),
  /** The month `quota_used` counts (`YYYY-MM`). */
  quotaMonth: text('quota_month'),
  quotaUsed: integer('quota_used').notNull().default(0),
});

export type Order = typeof orders.$inferSelect;
export type Payment = typeof payments.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;
export type Attempt = typeof attempts.$inferSelect;
export type Refund = typeof refunds.$inferSelect;
export type ChannelLogRow = typeof channelLog.$inferSelect;
export type LedgerRow = typeof pointsLedger.$inferSelect;
export type Books = typeof books.$inferSelect;
