/** The monitor agent protocol: `POST /monitor/v1/heartbeat` and `POST /monitor/v1/payments`. */
import { z } from 'zod';
import { parseYuan } from '../domain/money';
import { SESSION_TYPES } from '../domain/vocab';
import { createRouter } from '../env';
import { ApiError } from '../errors';
import { authenticateMonitor, withSessionKnown } from '../services/monitor';
import { maxFen } from '../services/orders';
import { MAX_BODY_BYTES } from '../services/params';

const Report = z.object({
  type: z.enum(SESSION_TYPES),
  amount: z.union([z.string(), z.number()]).transform(String),
  paid_at: z.number().int().positive(),
  ref: z.string().min(1).max(128).nullish(),
  payer: z.string().max(128).nullish(),
});

const monitor = createRouter();

monitor.use('*', async (c, next) => {
  const len = Number(c.req.header('content-length') ?? 0);
  if (len > MAX_BODY_BYTES) throw new ApiError('payload_too_large', `body is larger than ${MAX_BODY_BYTES} bytes`);
  await next();
});

monitor.post('/heartbeat', async (c) => {
  const raw = await c.req.text();
  const session = await authenticateMonitor(c.env, c.get('db'), c.req.raw.headers, raw);
  await withSessionKnown(c.env, c.get('db'), session, (s) => s.heartbeat(session.id), (r) => !r.known);
  return c.json({ ok: true, session_id: session.id, state: session.enabled ? 'online' : 'disabled', server_time: Date.now() });
});

monitor.post('/payments', async (c) => {
  const raw = await c.req.text();
  const session = await authenticateMonitor(c.env, c.get('db'), c.req.raw.headers, raw);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ApiError('bad_request', 'body is not valid JSON');
  }
  const parsed = Report.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError('bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const r = parsed.data;
  if (r.type !== session.type) throw new ApiError('bad_request', `type: this session collects ${session.type}, not ${r.type}`);
  const amount = parseYuan(r.amount, maxFen(c.env) * 2);
  if (!amount.ok) throw new ApiError('bad_request', `amount: ${amount.error}`);
  if (r.paid_at > Date.now() + 300_000) throw new ApiError('bad_request', 'paid_at: is in the future (unix milliseconds expected)');
  const answer = await withSessionKnown(
    c.env, c.get('db'), session,
    (s) => s.report({ sessionId: session.id, type: r.type, amountFen: amount.value, paidMs: r.paid_at, ref: r.ref ?? null, payer: r.payer ?? null }),
    (a) => a === null,
  );
  if (!answer) throw new ApiError('unauthorized', `session ${session.id} is not known to its collector`);
  return c.json(answer);
});

export default monitor;
