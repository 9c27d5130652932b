/** The operator API under `/admin/v1`: bearer auth, then one router per resource. */
import { createRouter } from '../../env';
import { ApiError } from '../../errors';
import { safeEqual } from '../../domain/sign';
import apps from './apps';
import merchants from './merchants';
import orders from './orders';
import sessions from './sessions';
import webhooks from './webhooks';

const admin = createRouter();

admin.use('*', async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const token = header.match(/^Bearer\s+(.+)$/i)?.[1] ?? '';
  if (!c.env.ADMIN_TOKEN) throw new ApiError('unauthorized', 'ADMIN_TOKEN is not configured on this deployment');
  if (!token || !safeEqual(token, c.env.ADMIN_TOKEN)) throw new ApiError('unauthorized', 'Authorization: expected "Bearer <ADMIN_TOKEN>"');
  await next();
});

admin.route('/', merchants).route('/', apps).route('/', sessions).route('/', orders).route('/', webhooks);

export default admin;
