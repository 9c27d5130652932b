/** Wire shapes of the admin API (one zod schema validates, types and documents each). */
import { z } from '@hono/zod-openapi';
import { isTimeZone } from '../../domain/clock';
import { OUT_ORDER_ID, PRINTABLE } from '../../domain/gatepay';
import { REGION_PATTERN } from '../../domain/rules';
import { MAX_SHARDS } from '../../domain/shards';
import { normalizeHttpUrl } from '../../domain/ssrf';
import { OrderFilters } from '../../schemas/order-filter';
import {
  CHANNEL_METHODS,
  DELIVERY_KINDS,
  DIRECTIONS,
  FACADES,
  MODES,
  ORDER_STATUSES,
  PAY_TYPES,
  POINTS_REASONS,
  REFUND_STATUSES,
  ROTATIONS,
  ROUTINGS,
  SESSION_STATES,
  SESSION_TYPES,
  WEBHOOK_EVENTS,
  WEBHOOK_MODES,
} from '../../domain/vocab';

export const Yuan = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, 'a decimal yuan string like "10.00"')
  .openapi({ example: '10.00' });
export const TimeZone = z
  .string()
  .refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai')
  .openapi({ example: 'Asia/Shanghai' });
/** An absolute http(s) URL without credentials or control characters, stored normalised. */
export const HttpUrl = z
  .string()
  .max(1024)
  .transform((v, ctx) => {
    const parsed = normalizeHttpUrl(v);
    if (parsed.ok) return parsed.url;
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  })
  .openapi({ type: 'string', format: 'uri', example: 'https://shop.example.com/pay/notify' });
/** A display name or label: 1–100 characters after trimming, no control characters. */
const Name = z.string().trim().min(1).max(100).regex(PRINTABLE, 'printable text without control characters');
const Clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM')
  .openapi({ example: '09:00' });
const Region = z
  .string()
  .regex(REGION_PATTERN, 'an ISO country code (CN) or China province code (CN-GD)')
  .transform((s) => s.toUpperCase());
const UnixSeconds = z.number().int().openapi({ example: 1767225600 });
const NumericId = z
  .string()
  .regex(/^\d{1,15}$/, 'a numeric id')
  .transform(Number);
export const IdParam = z.object({ id: NumericId.openapi({ param: { name: 'id', in: 'path' }, example: '1' }) });
export const AppkeyParam = z.object({
  appkey: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'appkey', in: 'path' } }),
});
export const PaymentParam = z.object({
  id: z
    .string()
    .regex(/^pay_[A-Za-z0-9]{1,40}$/, 'a payment id')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), request_id: z.string() }) })
  .openapi('Error');

export const MerchantCreate = z
  .object({ name: Name, timezone: TimeZone.optional() })
  .strict()
  .openapi('MerchantCreate', { example: { name: 'Demo shop', timezone: 'Asia/Shanghai' } });
export const MerchantView = z
  .object({
    id: z.number().int(),
    name: z.string(),
    timezone: z.string(),
    rotation: z.enum(ROTATIONS),
    max_offset: Yuan,
    offset_direction: z.enum(DIRECTIONS),
    default_rule_id: z.number().int().nullable(),
    created: UnixSeconds,
    enabled: z.boolean(),
    points: z.number().int().openapi({ description: 'points balance (100 points = 1 yuan)' }),
    onboarding_fee: z.number().int(),
    order_fee_points: z.number().int(),
    order_fee_permille: z.number().int(),
    monthly_quota: z.number().int().nullable(),
    collector_shards: z
      .number()
      .int()
      .openapi({ description: 'over how many Collectors new sessions of each mode are spread' }),
  })
  .openapi('Merchant');
export const MerchantUpdate = z
  .object({ name: Name, enabled: z.boolean() })
  .partial()
  .strict()
  .openapi('MerchantUpdate');
