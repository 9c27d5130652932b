/** The jobs queue consumer: the jobs of a batch run concurrently; a failure retries that message alone. */
import { makeDb } from '../env';
import { handleDeliver } from '../services/deliveries';
import { applyJob } from '../services/payments';
import type { Job } from './jobs';

export async function consume(batch: MessageBatch<Job>, env: Env): Promise<void> {
  const db = makeDb(env.DB);
  await Promise.all(
    batch.messages.map(async (msg) => {
      try {
        if (msg.body.kind === 'deliver') await handleDeliver(env, db, msg.body);
        else await applyJob(env, db, msg.body);
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
