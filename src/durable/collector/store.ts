/**
 * A Collector's own SQLite storage: its tables, the meta key-value rows and the parsed caches
 * read on every create, transactions, the clock helpers, and the outbox — work that must reach
 * D1 (a match, an expiry), written in the same transaction as the decision and re-sent by the
 * alarm until the queue consumer confirms it.
 */
import { localClock } from '../../domain/clock';
import { randomId } from '../../domain/ids';
import type { Mode } from '../../domain/vocab';
import type { OutboxJob } from '../../jobs';
import type { AppConfig, AppFacts, CollectorSettings, MerchantFacts } from './types';

export type Row = Record<string, SqlStorageValue>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewOutboxJob = DistributiveOmit<OutboxJob, 'outboxId' | 'merchantId' | 'mode' | 'shard'>;

/** How long the consumer has to confirm an outbox row before the alarm sends it again. */
export const RESEND_AFTER_MS = 60_000;

const TABLES = `
  CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, enabled INTEGER NOT NULL, rule TEXT,
    qr_payload TEXT NOT NULL, amount_qr TEXT NOT NULL,
    last_seen_ms INTEGER, day TEXT, day_fen INTEGER NOT NULL DEFAULT 0, day_count INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS holds (
    app_id INTEGER NOT NULL, out_order_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
    session_id INTEGER NOT NULL, type TEXT NOT NULL, amount_fen INTEGER NOT NULL,
    created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, token TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (app_id, out_order_id), UNIQUE (session_id, type, amount_fen));
  CREATE INDEX IF NOT EXISTS holds_expiry ON holds (expires_ms);
  CREATE TABLE IF NOT EXISTS reports (
    dedupe_key TEXT PRIMARY KEY, payment_id TEXT NOT NULL UNIQUE, payment TEXT NOT NULL,
    answer TEXT NOT NULL, app_id INTEGER, out_order_id TEXT, seen_ms INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX IF NOT EXISTS reports_order ON reports (app_id, out_order_id);
  CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, job TEXT NOT NULL, next_ms INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS apps (appkey TEXT PRIMARY KEY, config TEXT NOT NULL);
`;