export const PlanUpdate = z
  .object({
    onboarding_fee: z.number().int().min(0).max(100_000_000).openapi({ description: 'points per scan-to-go-online' }),
    order_fee_points: z.number().int().min(0).max(100_000_000).openapi({ description: 'points per paid live order' }),
    order_fee_permille: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .openapi({ description: "per-mille of a paid live order's amount, in points (1 point = 1 fen), rounded up" }),
    monthly_quota: z
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .nullable()
      .openapi({ description: "live orders per calendar month in the merchant's time zone; null: no limit" }),
  })
  .partial()
  .strict()
  .openapi('PlanUpdate');
export const PointsAdjust = z
  .object({
    delta: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((d) => d !== 0, 'a non-zero number of points'),
    reason: z.enum(['recharge', 'adjustment']),
    note: z.string().max(200).regex(PRINTABLE, 'printable text without control characters').optional(),
  })
  .strict()
  .openapi('PointsAdjust');
export const LedgerRowView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    delta: z.number().int(),
    reason: z.enum(POINTS_REASONS),
    reference: z.string().nullable(),
    note: z.string().nullable(),
    balance_after: z.number().int(),
    created: UnixSeconds,
  })
  .openapi('LedgerRow');
export const PointsView = z
  .object({ balance: z.number().int(), data: z.array(LedgerRowView), next_cursor: z.string().nullable() })
  .openapi('Points');
export const SettingsUpdate = z
  .object({
    rotation: z.enum(ROTATIONS),
    max_offset: Yuan.openapi({ description: 'largest move from the asked price, 0.00 to 1.00' }),
    offset_direction: z.enum(DIRECTIONS),
    default_rule_id: z.number().int().positive().nullable(),
    timezone: TimeZone,
    collector_shards: z.number().int().min(1).max(MAX_SHARDS).openapi({
      description:
        'spread new sessions over this many Collectors, for a merchant past what one can serve; a session never changes shard, so it cannot go below a shard that has sessions',
    }),
  })
  .partial()
  .strict()
  .openapi('SettingsUpdate');

const appFields = {
  notify_url: HttpUrl.nullable(),
  return_url: HttpUrl.nullable(),
  timeout_url: HttpUrl.nullable(),
  sandbox_notify_url: HttpUrl.nullable(),
  backup_notify_url: HttpUrl.nullable(),
  order_ttl_seconds: z.number().int().min(60).max(86400),
  allow_url_override: z.boolean(),
  pay_types: z.array(z.enum(PAY_TYPES)).min(1),
  enabled: z.boolean(),
  routing: z.partialRecord(z.enum(PAY_TYPES), z.enum(ROUTINGS)).openapi({
    description:
      'per pay type: official (the channel only), personal (collection sessions only), official_then_personal (default)',
    example: { alipay: 'official_then_personal' },
  }),
};
export const AppCreate = z
  .object({ name: Name, mode: z.enum(MODES), ...z.object(appFields).partial().shape })
  .strict()
  .openapi('AppCreate', {
    example: {
      name: 'Demo shop',
      mode: 'sandbox',
      notify_url: 'https://shop.example.com/pay/notify',
      return_url: 'https://shop.example.com/pay/done',
    },
  });
export const AppUpdate = z
  .object({ name: Name, ...appFields })
  .partial()
  .strict()
  .openapi('AppUpdate');
export const AppView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    appkey: z.string(),
    epay_pid: z
      .number()
      .int()
      .openapi({ description: '彩虹易支付 (epay) facade: the `pid` (its KEY is the appsecret)' }),
    appsecret: z.string().optional().openapi({ description: 'shown only on create and rotate-secret' }),
    name: z.string(),
    mode: z.enum(MODES),
    ...appFields,
    created: UnixSeconds,
  })
  .openapi('App');

const AmountQr = z.array(z.object({ amount: Yuan, payload: z.string().min(1).max(1024) })).max(200);
export const SessionCreate = z
  .object({
    type: z.enum(SESSION_TYPES),
    label: Name,
    qr_payload: z
      .string()
      .min(1)
      .max(1024)
      .openapi({ description: "the text inside the wallet's receive-money QR code" }),
    mode: z
      .enum(MODES)
      .default('live')
      .openapi({ description: 'sandbox sessions serve sandbox apps (paid by the simulator)' }),
    rule_id: z
      .number()
      .int()
      .positive()
      .nullable()
      .optional()
      .openapi({ description: "default: the merchant's default rule" }),
    amount_qr: AmountQr.default([]).openapi({ description: 'fixed-amount receive codes' }),
  })
  .strict()
  .openapi('SessionCreate');
