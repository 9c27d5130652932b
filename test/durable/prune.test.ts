/**
 * A Collector's storage stays bounded (src/durable/collector/prune.ts): report rows — the
 * de-duplication keys — are kept for the window of src/domain/retention.ts and pruned after it
 * by the alarm, never while their apply job waits in the outbox; a duplicate inside the window
 * gets the first answer; a payment whose row is gone can still be assigned by hand (补单) from
 * D1's copy; over a long run at a steady rate the tables stop growing.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DEDUPE_WINDOW_MS, PRUNE_SLACK_MS, REPORT_MAX_AGE_MS } from '../../src/domain/retention';
import type { Collector } from '../../src/durable/collector';
import { nextPruneMs, pruneReports, tableSizes } from '../../src/durable/collector/prune';
import { recordReport } from '../../src/durable/collector/reports';
import type { CollectorStore } from '../../src/durable/collector/store';
import { admin, eventually, gatepay, ok, pay, setupMerchant, signedCreate, uniqueKey as key } from '../helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const storeOf = (instance: Collector) => (instance as unknown as { store: CollectorStore }).store;
const stubOf = (merchantId: number) => env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchantId}:live`));
const inStore = <T>(merchantId: number, fn: (store: CollectorStore) => T) =>
  runInDurableObject(stubOf(merchantId), (instance: Collector) => fn(storeOf(instance)));

/** Waits until the consumer has applied every outbox job of this Collector. */
const settled = (merchantId: number) =>
  eventually(async () => expect((await inStore(merchantId, (s) => tableSizes(s))).outbox).toBe(0));

