/**
 * `/`: the landing page, pointing at the console, the API reference and the demo. Chinese by
 * default, English when the browser prefers it (as the cashier).
 */
import { raw } from 'hono/html';
import type { Lang } from './cashier';

const TEXT = {
  zh: {
    title: 'huipay 聚合支付网关',
    sub: '运行在 Cloudflare Workers 上的聚合支付网关：收款到个人支付宝、微信钱包并按唯一金额自动到账，也可走支付宝、微信支付、云闪付、QQ 钱包官方通道。',
    console: '管理后台',
    consoleNote: '运营方与商户的网页控制台',
    docs: '接口文档',
    docsNote: '全部公开接口的参考与 OpenAPI 文档',
    demo: '试用演示',
    /** Around `npm start`. */
    demoRun: ['本地运行 ', ' 时，执行下面的命令创建沙箱订单，并打开它的收银台页面：'],
    demoNote: '在收银台点击“模拟支付（沙箱）”，订单会按真实到账的同一路径完成支付，然后返回演示商户。',
    reference: '接口',
    merchantApi: '商户接口（兼容 gatepay，见 /docs）：',
    monitor: '收款监控协议：',
    facades: '兼容层：彩虹易支付 submit.php、mapi.php、api.php；V免签 /vmq/{appkey}/',
    openapi: 'OpenAPI 文档',
    health: '健康检查：',
  },
  en: {
    title: 'huipay payment gateway',
    sub: 'An aggregated payment gateway on Cloudflare Workers: payments into personal Alipay and WeChat wallets, matched by a unique amount, and the official Alipay, WeChat Pay, UnionPay and QQ Wallet channels.',
    console: 'Console',
    consoleNote: 'the web console for the operator and merchants',
    docs: 'API reference',
    docsNote: 'every public interface, with the OpenAPI document',
    demo: 'Try the demo',
    demoRun: ['With ', ' running, create a sandbox order and open its cashier page:'],
    demoNote:
      'On the cashier page, “Simulate payment (sandbox)” pays the order through the same path a real payment takes; the page then returns you to the demo shop.',
    reference: 'Interfaces',
    merchantApi: 'Merchant API (gatepay-compatible, see /docs): ',
    monitor: 'Monitor protocol: ',
    facades: 'Facades: 彩虹易支付 submit.php, mapi.php, api.php; V免签 /vmq/{appkey}/',
    openapi: 'OpenAPI document',
    health: 'Health: ',
  },
};

const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.6 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#f3f4f6;color:#111827}
main{max-width:720px;margin:0 auto;padding:48px 16px}h1{font-size:28px;margin:0}.sub{color:#374151;margin:8px 0 24px}
.go{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px;margin-bottom:32px}
.go a{display:block;background:#fff;border-radius:12px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.08);text-decoration:none;color:#111827}
.go a strong{display:block;font-size:18px;color:#1d4ed8}.go a span{font-size:14px;color:#374151}
h2{font-size:18px;margin:24px 0 8px}code,pre{font:14px ui-monospace,SFMono-Regular,Menlo,monospace;background:#e5e7eb;border-radius:4px;padding:.1rem .3rem;overflow-wrap:anywhere}
pre{padding:.75rem;overflow:auto}ul{padding-left:1.25rem}a{color:#1d4ed8}`;

export function renderHome(origin: string, lang: Lang): string {
  const t = TEXT[lang];
  const page = (
    <html lang={lang === 'zh' ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t.title}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <main>
          <h1>{t.title}</h1>
          <p class="sub">{t.sub}</p>
          <nav class="go">
            <a href="/console" id="to-console">
              <strong>{t.console}</strong>
              <span>{t.consoleNote}</span>
            </a>
            <a href="/docs" id="to-docs">
              <strong>{t.docs}</strong>
              <span>{t.docsNote}</span>
            </a>
          </nav>
          <h2>{t.demo}</h2>
          <p>
            {t.demoRun[0]}
            <code>npm start</code>
            {t.demoRun[1]}
          </p>
          <pre>npm run demo</pre>
          <p>{t.demoNote}</p>
          <h2>{t.reference}</h2>
          <ul>
            <li>
              {t.merchantApi}
              <code>POST {origin}/api/cloudpay/create</code>, <code>/query</code>, <code>/close</code>,{' '}
              <code>/refund</code>, <code>/refund_query</code>
            </li>
            <li>
              {t.monitor}
              <code>POST {origin}/monitor/v1/heartbeat</code>, <code>/payments</code>
            </li>
            <li>{t.facades}</li>
            <li>
              <a href="/openapi.json">{t.openapi}</a> · {t.health}
              <a href="/healthz">/healthz</a>
            </li>
          </ul>
        </main>
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}