export const SessionUpdate = z
  .object({
    enabled: z.boolean(),
    rule_id: z.number().int().positive().nullable(),
    label: Name,
    qr_payload: z.string().min(1).max(1024),
    amount_qr: AmountQr,
  })
  .partial()
  .strict()
  .openapi('SessionUpdate');
export const SessionView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    mode: z.enum(MODES),
    type: z.enum(SESSION_TYPES),
    label: z.string(),
    qr_payload: z.string(),
    amount_qr: z.array(z.object({ amount: Yuan, payload: z.string() })),
    rule_id: z.number().int().nullable(),
    enabled: z.boolean(),
    state: z.enum(SESSION_STATES),
    last_heartbeat: UnixSeconds.nullable(),
    today: z.object({ collected: Yuan, payments: z.number().int() }),
    offline_reason: z
      .enum(['insufficient_points'])
      .nullable()
      .openapi({ description: 'why the last heartbeat did not bring it online' }),
    held_slots: z.number().int().openapi({ description: 'amounts this session holds for pending orders now' }),
    shard: z
      .number()
      .int()
      .openapi({ description: "the merchant's Collector shard that owns this session's live state" }),
    created: UnixSeconds,
    secret: z.string().optional().openapi({ description: 'shown only on create and rotate-secret' }),
    monitor_config: z.string().optional().openapi({ description: 'what the "scan to go online" QR code holds (JSON)' }),
    vmq_host: z.string().nullable().openapi({
      description:
        'the V免签 monitor app host of this session (`<label>.<VMQ_MONITOR_DOMAIN>`); null when VMQ_MONITOR_DOMAIN is not set',
    }),
    vmq_config: z.string().nullable().optional().openapi({
      description: 'the V免签 app config string `host/key` (key = the session secret); shown with the secret only',
    }),
    vmq_config_qr: z.string().nullable().optional().openapi({
      description: 'the QR code of vmq_config as an SVG document, for the V免签 app to scan',
    }),
  })
  .openapi('Session');

export const RuleCreate = z
  .object({
    name: Name,
    start_time: Clock.default('00:00'),
    end_time: Clock.default('00:00').openapi({
      description: 'equal to start_time: all day; earlier: the window wraps midnight',
    }),
    timezone: TimeZone.nullable().default(null).openapi({ description: "default: the merchant's time zone" }),
    min_amount: Yuan.nullable().default(null),
    max_amount: Yuan.nullable().default(null),
    regions: z.array(Region).max(100).default([]).openapi({ description: 'empty: anywhere' }),
    daily_cap: Yuan.nullable().default(null).openapi({ description: 'per session, per local day' }),
  })
  .strict()
  .openapi('RuleCreate');
export const RuleView = z
  .object({
    id: z.number().int(),
    merchant_id: z.number().int(),
    name: z.string(),
    start_time: z.string(),
    end_time: z.string(),
    timezone: z.string().nullable(),
    min_amount: Yuan.nullable(),
    max_amount: Yuan.nullable(),
    regions: z.array(z.string()),
    daily_cap: Yuan.nullable(),
    created: UnixSeconds,
  })
  .openapi('Rule');

