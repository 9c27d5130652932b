/** The Alipay simulator's payer page: the trade, and "pay" / "cancel" (sandbox only, no real money). */
import { raw } from 'hono/html';
import { formatFen } from '../../domain/money';

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
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#eef2f7;color:#111827}
header{background:#1677ff;color:#fff;padding:12px 16px;font-weight:600}header small{font-weight:400;opacity:.9;margin-left:8px}
main{max-width:420px;margin:0 auto;padding:16px}.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.amount{font-size:40px;font-weight:700;text-align:center;margin:8px 0}.subject{text-align:center;color:#374151;margin:0}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;font-size:14px;color:#374151;margin:16px 0}dd{margin:0;word-break:break-all}
button,.button{display:block;width:100%;margin-top:12px;padding:12px;border:0;border-radius:8px;font-size:16px;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.pay{background:#1677ff;color:#fff}.cancel{background:#e5e7eb;color:#111827}
.state{text-align:center;font-size:20px;font-weight:700;margin:12px 0}.ok{color:#047857}.bad{color:#b91c1c}
label{display:flex;gap:8px;align-items:flex-start;font-size:13px;color:#4b5563;margin-top:12px}.note{font-size:13px;color:#92400e;margin-top:16px}
`;

export function renderPayerPage(m: PayerPageModel): string {
  const paid = m.status === 'TRADE_SUCCESS' || m.status === 'TRADE_FINISHED';
  const page = (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>支付宝（沙箱模拟）</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          支付宝<small>huipay 沙箱模拟器 · Alipay simulator</small>
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
              <dt>APPID</dt>
              <dd>{m.account}</dd>
              <dt>状态</dt>
              <dd id="trade-status">{m.status}</dd>
            </dl>
            {m.message && (
              <p class={`state ${paid ? 'ok' : 'bad'}`} id="message" role="status">
                {m.message}
              </p>
            )}
            {m.payable && (
              <form method="post" action={`/sandbox/alipay/pay/${m.token}`}>
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
              <a class="button cancel" id="back" href={m.backUrl}>
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
