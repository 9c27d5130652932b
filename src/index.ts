/** Worker entry: HTTP, the jobs queue consumer, and the cron safety net. */
import { buildApp } from './app';
import { consume } from './queues/consumer';
import type { Job } from './queues/jobs';
import { sweep } from './queues/sweeper';

export { Collector } from './durable/collector';

const app = buildApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => consume(batch as MessageBatch<Job>, env),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(sweep(env)),
} satisfies ExportedHandler<Env, Job>;
