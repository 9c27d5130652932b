/** Admin API shapes of an app's official channel configs, their check and the channel log. */
import { z } from '@hono/zod-openapi';
import { CHANNEL_METHODS, MODES } from '../domain/vocab';
import { AppkeyParam, UnixSeconds } from './common';

export const ChannelParam = z.object({
  appkey: AppkeyParam.shape.appkey,
  channel: z
    .string()
    .regex(/^[a-z]{1,20}$/, 'a channel name such as alipay')
    .openapi({ param: { name: 'channel', in: 'path' }, example: 'alipay' }),
});
/** The generic part of a channel config; the channel's own fields are checked by the channel. */
export const ChannelConfigBody = z
  .object({
    methods: z
      .array(z.enum(CHANNEL_METHODS))
      .min(1)
      .optional()
      .openapi({ description: "methods this app offers through the channel (default: all the channel's)" }),
    enabled: z.boolean().optional(),
  })
  .catchall(z.unknown())
  .openapi('ChannelConfigBody', {
    description:
      'plus the fields of the channel, e.g. AlipayChannelConfig: app_id, private_key, alipay_public_key, gateway_url',
  });
export const ChannelConfigView = z
  .object({
    id: z.number().int(),
    appkey: z.string(),
    channel: z.string(),
    mode: z.enum(MODES),
    enabled: z.boolean(),
    methods: z.array(z.enum(CHANNEL_METHODS)),
    implicit: z.boolean().openapi({ description: 'made by huipay for the built-in simulator (sandbox, no setup)' }),
    notify_url: z.string().openapi({ description: 'the notify URL huipay gives the provider for this config' }),
    created: UnixSeconds,
    updated: UnixSeconds,
  })
  .catchall(z.unknown())
  .openapi('ChannelConfig', { description: "plus the channel's settings: fingerprints instead of secrets" });
export const ChannelCheckView = z
  .object({
    channel: z.string(),
    config_id: z.number().int(),
    accepted: z
      .boolean()
      .nullable()
      .openapi({ description: 'did the provider accept our signature (null: no trustworthy answer)' }),
    response_verified: z.boolean(),
    provider_code: z.string().nullable(),
    provider_msg: z.string().nullable(),
    hint: z.string().nullable(),
  })
  .openapi('ChannelCheck');
export const ChannelLogView = z
  .object({
    id: z.number().int(),
    kind: z.enum(['call', 'notify']),
    api: z.string(),
    order_id: z.number().int().nullable(),
    refund_id: z.number().int().nullable(),
    started: UnixSeconds,
    duration_ms: z.number().int(),
    request: z.string(),
    status: z.number().int().nullable(),
    response: z.string().nullable(),
    outcome: z.string(),
    error: z.string().nullable(),
  })
  .openapi('ChannelLogEntry');
