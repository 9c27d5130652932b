/** The shapes a Collector takes and gives over RPC (one definition, imported by callers). */
import type { CheckedCreate, CreateApp, GatepayCode } from '../../domain/gatepay';
import type { OrderPlan } from '../../domain/points';
import type { App, ChannelConfig, Webhook } from '../../db/schema';
import type { ChannelSlot } from '../../domain/routing';
import type { PayerRegion, RuleSpec } from '../../domain/rules';
import type { Direction, Mode, PayType, Rotation, Routing, SessionType } from '../../domain/vocab';
import type { OrderRef, OutboxJob } from '../../jobs';

export interface CollectorSettings {
  rotation: Rotation;
  maxOffsetFen: number;
  direction: Direction;
  timezone: string;
  /** The merchant's order store (its pay tokens name it). */
  store: string;
  /** What a live order's insert charges and counts. */
  plan: OrderPlan;
  /** What the payer's page shows as the shop. */
  merchantName: string;
}

/**
 * An app as the order paths after create need it — the payer's page (its URLs and secret), the
 * notify and webhook fan-out (its notify URLs, its enabled endpoints of the app's mode), the
 * channel calls (its configs) — kept in
 * the Collector so that those paths read nothing of the control plane (SPEC §14.1).
 */
export interface AppFacts {
  app: App;
  webhooks: Webhook[];
  /** Its official channel configs (credentials sealed), for the channel order paths. */
  configs: ChannelConfig[];
}

export interface SessionConfig {
  id: number;
  type: SessionType;
  enabled: boolean;
  rule: RuleSpec | null;
  qrPayload: string;
  /** Fixed-amount receive codes keyed by fen. */
  amountQr: Record<string, string>;
  /** The monitor secret, sealed: a payment report is verified here (SPEC §14.1: no control-plane read). */
  secretEnc?: string;
}

/** What create order needs of an app of this merchant and mode; the secret stays sealed. */
export interface AppConfig extends CreateApp {
  id: number;
  appkey: string;
  secretEnc: string;
  enabled: boolean;
  orderTtlSeconds: number;
  /** Per pay type (absent: official_then_personal). */
  routing?: Partial<Record<PayType, Routing>>;
  /** Per pay type an official channel serves: the app's config of it, if any. */
  channels?: Partial<Record<PayType, ChannelSlot>>;
  /** The app's row and endpoints (absent in configs synced before order stores: the Collector asks for a sync). */
  facts?: AppFacts;
}

export interface CollectorConfig {
  merchantId: number;
  mode: Mode;
  /** Which of the merchant's Collectors for this mode this is (absent: 0, the only one unless sharded). */
  shard?: number;
  version: number;
  settings: CollectorSettings;
  sessions: SessionConfig[];
  apps: AppConfig[];
}

export interface CreateInput {
  /** The create request's parameters as received. */
  params: Record<string, string>;
  /** Where the request came from (used unless it names `payer_region`). */
  region: PayerRegion;
  /** Collection sessions only: the official channel was tried and failed (official_then_personal). */
  personalOnly?: boolean;
}

/**
 * A create a compatibility facade has already authenticated with its own signature and checked
 * against the app: only the reservation is left to do.
 */
export interface CheckedCreateInput {
  appkey: string;
  order: CheckedCreate;
  /** The facade's parameters that make a repeat the same order; other ones are a conflict. */
  fingerprint: string;
  region: PayerRegion;
  /** Collection sessions only: the official channel was tried and failed (official_then_personal). */
  personalOnly?: boolean;
}

/** What an order's insert needs of its merchant, from the Collector (no control-plane read). */
export interface MerchantFacts {
  timezone: string;
  store: string;
  plan: OrderPlan;
}

export type CreateOutcome =
  | {
      kind: 'held';
      hold: Hold;
      appId: number;
      order: CheckedCreate;
      /** The merchant's: its time zone (the plan's month), store and plan. */
      merchant: MerchantFacts;
      /** What makes a repeat of this create the same order (compared across shards). */
      fingerprint: string;
    }
  /** The order goes to an official channel (configId null: the sandbox simulator, no config yet). */
  | {
      kind: 'channel';
      appId: number;
      order: CheckedCreate;
      ttlMs: number;
      configId: number | null;
      fallback: boolean;
      /** The merchant's: its time zone (the plan's month), store and plan. */
      merchant: MerchantFacts;
    }
  /** `appId` when the app is known (a 204: the caller checks whether the key's order exists). */
  | { kind: 'refused'; code: GatepayCode; msg: string; appId?: number }
  /** The out_order_id holds a slot for other parameters. */
  | { kind: 'conflict'; appId: number }
  /** This object has not learnt the app (or anything) yet: sync it and ask again. */
  | { kind: 'unknown_app' };

export interface ReserveInput {
  order: OrderRef;
  /** Digest of the create parameters; a retry with other parameters is a conflict. */
  fingerprint: string;
  type: PayType;
  priceFen: number;
  ttlMs: number;
  region: PayerRegion;
}

export interface Hold {
  sessionId: number;
  amountFen: number;
  createdMs: number;
  expiresMs: number;
  /**
   * The pay token of the one order this hold belongs to, chosen when the slot is taken: every
   * retry of the create gets the same one, so whichever insert lands first saves that order.
   */
  token: string;
  /** What the payer scans for this amount on this session. */
  qrPayload: string;
  /** The payload is a fixed-amount receive code (the payer need not type the amount). */
  fixed: boolean;
}

export type ReserveResult =
  | { ok: true; hold: Hold }
  | { ok: false; reason: 'conflict' | 'no_session' | 'no_slot' | 'unconfigured' };

export interface ReportAnswer {
  payment_id: string;
  matched: boolean;
  out_order_id: string | null;
}

/**
 * What asking the Collector to expire an order did: `expired` (its hold was freed now or earlier
 * and the expiry is on its way to D1), `not_due` (still inside its window or grace: it stays
 * payable), `matched` (a payment took it; the order is being marked paid).
 */
export type ExpireOutcome = 'expired' | 'not_due' | 'matched';

/** `job` null: this payment was assigned to this order already (a repeated request). */
export type AssignOutcome =
  | { ok: true; job: OutboxJob | null }
  | { ok: false; reason: 'not_pending' | 'unknown_payment' | 'already_matched' | 'order_taken' };

export interface LiveSession {
  id: number;
  lastSeenMs: number | null;
  online: boolean;
  todayFen: number;
  todayCount: number;
  /** Amount slots held by pending orders. */
  held: number;
}

/** A pending order's hold as its status poll and a repeated create see it. */
export interface HeldView {
  amountFen: number;
  expiresMs: number;
  /** The pay token of the order that took the hold. */
  token: string;
  fingerprint: string;
}
