/**
 * Collector: one Durable Object per merchant and mode (`<merchantId>:<mode>`), or per shard of
 * them when a merchant's live state is spread over several (`<merchantId>:<mode>:<shard>`; see
 * src/domain/shards.ts — each shard owns a fixed set of sessions and is this same class). It owns the live
 * collection state — sessions' heartbeats and today's counters, amount holds of pending orders,
 * received payments — so that choosing a session, allocating a unique amount and matching a
 * payment are each one synchronous, atomic block of SQL (no `await` between read and write).
 * It is also the only place an order's hold ends, so an expiry, a close and a payment can never
 * disagree.
 *
 * What must reach D1 later (a match, an expiry) is written to an outbox row in the same
 * transaction and sent to the jobs queue; the consumer confirms it, and the alarm (persisted, so
 * it rings after a restart too) re-sends any row not confirmed in time, so a crash or lost
 * message never loses a payment. The storage and each concern live in `collector/`.
 */
import { DurableObject } from 'cloudflare:workers';
import { type CheckedCreate, checkCreate, GATEPAY_CODES, isSessionType, signRefusal } from '../domain/gatepay';
import { monitorSignatureValid } from '../domain/sign';
import { createFieldProblem } from '../schemas/gatepay';
import { maxAmountFen } from '../domain/money';
import { openSecret } from '../domain/secrets';
import type { OrderRef, OutboxJob, PaymentReport, ReceivedPayment } from '../jobs';
import { expireDue, expireOne, held, release, reserve } from './collector/holds';
import { nextPruneMs, pruneReports, tableSizes } from './collector/prune';
import { assignReport, claimReport, recordReport, unclaimReport } from './collector/reports';
import { routeOrder } from '../domain/routing';
import { applyConfig, hasSessions, liveSessions, recordHeartbeat } from './collector/sessions';
import { CollectorStore } from './collector/store';
import type {
  AppFacts,
  AssignOutcome,
  CheckedCreateInput,
  CollectorConfig,
  CreateInput,
  CreateOutcome,
  ExpireOutcome,
  HeldView,
  LiveSession,
  ReportAnswer,
  ReserveInput,
  ReserveResult,
} from './collector/types';

