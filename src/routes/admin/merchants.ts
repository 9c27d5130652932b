/** Admin: merchants, their settings and collection rules. */
import { createRouter } from '../../env';
import {
  createMerchant,
  createRule,
  merchantRules,
  newestMerchants,
  requireMerchant,
  updateSettings,
} from '../../services/merchants';
import { adminRoute, json, jsonBody } from './openapi';
import { IdParam, listOf } from '../../schemas/common';
import { MerchantCreate, MerchantView, RuleCreate, RuleView, SettingsUpdate, StoreList } from '../../schemas/merchants';
import { withBooks, withBooksOf } from '../../services/points';
import { storesOverview } from '../../services/stores';
import { merchantView, ruleView } from './views';

const router = createRouter();

router.openapi(
  adminRoute({
    method: 'post',
    path: '/merchants',
    tags: ['merchants'],
    summary: 'Create a merchant',
    request: jsonBody(MerchantCreate),
    responses: { 201: json(MerchantView, 'The merchant') },
  }),
  async (c) => {
    const m = await createMerchant(c.env, c.get('db'), c.req.valid('json'));
    return c.json(merchantView(await withBooksOf(c.env, m)), 201);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants',
    tags: ['merchants'],
    summary: 'List merchants',
    responses: { 200: json(listOf(MerchantView), 'Merchants, newest first') },
  }),
  async (c) => {
    const rows = await withBooks(c.env, await newestMerchants(c.get('db'), 200));
    return c.json({ data: rows.map(merchantView), next_cursor: null }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/stores',
    tags: ['merchants'],
    summary: "The deployment's order stores (SPEC §14.1), in binding order",
    responses: { 200: json(StoreList, 'Every bound store with its merchants and size') },
  }),
  async (c) => c.json({ data: await storesOverview(c.env, c.get('db')) }, 200),
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}',
    tags: ['merchants'],
    summary: 'Get a merchant',
    request: { params: IdParam },
    responses: { 200: json(MerchantView, 'The merchant') },
  }),
  async (c) =>
    c.json(merchantView(await withBooksOf(c.env, await requireMerchant(c.get('db'), c.req.valid('param').id))), 200),
);

router.openapi(
  adminRoute({
    method: 'put',
    path: '/merchants/{id}/settings',
    tags: ['merchants'],
    summary: 'Update rotation, amount offsets, default rule and time zone',
    request: { params: IdParam, ...jsonBody(SettingsUpdate) },
    responses: { 200: json(MerchantView, 'The merchant with its settings') },
  }),
  async (c) =>
    c.json(
      merchantView(
        await withBooksOf(
          c.env,
          await updateSettings(c.env, c.get('db'), c.req.valid('param').id, c.req.valid('json')),
        ),
      ),
      200,
    ),
);

router.openapi(
  adminRoute({
    method: 'post',
    path: '/merchants/{id}/rules',
    tags: ['rules'],
    summary: 'Create a collection rule',
    request: { params: IdParam, ...jsonBody(RuleCreate) },
    responses: { 201: json(RuleView, 'The rule') },
  }),
  async (c) => c.json(ruleView(await createRule(c.get('db'), c.req.valid('param').id, c.req.valid('json'))), 201),
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}/rules',
    tags: ['rules'],
    summary: "List a merchant's rules",
    request: { params: IdParam },
    responses: { 200: json(listOf(RuleView), 'Rules') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    await requireMerchant(c.get('db'), id);
    const rows = await merchantRules(c.get('db'), id);
    return c.json({ data: rows.map(ruleView), next_cursor: null }, 200);
  },
);

export default router;
