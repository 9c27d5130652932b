/** The operator's pages: the merchants (with the create form), one merchant (state, points, plan and fees, capacity, users, invites), and a new invite link. */
import type { LedgerRow, Merchant, User } from '../../db/schema';
import type { MerchantAccount } from '../../services/points';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../domain/password';
import type { Labels } from '../i18n';
import { Badge, Csrf, Data, Label, List, mbase, type PageCtx, PostButton } from '../layout';
import { LedgerTable } from './points';

export const opBase = '/console/operator';

/** A merchant's state. */
const EnabledBadge = ({ t, enabled }: { t: Labels; enabled: boolean }) =>
  enabled ? <Badge kind="online" label={t.enabledState} /> : <Badge kind="disabled" label={t.disabled} />;

/** Every merchant, newest first, and the form that creates one. */
export function Merchants({ ctx, rows }: { ctx: PageCtx; rows: MerchantAccount[] }) {
  const { t } = ctx;
  return (
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
    </>
  );
}

/** A whole-number field of the plan and capacity forms. */
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

/** One merchant: state, points (balance, adjust, ledger), plan and fees, capacity, users and invites. */
export function MerchantPage(props: {
  ctx: PageCtx;
  m: Merchant;
  ledger: { balance: number; data: LedgerRow[] };
  people: User[];
}) {
  const { ctx, m, people } = props;
  const l = props.ledger;
  const { t } = ctx;
  const base = `${opBase}/merchants/${m.id}`;
  return (
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
          <Num name="onboarding_fee" label={t.onboardingFeePoints} hint={t.onboardingFeeHint} value={m.onboardingFee} />
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
    </>
  );
}

/** The invite link just made, for the operator to send to the merchant. */
export function InviteLink({ ctx, m, link }: { ctx: PageCtx; m: Merchant; link: string }) {
  const { t } = ctx;
  return (
    <div class="card">
      <div class="secret">
        <p>
          {t.inviteSendTo} <Data>{m.name}</Data>
          {t.inviteRules}
        </p>
        <pre id="invite-link">{link}</pre>
      </div>
      <a class="button secondary" href={`${opBase}/merchants/${m.id}`}>
        {t.back}
      </a>
    </div>
  );
}
