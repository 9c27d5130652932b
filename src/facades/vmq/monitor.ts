/**
 * The V免签 Android app as a session's monitor (SPEC §12.2). The app is configured with one
 * string `host/key` and calls `http://{host}/appHeart?t=<ms>&sign=md5(t + key)` every 30 s and
 * `http://{host}/appPush?t=<ms>&type=<1|2>&price=<Java double>&sign=md5(type + price + t + key)`
 * on each payment. So each session has its own host, `<vmq_host>.<VMQ_MONITOR_DOMAIN>`, and its
 * key is the session secret. On that host `/appHeart`, `/appPush` and the forks' paths
 * `/api/monitor/heart`, `/api/monitor/push` answer GET or POST with `{"code":1,"msg":"成功",
 * "data":null}` or `{"code":-1,"msg":"…"}`. A heartbeat and a push go through the same
 * Collector path as the native monitor protocol; a push's `t` is its payment time, so a replay
 * is the same (session, type, amount, paid_at) report and gets the first answer.
 */
import type { Context } from 'hono';
import { getPath } from 'hono/utils/url';
import { queries } from '../../db/queries';
import type { Session } from '../../db/schema';
import { maxAmountFen } from '../../domain/money';
import { openSecret } from '../../domain/secrets';
import { checkVmqPush, vmqClockProblem, vmqSignValid } from '../../domain/vmq';
import { vmqPushProblem } from '../../schemas/vmq';
import { createRouter, type AppEnv } from '../../env';
import { recordHeartbeat, recordPayment } from '../../services/monitor';
import { facadeParams } from '../params';

/** Where requests to a session's monitor host are routed (see `monitorPath`). */
export const MONITOR_PREFIX = '/vmq-host';
const LABEL = /^[a-z0-9]{12}$/;

/** The hostname of `VMQ_MONITOR_DOMAIN` (which may carry a port for local use), or null when unset. */
const domainHost = (domain: string | undefined) => (domain ? domain.toLowerCase().replace(/:\d+$/, '') : null);

/** The session label of a request to `<label>.<VMQ_MONITOR_DOMAIN>`, or null for any other host. */
export function monitorLabel(url: string, domain: string | undefined): string | null {
  const base = domainHost(domain);
  if (!base) return null;
  const start = url.indexOf('://') + 3;
  const end = url.slice(start).search(/[/?#]/);
  const host = (end === -1 ? url.slice(start) : url.slice(start, start + end)).toLowerCase().replace(/:\d+$/, '');
  if (!host.endsWith(`.${base}`)) return null;
  const label = host.slice(0, -base.length - 1);
  return LABEL.test(label) ? label : null;
}

/**
 * The app's path of a request: a monitor host's requests go under `/vmq-host/<label>` before any
 * other route sees them; epay's doubled slashes are collapsed (`collapse`).
 */
export function monitorPath(collapse: (path: string) => string) {
  return (req: Request, options?: { env?: unknown }): string => {
    const path = getPath(req);
    const label = monitorLabel(req.url, (options?.env as Env | undefined)?.VMQ_MONITOR_DOMAIN);
    return label ? `${MONITOR_PREFIX}/${label}${path}` : collapse(path);
  };
}

const done = (c: Context<AppEnv>) => c.json({ code: 1, msg: '成功', data: null });
const no = (c: Context<AppEnv>, msg: string, status: 200 | 404 = 200) => c.json({ code: -1, msg }, status);

type Signed = { session: Session; secret: string; p: Record<string, string> } | Response;

/** The request's session (by its host) and parameters, its clock checked; or the answer refusing it. */
async function signedBy(
  c: Context<AppEnv>,
  sign: (p: Record<string, string>, key: string) => Promise<boolean>,
): Promise<Signed> {
  const label = monitorLabel(c.req.url, c.env.VMQ_MONITOR_DOMAIN);
  const session = label ? await queries(c.get('db')).sessionByVmqHost.get({ host: label }) : undefined;
  if (!session) return no(c, '没有这个收款会话：请重新扫描 huipay 中该收款会话的 V免签 配置二维码', 404);
  const read = await facadeParams(c);
  if (!read.ok) return no(c, read.error);
  const secret = await openSecret(c.env.MASTER_KEY, session.secretEnc);
  if (!(await sign(read.params, secret)))
    return no(c, '签名校验不通过：请重新扫描该收款会话的配置（通讯密钥可能已更换）');
  const late = vmqClockProblem(read.params.t, Date.now(), vmqPushProblem);
  if (late) return no(c, late);
  return { session, secret, p: read.params };
}

const monitor = createRouter();

monitor.on(['GET', 'POST'], ['/:label/appHeart', '/:label/api/monitor/heart'], async (c) => {
  const signed = await signedBy(c, (p, key) => vmqSignValid(p.sign, p.t ?? '', key));
  if (signed instanceof Response) return signed;
  const beat = await recordHeartbeat(c.env, c.get('db'), signed.session);
  if (!beat.online) return no(c, beat.reason);
  if (!signed.session.enabled) return no(c, '该收款会话已停用：心跳已记录，但它不会收款，请在 huipay 中启用');
  return done(c);
});

monitor.on(['GET', 'POST'], ['/:label/appPush', '/:label/api/monitor/push'], async (c) => {
  const signed = await signedBy(c, (p, key) => vmqSignValid(p.sign, p.type ?? '', p.price ?? '', p.t ?? '', key));
  if (signed instanceof Response) return signed;
  const { session, p } = signed;
  const push = checkVmqPush(p, session.type, maxAmountFen(c.env.MAX_AMOUNT) * 2, vmqPushProblem);
  if (!push.ok) return no(c, push.msg);
  await recordPayment(c.env, c.get('db'), session, {
    sessionId: session.id,
    type: push.type,
    amountFen: push.amountFen,
    paidMs: push.paidMs,
    ref: null,
    payer: null,
  });
  return done(c);
});

monitor.all('/:label/*', (c) =>
  no(c, `没有这个接口：${c.req.method} ${c.req.path.slice(MONITOR_PREFIX.length + 13)}`, 404),
);

export default monitor;
