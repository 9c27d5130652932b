/**
 * The sweep, run by the Sweeper's alarm whenever later work is pending and by the cron trigger as
 * a safety net: it re-drives deliveries whose next attempt is overdue (a lost queue message, a
 * restarted local server) and asks the Collector to expire orders still pending well after their
 * expiry plus grace (a missed alarm). The Collector decides: an order inside its grace stays
 * payable, one a payment took is being paid, the rest expire through its outbox — so D1, the
 * holds and the matching never disagree, and `order.expired` is sent once. Official channels'
 * work is driven the same way: orders whose query (or close at expiry) is due, refunds whose
 * outcome is still unknown, and the simulators' owed notifies; channel orders expire through
 * their channel, never here.
 * Each part returns when its earliest pending work will be due, so the Sweeper knows when to ring.
 * The order-side parts run on every order store (`eachStore`), the rest on the control plane.
 */
import { controlDb, eachStore } from '../db/stores';
import { sweepSimulatorNotifies } from '../sandbox/registry';
import { sweepChannelOrders } from '../services/channel-payments';
import { sweepFailedAttempts } from '../services/epay-keys';
import { sweepDeliveries } from '../services/delivery-attempts';
import { sweepExpiries } from '../services/lifecycle';
import { sweepConsole } from '../services/sign-in';
import { sweepRefunds } from '../services/refunds';

/** Runs every part; the earliest time any pending work will be due, or null when none is pending. */
export async function sweep(env: Env, nowMs = Date.now()): Promise<number | null> {
  const db = controlDb(env);
  const perStore = eachStore(env, (store) =>
    Promise.all([
      sweepDeliveries(env, store, nowMs),
      sweepExpiries(env, store, nowMs),
      sweepChannelOrders(env, store, nowMs),
      sweepRefunds(env, store, nowMs),
    ]),
  );
  const due = await Promise.all([
    sweepSimulatorNotifies(env, db, nowMs),
    sweepFailedAttempts(db, nowMs).then(() => null),
    sweepConsole(db, nowMs).then(() => null),
  ]);
  const pending = [...due, ...(await perStore).flat()].filter((t): t is number => t !== null);
  return pending.length ? Math.min(...pending) : null;
}
