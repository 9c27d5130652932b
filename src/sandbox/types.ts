/**
 * The shape of a built-in simulator (SPEC §11.6): one object per provider that ends in
 * `satisfies Simulator`, the provider's server side for sandbox apps. It is mounted at
 * `/sandbox/<name>`, notifies merchants through the shared sender (notify.ts), makes the config a
 * sandbox app gets with no setup, and knows its own payer page. Channels never see these: a
 * simulator signs and verifies with its channel's protocol module, not the other way round.
 */
import type { Hono } from 'hono';
import type { PreparedConfig, SimulatorIdentity } from '../channels/types';
import type { SimTrade } from '../db/schema';
import type { AppEnv, Db } from '../env';

/** Makes a simulator's public material for its new key pair (e.g. a certificate chain), once per deployment. */
export type SimulatorIssuer = (pair: { pkcs8: Uint8Array; spki: Uint8Array }) => Promise<Record<string, string>>;

/** One notify a simulator sends: the body and headers. */
export interface SimulatedNotify {
  body: string;
  headers: Record<string, string>;
}

/** How a simulator notifies the merchant about a paid trade (the shared sender retries on `retryS`). */
export interface SimNotifier {
  build(env: Env, db: Db, trade: SimTrade): Promise<SimulatedNotify>;
  /** Whether an answer means "received". */
  accepted(status: number, text: string): boolean;
  /** The provider's retry delays after the first attempt, in seconds. */
  retryS: readonly number[];
}

export interface Simulator<Settings = unknown, Secrets = unknown> {
  /** The channel it plays (`channels/registry.ts`), and the path it is mounted under. */
  name: string;
  /** The provider's server side, mounted at `/sandbox/<name>`. */
  routes: Hono<AppEnv>;
  /** Its gateway path (what a config's provider URL is stored as when it is ours). */
  gateway: string;
  /** How it notifies merchants (its owed notifies are retried by the sweep). */
  notifier: SimNotifier;
  /** Public material it issues for its key pair (UnionPay: its certificate chain). */
  issuer?: SimulatorIssuer;
  /** A config made for a sandbox app with no setup: fresh keys, this simulator. */
  implicit(appId: number, simulator: SimulatorIdentity): Promise<PreparedConfig<Settings, Secrets>>;
  /** Where a browser can open an `app` payment: its payer page when the config uses it, else null. */
  appLink(settings: Settings, payInfo: string, origin: string): string | null;
}

/** Any simulator, whatever its settings' shape (the registry's element type). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds simulators of different settings types
export type AnySimulator = Simulator<any, any>;
