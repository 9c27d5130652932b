/**
 * The only place that knows error envelopes:
 * - admin and monitor APIs: HTTP status + `{ "error": { "code", "message", "request_id" } }`;
 * - gatepay merchant API: HTTP 200 + `{ "code": <number>, "msg", "time", "data": null }`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { GATEPAY_CODES, type GatepayCode } from './domain/gatepay';
import type { AppEnv } from './env';

export const API_ERRORS = {
  bad_request: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  internal: 500,
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

/** An admin/monitor API error; the HTTP status follows from the code. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A gatepay API failure: answered with HTTP 200 and the numeric code. */
export class GatepayError extends Error {
  constructor(
    readonly code: GatepayCode,
    message: string,
  ) {
    super(message);
  }
}

export const unixSeconds = (ms = Date.now()) => Math.floor(ms / 1000);

export function gatepayBody(code: number, msg: string, data: unknown = null) {
  return { code, msg, time: String(unixSeconds()), data };
}

export function apiErrorResponse(c: Context<AppEnv>, code: ApiErrorCode, message: string) {
  return c.json({ error: { code, message, request_id: c.get('requestId') } }, API_ERRORS[code]);
}

const isGatepay = (path: string) => path.startsWith('/api/cloudpay/');
/** The facades (SPEC §12) answer `{ "code": -1, "msg" }` like the gateways they stand in for. */
const isFacade = (path: string) =>
  /^(\/epay)?\/(submit|mapi|api)(\.php)?$/.test(path) || path.startsWith('/vmq/') || path.startsWith('/vmq-host/');

/** The app's single error handler. */
export function onError(err: Error, c: Context<AppEnv>) {
  if (err instanceof GatepayError) return c.json(gatepayBody(err.code, err.message));
  if (err instanceof ApiError) return apiErrorResponse(c, err.code, err.message);
  if (err instanceof HTTPException && err.status < 500) {
    const message = err.message || 'bad request';
    if (isGatepay(c.req.path)) return c.json(gatepayBody(GATEPAY_CODES.param_missing, message));
    const code = (Object.entries(API_ERRORS).find(([, s]) => s === err.status)?.[0] ?? 'bad_request') as ApiErrorCode;
    return apiErrorResponse(c, code, message);
  }
  console.error(
    JSON.stringify({
      msg: 'unhandled error',
      request_id: c.get('requestId'),
      path: c.req.path,
      error: String(err),
      stack: err.stack,
    }),
  );
  if (isGatepay(c.req.path)) {
    return c.json(gatepayBody(GATEPAY_CODES.unknown, `unknown error; request id ${c.get('requestId')}`));
  }
  if (isFacade(c.req.path))
    return c.json({ code: -1, msg: `系统错误，请稍后再试；request id ${c.get('requestId')}` }, 500);
  return apiErrorResponse(c, 'internal', 'internal error; the request id is logged');
}
