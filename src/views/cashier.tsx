/**
 * The cashier page (SPEC §5): what the payer sees at `/pay/<token>`. Server-rendered, no
 * external assets; a small inline script follows `/pay/<token>/status` and counts down.
 * Chinese by default, English when the browser prefers it.
 */
import { raw } from 'hono/html';
import { formatFen } from '../domain/money';
import { sessionQrSvg } from './qr';

export type Lang = 'zh' | 'en';

const TEXT = {
  zh: {
    title: '收银台',
    payTo: '付款给',
    amount: '应付金额',
    exact: '请务必支付以上精确金额，否则无法自动到账。',
    adjusted: (price: string) => `订单金额 ¥${price}，为区分同时支付的订单，请支付上方金额。`,
    scan: (type: string) => `请使用${type}扫一扫`,
    expiresIn: '剩余时间',
    waiting: '等待付款…',
    paid: '支付成功',
    paidNote: '付款已到账，正在返回商户…',
    received: '已收到付款',
    continue: '返回商户',
    expired: '订单已过期',
    expiredNote: '请回到商户重新下单。如已付款，请联系商户补单。',
    closed: '订单已关闭',
    closedNote: '商户已关闭此订单，请勿付款。',
    simulate: '模拟支付（沙箱）',
    sandbox: '沙箱订单：不会产生真实扣款',
    order: '订单号',
    qrAlt: '付款二维码',
    types: { alipay: '支付宝', wechat: '微信', qqpay: 'QQ钱包', unionpay: '云闪付' } as Record<string, string>,
    official: (type: string) => `由${type}官方收款，付款后自动到账。`,
    pagePay: (type: string) => `在电脑上使用${type}网页支付`,
    continuePay: (type: string) => `继续前往${type}付款`,
    inApp: (type: string) => `请在商户App中使用${type}完成付款`,
    openSimulator: '打开支付模拟器（沙箱）',
    unavailable: (type: string) => `${type}暂时无法连接，请稍后刷新页面重试。`,
    jsapiPay: '微信支付',
    jsapiHint: '请在微信中打开此页面完成支付。',
  },
  en: {
    title: 'Checkout',
    payTo: 'Pay to',
    amount: 'Amount to pay',
    exact: 'Pay exactly this amount, or the payment cannot be matched automatically.',
    adjusted: (price: string) =>
      `The order is ¥${price}; to tell simultaneous payments apart, please pay the amount above.`,
    scan: (type: string) => `Scan with ${type}`,
    expiresIn: 'Time left',
    waiting: 'Waiting for payment…',
    paid: 'Payment successful',
    paidNote: 'Payment received, returning to the merchant…',
    received: 'Payment received',
    continue: 'Back to the merchant',
    expired: 'Order expired',
    expiredNote: 'Please place the order again. If you already paid, contact the merchant.',
    closed: 'Order closed',
    closedNote: 'The merchant closed this order. Do not pay.',
    simulate: 'Simulate payment (sandbox)',
    sandbox: 'Sandbox order: no real money moves',
    order: 'Order no.',
    qrAlt: 'Payment QR code',
    types: { alipay: 'Alipay', wechat: 'WeChat', qqpay: 'QQ Wallet', unionpay: 'UnionPay' } as Record<string, string>,
    official: (type: string) => `Collected by ${type} itself; the payment shows up automatically.`,
    pagePay: (type: string) => `Pay on the ${type} website on this computer`,
    continuePay: (type: string) => `Continue to ${type}`,
    inApp: (type: string) => `Complete the payment with ${type} in the merchant's app`,
    openSimulator: 'Open the payment simulator (sandbox)',
    unavailable: (type: string) => `${type} cannot be reached right now; reload the page to try again.`,
    jsapiPay: 'Pay with WeChat',
    jsapiHint: 'Open this page in WeChat to pay.',
  },
};

