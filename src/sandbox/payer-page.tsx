/**
 * The simulators' payer page: the trade, and "pay" / "cancel" (sandbox only, no real money), in
 * the provider's name and colour. Every method of a simulator (a scanned QR, a wap/page redirect,
 * a UnionPay form, an App's pay_info, a JSAPI call) leads here.
 */
import { PAY_TOKEN } from '../domain/stores';
import { raw } from 'hono/html';
import { formatFen } from '../domain/money';

/** Who the page plays. */
export interface PayerBrand {
  /** `支付宝`, `微信支付`, ... */
  name: string;
  nameEn: string;
  colour: string;
  /** Where the page's form posts: `/sandbox/<channel>/pay`. */
  base: string;
  /** The label of the merchant account row (`APPID`, `商户号`). */
  accountLabel: string;
}

export interface PayerPageModel {
  token: string;
  subject: string;
  amountFen: number;
  account: string;
  outTradeNo: string;
  status: string;
  /** What the payer can do now. */
  payable: boolean;
  message: string | null;
  /** Where "back to the merchant" leads once the trade is final (for browser flows). */
  backUrl: string | null;
  /** The huipay cashier page the payer opened this page from (`cashierBack`), carried through "pay". */
  back: string | null;
  /** True once the trade is paid (the message shows in green). */
  paid: boolean;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#eef2f7;color:#111827}
header{background:var(--brand);color:#fff;padding:12px 16px;font-weight:600}header small{font-weight:400;opacity:.9;margin-left:8px}
main{max-width:420px;margin:0 auto;padding:16px}.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.amount{font-size:40px;font-weight:700;text-align:center;margin:8px 0}.subject{text-align:center;color:#374151;margin:0}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;font-size:14px;color:#374151;margin:16px 0}dd{margin:0;word-break:break-all}
button,.button{display:block;width:100%;margin-top:12px;padding:12px;border:0;border-radius:8px;font-size:16px;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.pay{background:var(--brand);color:#fff}.cancel{background:#e5e7eb;color:#111827}
.state{text-align:center;font-size:20px;font-weight:700;margin:12px 0}.ok{color:#047857}.bad{color:#b91c1c}
.state.ok::before{content:"✓";display:block;width:56px;height:56px;margin:0 auto 8px;border-radius:50%;background:#047857;color:#fff;font-size:32px;line-height:56px}
label{display:flex;gap:8px;align-items:flex-start;font-size:13px;color:#4b5563;margin-top:12px}.note{font-size:13px;color:#92400e;margin-top:16px}
`;

export function renderPayerPage(m: PayerPageModel, b: PayerBrand): string {
  const page = (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${b.name}（沙箱模拟）`}</title>
        <style>{raw(`:root{--brand:${b.colour}}${CSS}`)}</style>
      </head>
      <body>
        <header>
          {b.name}
          <small>huipay 沙箱模拟器 · {b.nameEn} simulator</small>
        </header>
        <main>
          <section class="card" aria-labelledby="subject">
            <p class="subject" id="subject">
              {m.subject}
            </p>
            <p class="amount" id="amount">
              ¥{formatFen(m.amountFen)}
            </p>
            <dl>
              <dt>商户订单号</dt>
              <dd id="out-trade-no">{m.outTradeNo}</dd>
              <dt>{b.accountLabel}</dt>
              <dd>{m.account}</dd>
              <dt>状态</dt>
              <dd id="trade-status">{m.status}</dd>
            </dl>
            {m.message && (
              <p class={`state ${m.paid ? 'ok' : 'bad'}`} id="message" role="status">
                {m.message}
              </p>
            )}
            {m.payable && (
              <form method="post" action={`${b.base}/${m.token}`}>
                {m.back && <input type="hidden" name="back" value={m.back} />}
                <button type="submit" name="action" value="pay" class="pay" id="pay">
                  确认付款 Pay
                </button>
                <button type="submit" name="action" value="cancel" class="cancel" id="cancel">
                  取消 Cancel
                </button>
                <label>
                  <input type="checkbox" name="notify" value="skip" id="skip-notify" />
                  不发送异步通知（测试商户的主动查询）· do not send the async notify
                </label>
              </form>
            )}
            {m.backUrl && (
              <a class={`button ${m.paid ? 'pay' : 'cancel'}`} id="back" href={m.backUrl}>
                返回商户 Back to the merchant
              </a>
            )}
            <p class="note">沙箱：不会产生真实扣款 · Sandbox: no real money moves.</p>
          </section>
        </main>
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}

/**
 * The way back a payer brings when huipay's cashier opened the simulator (a PC has no phone to scan
 * with): that cashier page, which then follows the order to the shop. Only such a path, so the
 * simulator is no open redirect.
 */
export const cashierBack = (v: string | null | undefined): string | null =>
  v?.startsWith('/pay/') && v.endsWith('?return=1') && PAY_TOKEN.test(v.slice(5, -9)) ? v : null;

/** The payer page of a trade (`base` = `/sandbox/<channel>/pay`), keeping a valid `back`. */
export function payerPath(base: string, token: string, back: string | null | undefined): string {
  const to = cashierBack(back);
  return `${base}/${token}${to ? `?back=${encodeURIComponent(to)}` : ''}`;
}

/** A simulator's error page (a refused browser request, an unknown trade). */
export function simulatorErrorPage(b: Pick<PayerBrand, 'name'>, code: string, msg: string): string {
  const page = (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${b.name}（沙箱模拟）错误`}</title>
      </head>
      <body style="font:16px/1.5 system-ui,sans-serif;max-width:560px;margin:2rem auto;padding:0 1rem">
        <h1>支付失败</h1>
        <p id="error-code">{code}</p>
        <p>{msg}</p>
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}
