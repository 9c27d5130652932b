/** The payer's side: the cashier page, the status it polls, and the sandbox simulate button. */
import type { Context } from 'hono';
import { randomToken } from '../domain/ids';
import { createRouter, type AppEnv } from '../env';
import { ApiError } from '../errors';
import { heldStatus, PAY_TOKEN, payState, statusView, type PayState } from '../services/cashier';
import { collector } from '../services/collector';
import { pickLang, renderCashier } from '../views/cashier';

const pay = createRouter();

async function stateOf(c: Context<AppEnv>): Promise<PayState> {
  const token = c.req.param('token') ?? '';
  const state = PAY_TOKEN.test(token) ? await payState(c.get('db'), token) : null;
  if (!state) throw new ApiError('not_found', 'no such payment page');
  return state;
}

pay.get('/:token', async (c) => {
  const s = await stateOf(c);
  const view = await statusView(c.env, s);
  const nonce = randomToken(16);
  const o = s.order;
  c.header('cache-control', 'no-store');
  c.header(
    'content-security-policy',
    `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  c.header('referrer-policy', 'no-referrer');
  return c.html(
    renderCashier(
      {
        token: o.payToken,
        merchantName: s.merchantName,
        outOrderId: o.outOrderId,
        type: o.type,
        priceFen: o.priceFen,
        realpriceFen: o.realpriceFen,
        qrPayload: o.qrPayload,
        expiresMs: o.expiresMs,
        status: view.status,
        sandbox: o.mode === 'sandbox',
        returnUrl: view.return_url,
        timeoutUrl: view.timeout_url ?? o.timeoutUrl ?? s.appTimeout,
        acknowledged: view.acknowledged,
        nonce,
      },
      pickLang(c.req.header('accept-language')),
    ),
  );
});

pay.get('/:token/status', async (c) => {
  const view = (await heldStatus(c.env, c.req.param('token'))) ?? (await statusView(c.env, await stateOf(c)));
  c.header('cache-control', 'no-store');
  return c.json(view);
});

/** Sandbox only: pays the order through the same path a monitor agent's report takes. */
pay.post('/:token/simulate', async (c) => {
  const { order: o } = await stateOf(c);
  if (o.mode !== 'sandbox') throw new ApiError('forbidden', 'simulate is only for sandbox orders');
  if (o.type !== 'alipay' && o.type !== 'wechat')
    throw new ApiError('bad_request', `type ${o.type} has no collection session to simulate`);
  const answer = await collector(c.env, o.merchantId, o.mode).report({
    sessionId: o.sessionId,
    type: o.type,
    amountFen: o.realpriceFen,
    paidMs: Date.now(),
    ref: `simulate-${o.id}`,
    payer: 'sandbox simulator',
  });
  if (!answer) throw new ApiError('conflict', "the order's session is no longer known to its collector");
  return c.json(answer);
});

export default pay;
