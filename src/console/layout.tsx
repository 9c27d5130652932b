/**
 * The console's page shell: language (Chinese by default, English by `Accept-Language` or the
 * switch), navigation for merchants and operators, flash messages, and small parts (forms, badges,
 * lists that become cards on a phone). Pages carry no external assets; the only script is nonce'd,
 * and every form carries the CSRF token. Every label comes from the dictionary in i18n.ts.
 */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Merchant, User } from '../db/schema';
import { localDateTime } from '../domain/clock';
import type { Lang } from '../views/cashier';
import type { Labels } from './i18n';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
  /** The service's own message (English, naming the field), after the console's label. */
  detail?: string;
}

export interface PageCtx {
  lang: Lang;
  /** The labels of `lang`. */
  t: Labels;
  nonce: string;
  /** The session's CSRF token, or the pre-session one on sign-in pages. */
  csrf: string;
  user: User | null;
  merchant: Merchant | null;
  /** The request path (for the language switch and the current nav item). */
  path: string;
  flash: Flash | null;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei","Noto Sans SC",system-ui,sans-serif;background:#f5f6f8;color:#111827}
a{color:#1d4ed8}header{background:#111827;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;font-size:17px}header .who{margin-left:auto;display:flex;flex-wrap:wrap;gap:8px 12px;align-items:center;font-size:14px}
header form{margin:0}header button{background:none;border:1px solid #6b7280;color:#fff;border-radius:6px;padding:3px 10px;cursor:pointer;font-size:14px;margin:0}
nav.top{background:#fff;border-bottom:1px solid #e5e7eb;overflow-x:auto;white-space:nowrap;padding:0 8px}
nav.top a{display:inline-block;padding:10px 10px;color:#374151;text-decoration:none;border-bottom:2px solid transparent}
nav.top a[aria-current=page]{color:#1d4ed8;border-bottom-color:#1d4ed8;font-weight:600}
main{max-width:1180px;margin:0 auto;padding:16px}h1{font-size:22px;margin:4px 0 16px}h2{font-size:17px;margin:20px 0 10px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:16px;margin-bottom:16px}.card>h2:first-child{margin-top:0}
.grid{display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));margin-bottom:16px}.grid>.card{margin-bottom:0}
.stat .label{color:#4b5563;font-size:13px}.stat .value{font-size:24px;font-weight:700}.stat .sub{color:#4b5563;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f9fafb;color:#374151;font-weight:600;white-space:nowrap}.scroll{overflow-x:auto;border:1px solid #e5e7eb;border-radius:10px}
td.nowrap{white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}.mono{font-family:ui-monospace,Menlo,monospace;font-size:13px;word-break:break-all}
.mono.field{font-size:12px;font-weight:400;color:#6b7280}
form.inline{display:inline}form.row-form{display:flex;gap:8px;align-items:center}form.row-form select{flex:1;min-width:0}form.row-form button{margin:0}label{display:block;font-size:13px;color:#374151;margin:8px 0 4px;font-weight:600}
.hint{display:block;color:#4b5563;font-size:12px;font-weight:400;margin-top:2px}
input,select,textarea{font:inherit;padding:8px 10px;border:1px solid #9ca3af;border-radius:6px;width:100%;max-width:100%;background:#fff;color:#111827}
input[type=checkbox],input[type=radio]{width:auto;margin-right:6px}.check{font-weight:400;display:inline-flex;align-items:center;margin-right:14px}
fieldset{border:1px solid #e5e7eb;border-radius:8px;margin:12px 0;padding:8px 12px}legend{font-size:13px;font-weight:600;color:#374151;padding:0 4px}
textarea{min-height:80px}.stack>div{max-width:560px;margin-bottom:8px}.row{display:grid;gap:0 12px;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));align-items:end}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:8px 14px;border-radius:6px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;text-decoration:none;margin-top:10px;white-space:nowrap}
button.secondary,.button.secondary{background:#fff;color:#1d4ed8}button.danger{background:#b91c1c;border-color:#b91c1c}
button:disabled{background:#e5e7eb;border-color:#d1d5db;color:#4b5563;cursor:not-allowed}
.flash{padding:10px 14px;border-radius:8px;margin-bottom:16px}.flash.ok{background:#dcfce7;color:#14532d}.flash.error{background:#fee2e2;color:#7f1d1d}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;background:#e5e7eb;color:#1f2937;white-space:nowrap;vertical-align:1px}
.badge.paid,.badge.online,.badge.delivered,.badge.live{background:#dcfce7;color:#14532d}.badge.pending,.badge.new,.badge.test,.badge.sandbox{background:#fef3c7;color:#78350f}
.badge.expired,.badge.closed,.badge.offline,.badge.disabled{background:#e5e7eb;color:#1f2937}.badge.failed,.badge.refunded{background:#fee2e2;color:#7f1d1d}
.muted{color:#4b5563;font-size:13px}.secret{background:#fffbeb;border:1px solid #f59e0b;border-radius:8px;padding:12px;margin:12px 0}
.qr{width:260px;max-width:100%;background:#fff}.qr svg{width:100%;height:auto;display:block}
.filters{display:grid;gap:0 10px;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));align-items:end}.filters .wide{grid-column:span 2}
.filters .actions{grid-column:span 2;display:flex;gap:8px;flex-wrap:wrap;align-items:end}.filters .actions .button,.filters .actions button{margin-top:0}
.pager{display:flex;gap:12px;margin-top:12px}.chart svg{width:100%;max-width:860px;height:auto;display:block;margin:0 auto}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;justify-content:center;font-size:13px;color:#374151;margin:8px 0 0;padding:0;list-style:none}
.legend .swatch{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:6px;vertical-align:0}.swatch.bar{background:#3b82f6}.swatch.line{background:#f59e0b;height:3px;vertical-align:3px}
.switch{display:inline-flex;border:1px solid #1d4ed8;border-radius:8px;overflow:hidden;margin-bottom:8px;background:#fff}.switch a{padding:6px 16px;text-decoration:none;color:#1d4ed8;font-weight:600}
.switch a[aria-current=page]{background:#1d4ed8;color:#fff}
.auth{max-width:400px;margin:40px auto}pre{white-space:pre-wrap;word-break:break-all;background:#f3f4f6;padding:10px;border-radius:6px;font-size:12px;margin:4px 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:8px 0}dl.facts dt{font-weight:600;color:#374151}dl.facts dd{margin:0;min-width:0}
.timeline{list-style:none;padding:0;margin:0}.timeline li{border-left:3px solid #d1d5db;padding:4px 0 10px 12px}.timeline li.ok{border-color:#16a34a}.timeline li.bad{border-color:#dc2626}.timeline li.due{border-left-style:dashed}
.timeline time{font-variant-numeric:tabular-nums;color:#4b5563;white-space:nowrap;margin-right:10px}
.timeline button{margin:2px 0 0;padding:2px 10px;font-size:13px}
@media (max-width:640px){main{padding:10px}th,td{padding:6px}h1{font-size:19px}.hide-sm{display:none}
.grid{grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}.stat .value{font-size:20px}.card{padding:12px}
.timeline time{display:block;font-size:13px}
.scroll{overflow-x:visible;border:0;background:none}
table.list,table.list tbody,table.list tr,table.list td{display:block;width:100%}table.list thead{display:none}
table.list tr{background:#fff;border:1px solid #e5e7eb;border-radius:10px;margin-bottom:10px;padding:6px 12px}
table.list td{border:0;padding:3px 0;display:flex;gap:12px;justify-content:space-between;align-items:baseline;text-align:right}
table.list td::before{content:attr(data-label);flex:none;color:#4b5563;font-size:13px;text-align:left}
table.list td.block{display:block;text-align:left}table.list td.block::before{display:block;margin-bottom:2px}
table.list td.empty::before{content:none}table.list td.empty{text-align:left}
dl.facts{grid-template-columns:minmax(72px,auto) 1fr;gap:6px 10px}}
`;

/** The hidden CSRF field every form carries. */
export const Csrf = ({ ctx }: { ctx: PageCtx }) => <input type="hidden" name="_csrf" value={ctx.csrf} />;

/** A POST button in its own small form (actions: resend, close, delete, …). */
export function PostButton(props: {
  ctx: PageCtx;
  action: string;
  label: string;
  kind?: 'secondary' | 'danger';
  fields?: Record<string, string>;
  disabled?: boolean;
}) {
  return (
    <form class="inline" method="post" action={props.action}>
      <Csrf ctx={props.ctx} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={props.kind ?? ''} disabled={props.disabled}>
        {props.label}
      </button>
    </form>
  );
}

/** A status pill: `kind` picks the colour, `label` is what it says (from the dictionary). */

/** Text the user typed or an identifier: shown as is, never translated (names, labels, notes). */
export const Data = ({ children }: { children?: Child }) => <span translate="no">{children}</span>;

/** One column of a List: its header (also the label of the cell on a phone) and its cell. */
export type Column<T> = {
  label: string;
  /** Right-aligned figures. */
  num?: boolean;
  /** On a phone, the label above the cell (forms, long text) rather than beside it. */
  block?: boolean;
  /** Never wrapped (times, amounts). */
  nowrap?: boolean;
} & (
  | { cell: (row: T) => Child; html?: never }
  /** The cell as HTML, every value escaped with `esc`: for the long lists, whose rows then render as strings. */
  | { html: (row: T) => string; cell?: never }
);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text made safe inside HTML text or a quoted attribute. */
export const esc = (v: string | number) => String(v).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);

/** A status badge (order, delivery, session state) as HTML, for `html` cells; `Badge` in JSX. */
export const badge = (kind: string, label: string) => `<span class="badge ${esc(kind)}">${esc(label)}</span>`;
export const Badge = ({ kind, label }: { kind: string; label: string }) => raw(badge(kind, label));

/**
 * Rows of columns that are all `html` as one string: a page of 50 orders renders several times
 * faster than as JSX elements (npm run bench, console line).
 */
function htmlRows<T>(cols: Column<T>[], rows: T[], cls: (c: Column<T>) => string | undefined): string | null {
  if (!cols.every((c) => c.html)) return null;
  const open = cols.map((c) => {
    const k = cls(c);
    return `<td data-label="${esc(c.label)}"${k ? ` class="${k}"` : ''}><span>`;
  });
  let out = '';
  for (const r of rows) {
    out += '<tr>';
    cols.forEach((c, i) => {
      out += `${open[i]}${(c.html as (row: T) => string)(r)}</span></td>`;
    });
    out += '</tr>';
  }
  return out;
}

/** A table on a desktop; on a phone every row becomes a card of label: value lines. */
export function List<T>({ cols, rows, empty }: { cols: Column<T>[]; rows: T[]; empty: string }) {
  const cls = (c: Column<T>) =>
    [c.num && 'num', c.block && 'block', c.nowrap && 'nowrap'].filter(Boolean).join(' ') || undefined;
  const fast = htmlRows(cols, rows, cls);
  return (
    <div class="scroll" tabindex={0}>
      <table class="list">
        <thead>
          <tr>
            {cols.map((c) => (
              <th class={c.num ? 'num' : undefined}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {fast === null
            ? rows.map((r) => (
                <tr>
                  {cols.map((c) => (
                    <td data-label={c.label} class={cls(c)}>
                      <span>{c.cell?.(r)}</span>
                    </td>
                  ))}
                </tr>
              ))
            : raw(fast)}
          {rows.length === 0 && (
            <tr>
              <td colspan={cols.length} class="empty">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A field's label with a short explanation under it. */
export const Label = ({ for: id, text, hint }: { for: string; text: string; hint?: Child }) => (
  <label for={id}>
    {text}
    {hint && <span class="hint">{hint}</span>}
  </label>
);

/** A field's own name (as the API and the provider's documents spell it), after its label. */
export const FieldName = ({ name }: { name: string }) => <span class="mono field">{name}</span>;

/** The base path of a merchant's pages. */
export const mbase = (merchantId: number) => `/console/m/${merchantId}`;

function langHref(path: string, lang: string) {
  return `/console/lang?to=${encodeURIComponent(path)}&lang=${lang}`;
}

/** A page's title: a label, and optionally a name the user gave (shown as is, never translated). */
export type Title = string | { label: string; name: string };

/** A full page: header, navigation, flash, body. */
export function page(ctx: PageCtx, title: Title, body: Child, opts: { bare?: boolean; script?: string } = {}): string {
  const { t, user, merchant } = ctx;
  const base = merchant ? mbase(merchant.id) : null;
  const current = (href: string) =>
    ctx.path === href || (href !== base && ctx.path.startsWith(`${href}/`)) ? 'page' : undefined;
  const other = ctx.lang === 'zh' ? 'en' : 'zh';
  const doc = (
    <html lang={ctx.lang === 'zh' ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${typeof title === 'string' ? title : `${title.label} ${title.name}`} · huipay`}</title>
        <style nonce={ctx.nonce}>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          <a class="brand" href="/console">
            {t.consoleBrand}
          </a>
          {merchant && <Data>{merchant.name}</Data>}
          <span class="who">
            <a href={langHref(ctx.path, other)} lang={other === 'en' ? 'en' : 'zh-CN'}>
              {t.otherLanguage}
            </a>
            {user && !opts.bare && (
              <>
                <a href="/console/account" translate="no">
                  {user.email}
                </a>
                <form method="post" action="/console/signout">
                  <Csrf ctx={ctx} />
                  <button type="submit">{t.signOut}</button>
                </form>
              </>
            )}
          </span>
        </header>
        {!opts.bare && user && (
          <nav class="top" aria-label={t.navigation}>
            {user.role === 'operator' && (
              <a href="/console/operator" aria-current={ctx.path === '/console/operator' ? 'page' : undefined}>
                {t.navMerchants}
              </a>
            )}
            {base &&
              (Object.entries(t.nav) as [string, string][]).map(([suffix, label]) => (
                <a href={`${base}${suffix}`} aria-current={current(`${base}${suffix}`)}>
                  {label}
                </a>
              ))}
          </nav>
        )}
        <main>
          {ctx.flash && (
            <div class={`flash ${ctx.flash.kind}`} role={ctx.flash.kind === 'error' ? 'alert' : 'status'}>
              {ctx.flash.text}
              {ctx.flash.detail && (
                <>
                  {' '}
                  <span translate="no">{ctx.flash.detail}</span>
                </>
              )}
            </div>
          )}
          <h1>
            {typeof title === 'string' ? (
              title
            ) : (
              <>
                {title.label} <Data>{title.name}</Data>
              </>
            )}
          </h1>
          {body}
        </main>
        {opts.script && <script nonce={ctx.nonce}>{raw(opts.script)}</script>}
      </body>
    </html>
  );
  return `<!DOCTYPE html>${doc}`;
}

/** Unix ms → `YYYY-MM-DD HH:MM:SS` in a time zone, or a dash. */
export const when = (ms: number | null, timeZone: string): string => (ms === null ? '—' : localDateTime(ms, timeZone));
