/** The monitor agent protocol: `POST /monitor/v1/heartbeat` and `POST /monitor/v1/payments`. */
import type { Context } from 'hono';
import { z } from 'zod';
import { maxAmountFen, parseYuan } from '../domain/money';
import { REPORT_MAX_AGE_MS, tooOldToReport } from '../domain/retention';
import { SESSION_TYPES } from '../domain/vocab';
import { createRouter, type AppEnv, type Db } from '../env';
import { HuipayError } from '../errors';
import { authenticateMonitor, authenticateReport, recordHeartbeat, recordPayment } from '../services/monitor';
import { parseJsonObject, readBody } from '../services/params';

/** Unix ms before 2001-09-09: almost surely unix seconds sent by mistake. */
const MIN_PAID_MS = 1_000_000_000_000;

const Report = z.object({
  type: z.enum(SESSION_TYPES),
  amount: z.string({ error: 'a decimal yuan string like "9.99"' }),
  paid_at: z.number().int().min(MIN_PAID_MS, 'unix milliseconds expected (this looks like seconds)'),
  ref: z.string().min(1).max(128).nullish(),
  payer: z.string().max(128).nullish(),
});

/**
 * The request's session (`authenticate`: from D1, or for a report through its Collector) and its
 * body as a JSON object: 413 past the size limit, 401 unless signed by the session, 400 unless a
 * UTF-8 JSON object.
 */
async function signedJson<S>(
  c: Context<AppEnv>,
  authenticate: (env: Env, db: Db, headers: Headers, body: Uint8Array) => Promise<S>,
): Promise<{ session: S; body: Record<string, unknown> }> {
  const raw = await readBody(c);
  if (!raw.ok && !raw.bytes) throw new HuipayError(raw.tooLarge ? 'payload_too_large' : 'bad_request', raw.error);
  const session = await authenticate(c.env, c.get('db'), c.req.raw.headers, raw.bytes as Uint8Array);
  if (!raw.ok) throw new HuipayError('bad_request', raw.error);
  // A JSON number given as `amount` keeps its source text, so `1e2` is refused, not read as 100.
  const json = parseJsonObject(raw.text, (key) => key === 'amount');
  if (!json.ok) throw new HuipayError('bad_request', json.error);
  return { session, body: json.value };
}

const monitor = createRouter();

monitor.post('/heartbeat', async (c) => {
  const { session } = await signedJson(c, authenticateMonitor);
  const beat = await recordHeartbeat(c.env, c.get('db'), session);
  if (!beat.online) throw new HuipayError('payment_required', beat.reason);
  return c.json({
    ok: true,
    session_id: session.id,
    state: session.enabled ? 'online' : 'disabled',
    server_time: Date.now(),
  });
});

monitor.post('/payments', async (c) => {
  const { session, body } = await signedJson(c, authenticateReport);
  const parsed = Report.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HuipayError('bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const r = parsed.data;
  if (r.type !== session.type)
    throw new HuipayError('bad_request', `type: this session collects ${session.type}, not ${r.type}`);
  const amount = parseYuan(r.amount, maxAmountFen(c.env.MAX_AMOUNT) * 2);
  if (!amount.ok) throw new HuipayError('bad_request', `amount: ${amount.error}`);
  if (r.paid_at > Date.now() + 300_000)
    throw new HuipayError('bad_request', 'paid_at: is in the future (unix milliseconds expected)');
  if (tooOldToReport(r.paid_at, Date.now()))
    throw new HuipayError(
      'bad_request',
      `paid_at: more than ${REPORT_MAX_AGE_MS / 86_400_000} days ago; a payment that old is not accepted (its duplicates could no longer be recognised) — assign it by hand if the order is known`,
    );
  const answer = await recordPayment(c.env, c.get('db'), session, {
    sessionId: session.id,
    type: r.type,
    amountFen: amount.value,
    paidMs: r.paid_at,
    ref: r.ref ?? null,
    payer: r.payer ?? null,
  });
  return c.json(answer);
});

export default monitor;
