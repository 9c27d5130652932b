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
  ROTATIONS,
  SESSION_TYPES,
  FACADES,
  type PayType,
  type WebhookEvent,
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
});

export const apps = sqliteTable('apps', {
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
});

export const rules = sqliteTable('rules', {
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
});

export const sessions = sqliteTable('sessions', {
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
});

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
    /** The compatibility facade that made the order (SPEC §12); null: the gatepay API. */
    facade: text('facade', { enum: FACADES }),
    /** The facade's own strings that its notify and return must echo exactly. */
    facadeFields: text('facade_fields', { mode: 'json' }).$type<EpayFields | VmqFields>(),
  },
  (t) => [
    uniqueIndex('orders_app_out').on(t.appId, t.outOrderId),
    index('orders_merchant').on(t.merchantId, t.id),
    index('orders_pending_expiry').on(t.status, t.expiresMs),
  ],
);

export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    merchantId: integer('merchant_id').notNull(),
    mode: text('mode', { enum: MODES }).notNull(),
    sessionId: integer('session_id').notNull(),
    type: text('type', { enum: SESSION_TYPES }).notNull(),
    amountFen: integer('amount_fen').notNull(),
    paidMs: integer('paid_ms').notNull(),
    ref: text('ref'),
    payer: text('payer'),
    orderId: integer('order_id'),
    /** How it met its order: `auto` by the matcher, `manual` by a merchant's assign (补单). */
    matchedBy: text('matched_by', { enum: ['auto', 'manual'] }),
    receivedMs: integer('received_ms').notNull(),
  },
  (t) => [index('payments_merchant').on(t.merchantId, t.orderId, t.id)],
);

export type Merchant = typeof merchants.$inferSelect;
export type App = typeof apps.$inferSelect;
export type Rule = typeof rules.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Order = typeof orders.$inferSelect;
export type Payment = typeof payments.$inferSelect;

export const webhooks = sqliteTable('webhooks', {
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
});

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
 * Failed key checks, counted per subject (e.g. `epay:pid:12`, `epay:ip:203.0.113.9`) in a
 * fixed window, so that guessing a key is slowed down across isolates and restarts.
 */
export const failedAttempts = sqliteTable('failed_attempts', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStartMs: integer('window_start_ms').notNull(),
});
