/**
 * The pages epay's browser flow shows besides the cashier, in the cashier's look with no external
 * assets: the pay-type picker (a submit without `type`; v2board's link has none) and the page that
 * names what is wrong with a submit.
 */
import { EPAY_TYPES, type EpayType } from '../../domain/epay';
import { CSS, type Lang, PageHead, payTypeName } from '../../views/cashier';

const TEXT = {
  zh: {
    pick: '选择支付方式',
    payTo: '付款给',
    item: '商品',
    amount: '金额',
    error: '支付请求有误',
    back: '请返回商户页面重新发起支付，或联系商户。',
    badSign: '这笔支付请求的签名无效，无法付款。',
    contact: '请联系商户处理，并告知以下请求编号。',
    requestId: '请求编号',
  },
  en: {
    pick: 'Choose how to pay',
    payTo: 'Pay to',
    item: 'Item',
    amount: 'Amount',
    error: 'This payment request has a problem',
    back: 'Go back to the shop and start the payment again, or contact the merchant.',
    badSign: "This payment request's signature is invalid, so it cannot be paid.",
    contact: 'Please contact the merchant and quote the request ID below.',
    requestId: 'Request ID',
  },
};

const PAGE_CSS = `${CSS}
.types{display:grid;gap:12px;margin-top:16px}.types button{margin:0}
.alipay-btn{background:#1d4ed8;color:#fff}.wxpay-btn{background:#047857;color:#fff}.other-btn{background:#374151;color:#fff}
.problem{background:#fee2e2;border-radius:8px;padding:12px;color:#7f1d1d;word-break:break-all}
.request-id{font-size:14px;color:#374151}.request-id code{user-select:all;overflow-wrap:anywhere}`;

function shell(title: string, lang: Lang, body: unknown): string {
  const page = (
    <html lang={lang === 'zh' ? 'zh-CN' : 'en'}>
      <PageHead title={title} css={PAGE_CSS} />
      <body>
        <main>{body}</main>
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}

export interface PickerModel {
  /** Where the form goes back to: the same submit path. */
  action: string;
  /** The request's parameters, re-sent as they came, with the chosen `type` added. */
  params: Record<string, string>;
  types: EpayType[];
  merchantName: string;
  name: string;
  money: string;
}

/** The type picker: one button per pay type, each re-submitting the signed request with its `type`. */
export function renderPicker(m: PickerModel, lang: Lang): string {
  const t = TEXT[lang];
  return shell(
    `${t.pick} · ${m.merchantName}`,
    lang,
    <section class="card" aria-labelledby="title">
      <h1 id="title">{t.pick}</h1>
      <p class="merchant">
        {t.payTo} <strong>{m.merchantName}</strong>
      </p>
      <p class="amount-label">
        {t.item}: {m.name}
      </p>
      <p class="amount" id="amount">
        ¥{m.money}
      </p>
      <form method="post" action={m.action} accept-charset="utf-8" class="types">
        {Object.entries(m.params)
          .filter(([k]) => k !== 'type')
          .map(([k, v]) => (
            <input type="hidden" name={k} value={v} />
          ))}
        {m.types.map((type) => (
          <button
            type="submit"
            name="type"
            value={type}
            class={type === 'alipay' ? 'alipay-btn' : type === 'wxpay' ? 'wxpay-btn' : 'other-btn'}
          >
            {payTypeName(EPAY_TYPES[type], lang)}
          </button>
        ))}
      </form>
    </section>,
  );
}

/** The page that names what is wrong with a submit. */
export function renderProblem(message: string, lang: Lang): string {
  const t = TEXT[lang];
  return problemPage(t.error, lang, message, <p>{t.back}</p>);
}

/**
 * A submit with a wrong sign: the payer only learns that, and whom to ask; how the sign is made
 * goes to the merchant (mapi's answer) and the log, under `requestId`.
 */
export function renderBadSign(requestId: string, lang: Lang): string {
  const t = TEXT[lang];
  return problemPage(
    t.error,
    lang,
    t.badSign,
    <>
      <p>{t.contact}</p>
      <p class="request-id">
        {t.requestId} <code id="request-id">{requestId}</code>
      </p>
    </>,
  );
}

function problemPage(title: string, lang: Lang, message: string, after: unknown): string {
  return shell(
    title,
    lang,
    <section class="card" aria-labelledby="title">
      <h1 id="title">{title}</h1>
      <p class="problem" role="alert">
        {message}
      </p>
      {after}
    </section>,
  );
}

/** The headers of these pages: no scripts at all; forms may only go back to the gateway. */
export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};
