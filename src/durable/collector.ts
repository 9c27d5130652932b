/**
 * Collector: one Durable Object per merchant and mode (`<merchantId>:<mode>`). It owns the live
 * collection state — sessions' heartbeats and today's counters, amount holds of pending orders,
 * received payments — so that choosing a session, allocating a unique amount and matching a
 * payment are each one synchronous, atomic block of SQL (no `await` between read and write).
 *
 * What must reach D1 later (a match, an expiry) is written to an outbox row in the same
 * transaction and sent to the jobs queue; the consumer confirms it, and the alarm re-sends any
 * row not confirmed in time, so a crash or lost message never loses a payment.
 */
import { DurableObject } from 'cloudflare:workers';
import { localClock } from '../domain/clock';
import {
  checkCreate,
  GATEPAY_CODES,
  signRefusal,
  type CheckedCreate,
  type CreateApp,
  type GatepayCode,
} from '../domain/gatepay';
import { maxAmountFen } from '../domain/money';
import { openSecret } from '../domain/secrets';
import { SIGN_FIELDS } from '../domain/sign';
import { rankSessions } from '../domain/rotation';
import { routeOrder, type ChannelSlot } from '../domain/routing';
import { ruleRefusal, type PayerRegion, type RuleSpec } from '../domain/rules';
import { firstFreeSlot } from '../domain/slots';
import type { Direction, Mode, PayType, Rotation, Routing, SessionType } from '../domain/vocab';
import type { OrderRef, OutboxJob, PaymentReport, ReceivedPayment } from '../queues/jobs';
import { randomId } from '../domain/ids';

export interface CollectorSettings {
  rotation: Rotation;
  maxOffsetFen: number;
  direction: Direction;
  timezone: string;
}

export interface SessionConfig {
  id: number;
  type: SessionType;
  enabled: boolean;
  rule: RuleSpec | null;
  qrPayload: string;
  /** Fixed-amount receive codes keyed by fen. */
  amountQr: Record<string, string>;
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
}

export interface CollectorConfig {
  merchantId: number;
  mode: Mode;
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

export type CreateOutcome =
  | { kind: 'held'; hold: Hold; appId: number; order: CheckedCreate }
  /** The order goes to an official channel (configId null: the sandbox simulator, no config yet). */
  | { kind: 'channel'; appId: number; order: CheckedCreate; ttlMs: number; configId: number | null; fallback: boolean }
  | { kind: 'refused'; code: GatepayCode; msg: string }
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
  /** What the payer scans for this amount on this session. */
  qrPayload: string;
  /** False when this order key already held a slot (an idempotent retry). */
  fresh: boolean;
}

export type ReserveResult =
  | { ok: true; hold: Hold }
  | { ok: false; reason: 'conflict' | 'no_session' | 'no_slot' | 'unconfigured' };

export interface ReportAnswer {
  payment_id: string;
  matched: boolean;
  out_order_id: string | null;
}

export interface LiveSession {
  id: number;
  lastSeenMs: number | null;
  online: boolean;
  todayFen: number;
  todayCount: number;
  /** Amount slots held by pending orders. */
  held: number;
}

type Row = Record<string, SqlStorageValue>;
const RESEND_AFTER_MS = 60_000;

