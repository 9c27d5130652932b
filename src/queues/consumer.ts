/**
 * The jobs queue consumer: the jobs of a batch run concurrently; a failure retries that message
 * alone. Each job runs on its order store: the one its order, delivery or refund id names, or its merchant's.
 */
import { idStore, merchantStore } from '../db/stores';
import { driveChannelOrder } from '../services/channel-payments';
import { handleDeliver } from '../services/delivery-attempts';
import { applyJob } from '../services/payments';
import { driveRefund } from '../services/refunds';
import { type Job, sendTimed, type TimedJob } from '../jobs';

/** A timed job: another hop when it is early, else its work. */
async function runTimed(env: Env, job: TimedJob): Promise<void> {
  if (job.dueMs > Date.now() + 1000) return sendTimed(env, job);
  if (job.kind === 'channel_query') await driveChannelOrder(env, idStore(env, job.orderId), job.orderId);
  else await driveRefund(env, idStore(env, job.refundId), job.refundId);
}

async function run(env: Env, job: Job): Promise<void> {
  if (job.kind === 'deliver') await handleDeliver(env, idStore(env, job.deliveryId), job);
  else if (job.kind === 'channel_query' || job.kind === 'refund_check') await runTimed(env, job);
  else await applyJob(env, await merchantStore(env, job.merchantId), job);
}

export async function consume(batch: MessageBatch<Job>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (msg) => {
      try {
        await run(env, msg.body);
        msg.ack();
      } catch (err) {
        console.error(
          JSON.stringify({
            msg: 'job failed; will retry',
            kind: msg.body.kind,
            attempts: msg.attempts,
            error: String(err),
          }),
        );
        msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) });
      }
    }),
  );
}
