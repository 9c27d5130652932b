/** Admin: collection sessions (wallets) and their live state. */
import { createRouter } from '../../env';
import {
  createSession,
  listSessions,
  liveOf,
  monitorConfig,
  rotateSessionSecret,
  updateSession,
  vmqConfig,
} from '../../services/sessions';
import type { Context } from 'hono';
import type { Session } from '../../db/schema';
import type { AppEnv } from '../../env';
import { qrSvg } from '../../views/qr';
import { publicOrigin } from '../origin';
import { adminRoute, json, jsonBody } from './openapi';
import { IdParam, listOf } from '../../schemas/common';
import { SessionCreate, SessionUpdate, SessionView } from '../../schemas/sessions';
import { sessionView } from './views';

const router = createRouter();

/** What only create and rotate-secret show: the secret and the configs that hold it (with the V免签 one's QR). */
function secretsOf(c: Context<AppEnv>, session: Session, secret: string) {
  const vmq = vmqConfig(c.env.VMQ_MONITOR_DOMAIN, session, secret);
  return {
    secret,
    monitor_config: monitorConfig(publicOrigin(c), session, secret),
    vmq_config: vmq,
    vmq_config_qr: vmq && qrSvg(vmq),
  };
}

router.openapi(
  adminRoute({
    method: 'post',
    path: '/merchants/{id}/sessions',
    tags: ['sessions'],
    summary: 'Add a collection session; returns its secret and monitor_config once',
    request: { params: IdParam, ...jsonBody(SessionCreate) },
    responses: { 201: json(SessionView, 'The session with secret and monitor_config') },
  }),
  async (c) => {
    const { session, secret } = await createSession(c.env, c.get('db'), c.req.valid('param').id, c.req.valid('json'));
    return c.json(sessionView(session, undefined, secretsOf(c, session, secret), c.env.VMQ_MONITOR_DOMAIN), 201);
  },
);

router.openapi(
  adminRoute({
    method: 'get',
    path: '/merchants/{id}/sessions',
    tags: ['sessions'],
    summary: 'List sessions with their state',
    request: { params: IdParam },
    responses: { 200: json(listOf(SessionView), 'Sessions') },
  }),
  async (c) => {
    const rows = await listSessions(c.env, c.get('db'), c.req.valid('param').id);
    return c.json(
      { data: rows.map((r) => sessionView(r.session, r.live, {}, c.env.VMQ_MONITOR_DOMAIN)), next_cursor: null },
      200,
    );
  },
);

router.openapi(
  adminRoute({
    method: 'patch',
    path: '/sessions/{id}',
    tags: ['sessions'],
    summary: 'Enable, disable, set rule, label or receive codes',
    request: { params: IdParam, ...jsonBody(SessionUpdate) },
    responses: { 200: json(SessionView, 'The session') },
  }),
  async (c) => {
    const session = await updateSession(c.env, c.get('db'), c.req.valid('param').id, c.req.valid('json'));
    return c.json(sessionView(session, await liveOf(c.env, session), {}, c.env.VMQ_MONITOR_DOMAIN), 200);
  },
);

router.openapi(
  adminRoute({
    method: 'post',
    path: '/sessions/{id}/rotate-secret',
    tags: ['sessions'],
    summary: 'Issue a new session secret and monitor_config (re-scan to go online)',
    request: { params: IdParam },
    responses: { 200: json(SessionView, 'The session with its new secret and monitor_config') },
  }),
  async (c) => {
    const { session, secret } = await rotateSessionSecret(c.env, c.get('db'), c.req.valid('param').id);
    return c.json(
      sessionView(session, await liveOf(c.env, session), secretsOf(c, session, secret), c.env.VMQ_MONITOR_DOMAIN),
      200,
    );
  },
);

export default router;
