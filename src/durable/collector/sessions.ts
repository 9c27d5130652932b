/** The merchant's configuration as its Collector keeps it (sessions, settings, apps) and sessions' live state. */
import type { CollectorStore } from './store';
import type { CollectorConfig, LiveSession } from './types';

/** Replaces sessions, settings and apps, unless `config` is older than what the object has. */
export function applyConfig(store: CollectorStore, config: CollectorConfig): { applied: boolean } {
  if (config.version < Number(store.meta('version') ?? -1)) return { applied: false };
  store.atomically(() => {
    store.setMeta('version', String(config.version));
    store.setMeta(
      'merchant',
      JSON.stringify({ merchantId: config.merchantId, mode: config.mode, shard: config.shard ?? 0 }),
    );
    store.setMeta('settings', JSON.stringify(config.settings));
    store.setMeta(
      'secrets',
      JSON.stringify(Object.fromEntries(config.sessions.map((s) => [s.id, s.secretEnc ?? null]))),
    );
    const ids = config.sessions.map((s) => s.id);
    store.sql.exec(`DELETE FROM sessions WHERE id NOT IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
    for (const s of config.sessions) {
      store.sql.exec(
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
    store.replaceApps(config.apps);
  });
  return { applied: true };
}

/** Records a heartbeat. `cameOnline` is true when the session was new or offline before it. */
export function recordHeartbeat(
  store: CollectorStore,
  sessionId: number,
): { known: boolean; cameOnline: boolean; firstEver: boolean } {
  const now = Date.now();
  const row = store.sql.exec(`SELECT last_seen_ms FROM sessions WHERE id = ?`, sessionId).toArray()[0];
  if (!row) return { known: false, cameOnline: false, firstEver: false };
  const last = row.last_seen_ms as number | null;
  store.sql.exec(`UPDATE sessions SET last_seen_ms = ? WHERE id = ?`, now, sessionId);
  return { known: true, cameOnline: last === null || !store.isOnline(last, now), firstEver: last === null };
}

/** Live state of every session: last heartbeat, online, today's totals, amounts held. */
export function liveSessions(store: CollectorStore): LiveSession[] {
  const now = Date.now();
  const today = store.today(now);
  return store.sql
    .exec(
      `SELECT id, last_seen_ms, day, day_fen, day_count,
         (SELECT COUNT(*) FROM holds h WHERE h.session_id = s.id) AS held FROM sessions s ORDER BY id`,
    )
    .toArray()
    .map((r) => ({
      id: r.id as number,
      lastSeenMs: r.last_seen_ms as number | null,
      online: r.last_seen_ms !== null && store.isOnline(r.last_seen_ms as number, now),
      todayFen: r.day === today ? (r.day_fen as number) : 0,
      todayCount: r.day === today ? (r.day_count as number) : 0,
      held: r.held as number,
    }));
}

/** True when an enabled session of this type exists, online or not (a sandbox app without one goes to the simulator). */
export function hasSessions(store: CollectorStore, type: string): boolean {
  return store.sql.exec(`SELECT 1 FROM sessions WHERE type = ? AND enabled = 1 LIMIT 1`, type).toArray().length > 0;
}
