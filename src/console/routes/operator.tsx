/** Console, operator side: merchants (create, disable), points (recharge, debit), plan and fees, merchant users and invite links. */
import { desc, eq } from 'drizzle-orm';
import { merchants, users, type Merchant } from '../../db/schema';
import { ApiError } from '../../errors';
import { setMerchantEnabled, updateSettings } from '../../services/merchants';
import { adjustPoints, ledger, updatePlan } from '../../services/points';
import { MerchantCreate } from '../../schemas/merchants';
import { PlanUpdate, PointsAdjust } from '../../schemas/points';
import { publicOrigin } from '../../routes/origin';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../domain/password';
import { createInvite, createUser } from '../../services/console-users';
import { attempt, consoleRouter, field, idParam, notFound, redirectWith, refuse, type CCtx } from '../core';
import { validate } from '../forms';
import type { Labels } from '../i18n';
import { Badge, Csrf, Data, Label, List, mbase, page, PostButton } from '../layout';
import { LedgerTable } from '../views/points';

const router = consoleRouter();
const opBase = '/console/operator';

router.get('/', async (c) => {
  const ctx = c.get('ctx');
  const { t } = ctx;
  const rows = await c.get('db').select().from(merchants).orderBy(desc(merchants.id)).limit(500);
  return c.html(
    page(
      ctx,
      t.navMerchants,
      <>
        <List
          rows={rows}
          empty={t.noMerchants}
          cols={[
            {
              label: t.merchant,
              cell: (m) => (
                <>
                  #{m.id}{' '}
                  <a href={`${opBase}/merchants/${m.id}`} translate="no">
                    {m.name}
                  </a>
                </>
              ),
            },
            { label: t.state, cell: (m) => <EnabledBadge t={t} enabled={m.enabled} /> },
            { label: t.nav['/points'], num: true, cell: (m) => String(m.points) },
            { label: t.actions, cell: (m) => <a href={mbase(m.id)}>{t.openItsConsole}</a> },
          ]}
        />
        <h2>{t.createMerchant}</h2>
        <form class="card" method="post" action={`${opBase}/merchants`}>
          <Csrf ctx={ctx} />
          <label for="m-name">{t.merchantName}</label>
          <input id="m-name" name="name" required maxlength={100} />
          <Label for="m-tz" text={t.timeZone} hint={t.timeZoneHint} />
          <input id="m-tz" name="timezone" value="Asia/Shanghai" maxlength={64} translate="no" />
          <button type="submit">{t.create}</button>
        </form>
      </>,
    ),
  );
});

/** A merchant's state. */
const EnabledBadge = ({ t, enabled }: { t: Labels; enabled: boolean }) =>
  enabled ? <Badge kind="online" label={t.enabledState} /> : <Badge kind="disabled" label={t.disabled} />;

router.post('/merchants', async (c) => {
  const v = validate(MerchantCreate, { name: field(c, 'name'), timezone: field(c, 'timezone') || undefined });
  if ('error' in v) return refuse(c, opBase, v.error);
  const [m] = await c.get('db').insert(merchants).values(v.data).returning();
  return redirectWith(c, `${opBase}/merchants/${m.id}`, 'ok', c.get('ctx').t.merchantCreated);
});

async function merchantOf(c: CCtx): Promise<Merchant | null> {
  const id = idParam(c, 'id');
  return id === null ? null : ((await c.get('db').query.merchants.findFirst({ where: eq(merchants.id, id) })) ?? null);
}

