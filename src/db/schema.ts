/**
 * D1 schema: the relational store the console and APIs read. Times are unix milliseconds
 * (`*_ms`), money is integer fen (`*_fen`). Live collection state (heartbeats, holds, counters)
 * lives in the Collector Durable Object, not here.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  DELIVERY_KINDS,
  DIRECTIONS,
  MODES,
  ORDER_STATUSES,
  PAY_TYPES,
  POINTS_REASONS,
  REFUND_STATUSES,
  ROTATIONS,
  SESSION_TYPES,
  type ChannelMethod,
  FACADES,
  type PayType,
  type Routing,
  type WebhookEvent,
  USER_ROLES,
  WEBHOOK_MODES,
} from '../domain/vocab';
import type { EpayFields } from '../domain/epay';
import type { VmqFields } from '../domain/vmq';

const now = sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;

export const merchants = sqliteTable('merchants', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  timezone: text('timezone').notNull().default('Asia/Shanghai'),
  rotation: text('rotation', { enum: ROTATIONS }).notNull().default('smart_random'),
  maxOffsetFen: integer('max_offset_fen').notNull().default(10),
  offsetDirection: text('offset_direction', { enum: DIRECTIONS }).notNull().default('down'),
  defaultRuleId: integer('default_rule_id'),
  /** Bumped on every change that the Collector must learn; stale pushes are ignored. */
  configVersion: integer('config_version').notNull().default(0),
  createdMs: integer('created_ms').notNull().default(now),
  /** A disabled merchant's apps answer 107 and its users cannot sign in. */
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  /** Points balance (100 points = 1 yuan); always the sum of its `points_ledger` deltas. */
  points: integer('points').notNull().default(0),
  /** Charged once per successful "scan to go online" of a live session (上码费). */
  onboardingFee: integer('onboarding_fee').notNull().default(100),
  /** Per live order: this many points plus `order_fee_permille` of the amount (held at create, returned if unpaid). */
  orderFeePoints: integer('order_fee_points').notNull().default(0),
  orderFeePermille: integer('order_fee_permille').notNull().default(0),
  /** Live orders a calendar month (merchant's time zone) may create; null: no limit. */
  monthlyQuota: integer('monthly_quota'),
  /** The month `quota_used` counts (`YYYY-MM`). */
  quotaMonth: text('quota_month'),
  quotaUsed: integer('quota_used').notNull().default(0),
  /** Over how many Collectors (shards) new sessions of each mode are spread (src/domain/shards.ts). */
  collectorShards: integer('collector_shards').notNull().default(1),
});

export const apps = sqliteTable(
  'apps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    merchantId: integer('merchant_id')
      .notNull()
      .references(() => merchants.id),
    name: text('name').notNull(),
    appkey: text('appkey').notNull().unique(),
    secretEnc: text('secret_enc').notNull(),
    mode: text('mode', { enum: MODES }).notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    payTypes: text('pay_types', { mode: 'json' }).$type<PayType[]>().notNull(),
    notifyUrl: text('notify_url'),
    returnUrl: text('return_url'),
    timeoutUrl: text('timeout_url'),
    sandboxNotifyUrl: text('sandbox_notify_url'),
    backupNotifyUrl: text('backup_notify_url'),
    orderTtlSeconds: integer('order_ttl_seconds').notNull().default(600),
    allowUrlOverride: integer('allow_url_override', { mode: 'boolean' }).notNull().default(false),
    createdMs: integer('created_ms').notNull().default(now),
    /** Per pay type: `official`, `personal` or `official_then_personal` (the default when absent). */
    routing: text('routing', { mode: 'json' }).$type<Partial<Record<PayType, Routing>>>().notNull().default(sql`'{}'`),
  },
  (t) => [index('apps_merchant').on(t.merchantId)],
);

