/**
 * The shape every official payment channel has (SPEC §11): one object per provider that ends in
 * `satisfies Channel`. A channel owns its provider's protocol — config schema and key checks,
 * request signing, response and notify verification, the answers the provider expects — and turns
 * each provider call into an outcome huipay's services act on without knowing the provider.
 *
 * Every provider call ends in one of three outcomes: `ok` (a verified answer), `refused` (a
 * verified, definite "no" from the provider) or `unknown` (no answer, a 5xx, garbage, a system
 * error, an unverifiable signature). `unknown` is never treated as failure: the caller retries.
 */
import type { z } from '@hono/zod-openapi';
import type { ChannelMethod, Mode, PayType } from '../domain/vocab';

export type CallOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'refused'; code: string; msg: string }
  | { kind: 'unknown'; msg: string };

/** A payment the provider vouches for (a verified notify or query answer). */
export interface PaidFacts {
  amountFen: number;
  /** The provider's own transaction number (Alipay `trade_no`). */
  providerTxnId: string;
  paidMs: number;
  payer: string | null;
}

/** A trade as the provider reports it. */
export type TradeState =
  | { state: 'paid'; facts: PaidFacts }
  | { state: 'pending' }
  | { state: 'closed' }
  | { state: 'not_found' };

/** What a channel needs of an order: huipay's provider order number, the amount, the words shown. */
export interface ChannelOrder {
  providerTradeNo: string;
  amountFen: number;
  subject: string;
  createdMs: number;
  expiresMs: number;
  clientIp: string | null;
  openid: string | null;
  /** The provider's transaction number once paid (UnionPay's `queryId`, which a refund names). */
  providerTxnId: string | null;
}

/** What a channel needs of a refund. */
export interface ChannelRefund {
  /** The idempotency key huipay keeps for this refund (Alipay `out_request_no`). */
  providerRequestNo: string;
  amountFen: number;
  reason: string | null;
  /** When huipay made the refund: a stable request time where the provider keys on one (UnionPay `txnTime`). */
  createdMs: number;
}

/** What the payer is given for a server-to-server method: the QR text (`qr`) or the App SDK's input (`app`). */
export interface CreateResult {
  qrCode?: string;
  payInfo?: string;
}

/**
 * How a browser method starts at the provider: a redirect to a signed URL (Alipay, WeChat H5), or
 * a form the payer's browser posts to the provider (UnionPay's front consume), which huipay serves
 * as an auto-submitting page.
 */
export type BrowserStart =
  | { kind: 'redirect'; url: string }
  | { kind: 'form'; action: string; fields: Record<string, string> };

/** One provider call, for the channel log (no secrets: requests carry signatures, never keys). */
export interface CallRecord {
  api: string;
  startedMs: number;
  durationMs: number;
  request: string;
  status: number | null;
  response: string | null;
  outcome: CallOutcome<unknown>['kind'];
  error: string | null;
}

/** Everything a channel may use for one config: its settings and opened secrets, the provider's transport. */
export interface ChannelContext<Settings, Secrets> {
  configId: number;
  mode: Mode;
  settings: Settings;
  secrets: Secrets;
  /** Origin for URLs huipay hands out (the provider notify URL, the payer's way back). */
  origin: string;
  /** Reaches the provider over HTTP with the timeout (this deployment's own sandbox in-process). */
  fetch(url: string, init: RequestInit): Promise<Response>;
  /**
   * The same, presenting the client certificate of the Workers mTLS binding named `binding` (calls
   * that need the merchant's certificate, e.g. QQ Wallet refunds); the simulator needs none. Null
   * when the deployment has no such binding.
   */
  certFetch(binding: string): ((url: string, init: RequestInit) => Promise<Response>) | null;
  /** Records a provider call in the channel log. */
  record(call: CallRecord): void;
}

/** A notify as received: its raw body and headers. */
export interface RawNotify {
  body: string;
  contentType: string;
  headers: Headers;
}

/** What a verified notify says. `account` is the provider account it is addressed to. */
export type NotifyVerdict =
  | { kind: 'rejected'; reason: string }
  /** Verified, but about nothing huipay acts on (e.g. a refund event: refunds are followed by query). */
  | { kind: 'ignored'; summary: string }
  | {
      kind: 'trade';
      account: string;
      providerTradeNo: string;
      amountFen: number | null;
      state: TradeState['state'];
      facts: PaidFacts | null;
      /** The fields as received, for the log. */
      summary: string;
    };

/** The HTTP answer a provider expects to a notify. */
export interface NotifyAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** A config field the merchant must fix (answered 422 naming the field); one of src/errors.ts's codes. */

/** What saving a config stores: settings shown in answers, and the secrets to seal. */
export interface PreparedConfig<Settings, Secrets> {
  account: string;
  settings: Settings;
  secrets: Secrets;
}

/**
 * What a built-in simulator shows of itself, as a provider would: its public key (base64 SPKI) and
 * public material (certificates, key ids). A config that uses the simulator trusts these.
 */
export interface SimulatorIdentity {
  publicKey: string;
  material: Record<string, string>;
}

