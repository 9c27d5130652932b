/**
 * The CONTROL PLANE tables of D1 (`DB` only): who the merchants are and how they are set up —
 * merchants (with their store and plan), apps, routing rules, collection sessions, webhook
 * endpoints, channel configs, console users, sign-in sessions, invites and the key-guessing
 * counters. Small and read mostly; the hot paths keep what they need of it cached (the Collector,
 * per-isolate memos). The per-order tables are in order-store.ts and live on each merchant's store.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  DIRECTIONS,
  MODES,
  ROTATIONS,
  SESSION_TYPES,
  type ChannelMethod,
  type PayType,
  type Routing,
  type WebhookEvent,
  USER_ROLES,
  WEBHOOK_MODES,
} from '../../domain/vocab';
import { now } from './columns';

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
  /** Charged once per successful "scan to go online" of a live session (上码费). */
  onboardingFee: integer('onboarding_fee').notNull().default(100),
  /** Per live order: this many points plus `order_fee_permille` of the amount (held at create, returned if unpaid). */
  orderFeePoints: integer('order_fee_points').notNull().default(0),
  orderFeePermille: integer('order_fee_permille').notNull().default(0),
  /** Live orders a calendar month (merchant's time zone) may create; null: no limit. */
  monthlyQuota: integer('monthly_quota'),
  /** Over how many Collectors (shards) new sessions of each mode are spread (src/domain/shards.ts). */
  collectorShards: integer('collector_shards').notNull().default(1),
  /** The order store the merchant's orders live on (SPEC §14.1): `DB` or `ORDERS_n`, fixed once set. */
  store: text('store').notNull().default('DB'),
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

export type Merchant = typeof merchants.$inferSelect;
export type App = typeof apps.$inferSelect;
export type Rule = typeof rules.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Webhook = typeof webhooks.$inferSelect;
export type ChannelConfig = typeof channelConfigs.$inferSelect;
export type User = typeof users.$inferSelect;
export type ConsoleSession = typeof consoleSessions.$inferSelect;
