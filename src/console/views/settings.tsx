/** The settings page: rotation, amount offset and its direction, the default rule, the time zone (each explained). */
import type { Merchant, Rule } from '../../db/schema';
import { formatFen } from '../../domain/money';
import { DIRECTIONS, ROTATIONS } from '../../domain/vocab';
import { Csrf, Label, mbase, type PageCtx } from '../layout';

/** The settings form of merchant `m`, its rules offered as the default. */
export function Settings({ ctx, m, ruleRows }: { ctx: PageCtx; m: Merchant; ruleRows: Rule[] }) {
  const { t } = ctx;
  return (
    <form class="card" method="post" action={`${mbase(m.id)}/settings`}>
      <Csrf ctx={ctx} />
      <div class="stack">
        <div>
          <Label for="st-rotation" text={t.rotationLabel} hint={t.rotationHint} />
          <select id="st-rotation" name="rotation">
            {ROTATIONS.map((r) => (
              <option value={r} selected={m.rotation === r}>
                {t.rotation[r]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <Label for="st-offset" text={t.maxOffset} hint={t.maxOffsetHint} />
          <input id="st-offset" name="max_offset" value={formatFen(m.maxOffsetFen)} maxlength={6} />
        </div>
        <div>
          <Label for="st-dir" text={t.offsetDirectionLabel} hint={t.offsetDirectionHint} />
          <select id="st-dir" name="offset_direction">
            {DIRECTIONS.map((d) => (
              <option value={d} selected={m.offsetDirection === d}>
                {t.offsetDirection[d]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <Label for="st-rule" text={t.defaultRuleLabel} hint={t.defaultRuleHint} />
          <select id="st-rule" name="default_rule_id">
            <option value="">{t.none}</option>
            {ruleRows.map((r) => (
              <option value={String(r.id)} selected={m.defaultRuleId === r.id} translate="no">
                {r.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <Label for="st-tz" text={t.timeZone} hint={t.timeZoneHint} />
          <input id="st-tz" name="timezone" value={m.timezone} maxlength={64} translate="no" />
        </div>
      </div>
      <button type="submit">{t.save}</button>
    </form>
  );
}
