/** Admin: an app's official channel configs (SPEC §11.1), their check, and the channel log. */
import { z } from '@hono/zod-openapi';
import { createRouter } from '../../env';
import { idStore, merchantStore } from '../../db/stores';
import { configLog, orderLog } from '../../services/channel-log';
import { requireOrder } from '../../services/order-detail';
import { checkConfig, configView, deleteConfig, getConfig, listConfigs, saveConfig } from '../../services/channels';
import { publicOrigin } from '../origin';
import { adminRoute, json, jsonBody } from './openapi';
import {
  ChannelCheckView,
  ChannelConfigBody,
  ChannelConfigView,
  ChannelLogView,
  ChannelParam,
} from '../../schemas/channels';
import { AppkeyParam, IdParam, listOf } from '../../schemas/common';
import { channelLogView } from './views';

const router = createRouter();

router.openapi(
  adminRoute({
    method: 'put',
    path: '/apps/{appkey}/channels/{channel}',
    tags: ['channels'],
    summary: "Create or replace the app's config of a channel (keys checked; secrets sealed, never answered)",
    request: { params: ChannelParam, ...jsonBody(ChannelConfigBody) },
    responses: {
      200: json(ChannelConfigView, 'The config, replaced'),
      201: json(ChannelConfigView, 'The config, created'),
      422: json(
        z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
        'A key or URL the channel refuses',
      ),
    },
  }),
  async (c) => {
    const { appkey, channel } = c.req.valid('param');
    const origin = publicOrigin(c);
    const { cfg, app, created } = await saveConfig(c.env, c.get('db'), appkey, channel, c.req.valid('json'), origin);
    return c.json(configView(cfg, app, origin), created ? 201 : 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/apps/{appkey}/channels',
    tags: ['channels'],
    summary: "An app's channel configs",
    request: { params: AppkeyParam },
    responses: { 200: json(listOf(ChannelConfigView), 'Configs') },
  }),
  async (c) => {
    const { rows, app } = await listConfigs(c.get('db'), c.req.valid('param').appkey);
    const origin = publicOrigin(c);
    return c.json({ data: rows.map((r) => configView(r, app, origin)), next_cursor: null }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/apps/{appkey}/channels/{channel}',
    tags: ['channels'],
    summary: "The app's config of a channel",
    request: { params: ChannelParam },
    responses: { 200: json(ChannelConfigView, 'The config') },
  }),
  async (c) => {
    const { appkey, channel } = c.req.valid('param');
    const { cfg, app } = await getConfig(c.get('db'), appkey, channel);
    return c.json(configView(cfg, app, publicOrigin(c)), 200);
  },
);

router.openapi(
  adminRoute({
    method: 'delete',
    path: '/apps/{appkey}/channels/{channel}',
    tags: ['channels'],
    summary: 'Remove a config (refused while pending orders use it)',
    request: { params: ChannelParam },
    responses: { 200: json(z.object({ channel: z.string(), deleted: z.literal(true) }), 'Deleted') },
  }),
  async (c) => {
    const { appkey, channel } = c.req.valid('param');
    await deleteConfig(c.env, c.get('db'), appkey, channel);
    return c.json({ channel, deleted: true as const }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'post',
    path: '/apps/{appkey}/channels/{channel}/check',
    tags: ['channels'],
    summary: 'One harmless signed call (a query of a trade that does not exist): did the provider accept it?',
    request: { params: ChannelParam },
    responses: { 200: json(ChannelCheckView, 'What the provider made of the call') },
  }),
  async (c) => {
    const { appkey, channel } = c.req.valid('param');
    return c.json(await checkConfig(c.env, c.get('db'), appkey, channel, publicOrigin(c)), 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/apps/{appkey}/channels/{channel}/log',
    tags: ['channels'],
    summary: 'The latest provider calls and notifies of a config, newest first (forged notifies included)',
    request: { params: ChannelParam },
    responses: { 200: json(listOf(ChannelLogView), 'Log entries') },
  }),
  async (c) => {
    const { appkey, channel } = c.req.valid('param');
    const { cfg, app } = await getConfig(c.get('db'), appkey, channel);
    const rows = await configLog(await merchantStore(c.env, app.merchantId), cfg.id);
    return c.json({ data: rows.map(channelLogView), next_cursor: null }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/orders/{id}/channel-log',
    tags: ['channels'],
    summary: "An order's provider calls and notifies, oldest first",
    request: { params: IdParam },
    responses: { 200: json(listOf(ChannelLogView), 'Log entries') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    await requireOrder(c.env, id);
    const rows = await orderLog(idStore(c.env, id), id);
    return c.json({ data: rows.map(channelLogView), next_cursor: null }, 200);
  },
);

export default router;
