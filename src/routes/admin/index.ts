/** The operator API under `/admin/v1`: bearer auth, then one router per resource. */
import type { Context } from 'hono';
import { createRouter } from '../../env';
import { HuipayError } from '../../errors';
import { safeEqual } from '../../domain/sign';
import { duplicateKeyProblem, formParams, readBody } from '../../services/params';
import apps from './apps';
import channels from './channels';
import merchants from './merchants';
import orders from './orders';
import points from './points';
import refunds from './refunds';
import sessions from './sessions';
import webhooks from './webhooks';

/** Room for the largest admin body (a session with 200 fixed-amount QR payloads). */
const MAX_ADMIN_BODY_BYTES = 512 * 1024;

const jsonBody = (c: Context) => /^application\/json\b/i.test(c.req.header('content-type') ?? '');

const admin = createRouter();

admin.use('*', async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const token = header.match(/^Bearer\s+(.+)$/i)?.[1] ?? '';
  if (!c.env.ADMIN_TOKEN) throw new HuipayError('unauthorized', 'ADMIN_TOKEN is not configured on this deployment');
  if (!token || !safeEqual(token, c.env.ADMIN_TOKEN))
    throw new HuipayError('unauthorized', 'Authorization: expected "Bearer <ADMIN_TOKEN>"');
  const query = formParams(new URL(c.req.url).search.slice(1));
  if (!query.ok) throw new HuipayError('bad_request', query.error);
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    // Bounded and strict UTF-8 before any validator reads it (Hono keeps the bytes for them).
    const body = await readBody(c, MAX_ADMIN_BODY_BYTES);
    if (!body.ok) throw new HuipayError(body.tooLarge ? 'payload_too_large' : 'bad_request', body.error);
    const dup = jsonBody(c) ? duplicateKeyProblem(body.text) : null;
    if (dup) throw new HuipayError('bad_request', dup);
  }
  await next();
});

admin.route('/', merchants).route('/', apps).route('/', sessions).route('/', orders).route('/', webhooks);
admin.route('/', points).route('/', channels).route('/', refunds);

export default admin;
