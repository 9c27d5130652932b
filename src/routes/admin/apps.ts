/** Admin: apps (keys, secrets, callback URLs). */
import { createRouter } from '../../env';
import { createApp, merchantApps, requireApp, rotateAppSecret, updateApp } from '../../services/apps';
import { requireMerchant } from '../../services/merchants';
import { adminRoute, json, jsonBody } from './openapi';
import { AppCreate, AppUpdate, AppView } from '../../schemas/apps';
import { AppkeyParam, IdParam, listOf } from '../../schemas/common';
import { appView } from './views';

const router = createRouter();

router.openapi(
  adminRoute({
    method: 'post',
    path: '/merchants/{id}/apps',
    tags: ['apps'],
    summary: 'Create an app (the secret is shown only here and on rotation)',
    request: { params: IdParam, ...jsonBody(AppCreate) },
    responses: { 201: json(AppView, 'The app with its appsecret') },
  }),
  async (c) => {
    const { app, secret } = await createApp(c.env, c.get('db'), c.req.valid('param').id, c.req.valid('json'));
    return c.json(appView(app, secret), 201);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}/apps',
    tags: ['apps'],
    summary: "List a merchant's apps",
    request: { params: IdParam },
    responses: { 200: json(listOf(AppView), 'Apps') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    await requireMerchant(c.get('db'), id);
    const rows = await merchantApps(c.get('db'), id);
    return c.json({ data: rows.map((a) => appView(a)), next_cursor: null }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/apps/{appkey}',
    tags: ['apps'],
    summary: 'Get an app',
    request: { params: AppkeyParam },
    responses: { 200: json(AppView, 'The app') },
  }),
  async (c) => c.json(appView(await requireApp(c.get('db'), c.req.valid('param').appkey)), 200),
);

router.openapi(
  adminRoute({
    method: 'patch',
    path: '/apps/{appkey}',
    tags: ['apps'],
    summary: 'Update URLs, TTL, pay types, enable or disable',
    request: { params: AppkeyParam, ...jsonBody(AppUpdate) },
    responses: { 200: json(AppView, 'The app') },
  }),
  async (c) =>
    c.json(appView(await updateApp(c.env, c.get('db'), c.req.valid('param').appkey, c.req.valid('json'))), 200),
);

router.openapi(
  adminRoute({
    method: 'post',
    path: '/apps/{appkey}/rotate-secret',
    tags: ['apps'],
    summary: 'Issue a new appsecret (the old one stops working at once)',
    request: { params: AppkeyParam },
    responses: { 200: json(AppView, 'The app with its new appsecret') },
  }),
  async (c) => {
    const { app, secret } = await rotateAppSecret(c.env, c.get('db'), c.req.valid('param').appkey);
    return c.json(appView(app, secret), 200);
  },
);

export default router;