export class Collector extends DurableObject<Env> {
  private readonly store: CollectorStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CollectorStore(ctx, env);
  }

  // ── configuration and sessions ───────────────────────────────────────────────────────────

  /** Replaces sessions' configuration, settings and apps, unless `config` is older than what we have. */
  sync(config: CollectorConfig): { applied: boolean } {
    return applyConfig(this.store, config);
  }

  /**
   * What the order paths after create need of the apps (one, or all): their rows and webhook
   * endpoints, and the merchant's name. Null until this object has been synced with them.
   */
  appFacts(appId?: number): { merchantName: string; apps: AppFacts[] } | null {
    const all = this.store.appFacts();
    if (!all || appId === undefined) return all;
    const apps = all.apps.filter((f) => f.app.id === appId);
    return apps.length ? { merchantName: all.merchantName, apps } : null;
  }

  /**
   * Whether a monitor request was signed by one of this object's sessions with its current secret
   * (hex HMAC-SHA256 over `timestamp + "." + body`); null when the object holds no secret for it
   * (not synced since secrets came here: the caller asks the control plane).
   */
  async verifyMonitor(
    sessionId: number,
    timestamp: string,
    signature: string,
    body: Uint8Array,
  ): Promise<boolean | null> {
    const sealed = (JSON.parse(this.store.meta('secrets') ?? '{}') as Record<string, string | null>)[sessionId];
    if (!sealed) return null;
    return monitorSignatureValid(await openSecret(this.env.MASTER_KEY, sealed), timestamp, signature, body);
  }

  /** Records a heartbeat. `cameOnline` is true when the session was new or offline before it. */
  heartbeat(sessionId: number): { known: boolean; cameOnline: boolean; firstEver: boolean } {
    return recordHeartbeat(this.store, sessionId);
  }

  /** Live state of every session: last heartbeat, online, today's totals, amounts held. */
  live(): LiveSession[] {
    return liveSessions(this.store);
  }

  // ── orders ───────────────────────────────────────────────────────────────────────────────

  /**
   * Create order's checks that need the app (enabled, sign, pay types, URLs) followed by the
   * reservation, in one call: the app lives here so that create touches D1 only to insert. A
   * facade's create arrives authenticated and checked: only the reservation is left.
   */
  async create(input: CreateInput | CheckedCreateInput): Promise<CreateOutcome> {
    const app = this.store.app('params' in input ? input.params.appkey : input.appkey);
    // Settings from before order stores carry no store or plan: learn them before any create.
    if (!app || !this.store.settings()?.plan) return { kind: 'unknown_app' };
    if (!app.enabled)
      return { kind: 'refused', code: GATEPAY_CODES.api_closed, msg: 'API closed: this app is disabled' };
    let o: CheckedCreate;
    let fingerprint: string;
    if ('params' in input) {
      const p = input.params;
      const badSign = await signRefusal('create', p, await openSecret(this.env.MASTER_KEY, app.secretEnc));
      if (badSign) return { kind: 'refused', ...badSign };
      const checked = checkCreate(app, p, maxAmountFen(this.env.MAX_AMOUNT), createFieldProblem);
      if (!checked.ok) return { kind: 'refused', code: checked.code, msg: checked.msg };
      o = checked.order;
      fingerprint = JSON.stringify([o.priceFen, o.type, o.custom]);
    } else {
      o = input.order;
      fingerprint = input.fingerprint;
    }
    // Every create follows the app's routing: the gatepay API's and the facades' alike.
    if (!input.personalOnly) {
      const route = routeOrder({
        mode: app.mode,
        type: o.type,
        routing: app.routing?.[o.type] ?? 'official_then_personal',
        slot: app.channels?.[o.type] ?? null,
        hasSessions: () => hasSessions(this.store, o.type),
      });
      if (route.kind === 'none') return { kind: 'refused', code: GATEPAY_CODES.no_method, msg: route.msg };
      if (route.kind === 'official')
        return {
          kind: 'channel',
          appId: app.id,
          order: o,
          ttlMs: app.orderTtlSeconds * 1000,
          configId: route.configId,
          fallback: route.fallback,
          merchant: this.store.merchantFacts(),
        };
    }
    if (!isSessionType(o.type))
      return input.personalOnly
        ? {
            kind: 'refused',
            code: GATEPAY_CODES.no_method,
            msg: `no payment method available now: collection sessions take alipay and wechat only, not ${o.type}`,
          }
        : {
            kind: 'refused',
            code: GATEPAY_CODES.type_closed,
            msg: `type ${o.type} is closed for this app: no ${o.type} channel is configured and enabled (collection sessions take alipay and wechat only)`,
          };
    const r = this.reserve({
      order: { appId: app.id, outOrderId: o.outOrderId },
      fingerprint,
      type: o.type,
      priceFen: o.priceFen,
      ttlMs: app.orderTtlSeconds * 1000,
      region: o.region ?? input.region,
    });
    if (r.ok)
      return {
        kind: 'held',
        hold: r.hold,
        appId: app.id,
        order: o,
        merchant: this.store.merchantFacts(),
        fingerprint,
      };
    if (r.reason === 'conflict') return { kind: 'conflict', appId: app.id };
    if (r.reason === 'unconfigured') return { kind: 'unknown_app' };
    return {
      kind: 'refused',
      code: GATEPAY_CODES.no_method,
      appId: app.id,
      msg:
        r.reason === 'no_slot'
          ? 'no payment method available now: every amount slot near this price is taken, try again shortly'
          : `no payment method available now: no online ${o.type} session accepts this order`,
    };
  }

  /** Picks a session and holds a unique amount on it, atomically; the same order key gets the same hold. */
  reserve(input: ReserveInput): ReserveResult {
    return reserve(this.store, input);
  }

  /** The hold of a pending order (what the payer must pay, until when, whose), or null once paid, closed or expired. */
  held(order: OrderRef): HeldView | null {
    return held(this.store, order);
  }

  /** Frees an order's hold (a close; with `token`, only that order's hold). `matched`: a payment took it. */
  release(order: OrderRef, token?: string): 'released' | 'matched' | 'absent' {
    return release(this.store, order, token);
  }

  /**
   * Expires an order the cron sweeper found overdue in D1 — the same path as the alarm's own
   * expiries, so an order still inside its grace period stays payable.
   */
  async expire(order: OrderRef & { token: string }): Promise<ExpireOutcome> {
    const { outcome, job } = this.store.atomically(() => expireOne(this.store, order, Date.now()));
    if (job) await this.store.send(job);
    return outcome;
  }

  // ── payments ─────────────────────────────────────────────────────────────────────────────

  /**
   * Records a payment report exactly once and matches it to the hold whose window contains the
   * payment time. A duplicate gets the first answer. Null when this object does not know the session.
   */
  async report(input: PaymentReport): Promise<ReportAnswer | null> {
    const recorded = recordReport(this.store, input);
    if (recorded?.job) await this.store.send(recorded.job);
    return recorded?.answer ?? null;
  }

  /**
   * Hand-assigns a payment to a pending order, or with `expired` to an expired one (补单).
   * `known` is D1's copy of the payment (for one received before the de-duplication window, whose
   * row is pruned); `claimed`: its session lives on another shard, which `claim`ed it already.
   */
  async assign(
    paymentId: string,
    order: OrderRef,
    expired = false,
    known?: ReceivedPayment,
    claimed = false,
  ): Promise<AssignOutcome> {
    const outcome = assignReport(this.store, paymentId, order, expired, known, claimed);
    if (outcome.ok && outcome.job) await this.store.send(outcome.job);
    return outcome;
  }

  /** The payment's side of a 补单 whose order lives on another shard: marks it as that order's. */
  claim(
    paymentId: string,
    order: OrderRef,
    known?: ReceivedPayment,
  ): { ok: true } | { ok: false; reason: 'unknown_payment' | 'already_matched' } {
    return claimReport(this.store, paymentId, order, known);
  }

  /** Undoes `claim` when the order's shard refused the assignment. */
  unclaim(paymentId: string, order: OrderRef): void {
    unclaimReport(this.store, paymentId, order);
  }

  /** The consumer has applied an outbox job to D1: stop re-sending it. */
  confirm(outboxId: string): void {
    this.store.sql.exec(`DELETE FROM outbox WHERE id = ?`, outboxId);
  }

  /** How many rows each of its tables holds. */
  sizes(): ReturnType<typeof tableSizes> {
    return tableSizes(this.store);
  }

  // ── alarm: expiries, outbox re-drive, pruning ───────────────────────────────────────────

  async alarm(): Promise<void> {
    const now = Date.now();
    const jobs: OutboxJob[] = this.store.atomically(() => [
      ...this.store.overdueJobs(now),
      ...expireDue(this.store, now),
    ]);
    await Promise.all(jobs.map((job) => this.store.send(job)));
    this.store.atomically(() => pruneReports(this.store, now));
    this.store.rescheduleAlarm(nextPruneMs(this.store, now));
  }
}
