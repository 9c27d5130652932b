/** Admin: a merchant's points (SPEC §7), its plan and fees, and enabling or disabling it. */
import { createRouter } from '../../env';
import { setMerchantEnabled } from '../../services/merchants';
import { adjustPoints, ledger, updatePlan, withBooksOf } from '../../services/points';
import { adminRoute, json, jsonBody } from './openapi';
import { IdParam } from '../../schemas/common';
import { MerchantUpdate, MerchantView } from '../../schemas/merchants';
import { LedgerFilters, LedgerRowView, PlanUpdate, PointsAdjust, PointsView } from '../../schemas/points';
import { ledgerRowView, merchantView } from './views';

const router = createRouter();

router.openapi(
  adminRoute({
    method: 'post',
    path: '/merchants/{id}/points',
    tags: ['points'],
    summary: 'Recharge or debit points; refused (409) if the balance would go below zero',
    request: { params: IdParam, ...jsonBody(PointsAdjust) },
    responses: { 201: json(LedgerRowView, 'The new ledger row') },
  }),
  async (c) => {
    const row = await adjustPoints(c.env, c.req.valid('param').id, c.req.valid('json'));
    return c.json(ledgerRowView(row), 201);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}/points',
    tags: ['points'],
    summary: 'The balance and the ledger, newest first',
    request: { params: IdParam, query: LedgerFilters },
    responses: { 200: json(PointsView, 'Balance and ledger rows') },
  }),
  async (c) => {
    const l = await ledger(c.env, c.req.valid('param').id, c.req.valid('query'));
    return c.json({ balance: l.balance, data: l.data.map(ledgerRowView), next_cursor: l.next_cursor }, 200);
  },
);

router.openapi(
  adminRoute({
    method: 'put',
    path: '/merchants/{id}/plan',
    tags: ['points'],
    summary: 'Set the onboarding fee, the per-order fee and the monthly order quota',
    request: { params: IdParam, ...jsonBody(PlanUpdate) },
    responses: { 200: json(MerchantView, 'The merchant with its plan') },
  }),
  async (c) => {
    const m = await updatePlan(c.env, c.get('db'), c.req.valid('param').id, c.req.valid('json'));
    return c.json(merchantView(await withBooksOf(c.env, m)), 200);
  },
);

router.openapi(
  adminRoute({
    method: 'patch',
    path: '/merchants/{id}',
    tags: ['merchants'],
    summary: "Rename, disable or enable a merchant (a disabled merchant's apps answer 107)",
    request: { params: IdParam, ...jsonBody(MerchantUpdate) },
    responses: { 200: json(MerchantView, 'The merchant') },
  }),
  async (c) =>
    c.json(
      merchantView(
        await withBooksOf(
          c.env,
          await setMerchantEnabled(c.env, c.get('db'), c.req.valid('param').id, c.req.valid('json')),
        ),
      ),
      200,
    ),
);

export default router;
