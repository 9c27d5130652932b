/** Console, operator side: merchants (create, disable), points (recharge, debit), plan and fees, merchant users and invite links. */
import { desc, eq } from 'drizzle-orm';
import { merchants, users, type Merchant } from '../../db/schema';
import { ApiError } from '../../errors';
import { setMerchantEnabled, updateSettings } from '../../services/merchants';
import { adjustPoints, ledger, updatePlan } from '../../services/points';
import { MerchantCreate, PlanUpdate, PointsAdjust } from '../../routes/admin/schemas';
import { publicOrigin } from '../../routes/origin';
import { createInvite, createUser } from '../accounts';
import { consoleRouter, field, idParam, notFound, redirectWith, type CCtx } from '../core';
import { validate } from '../forms';
import { Badge, Csrf, mbase, page, PostButton } from '../layout';
import { LedgerTable } from './apps';
import { accountError } from './auth';

const router = consoleRouter();
const opBase = '/console/operator';

router.get('/', async (c) => {
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const rows = await c.get('db').select().from(merchants).orderBy(desc(merchants.id)).limit(500);
  return c.html(
    page(
      ctx,
      tr('商户管理', 'Merchants'),
      <>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th>{tr('商户', 'Merchant')}</th>
                <th>{tr('状态', 'State')}</th>
                <th class="num">{tr('积分', 'Points')}</th>
                <th>{tr('操作', 'Actions')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr>
                  <td>
                    #{m.id} <a href={`${opBase}/merchants/${m.id}`}>{m.name}</a>
                  </td>
                  <td>
                    {m.enabled ? (
                      <Badge value="online" label={tr('启用', 'enabled')} />
                    ) : (
                      <Badge value="disabled" label={tr('已停用', 'disabled')} />
                    )}
                  </td>
                  <td class="num">{m.points}</td>
                  <td>
                    <a href={mbase(m.id)}>{tr('进入商户后台', 'Open its console')}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>{tr('创建商户', 'Create a merchant')}</h2>
        <form class="card" method="post" action={`${opBase}/merchants`}>
          <Csrf ctx={ctx} />
          <label for="m-name">{tr('商户名称', 'Merchant name')}</label>
          <input id="m-name" name="name" required maxlength={100} />
          <label for="m-tz">{tr('时区', 'Time zone')}</label>
          <input id="m-tz" name="timezone" value="Asia/Shanghai" maxlength={64} />
          <button type="submit">{tr('创建', 'Create')}</button>
        </form>
      </>,
    ),
  );
});

router.post('/merchants', async (c) => {
  const v = validate(MerchantCreate, { name: field(c, 'name'), timezone: field(c, 'timezone') || undefined });
  if ('error' in v) return redirectWith(c, opBase, 'error', v.error);
  const [m] = await c.get('db').insert(merchants).values(v.data).returning();
  return redirectWith(c, `${opBase}/merchants/${m.id}`, 'ok', c.get('ctx').tr('商户已创建。', 'Merchant created.'));
});

async function merchantOf(c: CCtx): Promise<Merchant | null> {
  const id = idParam(c, 'id');
  return id === null ? null : ((await c.get('db').query.merchants.findFirst({ where: eq(merchants.id, id) })) ?? null);
}

router.get('/merchants/:id', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const db = c.get('db');
  const [l, people] = await Promise.all([
    ledger(db, m.id, { limit: 20 }),
    db.select().from(users).where(eq(users.merchantId, m.id)),
  ]);
  const base = `${opBase}/merchants/${m.id}`;
  const Num = ({
    name,
    label,
    value,
    min = 0,
  }: {
    name: string;
    label: string;
    value: number | null;
    min?: number;
  }) => (
    <div>
      <label for={`p-${name}`}>{label}</label>
      <input id={`p-${name}`} name={name} type="number" min={min} value={value === null ? '' : String(value)} />
    </div>
  );
  return c.html(
    page(
      ctx,
      `${tr('商户', 'Merchant')} #${m.id} ${m.name}`,
      <>
        <div class="card">
          {m.enabled ? (
            <Badge value="online" label={tr('启用', 'enabled')} />
          ) : (
            <Badge value="disabled" label={tr('已停用', 'disabled')} />
          )}{' '}
          <PostButton
            ctx={ctx}
            action={`${base}/enabled`}
            label={m.enabled ? tr('停用商户', 'Disable merchant') : tr('启用商户', 'Enable merchant')}
            kind={m.enabled ? 'danger' : undefined}
          />{' '}
          <a class="button secondary" href={mbase(m.id)}>
            {tr('进入商户后台', 'Open its console')}
          </a>
        </div>
        <h2>{tr('积分', 'Points')}</h2>
        <div class="card">
          <p>
            {tr('余额', 'Balance')}: <strong id="op-balance">{l.balance}</strong>
          </p>
          <form method="post" action={`${base}/points`}>
            <Csrf ctx={ctx} />
            <div class="row">
              <div>
                <label for="pt-delta">{tr('积分变动（负数为扣减）', 'Points (negative to debit)')}</label>
                <input id="pt-delta" name="delta" type="number" required />
              </div>
              <div>
                <label for="pt-reason">{tr('类型', 'Reason')}</label>
                <select id="pt-reason" name="reason">
                  <option value="recharge">{tr('充值', 'recharge')}</option>
                  <option value="adjustment">{tr('调整', 'adjustment')}</option>
                </select>
              </div>
              <div>
                <label for="pt-note">{tr('备注', 'Note')}</label>
                <input id="pt-note" name="note" maxlength={200} />
              </div>
            </div>
            <button type="submit">{tr('提交', 'Apply')}</button>
          </form>
          <LedgerTable ctx={ctx} rows={l.data} timeZone={m.timezone} />
        </div>
        <h2>{tr('套餐与费用', 'Plan and fees')}</h2>
        <form class="card" method="post" action={`${base}/plan`}>
          <Csrf ctx={ctx} />
          <div class="row">
            <Num
              name="onboarding_fee"
              label={tr('上码费（积分）', 'Onboarding fee (points)')}
              value={m.onboardingFee}
            />
            <Num
              name="order_fee_points"
              label={tr('每笔订单费（积分）', 'Per-order fee (points)')}
              value={m.orderFeePoints}
            />
            <Num
              name="order_fee_permille"
              label={tr('每笔订单费（金额千分比）', 'Per-order fee (‰ of the amount)')}
              value={m.orderFeePermille}
            />
            <Num
              name="monthly_quota"
              label={tr('每月订单额度（留空不限）', 'Monthly order quota (empty: none)')}
              value={m.monthlyQuota}
            />
          </div>
          <button type="submit">{tr('保存', 'Save')}</button>
        </form>
        <h2>{tr('容量', 'Capacity')}</h2>
        <form class="card" method="post" action={`${base}/shards`}>
          <Csrf ctx={ctx} />
          <p>
            {tr(
              '商户的实时状态分布在多少个 Collector 上（1–16）。新会话放在会话最少的分片上；不能低于已有会话的分片。',
              "Over how many Collectors the merchant's live state is spread (1–16). New sessions go to the least-loaded shard; it cannot go below a shard that holds sessions.",
            )}
          </p>
          <div class="row">
            <Num name="collector_shards" label={tr('Collector 分片数', 'Collector shards')} value={m.collectorShards} />
          </div>
          <button type="submit">{tr('保存', 'Save')}</button>
        </form>
        <h2>{tr('商户用户', 'Merchant users')}</h2>
        <div class="card">
          <ul>
            {people.map((u) => (
              <li>{u.email}</li>
            ))}
            {people.length === 0 && <li>{tr('还没有用户。', 'No users yet.')}</li>}
          </ul>
          <form method="post" action={`${base}/users`}>
            <Csrf ctx={ctx} />
            <div class="row">
              <div>
                <label for="u-email">{tr('电子邮箱', 'E-mail')}</label>
                <input id="u-email" name="email" type="email" required maxlength={320} autocomplete="off" />
              </div>
              <div>
                <label for="u-password">
                  {tr('初始密码（至少 10 个字符）', 'Initial password (at least 10 characters)')}
                </label>
                <input
                  id="u-password"
                  name="password"
                  type="password"
                  required
                  minlength={10}
                  maxlength={200}
                  autocomplete="new-password"
                />
              </div>
            </div>
            <button type="submit">{tr('创建用户', 'Create user')}</button>
          </form>
          <PostButton
            ctx={ctx}
            action={`${base}/invites`}
            label={tr('生成邀请链接', 'Make an invite link')}
            kind="secondary"
          />
        </div>
      </>,
    ),
  );
});

