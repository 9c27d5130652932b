/** The rules page: the merchant's rules (hours, amounts, regions, daily cap) and the add form, each field explained. */
import type { Merchant, Rule } from '../../db/schema';
import { formatFen } from '../../domain/money';
import { Badge, Csrf, Data, Label, List, mbase, type PageCtx } from '../layout';

const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
const yuan = (f: number | null) => (f === null ? '—' : formatFen(f));

/** The rules page of merchant `m`. */
export function Rules({ ctx, m, rows }: { ctx: PageCtx; m: Merchant; rows: Rule[] }) {
  const { t } = ctx;
  return (
    <>
      <p class="muted">{t.rulesIntro}</p>
      <List
        rows={rows}
        empty={t.noRules}
        cols={[
          {
            label: t.name,
            cell: (r) => (
              <>
                <Data>{r.name}</Data> {m.defaultRuleId === r.id && <Badge kind="live" label={t.defaultRule} />}
              </>
            ),
          },
          {
            label: t.hours,
            nowrap: true,
            cell: (r) => (
              <>
                {hhmm(r.startMinute)}–{hhmm(r.endMinute)} {r.timezone && <span class="mono">{r.timezone}</span>}
              </>
            ),
          },
          { label: t.amountRange, nowrap: true, cell: (r) => `${yuan(r.minFen)} – ${yuan(r.maxFen)}` },
          {
            label: t.regions,
            cell: (r) => (r.regions.length ? <span class="mono">{r.regions.join(', ')}</span> : t.anywhere),
          },
          { label: t.dailyCap, num: true, cell: (r) => yuan(r.dailyCapFen) },
        ]}
      />
      <h2>{t.addRule}</h2>
      <form class="card" method="post" action={`${mbase(m.id)}/rules`}>
        <Csrf ctx={ctx} />
        <div class="row">
          <div>
            <label for="r-name">{t.name}</label>
            <input id="r-name" name="name" required maxlength={100} />
          </div>
          <div>
            <Label for="r-start" text={t.startTime} hint={t.hoursHint} />
            <input id="r-start" name="start_time" type="time" value="00:00" required />
          </div>
          <div>
            <label for="r-end">{t.endTime}</label>
            <input id="r-end" name="end_time" type="time" value="00:00" required />
          </div>
          <div>
            <Label for="r-min" text={t.minAmount} hint={t.amountBoundHint} />
            <input id="r-min" name="min_amount" inputmode="decimal" maxlength={12} />
          </div>
          <div>
            <label for="r-max">{t.maxAmount}</label>
            <input id="r-max" name="max_amount" inputmode="decimal" maxlength={12} />
          </div>
          <div>
            <Label for="r-cap" text={t.dailyCapPerSession} hint={t.dailyCapHint} />
            <input id="r-cap" name="daily_cap" inputmode="decimal" maxlength={12} />
          </div>
          <div>
            <Label
              for="r-regions"
              text={t.regions}
              hint={
                <>
                  {t.regionsHint} <span class="mono">CN, CN-GD, US</span>
                </>
              }
            />
            <input id="r-regions" name="regions" maxlength={500} />
          </div>
        </div>
        <button type="submit">{t.add}</button>
      </form>
    </>
  );
}
