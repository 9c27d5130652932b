/**
 * 彩虹易支付 (epay) V1 routes: `submit.php`, `mapi.php` and `api.php`, at the gateway's root and
 * under `/epay/`, each also without `.php`, over GET or POST (query, form or JSON).
 */
import type { Context } from 'hono';
import { createRouter, type AppEnv } from '../../env';
import { cfRegion, publicOrigin } from '../../routes/origin';
import { pickLang } from '../../views/cashier';
import { facadeParams } from '../params';
import { epaySignText } from '../../domain/epay';
import { PAGE_HEADERS, renderBadSign, renderPicker, renderProblem } from './pages';
import { epayApi, startEpay } from './service';

const paths = (name: string) => ['', '/epay'].flatMap((prefix) => [`${prefix}/${name}.php`, `${prefix}/${name}`]);

const epay = createRouter();

epay.on(['GET', 'POST'], paths('submit'), async (c) => {
  const lang = pickLang(c.req.header('accept-language'));
  const problem = (msg: string) => c.html(renderProblem(msg, lang), 400, PAGE_HEADERS);
  const read = await facadeParams(c);
  if (!read.ok) return problem(read.error);
  const start = await startEpay(c.env, c.get('db'), read.params, 'submit', where(c));
  if (start.kind === 'refused' && start.badSign)
    return c.html(renderBadSign(logBadSign(c, 'submit', read.params), lang), 400, PAGE_HEADERS);
  if (start.kind === 'refused') return problem(start.msg);
  if (start.kind === 'pick')
    return c.html(renderPicker({ ...start, action: c.req.path, params: read.params }, lang), 200, PAGE_HEADERS);
  return c.redirect(`${publicOrigin(c)}/pay/${start.order.payToken}`, 302);
});

epay.on(['GET', 'POST'], paths('mapi'), async (c) => {
  const read = await facadeParams(c);
  if (!read.ok) return c.json({ code: -1, msg: read.error });
  const start = await startEpay(c.env, c.get('db'), read.params, 'mapi', where(c));
  if (start.kind === 'refused' && start.badSign)
    return c.json({ code: -1, msg: `${start.msg}（request id ${logBadSign(c, 'mapi', read.params)}）` });
  if (start.kind === 'refused') return c.json({ code: -1, msg: start.msg });
  if (start.kind === 'pick') return c.json({ code: -1, msg: 'type 缺少' });
  const o = start.order;
  // SPEC §12.1: `qrcode` when the order is an official channel's QR (the text the payer scans).
  const qrcode = o.channel !== null && o.method === 'qr' && o.qrPayload ? { qrcode: o.qrPayload } : {};
  return c.json({ code: 1, msg: '', trade_no: String(o.id), payurl: payUrl(c, o.payToken), ...qrcode });
});

epay.on(['GET', 'POST'], paths('api'), async (c) => {
  const read = await facadeParams(c);
  if (!read.ok) return c.json({ code: -1, msg: read.error });
  const caller = { address: c.req.header('cf-connecting-ip') ?? 'unknown', method: c.req.method };
  return c.json(await epayApi(c.env, c.get('db'), read.params, caller, publicOrigin(c)));
});

/**
 * Logs a wrong sign for the operator, who may have to help the merchant: the request id, pid and
 * the text huipay signed (never the key, nor the sign it expected). Returns the request id.
 */
function logBadSign(c: Context<AppEnv>, flow: 'submit' | 'mapi', p: Record<string, string>): string {
  const requestId = c.get('requestId');
  console.warn(
    JSON.stringify({ msg: 'epay sign invalid', request_id: requestId, flow, pid: p.pid, signed_text: epaySignText(p) }),
  );
  return requestId;
}

const payUrl = (c: Context<AppEnv>, token: string) => `${publicOrigin(c)}/pay/${token}`;
const where = (c: Context<AppEnv>) => ({ region: cfRegion(c), origin: publicOrigin(c) });

/** Paths a client may reach with doubled slashes (v2board joins `url + '/submit.php'`), collapsed. */
export function collapseEpaySlashes(path: string): string {
  if (!path.includes('//')) return path;
  const collapsed = path.replace(/\/{2,}/g, '/');
  return /^(\/epay)?\/(submit|mapi|api)(\.php)?$/.test(collapsed) ? collapsed : path;
}

export default epay;