router.post('/merchants/:id/enabled', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  await setMerchantEnabled(c.env, c.get('db'), m.id, { enabled: !m.enabled });
  return redirectWith(c, `${opBase}/merchants/${m.id}`, 'ok', c.get('ctx').tr('已更新。', 'Updated.'));
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
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  try {
    const row = await adjustPoints(c.env.DB, c.get('db'), m.id, v.data);
    return redirectWith(
      c,
      to,
      'ok',
      c.get('ctx').tr(`完成，余额 ${row.balanceAfter}。`, `Done; the balance is ${row.balanceAfter}.`),
    );
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
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
  if ('error' in v) return redirectWith(c, to, 'error', v.error);
  await updatePlan(c.get('db'), m.id, v.data);
  return redirectWith(c, to, 'ok', c.get('ctx').tr('套餐已保存。', 'Plan saved.'));
});

router.post('/merchants/:id/shards', async (c) => {
  const m = await merchantOf(c);
  if (!m) return notFound(c);
  const to = `${opBase}/merchants/${m.id}`;
  const v = field(c, 'collector_shards');
  try {
    // Out of range or below a shard that holds sessions: refused by the service, as in the admin API.
    await updateSettings(c.env, c.get('db'), m.id, { collector_shards: /^\d{1,2}$/.test(v) ? Number(v) : 0 });
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
  return redirectWith(c, to, 'ok', c.get('ctx').tr('已保存。', 'Saved.'));
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
  if ('error' in r) return redirectWith(c, to, 'error', accountError(c.get('ctx').tr, r.error));
  return redirectWith(c, to, 'ok', c.get('ctx').tr(`已创建用户 ${r.user.email}。`, `User ${r.user.email} created.`));
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
      ctx.tr('邀请链接', 'Invite link'),
      <div class="card">
        <div class="secret">
          <p>
            {ctx.tr(
              `把这个链接发给 ${m.name} 的新用户。7 天内有效，只能使用一次，也只显示这一次。`,
              `Send this link to the new user of ${m.name}. It works once, for 7 days, and is shown only now.`,
            )}
          </p>
          <pre id="invite-link">{link}</pre>
        </div>
        <a class="button secondary" href={`${opBase}/merchants/${m.id}`}>
          {ctx.tr('返回', 'Back')}
        </a>
      </div>,
    ),
  );
});

export default router;