router.get('/merchants/:id', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const ctx = c.get('ctx');
  const { t } = ctx;
  const db = c.get('db');
  const [l, people] = await Promise.all([
    ledger(db, m.id, { limit: 20 }),
    db.select().from(users).where(eq(users.merchantId, m.id)),
  ]);
  const base = `${opBase}/merchants/${m.id}`;
  const Num = ({
    name,
    label,
    hint,
    value,
    min = 0,
  }: {
    name: string;
    label: string;
    hint?: string;
    value: number | null;
    min?: number;
  }) => (
    <div>
      <Label for={`p-${name}`} text={label} hint={hint} />
      <input id={`p-${name}`} name={name} type="number" min={min} value={value === null ? '' : String(value)} />
    </div>
  );
  return c.html(
    page(
      ctx,
      { label: `${t.merchant} #${m.id}`, name: m.name },
      <>
        <div class="card">
          <EnabledBadge t={t} enabled={m.enabled} />{' '}
          <PostButton
            ctx={ctx}
            action={`${base}/enabled`}
            label={m.enabled ? t.disableMerchant : t.enableMerchant}
            kind={m.enabled ? 'danger' : undefined}
          />{' '}
          <a class="button secondary" href={mbase(m.id)}>
            {t.openItsConsole}
          </a>
        </div>
        <h2>{t.nav['/points']}</h2>
        <div class="card">
          <p>
            {t.labelled(t.balance)}
            <strong id="op-balance">{l.balance}</strong>
          </p>
          <form method="post" action={`${base}/points`}>
            <Csrf ctx={ctx} />
            <div class="row">
              <div>
                <Label for="pt-delta" text={t.pointsDelta} hint={t.pointsDeltaHint} />
                <input id="pt-delta" name="delta" type="number" required />
              </div>
              <div>
                <label for="pt-reason">{t.ledgerReason}</label>
                <select id="pt-reason" name="reason">
                  {(['recharge', 'adjustment'] as const).map((r) => (
                    <option value={r}>{t.ledgerReasons[r]}</option>
                  ))}
                </select>
              </div>
              <div>
                <label for="pt-note">{t.note}</label>
                <input id="pt-note" name="note" maxlength={200} />
              </div>
            </div>
            <button type="submit">{t.apply}</button>
          </form>
          <LedgerTable ctx={ctx} rows={l.data} timeZone={m.timezone} />
        </div>
        <h2>{t.planAndFees}</h2>
        <form class="card" method="post" action={`${base}/plan`}>
          <Csrf ctx={ctx} />
          <div class="row">
            <Num
              name="onboarding_fee"
              label={t.onboardingFeePoints}
              hint={t.onboardingFeeHint}
              value={m.onboardingFee}
            />
            <Num name="order_fee_points" label={t.orderFeePoints} value={m.orderFeePoints} />
            <Num name="order_fee_permille" label={t.orderFeePermille} value={m.orderFeePermille} />
            <Num name="monthly_quota" label={t.monthlyQuotaEmptyNone} value={m.monthlyQuota} />
          </div>
          <button type="submit">{t.save}</button>
        </form>
        <h2>{t.capacity}</h2>
        <form class="card" method="post" action={`${base}/shards`}>
          <Csrf ctx={ctx} />
          <p>{t.capacityIntro}</p>
          <div class="row">
            <Num name="collector_shards" label={t.collectorShards} value={m.collectorShards} />
          </div>
          <button type="submit">{t.save}</button>
        </form>
        <h2>{t.merchantUsers}</h2>
        <div class="card">
          <ul>
            {people.map((u) => (
              <li translate="no">{u.email}</li>
            ))}
            {people.length === 0 && <li>{t.noUsersYet}</li>}
          </ul>
          <form method="post" action={`${base}/users`}>
            <Csrf ctx={ctx} />
            <div class="row">
              <div>
                <label for="u-email">{t.email}</label>
                <input id="u-email" name="email" type="email" required maxlength={320} autocomplete="off" />
              </div>
              <div>
                <label for="u-password">{t.initialPassword(PASSWORD_MIN)}</label>
                <input
                  id="u-password"
                  name="password"
                  type="password"
                  required
                  minlength={PASSWORD_MIN}
                  maxlength={PASSWORD_MAX}
                  autocomplete="new-password"
                />
              </div>
            </div>
            <button type="submit">{t.createUser}</button>
          </form>
          <PostButton ctx={ctx} action={`${base}/invites`} label={t.makeInvite} kind="secondary" />
        </div>
      </>,
    ),
  );
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
    const row = await adjustPoints(c.env.DB, c.get('db'), m.id, v.data);
    return redirectWith(c, to, 'ok', c.get('ctx').t.pointsDone(row.balanceAfter));
  } catch (err) {
    if (err instanceof ApiError) return refuse(c, to, err.message);
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
  await updatePlan(c.get('db'), m.id, v.data);
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
  return c.html(
    page(
      ctx,
      ctx.t.inviteLink,
      <div class="card">
        <div class="secret">
          <p>
            {ctx.t.inviteSendTo} <Data>{m.name}</Data>
            {ctx.t.inviteRules}
          </p>
          <pre id="invite-link">{link}</pre>
        </div>
        <a class="button secondary" href={`${opBase}/merchants/${m.id}`}>
          {ctx.t.back}
        </a>
      </div>,
    ),
  );
});

export default router;