describe('pruning a Collector', () => {
  it('keeps rows for the window, answers a duplicate alike inside it, prunes after it', async () => {
    const m = await setupMerchant({ sessions: 1 });
    const s = m.sessions[0];
    const o = (await gatepay('create', await signedCreate(m.app, { price: '3.00', out_order_id: key('o') }))).data;
    const paidAt = Date.now();
    const ref = key('bill');
    const first = await pay(s, o.realprice, { ref, paid_at: paidAt });
    expect(first.body.matched).toBe(true);
    const stray = await pay(s, '1234.56', { ref: key('stray') });
    expect(stray.body.matched).toBe(false);
    const tuple = await pay(s, '777.00', { paid_at: paidAt - 5 * DAY });
    expect(tuple.body.matched).toBe(false);
    await settled(m.merchant.id);
    // Duplicates inside the window, by bill ref and by (type, amount, paid_at): the first answers.
    expect((await pay(s, o.realprice, { ref, paid_at: paidAt })).body).toEqual(first.body);
    expect((await pay(s, '777.00', { paid_at: paidAt - 5 * DAY })).body).toEqual(tuple.body);

    const now = Date.now();
    const sizes = await inStore(m.merchant.id, (st) => {
      // A day before the window ends: nothing goes.
      expect(st.atomically(() => pruneReports(st, now + DEDUPE_WINDOW_MS - DAY))).toBe(0);
      // The next prune is due one window after the oldest row was seen, with the hour's slack.
      const oldest = st.sql.exec(`SELECT MIN(seen_ms) AS t FROM reports`).one().t as number;
      expect(nextPruneMs(st, now)).toBe(oldest + DEDUPE_WINDOW_MS + PRUNE_SLACK_MS);
      const before = tableSizes(st);
      const pruned = st.atomically(() => pruneReports(st, now + DEDUPE_WINDOW_MS + HOUR));
      return { before, pruned, after: tableSizes(st) };
    });
    expect(sizes.before.reports).toBe(3);
    expect(sizes.pruned).toBe(3);
    expect(sizes.after).toEqual({ holds: 0, reports: 0, outbox: 0, sessions: 1 });
  });

  it('keeps a row whose apply job is still waiting in the outbox', async () => {
    const m = await setupMerchant({ sessions: 1 });
    const s = m.sessions[0];
    await settled(m.merchant.id);
    const later = Date.now() + DEDUPE_WINDOW_MS + DAY;
    const kept = await inStore(m.merchant.id, (st) => {
      // Recorded now, not sent: its job stays in the outbox until the consumer confirms it.
      recordReport(st, {
        sessionId: s.id,
        type: 'alipay',
        amountFen: 4242,
        paidMs: Date.now(),
        ref: 'waiting',
        payer: null,
      });
      const pruned = st.atomically(() => pruneReports(st, later));
      return { pruned, sizes: tableSizes(st), next: nextPruneMs(st, later) };
    });
    expect(kept.pruned).toBe(0);
    expect(kept.sizes.reports).toBe(1);
    expect(kept.sizes.outbox).toBe(1);
    // Nothing else is due: the alarm does not spin on the waiting row.
    expect(kept.next).toBeNull();
    const gone = await inStore(m.merchant.id, (st) => {
      st.sql.exec(`DELETE FROM outbox`);
      return st.atomically(() => pruneReports(st, later));
    });
    expect(gone).toBe(1);
  });

  it('the alarm prunes and rings again when the oldest kept row falls due', async () => {
    const m = await setupMerchant({ sessions: 1 });
    await pay(m.sessions[0], '9.99', { ref: key('bill') });
    await settled(m.merchant.id);
    // Age the row past the window, as if 8 days had gone by.
    await inStore(m.merchant.id, (st) =>
      st.sql.exec(`UPDATE reports SET seen_ms = seen_ms - ?`, DEDUPE_WINDOW_MS + HOUR),
    );
    await pay(m.sessions[0], '8.88', { ref: key('bill') });
    await settled(m.merchant.id);
    expect(await runDurableObjectAlarm(stubOf(m.merchant.id))).toBe(true);
    const after = await runInDurableObject(stubOf(m.merchant.id), async (instance: Collector, state) => ({
      sizes: tableSizes(storeOf(instance)),
      seen: storeOf(instance).sql.exec(`SELECT seen_ms FROM reports`).one().seen_ms as number,
      alarm: await state.storage.getAlarm(),
    }));
    expect(after.sizes.reports).toBe(1);
    expect(after.alarm).toBe(after.seen + DEDUPE_WINDOW_MS + PRUNE_SLACK_MS);
  });

  it('a payment whose row was pruned can still be assigned by hand (补单), once', async () => {
    const m = await setupMerchant({ sessions: 1 });
    const s = m.sessions[0];
    const stray = await pay(s, '66.60', { ref: key('late') });
    expect(stray.body.matched).toBe(false);
    const o = (await gatepay('create', await signedCreate(m.app, { price: '66.60', out_order_id: key('o') }))).data;
    await settled(m.merchant.id);
    const pruned = await inStore(m.merchant.id, (st) => {
      st.sql.exec(`UPDATE reports SET seen_ms = seen_ms - ?`, DEDUPE_WINDOW_MS + HOUR);
      return st.atomically(() => pruneReports(st, Date.now()));
    });
    expect(pruned).toBe(1);
    const assigned = await admin('POST', `/payments/${stray.body.payment_id}/assign`, { order_id: o.order_id });
    expect(assigned.status).toBe(200);
    expect(assigned.body.order.status).toBe('paid');
    expect(assigned.body.payment.order_id).toBe(o.order_id);
    // The Collector knows again that this payment and this order are taken.
    const other = (await gatepay('create', await signedCreate(m.app, { price: '1.00', out_order_id: key('o') }))).data;
    const twice = await admin('POST', `/payments/${stray.body.payment_id}/assign`, { order_id: other.order_id });
    expect(twice.status).toBe(409);
    const held = await ok('GET', `/merchants/${m.merchant.id}/sessions`);
    expect(held.data[0].held_slots).toBe(1); // only `other` holds an amount
  });

  it('refuses a native report paid more than 7 days ago: its duplicates could outlive its row', async () => {
    const m = await setupMerchant({ sessions: 1 });
    const old = await pay(m.sessions[0], '5.00', { ref: key('old'), paid_at: Date.now() - REPORT_MAX_AGE_MS - HOUR });
    expect(old.status).toBe(400);
    expect(old.body.error.message).toMatch(/^paid_at: more than 7 days ago/);
    const edge = await pay(m.sessions[0], '5.00', { ref: key('old'), paid_at: Date.now() - REPORT_MAX_AGE_MS + HOUR });
    expect(edge.status).toBe(200);
  });

  it('over a long run at a steady rate, the tables stop growing', async () => {
    const m = await setupMerchant({ sessions: 2 });
    await settled(m.merchant.id);
    const PER_HOUR = 12;
    const start = Date.now();
    const result = await inStore(m.merchant.id, (st) => {
      const counts: number[] = [];
      let dup = { same: true };
      // 40 simulated days, a report every 5 minutes per hour; the consumer confirms; the alarm prunes.
      for (let h = 0; h < 40 * 24; h++) {
        const now = start + h * HOUR;
        for (let i = 0; i < PER_HOUR; i++) {
          const input = {
            sessionId: m.sessions[i % 2].id,
            type: 'alipay' as const,
            amountFen: 100 + i,
            paidMs: now + i * 300_000,
            ref: `h${h}-${i}`,
            payer: null,
          };
          const first = recordReport(st, input, now + i * 300_000);
          // A duplicate six days later is still answered alike (and records nothing).
          if (h >= 6 * 24 && i === 0) {
            const back = { ...input, ref: `h${h - 6 * 24}-0`, paidMs: now - 6 * DAY };
            const again = recordReport(st, back, now);
            dup = { same: dup.same && again?.job === null && again.answer.out_order_id === null };
          }
          expect(first?.job).not.toBeNull();
        }
        st.sql.exec(`DELETE FROM outbox`);
        while (st.atomically(() => pruneReports(st, now + HOUR)) > 0);
        counts.push(tableSizes(st).reports);
      }
      return { counts, dup, sizes: tableSizes(st) };
    });
    expect(result.dup.same).toBe(true);
    const window = (DEDUPE_WINDOW_MS + PRUNE_SLACK_MS) / HOUR;
    // Never more than the window's reports (plus the hour being recorded); steady from day 9 on.
    expect(Math.max(...result.counts)).toBeLessThanOrEqual((window + 1) * PER_HOUR);
    const lastWeek = result.counts.slice(-7 * 24);
    expect(Math.max(...lastWeek) - Math.min(...lastWeek)).toBeLessThanOrEqual(PER_HOUR);
    expect(result.counts.at(-1)).toBeGreaterThanOrEqual((DEDUPE_WINDOW_MS / HOUR) * PER_HOUR);
    expect(result.sizes.holds).toBe(0);
    expect(result.sizes.outbox).toBe(0);
  });
});