export const OrderView = z
  .object({
    id: z.number().int(),
    app_id: z.number().int(),
    out_order_id: z.string(),
    session_id: z.number().int(),
    status: z.enum(ORDER_STATUSES),
    price: Yuan,
    realprice: Yuan,
    type: z.enum(PAY_TYPES),
    mode: z.enum(MODES),
    custom: z.string(),
    product_id: z.string(),
    payment_id: z.string().nullable(),
    facade: z
      .enum(FACADES)
      .nullable()
      .openapi({ description: 'the compatibility facade that made the order; null: gatepay' }),
    facade_fields: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .nullable()
      .openapi({
        description: "the facade's own strings its notify echoes (epay type, name, money; vmq type, price, isAuto)",
      }),
    created: UnixSeconds,
    expires: UnixSeconds,
    paid_at: UnixSeconds.nullable(),
    closed_at: UnixSeconds.nullable(),
    channel: z.string().nullable().openapi({ description: 'the official channel, or null for a collection session' }),
    method: z.string().nullable(),
    provider_trade_no: z.string().nullable().openapi({ description: "huipay's order number at the provider" }),
    provider_txn_id: z.string().nullable().openapi({ description: "the provider's transaction number, once paid" }),
    refunded: Yuan.openapi({ description: 'sum of succeeded refunds' }),
  })
  .openapi('Order');
export { OrderFilters };

export const LedgerFilters = OrderFilters.pick({ cursor: true, limit: true }).strict();

export const PaymentView = z
  .object({
    id: z.string(),
    session_id: z.number().int().openapi({ description: '0 when an official channel reported it' }),
    mode: z.enum(MODES),
    type: z.enum(PAY_TYPES),
    amount: Yuan,
    paid_at: UnixSeconds,
    ref: z.string().nullable(),
    payer: z.string().nullable(),
    order_id: z.number().int().nullable(),
    matched_by: z.enum(['auto', 'manual']).nullable(),
    received: UnixSeconds,
    channel: z.string().nullable(),
    note: z.string().nullable().openapi({ description: 'why it is unmatched, or what was unusual about its match' }),
  })
  .openapi('Payment');
