/**
 * Model-based property of the Collector (fast-check): whatever the sequence of creates, pays,
 * closes and expiries, no two live orders share a slot, a free slot is always found when one
 * exists, and "no slot" is answered only when every candidate amount on every session is taken.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Collector } from '../../src/durable/collector';

type Op =
  | { op: 'create'; price: number }
  | { op: 'pay'; pick: number }
  | { op: 'close'; pick: number }
  | { op: 'expire'; pick: number };

const PRICES = [100, 101, 102, 500];
const OFFSET = 2;
const SESSIONS = [1, 2];

const ops = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('create' as const), price: fc.constantFrom(...PRICES) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('pay' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), pick: fc.nat() }) },
  ),
  { minLength: 1, maxLength: 40 },
);

describe('Collector slot allocation', () => {
  it('never gives two live orders the same slot, whatever the sequence', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(ops, async (sequence: Op[]) => {
        const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName(`model-${++run}-${Date.now()}`));
        await runInDurableObject(stub, async (c: Collector, state) => {
          c.sync({
            merchantId: 900_000 + run,
            mode: 'sandbox',
            version: 1,
            settings: {
              rotation: 'random',
              maxOffsetFen: OFFSET,
              direction: 'down',
              timezone: 'Asia/Shanghai',
              store: 'DB',
              plan: { points: 0, permille: 0, monthlyQuota: null },
              merchantName: 'Model shop',
            },
            sessions: SESSIONS.map((id) => ({
              id,
              type: 'alipay' as const,
              enabled: true,
              rule: null,
              qrPayload: `q${id}`,
              amountQr: {},
            })),
            apps: [],
          });
          for (const id of SESSIONS) c.heartbeat(id);
          const live = new Map<string, { session: number; amount: number }>();
          let n = 0;
          const pick = (i: number) => [...live.keys()][i % live.size];
          for (const step of sequence) {
            if (step.op === 'create') {
              const key = `o${++n}`;
              const r = c.reserve({
                order: { appId: 1, outOrderId: key },
                fingerprint: key,
                type: 'alipay',
                priceFen: step.price,
                ttlMs: 600_000,
                region: {},
              });
              const takenOn = (s: number) =>
                new Set([...live.values()].filter((h) => h.session === s).map((h) => h.amount));
              const candidates = Array.from({ length: OFFSET + 1 }, (_, k) => step.price - k);
              if (r.ok) {
                expect(takenOn(r.hold.sessionId).has(r.hold.amountFen)).toBe(false);
                expect(candidates).toContain(r.hold.amountFen);
                live.set(key, { session: r.hold.sessionId, amount: r.hold.amountFen });
              } else {
                expect(r.reason).toBe('no_slot');
                for (const s of SESSIONS) expect(candidates.every((a) => takenOn(s).has(a))).toBe(true);
              }
            } else if (live.size > 0) {
              const key = pick(step.pick);
              const h = live.get(key)!;
              if (step.op === 'pay') {
                const a = await c.report({
                  sessionId: h.session,
                  type: 'alipay',
                  amountFen: h.amount,
                  paidMs: Date.now(),
                  ref: `r-${key}`,
                  payer: null,
                });
                expect(a).toMatchObject({ matched: true, out_order_id: key });
              } else if (step.op === 'close') {
                expect(c.release({ appId: 1, outOrderId: key })).toBe('released');
              } else {
                state.storage.sql.exec(`UPDATE holds SET expires_ms = 0 WHERE out_order_id = ?`, key);
                await c.alarm();
              }
              live.delete(key);
            }
            const rows = state.storage.sql
              .exec(`SELECT out_order_id, session_id, amount_fen FROM holds ORDER BY out_order_id`)
              .toArray();
            expect(
              new Map(
                rows.map((r) => [
                  r.out_order_id as string,
                  { session: r.session_id as number, amount: r.amount_fen as number },
                ]),
              ),
            ).toEqual(live);
          }
        });
      }),
      { numRuns: 40 },
    );
  });
});
