/** The jobs queue consumer: the jobs of a batch run concurrently; a failure retries that message alone. */
import { makeDb } from '../env';
import { driveChannelOrder } from '../services/channel-payments';
import { handleDeliver } from '../services/delivery-attempts';
import { applyJob } from '../services/payments';
import { driveRefund } from '../services/refunds';
import { type Job, sendTimed, type TimedJob } from '../jobs';

/** A timed job: another hop when it is early, else its work. */
async function runTimed(env: Env, db: ReturnType<typeof makeDb>, job: TimedJob): Promise<void> {
  if (job.dueMs > Date.now() + 1000) return sendTimed(env, job);
  if (job.kind === 'channel_query') await driveChannelOrder(env, db, job.orderId);
  else await driveRefund(env, db, job.refundId);
}

export async function consume(batch: MessageBatch<Job>, env: Env): Promise<void> {
  const db = makeDb(env.DB);
  await Promise.all(
    batch.messages.map(async (msg) => {
      try {
        const job = msg.body;
        if (job.kind === 'deliver') await handleDeliver(env, db, job);
        else if (job.kind === 'channel_query' || job.kind === 'refund_check') await runTimed(env, db, job);
        else await applyJob(env, db, job);
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
