/**
 * Every official channel huipay speaks, collected from their objects: names, the pay type each
 * serves, and the config shape. Services look channels up here and never branch on a name.
 */
import { alipay } from './alipay';
import { qqpay } from './qqpay';
import { unionpay } from './unionpay';
import { wechat } from './wechat';
import type { AnyChannel } from './types';
import type { PayType } from '../domain/vocab';

export const CHANNELS = [alipay, wechat, qqpay, unionpay] as const satisfies readonly AnyChannel[];

export type ChannelName = (typeof CHANNELS)[number]['name'];
export const CHANNEL_NAMES = CHANNELS.map((c) => c.name) as [ChannelName, ...ChannelName[]];

const byName = new Map<string, AnyChannel>(CHANNELS.map((c) => [c.name, c]));
const byPayType = new Map<string, AnyChannel>(CHANNELS.map((c) => [c.payType, c]));

/** The channel called `name`, or undefined. */
export const channelNamed = (name: string): AnyChannel | undefined => byName.get(name);

/** The channel that serves `type`, or undefined (the pay type has no official channel yet). */
export const channelFor = (type: PayType | string): AnyChannel | undefined => byPayType.get(type);
