/** The closed word lists of the product (SPEC §1); every schema and type derives from these. */
export const MODES = ['sandbox', 'live'] as const;
export const PAY_TYPES = ['alipay', 'wechat', 'qqpay', 'unionpay'] as const;
/** Pay types a personal-wallet collection session can serve. */
export const SESSION_TYPES = ['alipay', 'wechat'] as const;
export const ROTATIONS = ['smart_random', 'uniform', 'random'] as const;
export const DIRECTIONS = ['down', 'up'] as const;
export const ORDER_STATUSES = ['pending', 'paid', 'expired', 'closed', 'refunded'] as const;
export const SESSION_STATES = ['new', 'online', 'offline', 'disabled'] as const;
export const WEBHOOK_EVENTS = [
  'payment.succeeded',
  'order.expired',
  'payment.unmatched',
  'refund.succeeded',
  'refund.failed',
] as const;
export const WEBHOOK_MODES = ['test', 'live'] as const;
/** Compatibility facades (SPEC §12): other gateways' protocols onto the same orders. */
export const FACADES = ['epay', 'vmq'] as const;
/** What a delivery is: the gatepay notify (form POST), a webhook event, or a facade's GET notify. */
export const DELIVERY_KINDS = ['notify', 'webhook', 'epay_notify', 'vmq_notify'] as const;
export const POINTS_REASONS = ['recharge', 'onboarding', 'order_fee', 'adjustment', 'refund_of_fee'] as const;
export const USER_ROLES = ['operator', 'merchant'] as const;

export type Mode = (typeof MODES)[number];
export type PayType = (typeof PAY_TYPES)[number];
export type SessionType = (typeof SESSION_TYPES)[number];
export type Rotation = (typeof ROTATIONS)[number];
export type Direction = (typeof DIRECTIONS)[number];
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type SessionState = (typeof SESSION_STATES)[number];
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** How a payer pays through an official channel (SPEC §11); `auto` lets the cashier choose by device. */
export const CHANNEL_METHODS = ['qr', 'wap', 'page', 'jsapi', 'app'] as const;
export const CREATE_METHODS = ['auto', ...CHANNEL_METHODS] as const;
/** Per app and pay type: official channel, personal collection sessions, or the channel first (default). */
export const ROUTINGS = ['official', 'personal', 'official_then_personal'] as const;
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export type ChannelMethod = (typeof CHANNEL_METHODS)[number];
export type CreateMethod = (typeof CREATE_METHODS)[number];
export type Routing = (typeof ROUTINGS)[number];
export type RefundStatus = (typeof REFUND_STATUSES)[number];
export type Facade = (typeof FACADES)[number];
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
export type PointsReason = (typeof POINTS_REASONS)[number];
export type UserRole = (typeof USER_ROLES)[number];