export const rules = sqliteTable(
  'rules',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    merchantId: integer('merchant_id')
      .notNull()
      .references(() => merchants.id),
    name: text('name').notNull(),
    /** Active window in local minutes since midnight; start > end wraps midnight; equal = all day. */
    startMinute: integer('start_minute').notNull().default(0),
    endMinute: integer('end_minute').notNull().default(0),
    timezone: text('timezone'),
    minFen: integer('min_fen'),
    maxFen: integer('max_fen'),
    regions: text('regions', { mode: 'json' }).$type<string[]>().notNull(),
    dailyCapFen: integer('daily_cap_fen'),
    createdMs: integer('created_ms').notNull().default(now),
  },
  (t) => [index('rules_merchant').on(t.merchantId)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    merchantId: integer('merchant_id')
      .notNull()
      .references(() => merchants.id),
    mode: text('mode', { enum: MODES }).notNull(),
    type: text('type', { enum: SESSION_TYPES }).notNull(),
    label: text('label').notNull(),
    qrPayload: text('qr_payload').notNull(),
    /** Fixed-amount receive codes: fen (as string key) → QR payload. */
    amountQr: text('amount_qr', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    secretEnc: text('secret_enc').notNull(),
    ruleId: integer('rule_id'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdMs: integer('created_ms').notNull().default(now),
    /** The V免签 monitor app's host label: `<vmq_host>.<VMQ_MONITOR_DOMAIN>` (SPEC §12.2). */
    vmqHost: text('vmq_host').unique(),
    /** Bumped each time a monitor config is issued (create, rotate, reuse); names the onboarding charge. */
    configSeq: integer('config_seq').notNull().default(0),
    /** A monitor config was issued and its first heartbeat has not been charged yet. */
    onboardPending: integer('onboard_pending', { mode: 'boolean' }).notNull().default(false),
    /** Why the last heartbeat did not bring the session online (e.g. points short of the fee). */
    offlineReason: text('offline_reason'),
    /** The merchant's Collector shard that owns this session's live state; fixed at creation. */
    shard: integer('shard').notNull().default(0),
  },
  (t) => [index('sessions_merchant').on(t.merchantId)],
);

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

export type Merchant = typeof merchants.$inferSelect;
export type App = typeof apps.$inferSelect;
export type Rule = typeof rules.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Order = typeof orders.$inferSelect;
export type Payment = typeof payments.$inferSelect;

export const webhooks = sqliteTable(
  'webhooks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: integer('app_id')
      .notNull()
      .references(() => apps.id),
    url: text('url').notNull(),
    /** Extra HTTP headers sent with every delivery. */
    headers: text('headers', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    mode: text('mode', { enum: WEBHOOK_MODES }).notNull(),
    events: text('events', { mode: 'json' }).$type<WebhookEvent[]>().notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdMs: integer('created_ms').notNull().default(now),
  },
  (t) => [index('webhooks_app').on(t.appId)],
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

export type Webhook = typeof webhooks.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;
export type Attempt = typeof attempts.$inferSelect;

/**
 * An app's account at an official provider (SPEC §11.1): one per app and channel. Settings are
 * shown in answers; secret fields are sealed together with MASTER_KEY and never answered.
 */
export const channelConfigs = sqliteTable(
  'channel_configs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    appId: integer('app_id')
      .notNull()
      .references(() => apps.id),
    channel: text('channel').notNull(),
    /** The provider account notifies are addressed to (Alipay `app_id`). */
    account: text('account').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    methods: text('methods', { mode: 'json' }).$type<ChannelMethod[]>().notNull(),
    settings: text('settings', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    secretsEnc: text('secrets_enc').notNull(),
    /** Made by huipay for a sandbox app without setup (its own keys, the built-in simulator). */
    implicit: integer('implicit', { mode: 'boolean' }).notNull().default(false),
    createdMs: integer('created_ms').notNull().default(now),
    updatedMs: integer('updated_ms').notNull().default(now),
  },
  (t) => [
    uniqueIndex('channel_configs_app').on(t.appId, t.channel),
    index('channel_configs_account').on(t.channel, t.account),
  ],
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

/** The built-in simulators' own key pairs, made once per deployment (SPEC §11.6). */
export const simKeys = sqliteTable('sim_keys', {
  channel: text('channel').primaryKey(),
  privateEnc: text('private_enc').notNull(),
  /** Base64 SPKI. */
  publicKey: text('public_key').notNull(),
  /** Public material issued for the key (UnionPay: the simulator's root, middle and signing certificates). */
  material: text('material', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  createdMs: integer('created_ms').notNull().default(now),
});

/** A trade at a built-in simulator, as the provider would hold it. */
export const simTrades = sqliteTable(
  'sim_trades',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channel: text('channel').notNull(),
    account: text('account').notNull(),
    outTradeNo: text('out_trade_no').notNull(),
    /** The simulated provider's transaction number. */
    tradeNo: text('trade_no').notNull().unique(),
    /** Names the trade in the payer page's and the QR code's URLs. */
    token: text('token').notNull().unique(),
    amountFen: integer('amount_fen').notNull(),
    subject: text('subject').notNull(),
    /** The API that created it (`alipay.trade.precreate`, `alipay.trade.wap.pay`, ...). */
    api: text('api').notNull(),
    status: text('status').notNull(),
    notifyUrl: text('notify_url'),
    returnUrl: text('return_url'),
    quitUrl: text('quit_url'),
    /** The origin the gateway was called on (its own notify target when they match). */
    origin: text('origin').notNull(),
    expiresMs: integer('expires_ms'),
    refundedFen: integer('refunded_fen').notNull().default(0),
    createdMs: integer('created_ms').notNull(),
    paidMs: integer('paid_ms'),
    closedMs: integer('closed_ms'),
    notifyState: text('notify_state', { enum: ['none', 'pending', 'delivered', 'skipped', 'failed'] })
      .notNull()
      .default('none'),
    notifyAttempts: integer('notify_attempts').notNull().default(0),
    nextNotifyMs: integer('next_notify_ms'),
    /** What else the provider keeps of the trade (WeChat `appid` and payer, UnionPay `txnTime`, ...). */
    extra: text('extra', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  },
  (t) => [
    uniqueIndex('sim_trades_out').on(t.channel, t.account, t.outTradeNo),
    index('sim_trades_notify').on(t.nextNotifyMs),
  ],
);

export const simRefunds = sqliteTable(
  'sim_refunds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tradeId: integer('trade_id').notNull(),
    outRequestNo: text('out_request_no').notNull(),
    amountFen: integer('amount_fen').notNull(),
    createdMs: integer('created_ms').notNull(),
    /** What else the provider keeps of the refund (its refund id, UnionPay `txnTime`, ...). */
    extra: text('extra', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  },
  (t) => [uniqueIndex('sim_refunds_request').on(t.tradeId, t.outRequestNo)],
);

export type ChannelConfig = typeof channelConfigs.$inferSelect;
export type Refund = typeof refunds.$inferSelect;
export type ChannelLogRow = typeof channelLog.$inferSelect;
export type SimTrade = typeof simTrades.$inferSelect;

/**
 * Failed key checks, counted per subject (e.g. `epay:pid:12`, `epay:ip:203.0.113.9`) in a
 * fixed window, so that guessing a key is slowed down across isolates and restarts.
 */
export const failedAttempts = sqliteTable(
  'failed_attempts',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    windowStartMs: integer('window_start_ms').notNull(),
  },
  (t) => [index('failed_attempts_window').on(t.windowStartMs)],
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

/** Console accounts: an operator, or a user of one merchant. */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Lower-cased. */
  email: text('email').notNull().unique(),
  /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`. */
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: USER_ROLES }).notNull(),
  merchantId: integer('merchant_id'),
  /** The TOTP secret, sealed with MASTER_KEY; null: no second factor. */
  totpEnc: text('totp_enc'),
  /** The TOTP time step (unix seconds / 30) of the last code accepted; a code is accepted only for a later step. */
  totpStep: integer('totp_step'),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  createdMs: integer('created_ms').notNull().default(now),
});

/** Signed-in console sessions; the cookie holds a random token, only its SHA-256 is stored. */
export const consoleSessions = sqliteTable(
  'console_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id').notNull(),
    /** The CSRF token every form of this session carries. */
    csrf: text('csrf').notNull(),
    /** False until the TOTP code is given, for users with a second factor. */
    verified: integer('verified', { mode: 'boolean' }).notNull(),
    createdMs: integer('created_ms').notNull(),
    expiresMs: integer('expires_ms').notNull(),
  },
  (t) => [index('console_sessions_user').on(t.userId), index('console_sessions_expiry').on(t.expiresMs)],
);

/** Failed sign-ins per account (`email:<e>`) and per address (`ip:<a>`), in a sliding window. */
export const signInLimits = sqliteTable(
  'sign_in_limits',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    windowStartMs: integer('window_start_ms').notNull(),
    lockedUntilMs: integer('locked_until_ms').notNull().default(0),
  },
  (t) => [index('sign_in_limits_window').on(t.windowStartMs)],
);

/** Invite links to become a console user of a merchant; the link holds a token, only its hash is stored. */
export const invites = sqliteTable('invites', {
  tokenHash: text('token_hash').primaryKey(),
  merchantId: integer('merchant_id').notNull(),
  createdBy: integer('created_by').notNull(),
  expiresMs: integer('expires_ms').notNull(),
  usedMs: integer('used_ms'),
  createdMs: integer('created_ms').notNull().default(now),
});

export type LedgerRow = typeof pointsLedger.$inferSelect;
export type User = typeof users.$inferSelect;
export type ConsoleSession = typeof consoleSessions.$inferSelect;
