/** No payment lost, none applied twice: outbox re-drive after a lost queue message (issue #2 item 8). */
import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker, { type Collector } from '../../src/index';
import type { Job } from '../../src/jobs';
import { eventually, gatepay, ok, setupMerchant, signedCreate, orderTables } from '../helpers';

const row = (id: number) =>
  orderTables
    .prepare(`SELECT status, payment_id, paid_ms FROM orders WHERE id = ?`)
    .bind(id)
    .first<{ status: string; payment_id: string | null; paid_ms: number | null }>();

describe('a match recorded but never applied', () => {
  it('is re-driven from the outbox by the alarm, and applying it twice changes nothing', async () => {
    const { app, merchant, sessions } = await setupMerchant({ sessions: 1 });
    const created = await gatepay('create', await signedCreate(app, { price: '42.00', out_order_id: 'crash-1' }));
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchant.id}:live`));

    // The queue is unreachable at the moment of the match (as if the worker died right after it).
    const answer = await runInDurableObject(stub, async (collector: Collector) => {
      const realEnv = (collector as any).env;
      (collector as any).env = {
        ...realEnv,
        JOBS: {
          send: async () => {
            throw new Error('queue unreachable');
          },
        },
      };
      try {
        return await collector.report({
          sessionId: sessions[0].id,
          type: 'alipay',
          amountFen: 4200,
          paidMs: Date.now(),
          ref: 'bill-x',
          payer: null,
        });
      } finally {
        (collector as any).env = realEnv;
      }
    });
    expect(answer).toMatchObject({ matched: true, out_order_id: 'crash-1' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await row(created.data.order_id))?.status).toBe('pending');

    // A minute later the alarm finds the unconfirmed outbox row and sends it again.
    const job = await runInDurableObject(stub, (_c, state) => {
      state.storage.sql.exec(`UPDATE outbox SET next_ms = 0`);
      return JSON.parse(state.storage.sql.exec(`SELECT job FROM outbox`).one().job as string);
    });
    expect(job).toMatchObject({
      kind: 'apply',
      merchantId: merchant.id,
      mode: 'live',
      match: { appId: app.id, outOrderId: 'crash-1' },
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const paid = await eventually(async () => {
      const r = await row(created.data.order_id);
      expect(r?.status).toBe('paid');
      return r!;
    });
    expect(paid.payment_id).toBe(answer!.payment_id);
    await eventually(async () => {
      const left = await runInDurableObject(
        stub,
        (_c, state) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM outbox`).one().n,
      );
      expect(left).toBe(0);
    });

    // The same job delivered twice more (at-least-once queues): nothing changes.
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch<Job>('huipay-jobs', [
        { id: `dup-${i}`, timestamp: new Date(), attempts: 1, body: job },
      ]);
      const ctx = createExecutionContext();
      await worker.queue!(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`dup-${i}`]);
    }
    expect(await row(created.data.order_id)).toEqual(paid);
    const pays = await orderTables
      .prepare(`SELECT COUNT(*) AS n FROM payments WHERE order_id = ?`)
      .bind(created.data.order_id)
      .first<{ n: number }>();
    expect(pays?.n).toBe(1);
  });
});

describe('expiry through the Collector alarm', () => {
  it('marks the order expired after TTL + grace and frees its slot', async () => {
    const { app, merchant } = await setupMerchant({ sessions: 1, settings: { max_offset: '0.00' } });
    const first = await gatepay('create', await signedCreate(app, { price: '8.00', out_order_id: 'exp-1' }));
    expect((await gatepay('create', await signedCreate(app, { price: '8.00', out_order_id: 'exp-2' }))).code).toBe(204);
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchant.id}:live`));
    await runInDurableObject(stub, (_c, state) => {
      state.storage.sql.exec(`UPDATE holds SET expires_ms = ? WHERE out_order_id = 'exp-1'`, Date.now() - 61_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await eventually(async () =>
      expect((await ok('GET', `/orders/${first.data.order_id}`, undefined, 200)).status).toBe('expired'),
    );
    expect(
      (await gatepay('create', await signedCreate(app, { price: '8.00', out_order_id: 'exp-2' }))).data.realprice,
    ).toBe('8.00');
  });
});