export class CollectorStore {
  readonly sql: SqlStorage;
  /** Parsed copies of what is read on every create; dropped when a transaction fails. */
  private cache = CollectorStore.emptyCache();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    this.sql = ctx.storage.sql;
    this.sql.exec(TABLES);
    // Objects created before holds carried their order's pay token.
    const holdColumns = this.sql.exec(`SELECT name FROM pragma_table_info('holds')`).toArray();
    if (!holdColumns.some((c) => c.name === 'token'))
      this.sql.exec(`ALTER TABLE holds ADD COLUMN token TEXT NOT NULL DEFAULT ''`);
    // Objects created before reports were pruned: when each report was seen, from its payment.
    const reportColumns = this.sql.exec(`SELECT name FROM pragma_table_info('reports')`).toArray();
    if (!reportColumns.some((c) => c.name === 'seen_ms')) {
      this.sql.exec(`ALTER TABLE reports ADD COLUMN seen_ms INTEGER NOT NULL DEFAULT 0`);
      this.sql.exec(`UPDATE reports SET seen_ms = max(payment ->> '$.paidMs', payment ->> '$.receivedMs')`);
    }
    this.sql.exec(`CREATE INDEX IF NOT EXISTS reports_seen ON reports (seen_ms)`);
  }

  private static emptyCache() {
    return {
      meta: new Map<string, string | null>(),
      apps: new Map<string, AppConfig | null>(),
      settings: null as { raw: string | null; value: CollectorSettings | null } | null,
    };
  }

  /** A storage transaction; a failure rolls it back, and the caches with it. */
  atomically<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (err) {
      this.cache = CollectorStore.emptyCache();
      throw err;
    }
  }

  /** Read through the cache: this object is the only writer of its storage. */
  meta(k: string): string | null {
    if (!this.cache.meta.has(k)) {
      const row = this.sql.exec(`SELECT v FROM meta WHERE k = ?`, k).toArray()[0];
      this.cache.meta.set(k, (row?.v as string | undefined) ?? null);
    }
    return this.cache.meta.get(k)!;
  }

  setMeta(k: string, v: string | null): void {
    if (v === null) this.sql.exec(`DELETE FROM meta WHERE k = ?`, k);
    else this.sql.exec(`INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v);
    this.cache.meta.set(k, v);
  }

  settings(): CollectorSettings | null {
    const raw = this.meta('settings');
    if (this.cache.settings?.raw !== raw)
      this.cache.settings = { raw, value: raw ? (JSON.parse(raw) as CollectorSettings) : null };
    return this.cache.settings.value;
  }

  app(appkey: string): AppConfig | null {
    if (!this.cache.apps.has(appkey)) {
      const row = this.sql.exec(`SELECT config FROM apps WHERE appkey = ?`, appkey).toArray()[0];
      this.cache.apps.set(appkey, row ? (JSON.parse(row.config as string) as AppConfig) : null);
    }
    return this.cache.apps.get(appkey)!;
  }

  /** Every app's facts with the merchant's name; null until a sync from after order stores. */
  appFacts(): { merchantName: string; apps: AppFacts[] } | null {
    const settings = this.settings();
    if (settings?.merchantName === undefined) return null;
    const rows = this.sql.exec(`SELECT config FROM apps`).toArray();
    const apps = rows.map((r) => (JSON.parse(r.config as string) as AppConfig).facts);
    if (apps.some((f) => !f)) return null;
    return { merchantName: settings.merchantName, apps: apps as AppFacts[] };
  }

  replaceApps(configs: AppConfig[]): void {
    this.sql.exec(`DELETE FROM apps`);
    this.cache.apps.clear();
    for (const a of configs)
      this.sql.exec(`INSERT INTO apps (appkey, config) VALUES (?, ?)`, a.appkey, JSON.stringify(a));
  }

  /** The merchant's time zone (daily counters, plan months); Asia/Shanghai before the first sync. */
  timezone(settings = this.settings()): string {
    return settings?.timezone ?? 'Asia/Shanghai';
  }

  /** What an order's insert needs of the merchant (the settings of the last sync). */
  merchantFacts(settings = this.settings()): MerchantFacts {
    return {
      timezone: this.timezone(settings),
      store: settings?.store ?? 'DB',
      plan: settings?.plan ?? { points: 0, permille: 0, monthlyQuota: null },
    };
  }

  today(now: number, settings = this.settings()): string {
    return localClock(now, this.timezone(settings)).day;
  }

  isOnline(lastSeenMs: number, now: number): boolean {
    return now - lastSeenMs <= this.timeoutMs();
  }

  timeoutMs(): number {
    return Number(this.env.HEARTBEAT_TIMEOUT_SECONDS ?? 90) * 1000;
  }

  /** How long after its expiry an order still takes a payment (SPEC §4.5 GRACE). */
  graceMs(): number {
    return Number(this.env.PAYMENT_GRACE_SECONDS ?? 60) * 1000;
  }

  // ── outbox and alarm ──────────────────────────────────────────────────────────────────────

  /** Writes an outbox row (inside the caller's transaction) and returns the job to send. */
  enqueue(job: NewOutboxJob, now: number): OutboxJob {
    const owner = JSON.parse(this.meta('merchant') ?? 'null') as { merchantId: number; mode: Mode; shard?: number };
    // Shard 0 (every single-object merchant) writes jobs exactly as before sharding.
    const { shard, ...where } = owner;
    const full = { ...job, ...where, ...(shard ? { shard } : {}), outboxId: randomId('obx') } as OutboxJob;
    this.sql.exec(
      `INSERT INTO outbox (id, job, next_ms) VALUES (?, ?, ?)`,
      full.outboxId,
      JSON.stringify(full),
      now + RESEND_AFTER_MS,
    );
    this.scheduleAlarm(now + RESEND_AFTER_MS);
    return full;
  }

  /** Outbox jobs not confirmed in time, pushed a minute forward (call inside a transaction). */
  overdueJobs(now: number): OutboxJob[] {
    return this.sql
      .exec(`UPDATE outbox SET next_ms = ? WHERE next_ms <= ? RETURNING job`, now + RESEND_AFTER_MS, now)
      .toArray()
      .map((r) => JSON.parse(r.job as string) as OutboxJob);
  }

  /** Sends a job; if the queue is unreachable the alarm re-sends it from the outbox. */
  async send(job: OutboxJob): Promise<void> {
    try {
      await this.env.JOBS.send(job);
    } catch (err) {
      console.error(
        JSON.stringify({ msg: 'outbox send failed; alarm will retry', outboxId: job.outboxId, error: String(err) }),
      );
    }
  }

  /** Makes sure the alarm rings at `atMs` or earlier (it is persisted, so it survives restarts). */
  scheduleAlarm(atMs: number): void {
    const current = Number(this.meta('alarm_ms') ?? Infinity);
    if (atMs >= current) return;
    this.setMeta('alarm_ms', String(atMs));
    void this.ctx.storage.setAlarm(atMs);
  }

  /** After an alarm: the next ring is the earliest hold's end of grace, outbox re-send, or `alsoAt` (the next prune). */
  rescheduleAlarm(alsoAt: number | null = null): void {
    const next = this.sql
      .exec(
        `SELECT MIN(t) AS t FROM (SELECT MIN(expires_ms) + ? AS t FROM holds UNION ALL SELECT MIN(next_ms) FROM outbox)`,
        this.graceMs(),
      )
      .one().t as number | null;
    this.setMeta('alarm_ms', null);
    const at = next === null ? alsoAt : alsoAt === null ? next : Math.min(next, alsoAt);
    if (at !== null) this.scheduleAlarm(Math.max(at, Date.now() + 1000));
  }
}