/** A pay type's name for the payer (支付宝, WeChat, …). */
export const payTypeName = (type: string, lang: Lang) => TEXT[lang].types[type] ?? type;

/** English when the browser ranks English above Chinese, else Chinese. */
export function pickLang(acceptLanguage: string | undefined): Lang {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, q] = part.trim().toLowerCase().split(';q=');
      return { tag, q: q === undefined ? 1 : Number(q) || 0 };
    })
    .filter((x) => x.tag)
    .sort((a, b) => b.q - a.q);
  const first = ranked.find((x) => x.tag.startsWith('en') || x.tag.startsWith('zh'));
  return first?.tag.startsWith('en') ? 'en' : 'zh';
}

/** What the page shows for an order through an official channel. */
export interface ChannelModel {
  /** The provider's QR text (method qr, or auto on a PC). */
  qr: string | null;
  /** The QR was wanted but the provider could not give one now. */
  unavailable: boolean;
  /** Links: the provider's PC page, back to the provider's page (payer returned unpaid), the sandbox simulator. */
  pageUrl: string | null;
  continueUrl: string | null;
  simulatorUrl: string | null;
  /** Paid in the merchant's own app (method app). */
  inApp: boolean;
  /** Inside WeChat: the signed JSAPI parameters (JSON) for WeixinJSBridge's getBrandWCPayRequest. */
  jsapi: string | null;
}

export interface CashierModel {
  token: string;
  merchantName: string;
  outOrderId: string;
  type: string;
  priceFen: number;
  realpriceFen: number;
  qrPayload: string;
  expiresMs: number;
  /** As the status endpoint reports it (pending past expiry shows as expired). */
  status: string;
  sandbox: boolean;
  returnUrl: string | null;
  timeoutUrl: string | null;
  acknowledged: boolean;
  nonce: string;
  /** Set for orders through an official channel. */
  channel?: ChannelModel | null;
}

