/**
 * What a session's monitor does, whichever protocol it speaks (the native one, SPEC §4.2, or the
 * V免签 app's, §12.2): a heartbeat and a payment report, both through the session's Collector.
 *
 * Native requests carry `X-Huipay-Session`, `X-Huipay-Timestamp` (unix ms) and
 * `X-Huipay-Signature` = hex HMAC-SHA256(session secret, timestamp + "." + raw body), within 300 s
 * of our clock.
 */
import { queries } from '../db/queries';
import type { Session } from '../db/schema';
import { monitorSignatureValid } from '../domain/sign';
import type { Db } from '../env';
import { HuipayError } from '../errors';
import { onboard } from './points';
import { openSecret } from '../domain/secrets';
import type { ReportAnswer } from '../durable/collector/types';
import type { PaymentReport } from '../jobs';
import { Memo } from '../domain/memo';
import { collector, withSynced } from './collector';

export const MONITOR_TOLERANCE_MS = 300_000;

/** What a payment report needs of its session: facts that never change, so an isolate may keep them. */
export type ReportingSession = Pick<Session, 'id' | 'type' | 'merchantId' | 'mode' | 'shard'>;

const reporting = new Memo<number, ReportingSession>(50_000);

/**
 * A payment report's session, verified without reading the control plane once this isolate knows
 * which Collector serves it (SPEC §14.1): that Collector holds the session's current secret and
 * checks the signature. Else (first report here, or a Collector not holding the secret) as
 * `authenticateMonitor`, from D1.
 */
export async function authenticateReport(
  env: Env,
  db: Db,
  headers: Headers,
  rawBody: Uint8Array,
): Promise<ReportingSession> {
  const { sid, ts, sig } = monitorHeaders(headers);
  const known = reporting.get(Number(sid));
  if (known) {
    const ok = await collector(env, known.merchantId, known.mode, known.shard).verifyMonitor(
      known.id,
      ts,
      sig,
      rawBody,
    );
    if (ok === false) throw badSignature();
    if (ok) return known;
  }
  const s = await authenticateMonitor(env, db, headers, rawBody);
  return reporting.set(s.id, { id: s.id, type: s.type, merchantId: s.merchantId, mode: s.mode, shard: s.shard });
}

const badSignature = () =>
  new HuipayError(
    'unauthorized',
    'X-Huipay-Signature mismatch: expected hex HMAC-SHA256(session secret, timestamp + "." + raw body); are you signing the exact body bytes you send?',
  );

/** The monitor headers, checked for shape and the clock (401 naming the header). */
function monitorHeaders(headers: Headers): { sid: string; ts: string; sig: string } {
  const sid = headers.get('x-huipay-session') ?? '';
  const ts = headers.get('x-huipay-timestamp') ?? '';
  const sig = headers.get('x-huipay-signature') ?? '';
  if (!/^\d{1,15}$/.test(sid))
    throw new HuipayError('unauthorized', 'X-Huipay-Session header missing or not a session id');
  if (!/^\d{1,16}$/.test(ts))
    throw new HuipayError('unauthorized', 'X-Huipay-Timestamp header missing or not unix milliseconds');
  if (!sig) throw new HuipayError('unauthorized', 'X-Huipay-Signature header missing');
  const skew = Math.abs(Date.now() - Number(ts));
  if (skew > MONITOR_TOLERANCE_MS) {
    throw new HuipayError(
      'unauthorized',
      `X-Huipay-Timestamp is ${Math.round(skew / 1000)} s from the gateway clock (at most 300 s allowed): check the device clock`,
    );
  }
  return { sid, ts, sig };
}

/** Verifies the monitor headers over the raw body against the session's row in D1; returns the session. */
export async function authenticateMonitor(env: Env, db: Db, headers: Headers, rawBody: Uint8Array): Promise<Session> {
  const { sid, ts, sig } = monitorHeaders(headers);
  const session = await queries(db).sessionById.get({ id: Number(sid) });
  if (!session) throw new HuipayError('unauthorized', `unknown session ${sid}`);
  if (!(await monitorSignatureValid(await openSecret(env.MASTER_KEY, session.secretEnc), ts, sig, rawBody)))
    throw badSignature();
  return session;
}

/**
 * A heartbeat (native or V免签). When a new monitor config awaits its first heartbeat, the
 * onboarding fee is charged first (SPEC §7); one the balance cannot cover leaves the session offline.
 */
export async function recordHeartbeat(
  env: Env,
  db: Db,
  session: Session,
): Promise<{ online: true } | { online: false; reason: string }> {
  if (session.onboardPending) {
    const charged = await onboard(env, session);
    if (!charged.ok)
      return {
        online: false,
        reason: `session ${session.id} stays offline: the onboarding fee is ${charged.fee} points and the merchant's balance is ${charged.balance}; recharge points, and the next heartbeat brings it online`,
      };
  }
  await withSynced(
    env,
    db,
    session,
    (s) => s.heartbeat(session.id),
    (r) => !r.known,
  );
  return { online: true };
}

/** A payment report, recorded once by the session's Collector and matched there; a repeat gets the first answer. */
export async function recordPayment(
  env: Env,
  db: Db,
  session: ReportingSession,
  report: PaymentReport,
): Promise<ReportAnswer> {
  const answer = await withSynced(
    env,
    db,
    session,
    (s) => s.report(report),
    (a) => a === null,
  );
  if (!answer) throw new HuipayError('unauthorized', `session ${session.id} is not known to its collector`);
  return answer;
}
