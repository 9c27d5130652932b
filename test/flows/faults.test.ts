/**
 * Faults: the Durable Object evicted or aborted mid-flow, the apply step failing, a merchant
 * server that never answers. Nothing is lost and nothing is applied twice.
 */
import {
  abortAllDurableObjects,
  createExecutionContext,
  createMessageBatch,
  env,
  evictDurableObject,
  getQueueResult,
  runInDurableObject,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { Collector } from '../../src/durable/collector';
import type { Job } from '../../src/jobs';
import {
  eventually,
  gatepay,
  merchantLog,
  merchantUrl,
  monitor,
  ok,
  pay,
  setupMerchant,
  signedCreate,
  orderTables,
} from '../helpers';

const status = async (id: number) => (await ok('GET', `/orders/${id}`, undefined, 200)).status;

describe('Durable Object eviction', () => {
  it.each([
    ['evicted gracefully', (stub: DurableObjectStub) => evictDurableObject(stub)],
    ['aborted (as in a crash)', async () => abortAllDurableObjects()],
  ])('%s mid-flow: holds, heartbeats, counters and de-duplication survive', async (_name, kill) => {
    const { app, merchant, sessions } = await setupMerchant({ sessions: 1, settings: { max_offset: '0.01' } });
    const a = await gatepay('create', await signedCreate(app, { price: '9.00', out_order_id: `ev-a-${Date.now()}` }));
    const first = await pay(sessions[0], '1.23', { ref: 'before-eviction' });
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchant.id}:live`));
    await kill(stub);
    const b = await gatepay('create', await signedCreate(app, { price: '9.00', out_order_id: `ev-b-${Date.now()}` }));
    expect([a.data.realprice, b.data.realprice]).toEqual(['9.00', '8.99']);
    expect(
      (await gatepay('create', await signedCreate(app, { price: '9.00', out_order_id: `ev-c-${Date.now()}` }))).code,
    ).toBe(204);
    expect((await pay(sessions[0], '1.23', { ref: 'before-eviction' })).body).toEqual(first.body);
    expect((await pay(sessions[0], '9.00')).body.matched).toBe(true);
    await eventually(async () => expect(await status(a.data.order_id)).toBe('paid'));
    const list = (await ok('GET', `/merchants/${merchant.id}/sessions`, undefined, 200)).data[0];
    expect(list).toMatchObject({ state: 'online', today: { collected: '10.23', payments: 2 } });
  });
});

describe('the apply step failing', () => {
  it('retries the message, then applies it once', async () => {
    // On DB: the apply step below runs over a broken copy of that binding.
    const { app, merchant, sessions } = await setupMerchant({ sessions: 1, store: 'DB' });
    const o = await gatepay('create', await signedCreate(app, { price: '31.00', out_order_id: `fail-${Date.now()}` }));
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`${merchant.id}:live`));
    // Record the match with the queue unreachable, so only our hand-delivered message carries it.
    await runInDurableObject(stub, async (collector: Collector) => {
      const c = collector as any;
      const real = c.env;
      c.env = {
        ...real,
        JOBS: {
          send: async () => {
            throw new Error('queue down');
          },
        },
      };
      try {
        await c.report({
          sessionId: sessions[0].id,
          type: 'alipay',
          amountFen: 3100,
          paidMs: Date.now(),
          ref: 'f-1',
          payer: null,
        });
      } finally {
        c.env = real;
      }
    });
    const raw = await runInDurableObject(
      stub,
      (_c, state) => state.storage.sql.exec(`SELECT job FROM outbox`).one().job as string,
    );
    const job = JSON.parse(raw) as Job;
    const brokenDb = new Proxy(env.DB, {
      get: (t, p) =>
        p === 'batch' || p === 'prepare'
          ? () => {
              throw new Error('D1 unavailable');
            }
          : Reflect.get(t, p, t),
    });
    const deliver = async (e: Env) => {
      const batch = createMessageBatch<Job>('huipay-jobs', [
        { id: 'a1', timestamp: new Date(), attempts: 1, body: job },
      ]);
      const ctx = createExecutionContext();
      await worker.queue!(batch, e, ctx);
      return getQueueResult(batch, ctx);
    };
    const failed = await deliver({ ...env, DB: brokenDb });
    expect(failed.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['a1']);
    expect(failed.explicitAcks).toEqual([]);
    expect(await status(o.data.order_id)).toBe('pending');
    expect((await deliver(env)).explicitAcks).toEqual(['a1']);
    expect(await status(o.data.order_id)).toBe('paid');
    expect((await deliver(env)).explicitAcks).toEqual(['a1']);
    const n = await orderTables
      .prepare(`SELECT COUNT(*) AS n FROM payments WHERE order_id = ?`)
      .bind(o.data.order_id)
      .first<{ n: number }>();
    expect(n?.n).toBe(1);
  });
});

describe('a merchant server that never answers', () => {
  it('is a failed attempt after 10 s, logged, and retried', async () => {
    const k = `slow-${Date.now()}`;
    const { app, sessions } = await setupMerchant({ sessions: 1, app: { notify_url: merchantUrl('timeout1', k) } });
    const o = await gatepay('create', await signedCreate(app, { price: '2.50', out_order_id: k }));
    await pay(sessions[0], o.data.realprice);
    const d = await eventually(async () => {
      const [row] = (await ok('GET', `/orders/${o.data.order_id}/deliveries`, undefined, 200)).data;
      expect(row.status).toBe('delivered');
      return row;
    }, 40_000);
    expect(d.log.map((a: any) => [a.attempt, a.status, a.ok, a.error])).toEqual([
      [1, null, false, 'no answer within 10 s'],
      [2, 200, true, null],
    ]);
    expect(d.log[0].duration_ms).toBeGreaterThanOrEqual(10_000);
    // Aborted, not answered: the merchant answers at 12 s, and status null says we did not wait for it.
    expect(d.log[0].duration_ms).toBeLessThan(12_000);
    expect(await merchantLog(k)).toHaveLength(2);
  }, 60_000);
});

describe('a monitor agent retrying after a lost answer', () => {
  it('gets the same answer and credits nothing twice', async () => {
    const { app, sessions } = await setupMerchant({ sessions: 1 });
    const o = await gatepay('create', await signedCreate(app, { price: '8.80', out_order_id: `retry-${Date.now()}` }));
    const body = { type: 'alipay', amount: '8.80', paid_at: Date.now() }; // no ref: de-duplicated on the tuple
    const answers = await Promise.all([1, 2, 3].map(() => monitor(sessions[0], 'payments', body)));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    await eventually(async () => expect(await status(o.data.order_id)).toBe('paid'));
    const n = await orderTables
      .prepare(`SELECT COUNT(*) AS n FROM payments WHERE session_id = ?`)
      .bind(sessions[0].id)
      .first<{ n: number }>();
    expect(n?.n).toBe(1);
  });
});
