/**
 * The query plans of a Collector's own statements (its SQLite storage): each concern's functions
 * run over a recording `sql` inside a real Collector, then every statement they sent is
 * explained. Holds and reports — the tables that grow with a merchant's traffic — must be
 * reached by an index; a full scan is allowed only of the tables that are small by construction
 * (a shard's sessions, its meta rows, its apps, the unconfirmed outbox), each with its reason.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import type { Collector } from '../../src/durable/collector';
import { expireDue, expireOne, held, release, reserve } from '../../src/durable/collector/holds';
import { nextPruneMs, pruneReports } from '../../src/durable/collector/prune';
import { assignReport, claimReport, recordReport, unclaimReport } from '../../src/durable/collector/reports';
import { liveSessions, recordHeartbeat } from '../../src/durable/collector/sessions';
import type { CollectorStore } from '../../src/durable/collector/store';
import { setupMerchant } from '../helpers';

/** Tables a full scan of which is fine, and why. */
const SMALL_TABLES: Record<string, string> = {
  sessions: "a shard's own sessions (tens), read to choose one",
  meta: 'a handful of settings rows',
  apps: "the merchant's apps of this mode",
  outbox: 'jobs not yet confirmed by the consumer (it deletes each within seconds)',
};

it('no Collector statement scans holds or reports, or sorts them', async () => {
  const m = await setupMerchant({ sessions: 2 });
  const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${m.merchant.id}:live`));
  const problems = await runInDurableObject(stub, (instance: Collector, state) => {
    const store = (instance as unknown as { store: CollectorStore }).store;
    const real = store.sql;
    const seen = new Map<string, unknown[]>();
    const recording = {
      exec: (query: string, ...params: unknown[]) => {
        if (!seen.has(query)) seen.set(query, params);
        return real.exec(query, ...(params as SqlStorageValue[]));
      },
    } as unknown as SqlStorage;
    Object.defineProperty(store, 'sql', { value: recording });
    const now = Date.now();
    const s = m.sessions[0];
    recordHeartbeat(store, s.id);
    const order = { appId: m.app.id, outOrderId: 'plan-1' };
    const input = { order, fingerprint: 'f', type: 'alipay' as const, priceFen: 500, ttlMs: 600_000, region: {} };
    const r = reserve(store, input);
    reserve(store, input);
    held(store, order);
    reserve(store, { ...input, order: { appId: m.app.id, outOrderId: 'plan-2' } });
    release(store, { appId: m.app.id, outOrderId: 'plan-2' }, 'tok');
    const paid = recordReport(store, {
      sessionId: r.ok ? r.hold.sessionId : s.id,
      type: 'alipay',
      amountFen: r.ok ? r.hold.amountFen : 500,
      paidMs: now,
      ref: 'plan-bill',
      payer: null,
    });
    recordReport(store, { sessionId: s.id, type: 'alipay', amountFen: 1, paidMs: now, ref: 'plan-bill', payer: null });
    const stray = recordReport(store, {
      sessionId: s.id,
      type: 'alipay',
      amountFen: 9,
      paidMs: now,
      ref: null,
      payer: null,
    });
    const other = { appId: m.app.id, outOrderId: 'plan-3' };
    reserve(store, { ...input, order: other, priceFen: 900 });
    if (stray) {
      assignReport(store, stray.answer.payment_id, other, false);
      claimReport(store, stray.answer.payment_id, order);
      unclaimReport(store, stray.answer.payment_id, order);
    }
    expireOne(store, { ...order, token: 'x' }, now);
    store.atomically(() => expireDue(store, now + 3_600_000));
    store.atomically(() => store.overdueJobs(now + 120_000));
    store.atomically(() => pruneReports(store, now + 30 * 86_400_000));
    nextPruneMs(store, now);
    store.rescheduleAlarm(now + 1000);
    liveSessions(store);
    if (paid) store.sql.exec(`DELETE FROM outbox WHERE id = ?`, paid.job?.outboxId ?? '');
    Object.defineProperty(store, 'sql', { value: real });

    const out: string[] = [];
    let explained = 0;
    for (const [query, params] of seen) {
      if (!/^\s*(select|insert|update|delete|with)\b/i.test(query)) continue;
      const plan = state.storage.sql
        .exec(`EXPLAIN QUERY PLAN ${query}`, ...(params as SqlStorageValue[]))
        .toArray()
        .map((p) => String(p.detail));
      explained++;
      for (const d of plan) {
        const alias = d.match(/^SCAN (\w+)/)?.[1];
        // `FROM sessions s`: the plan names the alias.
        const table = alias && (query.match(new RegExp(`FROM (\\w+) ${alias}\\b`))?.[1] ?? alias);
        const scan = table ? [d, table] : null;
        if (scan && ['holds', 'reports'].includes(scan[1])) out.push(`${d}\n    ${query}`);
        if (
          scan &&
          !['holds', 'reports'].includes(scan[1]) &&
          !SMALL_TABLES[scan[1]] &&
          !/^SCAN (json_each|CONSTANT)/.test(d)
        )
          out.push(`${d} (a table not known to be small)\n    ${query}`);
        if (/USE TEMP B-TREE/.test(d) && /\b(holds|reports)\b/.test(query)) out.push(`${d}\n    ${query}`);
      }
    }
    return { out, explained };
  });
  expect(problems.explained).toBeGreaterThan(20);
  expect(problems.out, `\n${problems.out.join('\n')}`).toEqual([]);
});
