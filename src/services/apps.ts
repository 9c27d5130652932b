/** Apps: a merchant's integrations with their key, sealed signing secret, URLs and pay types. */
import { and, eq } from 'drizzle-orm';
import { queries } from '../db/queries';
import { apps, type App } from '../db/schema';
import { randomToken } from '../domain/ids';
import { type Mode, PAY_TYPES, type PayType, type Routing } from '../domain/vocab';
import type { Db } from '../env';
import { outboundUrlProblem } from '../domain/ssrf';
import { HuipayError } from '../errors';
import { requireMerchant, publishConfig } from './merchants';
import { openSecret, sealSecret } from '../domain/secrets';

export type AppWithSecret = App & { secret: string };

export async function appByKey(env: Env, db: Db, appkey: string): Promise<AppWithSecret | null> {
  const app = await queries(db).appByKey.get({ appkey });
  if (!app) return null;
  return { ...app, secret: await openSecret(env.MASTER_KEY, app.secretEnc) };
}

/** The app with this numeric id (an epay `pid`), with its secret. */
export async function appById(env: Env, db: Db, id: number): Promise<AppWithSecret | null> {
  const app = await queries(db).appById.get({ id });
  if (!app) return null;
  return { ...app, secret: await openSecret(env.MASTER_KEY, app.secretEnc) };
}

export async function requireApp(db: Db, appkey: string): Promise<App> {
  const app = await db.query.apps.findFirst({ where: eq(apps.appkey, appkey) });
  if (!app) throw new HuipayError('not_found', `app ${appkey} not found`);
  return app;
}

export interface AppFields {
  name?: string;
  notify_url?: string | null;
  return_url?: string | null;
  timeout_url?: string | null;
  sandbox_notify_url?: string | null;
  backup_notify_url?: string | null;
  order_ttl_seconds?: number;
  allow_url_override?: boolean;
  pay_types?: PayType[];
  enabled?: boolean;
  routing?: Partial<Record<PayType, Routing>>;
}

const columns = (f: AppFields) => ({
  name: f.name,
  notifyUrl: f.notify_url,
  returnUrl: f.return_url,
  timeoutUrl: f.timeout_url,
  sandboxNotifyUrl: f.sandbox_notify_url,
  backupNotifyUrl: f.backup_notify_url,
  orderTtlSeconds: f.order_ttl_seconds,
  allowUrlOverride: f.allow_url_override,
  payTypes: f.pay_types && [...new Set(f.pay_types)],
  enabled: f.enabled,
  routing: f.routing,
});

const newSecret = () => randomToken(32);

/** After a change to an app: its Collector authenticates creates, so it learns the change before we answer. */
async function publish(env: Env, db: Db, app: App): Promise<void> {
  await publishConfig(env, db, app.merchantId, app.mode);
}

/** Server-to-server callback URLs of a live app may not point inside the gateway's network. */
function checkCallbacks(mode: Mode, f: AppFields): void {
  for (const field of ['notify_url', 'backup_notify_url'] as const) {
    const url = f[field];
    const problem = url ? outboundUrlProblem(url, mode === 'live') : null;
    if (problem) throw new HuipayError('bad_request', `${field}: ${problem}`);
  }
}

export async function createApp(env: Env, db: Db, merchantId: number, input: AppFields & { name: string; mode: Mode }) {
  await requireMerchant(db, merchantId);
  checkCallbacks(input.mode, input);
  const secret = newSecret();
  const [app] = await db
    .insert(apps)
    .values({
      ...columns(input),
      name: input.name,
      mode: input.mode,
      merchantId,
      appkey: `ak_${randomToken(20)}`,
      secretEnc: await sealSecret(env.MASTER_KEY, secret),
      payTypes: input.pay_types ?? [...PAY_TYPES],
    })
    .returning();
  await publish(env, db, app);
  return { app, secret };
}

export async function updateApp(env: Env, db: Db, appkey: string, input: AppFields): Promise<App> {
  const before = await requireApp(db, appkey);
  checkCallbacks(before.mode, input);
  // Routing is merged per pay type: a PATCH naming alipay leaves the other pay types as they were.
  const routing = input.routing && { ...before.routing, ...input.routing };
  const [app] = await db
    .update(apps)
    .set({ ...columns(input), routing })
    .where(eq(apps.appkey, appkey))
    .returning();
  await publish(env, db, app);
  return app;
}

export async function rotateAppSecret(env: Env, db: Db, appkey: string) {
  await requireApp(db, appkey);
  const secret = newSecret();
  const [app] = await db
    .update(apps)
    .set({ secretEnc: await sealSecret(env.MASTER_KEY, secret) })
    .where(eq(apps.appkey, appkey))
    .returning();
  await publish(env, db, app);
  return { app, secret };
}

/** The merchant's own app with this appkey, or null. */
/** A merchant's apps, oldest first. */
export const merchantApps = (db: Db, merchantId: number) =>
  db.select().from(apps).where(eq(apps.merchantId, merchantId)).orderBy(apps.id);

export async function merchantApp(db: Db, merchantId: number, appkey: string): Promise<App | null> {
  return (
    (await db.query.apps.findFirst({ where: and(eq(apps.appkey, appkey), eq(apps.merchantId, merchantId)) })) ?? null
  );
}

/** The merchant's enabled sandbox apps (those a console test payment can use). */
export async function enabledSandboxApps(db: Db, merchantId: number): Promise<App[]> {
  const rows = await db
    .select()
    .from(apps)
    .where(and(eq(apps.merchantId, merchantId), eq(apps.mode, 'sandbox')));
  return rows.filter((a) => a.enabled);
}
