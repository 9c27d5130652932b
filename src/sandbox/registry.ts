/**
 * Every built-in simulator, keyed by the channel it plays (SPEC §11.6). What the gateway asks of
 * the sandbox goes through here: the routes to mount, a simulator's identity (its public key and
 * material), the config a sandbox app with no setup gets, the payer page of an `app` payment, and
 * the sweep of owed notifies. Channels never import this; routes and services do.
 */
import type { ChannelName } from '../channels/registry';
import type { Db } from '../env';
import { alipaySimulator } from './alipay';
import { sweepSimulatedNotifies } from './notify';
import { qqpaySimulator } from './qqpay';
import { simulatorKeys } from './store';
import type { AnySimulator, SimNotifier } from './types';
import { unionpaySimulator } from './unionpay';
import { wechatSimulator } from './wechat';

export const SIMULATORS = {
  alipay: alipaySimulator,
  wechat: wechatSimulator,
  qqpay: qqpaySimulator,
  unionpay: unionpaySimulator,
} as const satisfies Record<ChannelName, AnySimulator>;

const byName = new Map<string, AnySimulator>(Object.values(SIMULATORS).map((s) => [s.name, s]));

/** The simulator of `channel`, or undefined. */
export const simulatorOf = (channel: string): AnySimulator | undefined => byName.get(channel);

/** The simulator of `channel`'s public key and material (issued on first use). */
export function simulatorIdentity(env: Env, db: Db, channel: string) {
  return simulatorKeys(env, db, channel, simulatorOf(channel)?.issuer);
}

const NOTIFIERS: ReadonlyMap<string, SimNotifier> = new Map([...byName].map(([name, s]) => [name, s.notifier]));

/** Sends the simulators' owed notifies that are due; when the next one will be (null: none owed). */
export const sweepSimulatorNotifies = (env: Env, db: Db, nowMs: number) =>
  sweepSimulatedNotifies(env, db, NOTIFIERS, nowMs);