export const PaymentFilters = z
  .object({
    matched: z.enum(['true', 'false']).optional(),
    cursor: z
      .string()
      .regex(/^\d{1,16}$/, 'a next_cursor from a previous page')
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export const Assign = z.object({ order_id: z.number().int().positive() }).strict().openapi('Assign');

const RESERVED_HEADERS =
  /^(content-type|content-length|host|huipay-signature|user-agent|transfer-encoding|connection)$/i;
const ExtraHeaders = z
  .record(
    z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name'),
    z
      .string()
      .max(1024)
      // Sent as is: a control character (NUL, CR, LF…) or non-ASCII would fail in fetch or be mangled.
      .regex(/^[\t\x20-\x7e]*$/, 'a header value of printable ASCII: no NUL, line break or other control character'),
  )
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')
  .refine(
    (h) => !Object.keys(h).some((k) => RESERVED_HEADERS.test(k)),
    'content-type, host, huipay-signature and similar headers are set by huipay',
  );
const webhookFields = {
  url: HttpUrl,
  headers: ExtraHeaders,
  mode: z
    .enum(WEBHOOK_MODES)
    .openapi({ description: 'test endpoints receive sandbox events, live endpoints live events' }),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
  enabled: z.boolean(),
};
export const WebhookCreate = z
  .object({
    ...webhookFields,
    headers: ExtraHeaders.default({}),
    enabled: z.boolean().default(true),
    events: webhookFields.events.default(['payment.succeeded']),
  })
  .strict()
  .openapi('WebhookCreate');
export const WebhookUpdate = z.object(webhookFields).partial().strict().openapi('WebhookUpdate');
export const WebhookView = z
  .object({ id: z.number().int(), appkey: z.string(), ...webhookFields, created: UnixSeconds })
  .openapi('Webhook');
export const TestSendView = z
  .object({
    request: z.object({
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      body: z.string(),
    }),
    response: z.object({ status: z.number().int(), body: z.string() }).nullable(),
    delivered: z.boolean(),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('TestSend');

export const AttemptView = z
  .object({
    attempt: z.number().int(),
    manual: z.boolean(),
    started: UnixSeconds,
    url: z.string(),
    status: z.number().int().nullable(),
    response: z.string().nullable().openapi({ description: 'first 1 KB of the response body' }),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
    ok: z.boolean(),
  })
  .openapi('Attempt');
export const DeliveryView = z
  .object({
    id: z.number().int(),
    kind: z.enum(DELIVERY_KINDS),
    event_type: z.string(),
    event_id: z.string().nullable(),
    order_id: z.number().int().nullable(),
    payment_id: z.string().nullable(),
    webhook_id: z.number().int().nullable(),
    url: z.string(),
    backup_url: z.string().nullable(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: UnixSeconds.nullable(),
    created: UnixSeconds,
    delivered_at: UnixSeconds.nullable(),
    request_body: z.string(),
    log: z.array(AttemptView),
  })
  .openapi('Delivery');

export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

export const ChannelParam = z.object({
  appkey: AppkeyParam.shape.appkey,
  channel: z
    .string()
    .regex(/^[a-z]{1,20}$/, 'a channel name such as alipay')
    .openapi({ param: { name: 'channel', in: 'path' }, example: 'alipay' }),
});
/** The generic part of a channel config; the channel's own fields are checked by the channel. */
export const ChannelConfigBody = z
  .object({
    methods: z
      .array(z.enum(CHANNEL_METHODS))
      .min(1)
      .optional()
      .openapi({ description: "methods this app offers through the channel (default: all the channel's)" }),
    enabled: z.boolean().optional(),
  })
  .catchall(z.unknown())
  .openapi('ChannelConfigBody', {
    description:
      'plus the fields of the channel, e.g. AlipayChannelConfig: app_id, private_key, alipay_public_key, gateway_url',
  });
export const ChannelConfigView = z
  .object({
    id: z.number().int(),
    appkey: z.string(),
    channel: z.string(),
    mode: z.enum(MODES),
    enabled: z.boolean(),
    methods: z.array(z.enum(CHANNEL_METHODS)),
    implicit: z.boolean().openapi({ description: 'made by huipay for the built-in simulator (sandbox, no setup)' }),
    notify_url: z.string().openapi({ description: 'the notify URL huipay gives the provider for this config' }),
    created: UnixSeconds,
    updated: UnixSeconds,
  })
  .catchall(z.unknown())
  .openapi('ChannelConfig', { description: "plus the channel's settings: fingerprints instead of secrets" });
export const ChannelCheckView = z
  .object({
    channel: z.string(),
    config_id: z.number().int(),
    accepted: z
      .boolean()
      .nullable()
      .openapi({ description: 'did the provider accept our signature (null: no trustworthy answer)' }),
    response_verified: z.boolean(),
    provider_code: z.string().nullable(),
    provider_msg: z.string().nullable(),
    hint: z.string().nullable(),
  })
  .openapi('ChannelCheck');
export const ChannelLogView = z
  .object({
    id: z.number().int(),
    kind: z.enum(['call', 'notify']),
    api: z.string(),
    order_id: z.number().int().nullable(),
    refund_id: z.number().int().nullable(),
    started: UnixSeconds,
    duration_ms: z.number().int(),
    request: z.string(),
    status: z.number().int().nullable(),
    response: z.string().nullable(),
    outcome: z.string(),
    error: z.string().nullable(),
  })
  .openapi('ChannelLogEntry');

export const RefundCreate = z
  .object({
    amount: Yuan,
    reason: z.string().max(256).optional(),
    out_refund_no: z
      .string()
      .regex(OUT_ORDER_ID, '1-64 of A-Z a-z 0-9 _ . | -')
      .optional()
      .openapi({ description: 'your idempotency key (default: one is made)' }),
  })
  .strict()
  .openapi('RefundCreate');
export const RefundView = z
  .object({
    refund_id: z.number().int(),
    out_refund_no: z.string(),
    order_id: z.number().int(),
    out_order_id: z.string(),
    amount: Yuan,
    status: z.enum(REFUND_STATUSES),
    reason: z.string().nullable(),
    created: UnixSeconds,
    finished: z.number().int().openapi({ description: 'unix seconds; 0 while pending' }),
    msg: z.string(),
    log: z.array(ChannelLogView).optional(),
  })
  .openapi('Refund');
