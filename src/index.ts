import { DurableObject } from 'cloudflare:workers';
export class Collector extends DurableObject {
  ping() { return this.ctx.storage.sql.exec('select 1 as x').one().x; }
}
export default {
  async fetch(req, env) {
    const stub = env.COLLECTOR.get(env.COLLECTOR.idFromName('a'));
    const r = await env.DB.prepare('select 2 as y').first();
    return Response.json({ x: await stub.ping(), r });
  },
} satisfies ExportedHandler<Env>;
