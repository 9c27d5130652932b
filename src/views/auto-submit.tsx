/**
 * An auto-submitting form page: how a browser starts a provider's form flow (UnionPay's front
 * consume, served by the cashier) and how a provider posts its front return back (the simulator).
 */
import { raw } from 'hono/html';

/**
 * A page that posts `fields` to `action` at once (a browser form submit, as the providers' own
 * pages do: UnionPay's front consume and its front return), with a button when scripts are off.
 */
export function autoSubmitPage(
  title: string,
  action: string,
  fields: Record<string, string>,
  nonce: string | null = null,
): string {
  const page = (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
      </head>
      <body style="font:16px/1.5 system-ui,sans-serif;max-width:560px;margin:2rem auto;padding:0 1rem">
        <form id="go" method="post" action={action} accept-charset="UTF-8">
          {Object.entries(fields).map(([k, v]) => (
            <input type="hidden" name={k} value={v} />
          ))}
          <p>{title}</p>
          <button type="submit" id="go-on">
            继续 Continue
          </button>
        </form>
        <script nonce={nonce ?? undefined}>{raw("document.getElementById('go').submit();")}</script>
      </body>
    </html>
  );
  return `<!DOCTYPE html>${page}`;
}
