/** Admin: webhook endpoints, test sends, the delivery log and resend. */
import { z } from '@hono/zod-openapi';
import { createRouter } from '../../env';
import { idStore, knownIdStore } from '../../db/stores';
import { attemptsOf, deliveriesOfOrder, resend, testSend } from '../../services/deliveries';
import { requireOrder } from '../../services/order-detail';
import { createWebhook, deleteWebhook, listWebhooks, requireWebhook, updateWebhook } from '../../services/webhooks';
import { adminRoute, json, jsonBody } from './openapi';
import { AppkeyParam, IdParam, listOf } from '../../schemas/common';
import { DeliveryView, TestSendView, WebhookCreate, WebhookUpdate, WebhookView } from '../../schemas/webhooks';
import { deliveryView, webhookView } from './views';

const router = createRouter();

router.openapi(
  adminRoute({
    method: 'post',
    path: '/apps/{appkey}/webhooks',
    tags: ['webhooks'],
    summary: 'Register a webhook endpoint',
    request: { params: AppkeyParam, ...jsonBody(WebhookCreate) },
    responses: { 201: json(WebhookView, 'The endpoint') },
  }),
  async (c) => {
    const { webhook, appkey } = await createWebhook(
      c.env,
      c.get('db'),
      c.req.valid('param').appkey,
      c.req.valid('json'),
    );
    return c.json(webhookView(webhook, appkey), 201);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/apps/{appkey}/webhooks',
    tags: ['webhooks'],
    summary: "List an app's webhook endpoints",
    request: { params: AppkeyParam },
    responses: { 200: json(listOf(WebhookView), 'Endpoints') },
  }),
  async (c) => {
    const { rows, appkey } = await listWebhooks(c.get('db'), c.req.valid('param').appkey);
    return c.json({ data: rows.map((w) => webhookView(w, appkey)), next_cursor: null }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'patch',
    path: '/webhooks/{id}',
    tags: ['webhooks'],
    summary: 'Change URL, headers, mode, events; enable or disable',
    request: { params: IdParam, ...jsonBody(WebhookUpdate) },
    responses: { 200: json(WebhookView, 'The endpoint') },
  }),
  async (c) => {
    const { webhook, appkey } = await updateWebhook(c.env, c.get('db'), c.req.valid('param').id, c.req.valid('json'));
    return c.json(webhookView(webhook, appkey), 200);
  },
);

router.openapi(
  adminRoute({
    method: 'delete',
    path: '/webhooks/{id}',
    tags: ['webhooks'],
    summary: 'Delete an endpoint (its pending deliveries stop)',
    request: { params: IdParam },
    responses: { 200: json(z.object({ id: z.number().int(), deleted: z.literal(true) }), 'Deleted') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    await deleteWebhook(c.env, c.get('db'), id);
    return c.json({ id, deleted: true as const }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'post',
    path: '/webhooks/{id}/test',
    tags: ['webhooks'],
    summary: 'Send a sample event now; returns the exact request and response',
    request: { params: IdParam },
    responses: { 200: json(TestSendView, 'What was sent and what came back') },
  }),
  async (c) => {
    const { webhook } = await requireWebhook(c.get('db'), c.req.valid('param').id);
    return c.json(await testSend(c.env, webhook), 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/orders/{id}/deliveries',
    tags: ['deliveries'],
    summary: "An order's notify and webhook deliveries with every attempt",
    request: { params: IdParam },
    responses: { 200: json(listOf(DeliveryView), 'Deliveries, oldest first') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    await requireOrder(c.env, id);
    const rows = await deliveriesOfOrder(idStore(c.env, id), id);
    return c.json({ data: rows.map((r) => deliveryView(r.delivery, r.attempts)), next_cursor: null }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'post',
    path: '/deliveries/{id}/resend',
    tags: ['deliveries'],
    summary: 'Make one more attempt now, whatever the state',
    request: { params: IdParam },
    responses: { 200: json(DeliveryView, 'The delivery after the attempt') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const db = knownIdStore(c.env, id, `delivery ${id} not found`);
    const d = await resend(c.env, db, id);
    return c.json(deliveryView(d, await attemptsOf(db, d.id)), 200);
  },
);

export default router;
