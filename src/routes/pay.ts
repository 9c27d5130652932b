/** The payer's side: `GET /pay/:token/status`, which the cashier page polls. */
import { createRouter } from '../env';
import { ApiError } from '../errors';
import { PAY_TOKEN, payState, statusView } from '../services/cashier';

const pay = createRouter();

pay.get('/:token/status', async (c) => {
  const token = c.req.param('token');
  const state = PAY_TOKEN.test(token) ? await payState(c.get('db'), token) : null;
  if (!state) throw new ApiError('not_found', 'no such payment page');
  c.header('cache-control', 'no-store');
  return c.json(await statusView(c.env, state));
});

export default pay;
