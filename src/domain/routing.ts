/**
 * Where a new order goes (SPEC §11.2, §8): an official channel or the collection sessions, by the
 * app's routing setting for the pay type. `official_then_personal` (the default) takes the channel
 * when a config is enabled, else sessions; a sandbox app with neither a config nor a session of
 * the type goes to the built-in simulator, so it needs no setup at all.
 */
import type { Mode, Routing } from './vocab';

/** What the Collector knows of an app's channel for one pay type (absent: no channel serves it). */
export interface ChannelSlot {
  /** The app's config of the channel, or null when it has none. */
  configId: number | null;
  enabled: boolean;
  /** The config huipay made for the simulator (counts as "no config" for routing). */
  implicit: boolean;
}

export type RouteDecision =
  | { kind: 'official'; configId: number | null; fallback: boolean }
  | { kind: 'personal' }
  | { kind: 'none'; msg: string };

export function routeOrder(input: {
  mode: Mode;
  type: string;
  routing: Routing;
  slot: ChannelSlot | null;
  hasSessions: () => boolean;
}): RouteDecision {
  const { mode, type, routing, slot } = input;
  if (routing === 'personal') return { kind: 'personal' };
  const explicit = slot !== null && slot.configId !== null && !slot.implicit;
  const simulated = slot !== null && mode === 'sandbox' && !explicit;
  const implicitId = slot?.implicit ? slot.configId : null;
  if (explicit && slot.enabled) return { kind: 'official', configId: slot.configId, fallback: routing !== 'official' };
  if (routing === 'official') {
    if (simulated) return { kind: 'official', configId: implicitId, fallback: false };
    return {
      kind: 'none',
      msg: explicit
        ? `no payment method available now: the ${type} channel config of this app is disabled (routing is official)`
        : `no payment method available now: routing is official but no ${type} channel is configured for this app`,
    };
  }
  if (simulated && !input.hasSessions()) return { kind: 'official', configId: implicitId, fallback: false };
  return { kind: 'personal' };
}
