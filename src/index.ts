/** Worker entry: HTTP, the jobs queue consumer, and the cron safety net. */
import { buildApp } from './app';
import { consume } from './queues/consumer';
import type { Job } from './jobs';
import { sweep } from './queues/sweeper';

export { Collector } from './durable/collector';
export { Sweeper } from './durable/sweeper';

const app = buildApp();

const worker: ExportedHandler<Env, Job> = {
  fetch: app.fetch,
  queue: (batch, env) => consume(batch, env),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(sweep(env)),
};

export default worker;