export interface PrepareContext<Settings, Secrets> {
  mode: Mode;
  /** The stored config when this save replaces one (omitted secret fields keep their stored values). */
  previous: { settings: Settings; secrets: Secrets } | null;
  /** The built-in simulator's identity (the provider's public key and material), for configs that use it. */
  simulator: () => Promise<SimulatorIdentity>;
  /** The path to store when `url` is this deployment's own simulator of the channel, else null. */
  ownSimulator: (url: string) => string | null;
}

export interface Channel<Settings = unknown, Secrets = unknown> {
  name: string;
  payType: PayType;
  methods: readonly ChannelMethod[];
  /** The provider fields of a config (admin PUT body, without `methods` and `enabled`). */
  input: z.ZodObject;
  /** Input fields that are secret: sealed at rest, never answered, kept when omitted on update. */
  secretFields: readonly string[];
  /** Input fields accepted only to be refused with the reason (the console does not offer them). */
  unsupportedFields?: readonly string[];
  /** Validates and normalises a config (keys parsed, URLs checked); throws `configInvalid` (src/errors.ts). */
  prepare(
    input: Record<string, unknown>,
    ctx: PrepareContext<Settings, Secrets>,
  ): Promise<PreparedConfig<Settings, Secrets>>;
  /** The settings as admin answers show them (fingerprints, never secrets). */
  view(settings: Settings, origin: string): Record<string, unknown>;
  /** Server-to-server methods (`qr`, `app`, `jsapi`): what the payer needs. */
  create(
    ctx: ChannelContext<Settings, Secrets>,
    order: ChannelOrder,
    method: ChannelMethod,
    notifyUrl: string,
  ): Promise<CallOutcome<CreateResult>>;
  /** Browser methods (`wap`, `page`): where the payer's browser goes (a signed URL or form); may call the provider. */
  payUrl(
    ctx: ChannelContext<Settings, Secrets>,
    order: ChannelOrder,
    method: ChannelMethod,
    urls: { notifyUrl: string; returnUrl: string; payerIp: string | null },
  ): Promise<CallOutcome<BrowserStart>>;
  verifyNotify(ctx: ChannelContext<Settings, Secrets>, raw: RawNotify): Promise<NotifyVerdict>;
  /** The provider's expected answers: processed (also duplicates) and refused. */
  answers: { ok: NotifyAnswer; fail: (reason: string) => NotifyAnswer };
  query(ctx: ChannelContext<Settings, Secrets>, order: ChannelOrder): Promise<CallOutcome<TradeState>>;
  /** Closes an unpaid trade; `paid` when the provider says it cannot because the trade is paid. */
  close(
    ctx: ChannelContext<Settings, Secrets>,
    order: ChannelOrder,
  ): Promise<CallOutcome<'closed' | 'not_found' | 'paid'>>;
  /** `unconfirmed`: accepted but not confirmed as moved (follow with refundQuery). */
  refund(
    ctx: ChannelContext<Settings, Secrets>,
    order: ChannelOrder,
    refund: ChannelRefund,
  ): Promise<CallOutcome<'succeeded' | 'unconfirmed'>>;
  /** `failed`: the provider says the refund did not and will not happen. */
  refundQuery(
    ctx: ChannelContext<Settings, Secrets>,
    order: ChannelOrder,
    refund: ChannelRefund,
  ): Promise<CallOutcome<'succeeded' | 'not_found' | 'failed'>>;
  /** One harmless signed call: did the provider accept our signature, and did its answer verify? */
  check(ctx: ChannelContext<Settings, Secrets>): Promise<CheckResult>;
}

export interface CheckResult {
  /** True/false when the provider answered; null when it could not be reached or its answer not verified. */
  accepted: boolean | null;
  response_verified: boolean;
  provider_code: string | null;
  provider_msg: string | null;
  hint: string | null;
}

/** A check whose call got no verified answer: reachability and signature are unknown. */
export function unverifiedCheck(
  outcome: CallOutcome<unknown>,
  more: Partial<Pick<CheckResult, 'provider_code' | 'hint'>> = {},
): CheckResult {
  const provider_msg = outcome.kind === 'ok' ? null : outcome.msg;
  return { accepted: null, response_verified: false, provider_code: null, provider_msg, hint: null, ...more };
}

/**
 * A query answer's trade: `status` (the answer's `field`) looked up in `states`; a status not in
 * the table, or a paid trade whose `facts` are incomplete (`factFields` names what it needs), is
 * `unknown` — the caller asks again rather than guess.
 */
export function queriedTrade(
  provider: string,
  field: string,
  status: string | undefined,
  states: Record<string, TradeState['state']>,
  facts: () => PaidFacts | null,
  factFields: string,
): CallOutcome<TradeState> {
  const state = states[status ?? ''];
  if (!state) return { kind: 'unknown', msg: `${provider} answered ${field} ${status}` };
  if (state !== 'paid') return { kind: 'ok', value: { state } as TradeState };
  const paid = facts();
  if (!paid) return { kind: 'unknown', msg: `${provider} reports the trade paid without ${factFields}` };
  return { kind: 'ok', value: { state: 'paid', facts: paid } };
}

/** Any channel, whatever its settings' shape (the registry's element type). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds channels of different settings types
export type AnyChannel = Channel<any, any>;
