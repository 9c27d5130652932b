/** The unmatched inbox: payments no order took, each with its 补单 (assign to an order) form. */
import type { Merchant, Payment } from '../../db/schema';
import { formatFen } from '../../domain/money';
import type { PayType } from '../../domain/vocab';
import { Badge, Csrf, Data, Label, List, mbase, type PageCtx, when } from '../layout';

export function Inbox(props: { ctx: PageCtx; m: Merchant; list: { data: Payment[]; next_cursor: string | null } }) {
  const { ctx, m, list } = props;
  const { t } = ctx;
  const base = mbase(m.id);
  return (
    <>
      <p class="muted">{t.unmatchedIntro}</p>
      <List
        rows={list.data}
        empty={t.noUnmatched}
        cols={[
          {
            label: t.payment,
            cell: (p) => (
              <>
                <span class="mono">{p.id}</span> <Badge kind={p.mode} label={t.mode[p.mode]} />
              </>
            ),
          },
          { label: t.amount, num: true, nowrap: true, cell: (p) => formatFen(p.amountFen) },
          { label: t.payType, nowrap: true, cell: (p) => t.payTypes[p.type as PayType] ?? p.type },
          { label: t.paidAt, nowrap: true, cell: (p) => <time>{when(p.paidMs, m.timezone)}</time> },
          { label: t.payer, cell: (p) => (p.payer ? <Data>{p.payer}</Data> : '—') },
          {
            label: t.assign,
            block: true,
            cell: (p) => (
              <form method="post" action={`${base}/inbox/${p.id}/assign`}>
                <Csrf ctx={ctx} />
                <Label for={`o-${p.id}`} text={t.assignTo} hint={t.assignHint} />
                <input id={`o-${p.id}`} name="order" required maxlength={64} autocomplete="off" />
                <button type="submit">{t.assign}</button>
              </form>
            ),
          },
        ]}
      />
      {list.next_cursor && <a href={`${base}/inbox?cursor=${list.next_cursor}`}>{t.nextPage}</a>}
    </>
  );
}
