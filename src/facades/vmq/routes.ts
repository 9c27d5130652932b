/**
 * V免签 merchant API under `/vmq/:appkey/`: createOrder, getOrder, checkOrder, closeOrder,
 * getState, over GET or POST (query, form or JSON). Answers are `{code, msg, data}` JSON; a
 * createOrder with `isHtml=1` sends the browser to the cashier page instead.
 */
import type { Context } from 'hono';
import { createRouter, type AppEnv } from '../../env';
import { cfRegion, publicOrigin } from '../../routes/origin';
import type { AppWithSecret } from '../../services/apps';
import { facadeParams } from '../params';
import { checkVmq, closeVmq, createVmq, getVmq, stateVmq, type VmqAnswer, vmqApp, vmqOrderData } from './service';

type Handler = (c: Context<AppEnv>, app: AppWithSecret, p: Record<string, string>) => Promise<Response | VmqAnswer>;

const vmq = createRouter();

/** A route of `/vmq/:appkey/<name>`: parameters read, the app found, the handler's answer as JSON. */
function route(name: string, handler: Handler) {
  vmq.on(['GET', 'POST'], `/:appkey/${name}`, async (c) => {
    const read = await facadeParams(c);
    if (!read.ok) return c.json({ code: -1, msg: read.error });
    const app = await vmqApp(c.env, c.get('db'), c.req.param('appkey'));
    if ('code' in app) return c.json(app);
    const answer = await handler(c, app, read.params);
    return answer instanceof Response ? answer : c.json(answer);
  });
}

route('createOrder', async (c, app, p) => {
  const made = await createVmq(c.env, c.get('db'), app, p, { region: cfRegion(c), origin: publicOrigin(c) });
  if (!made.ok) return { code: -1, msg: made.msg };
  if (p.isHtml === '1') return c.redirect(`${publicOrigin(c)}/pay/${made.order.payToken}`, 302);
  return { code: 1, msg: '成功', data: vmqOrderData(made.order, publicOrigin(c)) };
});
route('getOrder', (c, app, p) => getVmq(c.env, app, p, publicOrigin(c)));
route('checkOrder', (c, app, p) => checkVmq(c.env, app, p, publicOrigin(c)));
route('closeOrder', (c, app, p) => closeVmq(c.env, app, p));
route('getState', (c, app, p) => stateVmq(c.env, app, p));

export default vmq;
