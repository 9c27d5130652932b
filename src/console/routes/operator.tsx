/** Console, operator side: merchants (create, disable), points (recharge, debit), plan and fees, merchant users and invite links. */
import type { Merchant } from '../../db/schema';
import { HuipayError } from '../../errors';
import { publicOrigin } from '../../routes/origin';
import { MerchantCreate } from '../../schemas/merchants';
import { PlanUpdate, PointsAdjust } from '../../schemas/points';
import {
  createMerchant,
  findMerchant,
  merchantUsers,
  newestMerchants,
  setMerchantEnabled,
  updateSettings,
} from '../../services/merchants';
import { adjustPoints, ledger, updatePlan, withBooks } from '../../services/points';
import { createInvite, createUser } from '../../services/console-users';
import { attempt, consoleRouter, field, idParam, notFound, redirectWith, refuse, type CCtx } from '../core';
import { validate } from '../forms';
import { page } from '../layout';
import { InviteLink, MerchantPage, Merchants, opBase } from '../views/operator';

const router = consoleRouter();

router.get('/', async (c) => {
  const ctx = c.get('ctx');
  const rows = await withBooks(c.env, await newestMerchants(c.get('db'), 500));
  return c.html(page(ctx, ctx.t.navMerchants, <Merchants ctx={ctx} rows={rows} />));
});

router.post('/merchants', async (c) => {
  const v = validate(MerchantCreate, { name: field(c, 'name'), timezone: field(c, 'timezone') || undefined });
  if ('error' in v) return refuse(c, opBase, v.error);
  const m = await createMerchant(c.env, c.get('db'), v.data);
  return redirectWith(c, `${opBase}/merchants/${m.id}`, 'ok', c.get('ctx').t.merchantCreated);
});

async function merchantOf(c: CCtx): Promise<Merchant | null> {
  const id = idParam(c, 'id');
  return id === null ? null : findMerchant(c.get('db'), id);
}

router.get('/merchants/:id', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const ctx = c.get('ctx');
  const db = c.get('db');
  const [l, people] = await Promise.all([ledger(c.env, m.id, { limit: 20 }), merchantUsers(db, m.id)]);
  const title = { label: `${ctx.t.merchant} #${m.id}`, name: m.name };
  return c.html(page(ctx, title, <MerchantPage ctx={ctx} m={m} ledger={l} people={people} />));
});

router.post('/merchants/:id/enabled', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  await setMerchantEnabled(c.env, c.get('db'), m.id, { enabled: !m.enabled });
  return redirectWith(c, `${opBase}/merchants/${m.id}`, 'ok', c.get('ctx').t.updated);
});

router.post('/merchants/:id/points', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const to = `${opBase}/merchants/${m.id}`;
  const delta = field(c, 'delta');
  const v = validate(PointsAdjust, {
    delta: /^-?\d{1,10}$/.test(delta) ? Number(delta) : delta,
    reason: field(c, 'reason'),
    note: field(c, 'note') || undefined,
  });
  if ('error' in v) return refuse(c, to, v.error);
  try {
    const row = await adjustPoints(c.env, m.id, v.data);
    return redirectWith(c, to, 'ok', c.get('ctx').t.pointsDone(row.balanceAfter));
  } catch (err) {
    if (err instanceof HuipayError) return refuse(c, to, err.message);
    throw err;
  }
});

router.post('/merchants/:id/plan', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const to = `${opBase}/merchants/${m.id}`;
  const num = (name: string) => {
    const v = field(c, name);
    return /^\d{1,10}$/.test(v) ? Number(v) : v;
  };
  const quota = field(c, 'monthly_quota');
  const v = validate(PlanUpdate, {
    onboarding_fee: num('onboarding_fee'),
    order_fee_points: num('order_fee_points'),
    order_fee_permille: num('order_fee_permille'),
    monthly_quota: quota === '' ? null : num('monthly_quota'),
  });
  if ('error' in v) return refuse(c, to, v.error);
  await updatePlan(c.env, c.get('db'), m.id, v.data);
  return redirectWith(c, to, 'ok', c.get('ctx').t.planSaved);
});

router.post('/merchants/:id/shards', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const to = `${opBase}/merchants/${m.id}`;
  const v = field(c, 'collector_shards');
  // Out of range or below a shard that holds sessions: refused by the service, as in the admin API.
  return attempt(c, to, c.get('ctx').t.saved, () =>
    updateSettings(c.env, c.get('db'), m.id, { collector_shards: /^\d{1,2}$/.test(v) ? Number(v) : 0 }),
  );
});

router.post('/merchants/:id/users', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const to = `${opBase}/merchants/${m.id}`;
  const r = await createUser(c.get('db'), {
    email: field(c, 'email'),
    password: c.get('form').get('password') ?? '',
    role: 'merchant',
    merchantId: m.id,
  });
  if ('error' in r) return redirectWith(c, to, 'error', c.get('ctx').t.accountError[r.error]);
  return redirectWith(c, to, 'ok', c.get('ctx').t.userCreated(r.user.email));
});

router.post('/merchants/:id/invites', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const ctx = c.get('ctx');
  const token = await createInvite(c.get('db'), m.id, c.get('auth')!.user.id);
  const link = `${publicOrigin(c)}/console/invite/${token}`;
  return c.html(page(ctx, ctx.t.inviteLink, <InviteLink ctx={ctx} m={m} link={link} />));
});

export default router;
