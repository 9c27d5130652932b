/**
 * `/docs`: the interactive API reference (Scalar, `@scalar/hono-api-reference`) over
 * `/openapi.json`. Its JS bundle is served by the worker itself from Workers static assets
 * (`public/docs/scalar.js`, copied from the npm package by `scripts/assets.mjs`): no CDN, and no
 * web fonts fetched. A per-request nonce lets the page's one inline script run under a strict CSP.
 */
import { Scalar } from '@scalar/hono-api-reference';
import type { MiddlewareHandler } from 'hono';
import { randomToken } from '../domain/ids';
import type { AppEnv } from '../env';

export const SCALAR_BUNDLE = '/docs/scalar.js';

/**
 * The introduction `/docs` opens with (the OpenAPI document's `info.description`, Markdown):
 * Chinese first, the merchants' language, then English. Its sign example is docs/merchant-api.md's.
 */
export const DOCS_INTRO = `huipay 是运行在 Cloudflare Workers 上的聚合支付网关。本文档列出它的全部公开接口。

- **商户接口**（\`/api/cloudpay/\`，兼容 gatepay）：\`create\` 下单、\`query\` 查询、\`close\` 关单、\`refund\` 退款、\`refund_query\` 退款查询。请求体为表单（也接受 JSON）；应答总是 HTTP 200 的 JSON，\`code\` 为 100 表示成功，否则 \`data\` 为 \`null\`，\`msg\` 指出出错的字段。下单返回的 \`pay_url\` 是付款人的收银台页面；订单支付后，huipay 向 notify URL 发送同样签名的异步通知。
- **签名**：\`sign = md5( md5(各字段的原始值按规定顺序直接拼接) + appsecret )\`，小写十六进制；每个接口的字段顺序写在它的说明里，下单为 \`appkey + price + type + out_order_id + custom\`。算例见下。
- **兼容层**：彩虹易支付 V1（\`submit.php\`、\`mapi.php\`、\`api.php\`）、V免签商户接口（\`/vmq/{appkey}/\`）与 V免签监控 App，各用原协议的签名。
- **收款监控协议**（\`/monitor/v1\`）：监控端以 HMAC-SHA256 签名的 JSON 上报心跳与到账。
- **管理接口**（\`/admin/v1\`，运营方使用）：请求头 \`Authorization: Bearer <ADMIN_TOKEN>\`；网页控制台在 \`/console\`。
- 渠道回调地址（\`/channels/\`）由支付宝、微信支付等渠道调用，商户无需调用。

下单签名算例（appkey \`ak_docs2026\`，appsecret \`sk_docs_secret_01\`；逐步演算另见仓库 \`docs/merchant-api.md\` 的 Worked example）：

\`\`\`
price=25.50  type=wechat  out_order_id=SO-20261201-0007  custom=alice@example.com
拼接串     ak_docs202625.50wechatSO-20261201-0007alice@example.com
内层 md5   c9d2360398daf71e1f3809199c83a9e2
sign       md5(c9d2360398daf71e1f3809199c83a9e2sk_docs_secret_01) = 99735d2b550a3c0083694db41a90a2df
\`\`\`

---

Every public interface of huipay: the gatepay-compatible merchant API with its refunds (form bodies, HTTP 200 with a \`code\`), the monitor protocol (HMAC-signed JSON), the cashier status route, the compatibility facades (彩虹易支付 epay V1, the V免签 merchant API and the V免签 monitor app), the providers' notify route, and the operator admin API (\`Authorization: Bearer <ADMIN_TOKEN>\`; the web console is at \`/console\`). The merchant API is signed \`sign = md5( md5(the fields' raw values joined in the order each operation names) + appsecret )\`, lowercase hex; the example above is worked step by step in \`docs/merchant-api.md\`.`;

export const docsPage: MiddlewareHandler<AppEnv> = async (c, next) => {
  const nonce = randomToken(16);
  c.header(
    'content-security-policy',
    `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`,
  );
  const scalar = Scalar({
    url: '/openapi.json',
    cdn: SCALAR_BUNDLE,
    nonce,
    pageTitle: 'huipay API reference',
    withDefaultFonts: false,
    telemetry: false,
    // Nothing that calls a hosted service: no AI agent, no MCP, no developer toolbar.
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: 'never',
    showToolbar: 'never',
  } as Parameters<typeof Scalar>[0]) as unknown as MiddlewareHandler<AppEnv>;
  return scalar(c, next);
};