/** The cashier's look, shared by the other pages a payer meets (epay's type picker). */
export const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#f3f4f6;color:#111827}
main{max-width:420px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:16px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:24px;text-align:center}
h1{font-size:18px;margin:0 0 4px}.merchant{color:#374151;margin:0 0 16px}
.amount-label{color:#374151;margin:0}.amount{font-size:44px;font-weight:700;letter-spacing:-1px;margin:4px 0;color:#b91c1c}
.note{font-size:14px;color:#374151;background:#fef3c7;border-radius:8px;padding:8px 12px;margin:8px 0}
.qr{width:240px;height:240px;margin:16px auto 8px;display:block}.qr svg{width:100%;height:100%}
.scan{font-weight:600;margin:0;color:var(--brand)}
.brand{background:var(--brand);color:#fff;border-radius:10px 10px 0 0;margin:-24px -24px 16px;padding:10px 16px;font-weight:700;text-align:left}
.alipay{--brand:#0e5fd8}.wechat{--brand:#07803f}.qqpay{--brand:#0a6fb0}.unionpay{--brand:#c8102e}
.brand-pay{background:var(--brand);color:#fff}
.meta{display:grid;gap:4px;font-size:14px;color:#374151;margin:16px 0 0;border-top:1px solid #e5e7eb;padding-top:12px}
.meta div{display:flex;justify-content:space-between;gap:12px;min-width:0}.meta dt{flex:none;white-space:nowrap}
.meta dd{margin:0;min-width:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.order-no{user-select:all}
.countdown{font-variant-numeric:tabular-nums;font-weight:600}
.state{font-size:20px;font-weight:700;margin:16px 0 4px}.state.ok{color:#047857}.state.bad{color:#b91c1c}
button,.button{display:inline-block;width:100%;margin-top:16px;padding:12px;border:0;border-radius:10px;font-size:16px;font-weight:600;cursor:pointer;text-decoration:none}
.primary{background:#1d4ed8;color:#fff}.secondary{background:#e5e7eb;color:#111827}
.sandbox{font-size:13px;color:#92400e;margin-top:12px}[hidden]{display:none!important}
@media (min-width:768px){main{padding-top:48px}}
`;

/** The inline script: countdown, status polling, the simulate button. */
function script(m: CashierModel, lang: Lang): string {
  const cfg = {
    token: m.token,
    expires: m.expiresMs,
    status: m.status,
    returnUrl: m.returnUrl,
    timeoutUrl: m.timeoutUrl,
    ack: m.acknowledged,
    jsapi: m.channel?.jsapi ? JSON.parse(m.channel.jsapi) : null,
    lang,
  };
  return `(() => {
const c = ${JSON.stringify(cfg).replace(/</g, '\\u003c')};
const $ = (id) => document.getElementById(id);
let paidSeen = null, done = false;
function show(state) {
  for (const s of ['pending', 'paid', 'received', 'expired', 'closed']) $('state-' + s).hidden = s !== state;
  $('pay').hidden = state !== 'pending';
}
function tick() {
  const left = Math.max(0, Math.floor((c.expires - Date.now()) / 1000));
  $('countdown').textContent = String(Math.floor(left / 60)).padStart(2, '0') + ':' + String(left % 60).padStart(2, '0');
  if (left === 0 && c.status === 'pending') apply({ status: 'expired', timeout_url: c.timeoutUrl });
}
function apply(s) {
  if (done) return;
  c.status = s.status;
  if (s.status === 'paid') {
    paidSeen = paidSeen || Date.now();
    if (s.acknowledged && s.return_url) { show('paid'); done = true; location.replace(s.return_url); return; }
    const waited = Date.now() - paidSeen >= 10000;
    show(waited ? 'received' : 'paid');
    if (waited) {
      done = true;
      if (s.return_url) { $('continue').href = s.return_url; $('continue').hidden = false; }
    }
  } else if (s.status === 'expired') {
    show('expired'); done = true;
    if (s.timeout_url) location.replace(s.timeout_url);
  } else if (s.status === 'closed') { show('closed'); done = true; }
}
async function poll() {
  if (done) return;
  try {
    const r = await fetch('/pay/' + c.token + '/status', { cache: 'no-store' });
    if (r.ok) apply(await r.json());
  } catch (e) {}
  if (!done) setTimeout(poll, c.status === 'paid' ? 1000 : 2000);
}
const sim = $('simulate');
if (sim) sim.addEventListener('click', async () => {
  sim.disabled = true;
  try { await fetch('/pay/' + c.token + '/simulate', { method: 'POST' }); } finally { sim.disabled = false; }
  poll();
});
const wx = $('jsapi-pay');
function wxPay() {
  if (typeof WeixinJSBridge === 'undefined') { $('jsapi-hint').hidden = false; return; }
  WeixinJSBridge.invoke('getBrandWCPayRequest', c.jsapi, () => poll());
}
if (wx && c.jsapi) {
  wx.addEventListener('click', wxPay);
  if (typeof WeixinJSBridge !== 'undefined') wxPay();
  else document.addEventListener('WeixinJSBridgeReady', wxPay, false);
}
tick(); setInterval(tick, 1000);
apply({ status: c.status, acknowledged: c.ack, return_url: c.returnUrl, timeout_url: c.timeoutUrl });
poll();
})();`;
}

/** The head of every page a payer meets: UTF-8, a phone's viewport, not indexed, inline CSS only. */
export const PageHead = ({ title, css }: { title: string; css: string }) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>{title}</title>
    <style>{raw(css)}</style>
  </head>
);

export function renderCashier(m: CashierModel, lang: Lang): string {
  const t = TEXT[lang];
  const realprice = formatFen(m.realpriceFen);
  const typeName = t.types[m.type] ?? m.type;
  const ch = m.channel ?? null;
  const qrText = ch ? ch.qr : m.qrPayload;
  const qr = qrText ? sessionQrSvg(qrText) : null;
  const page = (
    <html lang={lang === 'zh' ? 'zh-CN' : 'en'}>
      <PageHead title={`${t.title} · ${m.merchantName}`} css={CSS} />
      <body>
        <main>
          <section class={`card ${m.type}`} aria-labelledby="title">
            <p class="brand" id="brand">
              {typeName}
            </p>
            <h1 id="title">{t.title}</h1>
            <p class="merchant">
              {t.payTo} <strong>{m.merchantName}</strong>
            </p>
            <p class="amount-label" id="amount-label">
              {t.amount}
            </p>
            <p class="amount" id="amount">
              ¥{realprice}
            </p>
            <div id="pay">
              <p class="note">
                {ch ? t.official(typeName) : t.exact}
                {!ch && m.realpriceFen !== m.priceFen ? ` ${t.adjusted(formatFen(m.priceFen))}` : ''}
              </p>
              {qr && (
                <div class="qr" id="qr" role="img" aria-label={t.qrAlt}>
                  {raw(qr)}
                </div>
              )}
              {qr && <p class="scan">{t.scan(typeName)}</p>}
              {ch?.unavailable && (
                <p class="state bad" id="unavailable">
                  {t.unavailable(typeName)}
                </p>
              )}
              {ch?.jsapi && (
                <button type="button" class="brand-pay" id="jsapi-pay">
                  {t.jsapiPay}
                </button>
              )}
              {ch?.jsapi && (
                <p class="note" id="jsapi-hint" hidden>
                  {t.jsapiHint}
                </p>
              )}
              {ch?.inApp && (
                <p class="scan" id="in-app">
                  {t.inApp(typeName)}
                </p>
              )}
              {ch?.continueUrl && (
                <a class="button primary" id="continue-pay" href={ch.continueUrl}>
                  {t.continuePay(typeName)}
                </a>
              )}
              {ch?.pageUrl && (
                <a class="button secondary" id="page-pay" href={ch.pageUrl}>
                  {t.pagePay(typeName)}
                </a>
              )}
              {ch?.simulatorUrl && (
                <a class="button secondary" id="open-simulator" href={ch.simulatorUrl}>
                  {t.openSimulator}
                </a>
              )}
              {/* One line each: a long order number is cut with an ellipsis but stays whole to copy (and in its title). */}
              <dl class="meta">
                <div>
                  <dt>{t.expiresIn}</dt>
                  <dd class="countdown" id="countdown" aria-live="off">
                    --:--
                  </dd>
                </div>
                <div>
                  <dt>{t.order}</dt>
                  <dd class="order-no" id="order-no" title={m.outOrderId}>
                    {m.outOrderId}
                  </dd>
                </div>
              </dl>
              <p class="state" id="state-pending" role="status">
                {t.waiting}
              </p>
              {m.sandbox && !ch && (
                <button type="button" class="secondary" id="simulate">
                  {t.simulate}
                </button>
              )}
              {m.sandbox && <p class="sandbox">{t.sandbox}</p>}
            </div>
            <div aria-live="polite">
              <div id="state-paid" hidden>
                <p class="state ok">{t.paid}</p>
                <p>{t.paidNote}</p>
              </div>
              <div id="state-received" hidden>
                <p class="state ok">{t.received}</p>
              </div>
              <div id="state-expired" hidden>
                <p class="state bad">{t.expired}</p>
                <p>{t.expiredNote}</p>
              </div>
              <div id="state-closed" hidden>
                <p class="state bad">{t.closed}</p>
                <p>{t.closedNote}</p>
              </div>
              {/* biome-ignore lint/a11y/useValidAnchor: the page script sets the return URL before showing it */}
              <a class="button primary" id="continue" href="#" hidden>
                {t.continue}
              </a>
            </div>
          </section>
        </main>
        <script nonce={m.nonce}>{raw(script(m, lang))}</script>
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}