export class Collector extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Parsed copies of what this object reads on every create; dropped when a transaction fails. */
  private cache = {
    meta: new Map<string, string | null>(),
    apps: new Map<string, AppConfig | null>(),
    settings: null as { raw: string | null; value: CollectorSettings | null } | null,
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sessions (
        id INTEGER PRIMARY KEY, type TEXT NOT NULL, enabled INTEGER NOT NULL, rule TEXT,
        qr_payload TEXT NOT NULL, amount_qr TEXT NOT NULL,
        last_seen_ms INTEGER, day TEXT, day_fen INTEGER NOT NULL DEFAULT 0, day_count INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS holds (
        app_id INTEGER NOT NULL, out_order_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
        session_id INTEGER NOT NULL, type TEXT NOT NULL, amount_fen INTEGER NOT NULL,
        created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
        PRIMARY KEY (app_id, out_order_id), UNIQUE (session_id, type, amount_fen));
      CREATE INDEX IF NOT EXISTS holds_expiry ON holds (expires_ms);
      CREATE TABLE IF NOT EXISTS reports (
        dedupe_key TEXT PRIMARY KEY, payment_id TEXT NOT NULL UNIQUE, payment TEXT NOT NULL,
        answer TEXT NOT NULL, app_id INTEGER, out_order_id TEXT);
      CREATE INDEX IF NOT EXISTS reports_order ON reports (app_id, out_order_id);
      CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, job TEXT NOT NULL, next_ms INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS apps (appkey TEXT PRIMARY KEY, config TEXT NOT NULL);
    `);
  }

  // ── configuration ────────────────────────────────────────────────────────────────────────

  /** Replaces sessions' configuration and settings, unless `config` is older than what we have. */
  sync(config: CollectorConfig): { applied: boolean } {
    if (config.version < Number(this.meta('version') ?? -1)) return { applied: false };
    this.atomically(() => {
      this.setMeta('version', String(config.version));
      this.setMeta('merchant', JSON.stringify({ merchantId: config.merchantId, mode: config.mode }));
      this.setMeta('settings', JSON.stringify(config.settings));
      const ids = config.sessions.map((s) => s.id);
      this.sql.exec(`DELETE FROM sessions WHERE id NOT IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
      for (const s of config.sessions) {
        this.sql.exec(
          `INSERT INTO sessions (id, type, enabled, rule, qr_payload, amount_qr) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET type = excluded.type, enabled = excluded.enabled, rule = excluded.rule,
             qr_payload = excluded.qr_payload, amount_qr = excluded.amount_qr`,
          s.id,
          s.type,
          s.enabled ? 1 : 0,
          s.rule ? JSON.stringify(s.rule) : null,
          s.qrPayload,
          JSON.stringify(s.amountQr),
        );
      }
      this.sql.exec(`DELETE FROM apps`);
      this.cache.apps.clear();
      for (const a of config.apps)
        this.sql.exec(`INSERT INTO apps (appkey, config) VALUES (?, ?)`, a.appkey, JSON.stringify(a));
    });
    return { applied: true };
  }

  /** Records a heartbeat. `cameOnline` is true when the session was new or offline before it. */
  heartbeat(sessionId: number): { known: boolean; cameOnline: boolean; firstEver: boolean } {
    const now = Date.now();
    const row = this.sql.exec(`SELECT last_seen_ms FROM sessions WHERE id = ?`, sessionId).toArray()[0];
    if (!row) return { known: false, cameOnline: false, firstEver: false };
    const last = row.last_seen_ms as number | null;
    this.sql.exec(`UPDATE sessions SET last_seen_ms = ? WHERE id = ?`, now, sessionId);
    return { known: true, cameOnline: last === null || !this.isOnline(last, now), firstEver: last === null };
  }

  /** Live state of every session: last heartbeat, online, today's totals, amounts held. */
  live(): LiveSession[] {
    const now = Date.now();
    const today = this.today(now);
    const sql = `SELECT id, last_seen_ms, day, day_fen, day_count, (SELECT COUNT(*) FROM holds h WHERE h.session_id = s.id) AS held FROM sessions s ORDER BY id`;
    return this.sql
      .exec(sql)
      .toArray()
      .map((r) => ({
        id: r.id as number,
        lastSeenMs: r.last_seen_ms as number | null,
        online: r.last_seen_ms !== null && this.isOnline(r.last_seen_ms as number, now),
        todayFen: r.day === today ? (r.day_fen as number) : 0,
        todayCount: r.day === today ? (r.day_count as number) : 0,
        held: r.held as number,
      }));
  }

  // ── orders ───────────────────────────────────────────────────────────────────────────────

  /**
   * Create order's checks that need the app (enabled, sign, pay types, URLs) followed by the
   * reservation, in one call: the app lives here so that create touches D1 only to insert.
   */
  async create(input: CreateInput): Promise<CreateOutcome> {
    const p = input.params;
    const app = this.app(p.appkey);
    if (!app) return { kind: 'unknown_app' };
    if (!app.enabled)
      return { kind: 'refused', code: GATEPAY_CODES.api_closed, msg: 'API closed: this app is disabled' };
    const badSign = await signRefusal(SIGN_FIELDS.create, p, await openSecret(this.env.MASTER_KEY, app.secretEnc));
    if (badSign) return { kind: 'refused', ...badSign };
    const checked = checkCreate(app, p, maxAmountFen(this.env.MAX_AMOUNT));
    if (!checked.ok) return { kind: 'refused', code: checked.code, msg: checked.msg };
    const o = checked.order;
    if (!input.personalOnly) {
      const route = routeOrder({
        mode: app.mode,
        type: o.type,
        routing: app.routing?.[o.type] ?? 'official_then_personal',
        slot: app.channels?.[o.type] ?? null,
        hasSessions: () => this.hasSessions(o.type),
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
        };
    }
    const r = this.reserve({
      order: { appId: app.id, outOrderId: o.outOrderId },
      fingerprint: JSON.stringify([o.priceFen, o.type, o.custom]),
      type: o.type,
      priceFen: o.priceFen,
      ttlMs: app.orderTtlSeconds * 1000,
      region: o.region ?? input.region,
    });
    if (r.ok) return { kind: 'held', hold: r.hold, appId: app.id, order: o };
    if (r.reason === 'conflict') return { kind: 'conflict', appId: app.id };
    if (r.reason === 'unconfigured') return { kind: 'unknown_app' };
    return {
      kind: 'refused',
      code: GATEPAY_CODES.no_method,
      msg:
        r.reason === 'no_slot'
          ? 'no payment method available now: every amount slot near this price is taken, try again shortly'
          : `no payment method available now: no online ${o.type} session accepts this order`,
    };
  }

  /** The hold of a pending order (what the payer must pay, until when), or null once paid, closed or expired. */
  held(order: OrderRef): { amountFen: number; expiresMs: number } | null {
    const h = this.sql
      .exec(
        `SELECT amount_fen, expires_ms FROM holds WHERE app_id = ? AND out_order_id = ?`,
        order.appId,
        order.outOrderId,
      )
      .toArray()[0];
    return h ? { amountFen: h.amount_fen as number, expiresMs: h.expires_ms as number } : null;
  }

  /**
   * Picks a session by rules and rotation and holds a unique amount on it, atomically. The same
   * order key gets the same hold back while it is held.
   */
  reserve(input: ReserveInput): ReserveResult {
    const settings = this.settings();
    if (!settings) return { ok: false, reason: 'unconfigured' };
    const existing = this.sql
      .exec(`SELECT * FROM holds WHERE app_id = ? AND out_order_id = ?`, input.order.appId, input.order.outOrderId)
      .toArray()[0];
    if (existing) {
      if (existing.fingerprint !== input.fingerprint) return { ok: false, reason: 'conflict' };
      return {
        ok: true,
        hold: {
          ...toHold(existing),
          qrPayload: this.payloadFor(existing.session_id as number, existing.amount_fen as number),
          fresh: false,
        },
      };
    }
    const now = Date.now();
    const today = this.today(now, settings);
    const candidates = this.sql
      .exec(
        `SELECT * FROM sessions WHERE enabled = 1 AND type = ? AND last_seen_ms >= ?`,
        input.type,
        now - this.timeoutMs(),
      )
      .toArray()
      .map((s) => ({
        id: s.id as number,
        todayFen: s.day === today ? (s.day_fen as number) : 0,
        rule: s.rule ? (JSON.parse(s.rule as string) as RuleSpec) : null,
      }))
      .filter(
        (s) =>
          ruleRefusal(s.rule, {
            nowMs: now,
            amountFen: input.priceFen,
            region: input.region,
            collectedTodayFen: s.todayFen,
            defaultTimezone: settings.timezone,
          }) === null,
      );
    if (candidates.length === 0) return { ok: false, reason: 'no_session' };
    const lastPaid = Number(this.meta('last_paid_session') ?? NaN);
    for (const sessionId of rankSessions(settings.rotation, candidates, Number.isNaN(lastPaid) ? null : lastPaid)) {
      // Only the amounts an offset can reach (the unique index on session, type, amount serves the range).
      const near = this.sql.exec(
        `SELECT amount_fen FROM holds WHERE session_id = ? AND type = ? AND amount_fen BETWEEN ? AND ?`,
        sessionId,
        input.type,
        input.priceFen - settings.maxOffsetFen,
        input.priceFen + settings.maxOffsetFen,
      );
      const taken = new Set(near.toArray().map((r) => r.amount_fen as number));
      const amountFen = firstFreeSlot(input.priceFen, settings.maxOffsetFen, settings.direction, taken);
      if (amountFen === null) continue;
      const hold = {
        sessionId,
        amountFen,
        createdMs: now,
        expiresMs: now + input.ttlMs,
        qrPayload: this.payloadFor(sessionId, amountFen),
        fresh: true,
      };
      this.sql.exec(
        `INSERT INTO holds (app_id, out_order_id, fingerprint, session_id, type, amount_fen, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        input.order.appId,
        input.order.outOrderId,
        input.fingerprint,
        sessionId,
        input.type,
        amountFen,
        hold.createdMs,
        hold.expiresMs,
      );
      this.scheduleAlarm(hold.expiresMs + this.graceMs());
      return { ok: true, hold };
    }
    return { ok: false, reason: 'no_slot' };
  }

  /**
   * Frees an order's hold (merchant close, or a create that failed after reserving).
   * `matched` means a payment already took it: the order is paid, not closable.
   */
  release(order: OrderRef): 'released' | 'matched' | 'absent' {
    const freed = this.sql
      .exec(`DELETE FROM holds WHERE app_id = ? AND out_order_id = ? RETURNING 1`, order.appId, order.outOrderId)
      .toArray();
    if (freed.length > 0) return 'released';
    const matched = this.sql
      .exec(`SELECT 1 FROM reports WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId)
      .toArray();
    return matched.length > 0 ? 'matched' : 'absent';
  }

  // ── payments ─────────────────────────────────────────────────────────────────────────────

  /**
   * Records a payment report exactly once and matches it to the hold of the same session, type
   * and amount whose window contains the payment time. A duplicate gets the first answer.
   * Null when this object does not know the session (not synced yet).
   */
  async report(input: PaymentReport): Promise<ReportAnswer | null> {
    const dedupeKey =
      input.ref !== null
        ? `ref:${input.sessionId}:${input.ref}`
        : `tuple:${input.sessionId}:${input.type}:${input.amountFen}:${input.paidMs}`;
    const seen = this.sql.exec(`SELECT answer FROM reports WHERE dedupe_key = ?`, dedupeKey).toArray()[0];
    if (seen) return JSON.parse(seen.answer as string) as ReportAnswer;
    const session = this.sql.exec(`SELECT id FROM sessions WHERE id = ?`, input.sessionId).toArray()[0];
    if (!session) return null;

    const now = Date.now();
    const payment: ReceivedPayment = { id: randomId('pay'), ...input, receivedMs: now };
    const hold = this.sql
      .exec(
        `SELECT app_id, out_order_id FROM holds WHERE session_id = ? AND type = ? AND amount_fen = ? AND created_ms <= ? AND expires_ms + ? >= ?`,
        input.sessionId,
        input.type,
        input.amountFen,
        input.paidMs,
        this.graceMs(),
        input.paidMs,
      )
      .toArray()[0];
    const match: OrderRef | null = hold
      ? { appId: hold.app_id as number, outOrderId: hold.out_order_id as string }
      : null;
    const answer: ReportAnswer = {
      payment_id: payment.id,
      matched: match !== null,
      out_order_id: match?.outOrderId ?? null,
    };
    const job = this.atomically(() => {
      this.sql.exec(
        `INSERT INTO reports (dedupe_key, payment_id, payment, answer, app_id, out_order_id) VALUES (?, ?, ?, ?, ?, ?)`,
        dedupeKey,
        payment.id,
        JSON.stringify(payment),
        JSON.stringify(answer),
        match?.appId ?? null,
        match?.outOrderId ?? null,
      );
      this.countPayment(input.sessionId, input.amountFen, now);
      if (match) this.consumeHold(match, input.sessionId);
      return this.enqueue({ kind: 'apply', payment, match, matchedBy: match ? 'auto' : null }, now);
    });
    await this.send(job);
    return answer;
  }

  /** Hand-assigns a recorded payment to a pending order (补单). */
  async assign(
    paymentId: string,
    order: OrderRef,
  ): Promise<
    { ok: true; job: OutboxJob } | { ok: false; reason: 'not_pending' | 'unknown_payment' | 'already_matched' }
  > {
    const row = this.sql
      .exec(`SELECT dedupe_key, payment, app_id FROM reports WHERE payment_id = ?`, paymentId)
      .toArray()[0];
    if (!row) return { ok: false, reason: 'unknown_payment' };
    if (row.app_id !== null) return { ok: false, reason: 'already_matched' };
    const hold = this.sql
      .exec(`SELECT session_id FROM holds WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId)
      .toArray()[0];
    if (!hold) return { ok: false, reason: 'not_pending' };
    const payment = JSON.parse(row.payment as string) as ReceivedPayment;
    const now = Date.now();
    const job = this.atomically(() => {
      this.sql.exec(
        `UPDATE reports SET app_id = ?, out_order_id = ? WHERE dedupe_key = ?`,
        order.appId,
        order.outOrderId,
        row.dedupe_key,
      );
      this.consumeHold(order, payment.sessionId);
      return this.enqueue({ kind: 'apply', payment, match: order, matchedBy: 'manual' }, now);
    });
    await this.send(job);
    return { ok: true, job };
  }

  /** The consumer has applied an outbox job to D1: stop re-sending it. */
  confirm(outboxId: string): void {
    this.sql.exec(`DELETE FROM outbox WHERE id = ?`, outboxId);
  }

  // ── alarm: expiries and outbox re-drive ─────────────────────────────────────────────────

  async alarm(): Promise<void> {
    const now = Date.now();
    const jobs = this.atomically(() => {
      const expired = this.sql
        .exec(`DELETE FROM holds WHERE expires_ms + ? <= ? RETURNING app_id, out_order_id`, this.graceMs(), now)
        .toArray();
      const due = this.sql
        .exec(`UPDATE outbox SET next_ms = ? WHERE next_ms <= ? RETURNING job`, now + RESEND_AFTER_MS, now)
        .toArray()
        .map((r) => JSON.parse(r.job as string) as OutboxJob);
      const fresh = expired.map((h) =>
        this.enqueue(
          { kind: 'expire', order: { appId: h.app_id as number, outOrderId: h.out_order_id as string } },
          now,
        ),
      );
      return [...due, ...fresh];
    });
    await Promise.all(jobs.map((job) => this.send(job)));
    this.rescheduleAlarm();
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────

  /** True when an enabled session of this type exists (online or not). */
  private hasSessions(type: string): boolean {
    return this.sql.exec(`SELECT 1 FROM sessions WHERE type = ? AND enabled = 1 LIMIT 1`, type).toArray().length > 0;
  }

  private payloadFor(sessionId: number, amountFen: number): string {
    const s = this.sql.exec(`SELECT qr_payload, amount_qr FROM sessions WHERE id = ?`, sessionId).toArray()[0];
    if (!s) return '';
    return (JSON.parse(s.amount_qr as string) as Record<string, string>)[String(amountFen)] ?? (s.qr_payload as string);
  }

  private consumeHold(order: OrderRef, sessionId: number): void {
    this.sql.exec(`DELETE FROM holds WHERE app_id = ? AND out_order_id = ?`, order.appId, order.outOrderId);
    this.setMeta('last_paid_session', String(sessionId));
  }

  private countPayment(sessionId: number, amountFen: number, now: number): void {
    const today = this.today(now);
    this.sql.exec(
      `UPDATE sessions SET day_fen = CASE WHEN day = ?1 THEN day_fen + ?2 ELSE ?2 END,
         day_count = CASE WHEN day = ?1 THEN day_count + 1 ELSE 1 END, day = ?1 WHERE id = ?3`,
      today,
      amountFen,
      sessionId,
    );
  }

  /** Writes an outbox row (inside the caller's transaction) and returns the job to send. */
  private enqueue(job: DistributiveOmit<OutboxJob, 'outboxId' | 'merchantId' | 'mode'>, now: number): OutboxJob {
    const owner = JSON.parse(this.meta('merchant') ?? 'null') as { merchantId: number; mode: Mode };
    const full = { ...job, ...owner, outboxId: randomId('obx') } as OutboxJob;
    this.sql.exec(
      `INSERT INTO outbox (id, job, next_ms) VALUES (?, ?, ?)`,
      full.outboxId,
      JSON.stringify(full),
      now + RESEND_AFTER_MS,
    );
    this.scheduleAlarm(now + RESEND_AFTER_MS);
    return full;
  }

  /** Sends a job; if the queue is unreachable the alarm re-sends it from the outbox. */
  private async send(job: OutboxJob): Promise<void> {
    try {
      await this.env.JOBS.send(job);
    } catch (err) {
      console.error(
        JSON.stringify({ msg: 'outbox send failed; alarm will retry', outboxId: job.outboxId, error: String(err) }),
      );
    }
  }

  private scheduleAlarm(atMs: number): void {
    const current = Number(this.meta('alarm_ms') ?? Infinity);
    if (atMs >= current) return;
    this.setMeta('alarm_ms', String(atMs));
    void this.ctx.storage.setAlarm(atMs);
  }

  private rescheduleAlarm(): void {
    const next = this.sql
      .exec(
        `SELECT MIN(t) AS t FROM (SELECT MIN(expires_ms) + ? AS t FROM holds UNION ALL SELECT MIN(next_ms) FROM outbox)`,
        this.graceMs(),
      )
      .one().t as number | null;
    this.setMeta('alarm_ms', null);
    if (next !== null) this.scheduleAlarm(Math.max(next, Date.now() + 1000));
  }

  private settings(): CollectorSettings | null {
    const raw = this.meta('settings');
    if (this.cache.settings?.raw !== raw)
      this.cache.settings = { raw, value: raw ? (JSON.parse(raw) as CollectorSettings) : null };
    return this.cache.settings.value;
  }

  private app(appkey: string): AppConfig | null {
    if (!this.cache.apps.has(appkey)) {
      const raw = this.sql.exec(`SELECT config FROM apps WHERE appkey = ?`, appkey).toArray()[0]?.config as
        | string
        | undefined;
      this.cache.apps.set(appkey, raw ? (JSON.parse(raw) as AppConfig) : null);
    }
    return this.cache.apps.get(appkey)!;
  }

  private today(now: number, settings = this.settings()): string {
    return localClock(now, settings?.timezone ?? 'Asia/Shanghai').day;
  }

  private isOnline(lastSeenMs: number, now: number): boolean {
    return now - lastSeenMs <= this.timeoutMs();
  }

  private timeoutMs(): number {
    return Number(this.env.HEARTBEAT_TIMEOUT_SECONDS ?? 90) * 1000;
  }

  private graceMs(): number {
    return Number(this.env.PAYMENT_GRACE_SECONDS ?? 60) * 1000;
  }

  /** A storage transaction; a failure rolls it back, and the caches with it. */
  private atomically<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (err) {
      this.cache = { meta: new Map(), apps: new Map(), settings: null };
      throw err;
    }
  }

  /** Read through `cache`: this object is the only writer of its storage. */
  private meta(k: string): string | null {
    if (!this.cache.meta.has(k))
      this.cache.meta.set(
        k,
        (this.sql.exec(`SELECT v FROM meta WHERE k = ?`, k).toArray()[0]?.v as string | undefined) ?? null,
      );
    return this.cache.meta.get(k)!;
  }

  private setMeta(k: string, v: string | null): void {
    if (v === null) this.sql.exec(`DELETE FROM meta WHERE k = ?`, k);
    else this.sql.exec(`INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v);
    this.cache.meta.set(k, v);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function toHold(r: Row) {
  return {
    sessionId: r.session_id as number,
    amountFen: r.amount_fen as number,
    createdMs: r.created_ms as number,
    expiresMs: r.expires_ms as number,
  };
}
