/** The sandbox test payment form: one of the merchant's enabled sandbox apps, an amount, a pay type. */
import type { App } from '../../db/schema';
import { PAY_TYPES } from '../../domain/vocab';
import { Csrf, mbase, type PageCtx } from '../layout';

/** The form, or a pointer to the apps page while the merchant has no enabled sandbox app. */
export function SandboxTest({ ctx, merchantId, apps }: { ctx: PageCtx; merchantId: number; apps: App[] }) {
  const { t } = ctx;
  if (apps.length === 0)
    return (
      <p>
        {t.needsSandboxApp} <a href={`${mbase(merchantId)}/apps`}>{t.createApp}</a>
      </p>
    );
  return (
    <form class="card" method="post" action={`${mbase(merchantId)}/sandbox`}>
      <Csrf ctx={ctx} />
      <p class="muted">{t.sandboxIntro}</p>
      <div class="row">
        <div>
          <label for="t-app">{t.sandboxApp}</label>
          <select id="t-app" name="appkey">
            {apps.map((a) => (
              <option value={a.appkey} translate="no">
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="t-price">{t.amountYuan}</label>
          <input id="t-price" name="price" value="1.00" inputmode="decimal" required maxlength={12} />
        </div>
        <div>
          <label for="t-type">{t.payType}</label>
          <select id="t-type" name="type">
            {PAY_TYPES.map((pt) => (
              <option value={pt}>{t.payTypes[pt]}</option>
            ))}
          </select>
        </div>
      </div>
      <button type="submit">{t.createAndOpenCashier}</button>
    </form>
  );
}
