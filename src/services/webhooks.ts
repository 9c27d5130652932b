/**
 * Webhook endpoints of an app: URL, extra headers, test/live mode and the events wanted. Every
 * change is pushed to the app's Collectors, which hand the endpoints to the event fan-out.
 */
import { eq, inArray } from 'drizzle-orm';
import { apps, webhooks, type Webhook } from '../db/schema';
import { outboundUrlProblem } from '../domain/ssrf';
import type { WebhookEvent } from '../domain/vocab';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { requireApp } from './apps';
import { publishConfig } from './merchants';

export interface WebhookFields {
  url?: string;
  headers?: Record<string, string>;
  mode?: 'test' | 'live';
  events?: WebhookEvent[];
  enabled?: boolean;
}

function checkTarget(url: string, mode: 'test' | 'live'): void {
  const problem = outboundUrlProblem(url, mode === 'live');
  if (problem) throw new HuipayError('bad_request', `url: ${problem}`);
}

/** Tells the app's Collectors its endpoints changed. */
async function publish(env: Env, db: Db, appId: number): Promise<void> {
  const app = (await db.query.apps.findFirst({ where: eq(apps.id, appId) }))!;
  await publishConfig(env, db, app.merchantId, app.mode);
}

export async function createWebhook(env: Env, db: Db, appkey: string, input: Required<WebhookFields>) {
  const app = await requireApp(db, appkey);
  checkTarget(input.url, input.mode);
  const [w] = await db
    .insert(webhooks)
    .values({ appId: app.id, ...input, events: [...new Set(input.events)] })
    .returning();
  await publish(env, db, app.id);
  return { webhook: w, appkey: app.appkey };
}

export async function requireWebhook(db: Db, id: number): Promise<{ webhook: Webhook; appkey: string }> {
  const [row] = await db
    .select({ webhook: webhooks, appkey: apps.appkey })
    .from(webhooks)
    .innerJoin(apps, eq(apps.id, webhooks.appId))
    .where(eq(webhooks.id, id));
  if (!row) throw new HuipayError('not_found', `webhook ${id} not found`);
  return row;
}

export async function updateWebhook(env: Env, db: Db, id: number, input: WebhookFields) {
  const { webhook, appkey } = await requireWebhook(db, id);
  checkTarget(input.url ?? webhook.url, input.mode ?? webhook.mode);
  const [w] = await db
    .update(webhooks)
    .set({ ...input, events: input.events && [...new Set(input.events)] })
    .where(eq(webhooks.id, id))
    .returning();
  await publish(env, db, w.appId);
  return { webhook: w, appkey };
}

export async function deleteWebhook(env: Env, db: Db, id: number): Promise<void> {
  const { webhook } = await requireWebhook(db, id);
  await db.delete(webhooks).where(eq(webhooks.id, id));
  await publish(env, db, webhook.appId);
}

export async function listWebhooks(db: Db, appkey: string) {
  const app = await requireApp(db, appkey);
  return {
    rows: await db.select().from(webhooks).where(eq(webhooks.appId, app.id)).orderBy(webhooks.id),
    appkey: app.appkey,
  };
}

/** The merchant's own webhook with this id (through its app), or null. */
export async function merchantWebhook(db: Db, merchantId: number, id: number) {
  const [row] = await db
    .select({ webhook: webhooks, appkey: apps.appkey, merchantId: apps.merchantId })
    .from(webhooks)
    .innerJoin(apps, eq(apps.id, webhooks.appId))
    .where(eq(webhooks.id, id));
  return row && row.merchantId === merchantId ? { webhook: row.webhook, appkey: row.appkey } : null;
}

/** The webhooks of these apps, oldest first. */
export async function webhooksOfApps(db: Db, appIds: number[]): Promise<Webhook[]> {
  if (appIds.length === 0) return [];
  return db.select().from(webhooks).where(inArray(webhooks.appId, appIds)).orderBy(webhooks.id);
}
