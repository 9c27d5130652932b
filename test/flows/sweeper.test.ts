/** The cron safety net (SPEC §6.4, DESIGN "cron sweeper"): lost delivery messages. Expiries: expiry.test.ts. */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import {
  eventually,
  gatepay,
  merchantLog,
  merchantUrl,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  orderTables,
} from '../helpers';

async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('cron sweeper', () => {
  it('re-drives a delivery whose next attempt is overdue because its queue message was lost', async () => {
    const k = `sweep-${Date.now()}`;
    const m = await setupMerchant({ sessions: 1, app: { notify_url: merchantUrl('fail1', k) } });
    const o = await gatepay('create', await signedCreate(m.app, { price: '5.55', out_order_id: k }));
    await pay(m.sessions[0], o.data.realprice);
    const [d] = await eventually(async () => {
      const rows = (await ok('GET', `/orders/${o.data.order_id}/deliveries`, undefined, 200)).data;
      expect(rows[0].attempts).toBe(1);
      return rows;
    });
    // The message for attempt 2 is lost: it would now fail its compare-and-set, and the row is 3 min overdue.
    await orderTables
      .prepare(`UPDATE deliveries SET attempts = 5, next_attempt_ms = ? WHERE id = ?`)
      .bind(Date.now() - 180_000, d.id)
      .run();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await merchantLog(k)).toHaveLength(1);
    await cron();
    await eventually(async () =>
      expect((await ok('GET', `/orders/${o.data.order_id}/deliveries`, undefined, 200)).data[0]).toMatchObject({
        status: 'delivered',
        attempts: 6,
      }),
    );
    expect(await merchantLog(k)).toHaveLength(2);
    await cron(); // nothing overdue any more: nothing sent
    await new Promise((r) => setTimeout(r, 500));
    expect(await merchantLog(k)).toHaveLength(2);
  });
});
