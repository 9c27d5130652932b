/**
 * huipay's one error vocabulary and the only place that knows error envelopes.
 *
 * `ERRORS` is the closed set of error codes (unkey's shape): each with its HTTP status (admin and
 * monitor APIs), its gatepay code (merchant API) and, for the merchant API's own refusals,
 * `merchant: true`. A `HuipayError` carries one code, its message, the field at fault and
 * structured details (e.g. `refundableFen`); everything huipay refuses on purpose throws one. The
 * envelope follows from the code:
 * - admin and monitor APIs: HTTP status + `{ "error": { "code", "message", "request_id" } }`;
 * - gatepay merchant API (merchant codes, wherever thrown): HTTP 200 + `{ "code": <number>, "msg", "time", "data": null }`;
 * - facades (SPEC §12): `{ "code": -1, "msg" }` like the gateways they stand in for.
 * `fail` throws one by code, `failMerchant` by gatepay number, `configInvalid` makes a config field's.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { GATEPAY_CODES as G, type GatepayCode } from './domain/gatepay';

interface ErrorSpec {
  /** The HTTP status of the admin envelope. */
  status: number;
  /** The gatepay code the merchant API answers. */
  gatepay: GatepayCode;
  /** A merchant API refusal: answered in the gatepay envelope wherever it is thrown. */
  merchant?: true;
}

export const ERRORS = {
  bad_request: { status: 400, gatepay: G.param_missing },
  unauthorized: { status: 401, gatepay: G.appkey_invalid },
  payment_required: { status: 402, gatepay: G.quota },
  forbidden: { status: 403, gatepay: G.api_closed },
  not_found: { status: 404, gatepay: G.param_missing },
  method_not_allowed: { status: 405, gatepay: G.param_missing },
  conflict: { status: 409, gatepay: G.out_order_conflict },
  payload_too_large: { status: 413, gatepay: G.param_missing },
  unsupported_media_type: { status: 415, gatepay: G.param_missing },
  unprocessable: { status: 422, gatepay: G.param_missing },
  internal: { status: 500, gatepay: G.unknown },
  // The merchant API's refusals (SPEC §3).
  appkey_missing: { status: 400, gatepay: G.appkey_missing, merchant: true },
  appkey_invalid: { status: 401, gatepay: G.appkey_invalid, merchant: true },
  sign_missing: { status: 400, gatepay: G.sign_missing, merchant: true },
  sign_invalid: { status: 401, gatepay: G.sign_invalid, merchant: true },
  param_missing: { status: 400, gatepay: G.param_missing, merchant: true },
  param_forbidden: { status: 400, gatepay: G.param_forbidden, merchant: true },
  api_closed: { status: 403, gatepay: G.api_closed, merchant: true },
  return_url_missing: { status: 422, gatepay: G.return_url_missing, merchant: true },
  notify_url_missing: { status: 422, gatepay: G.notify_url_missing, merchant: true },
  quota: { status: 402, gatepay: G.quota, merchant: true },
  unknown: { status: 500, gatepay: G.unknown, merchant: true },
  price_invalid: { status: 400, gatepay: G.price_invalid, merchant: true },
  type_invalid: { status: 400, gatepay: G.type_invalid, merchant: true },
  type_closed: { status: 422, gatepay: G.type_closed, merchant: true },
  no_method: { status: 503, gatepay: G.no_method, merchant: true },
  out_order_conflict: { status: 409, gatepay: G.out_order_conflict, merchant: true },
  order_final: { status: 409, gatepay: G.order_final, merchant: true },
  // Refunds refused by the refund service (SPEC §11.4); each API words them in its own way.
  refund_exceeds: { status: 409, gatepay: G.price_invalid },
  refund_not_channel: { status: 409, gatepay: G.type_closed },
  refund_conflict: { status: 409, gatepay: G.out_order_conflict },
  refund_not_paid: { status: 409, gatepay: G.order_final },
  // A channel config that cannot be saved (the field and why).
  config_invalid: { status: 422, gatepay: G.param_missing },
} as const satisfies Record<string, ErrorSpec>;
export type ErrorCode = keyof typeof ERRORS;

/** What an error may carry besides its code and message. */
export interface ErrorDetails {
  /** The parameter or field at fault. */
  field?: string;
  /** A refund that exceeds what is left: the fen that can still be refunded. */
  refundableFen?: number;
}

const spec = (code: ErrorCode): ErrorSpec => ERRORS[code];

/** Every error huipay answers on purpose: a code of the closed set, a message, and what it is about. */
export class HuipayError extends Error {
  readonly field: string | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.field = details.field;
  }
  get status(): number {
    return spec(this.code).status;
  }
  get gatepay(): GatepayCode {
    return spec(this.code).gatepay;
  }
  /** Answered in the gatepay envelope wherever it is thrown. */
  get merchant(): boolean {
    return spec(this.code).merchant === true;
  }
}

/** Throws the error of `code`: for `cond || fail(...)` and `return fail(...)`. */
export const fail = (code: ErrorCode, message: string, details?: ErrorDetails): never => {
  throw new HuipayError(code, message, details);
};

/** The merchant code of a gatepay number (105 → param_missing). */
export const merchantCode = (n: GatepayCode): ErrorCode =>
  (Object.keys(ERRORS) as ErrorCode[]).find((k) => spec(k).merchant && spec(k).gatepay === n) ?? 'unknown';

const ADMIN_CODES = [
  'bad_request',
  'unauthorized',
  'payment_required',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'unprocessable',
  'internal',
] as const satisfies readonly ErrorCode[];
type AdminCode = (typeof ADMIN_CODES)[number];

/** The error of a channel config field that cannot be kept: the message is `<field> <why>`. */
export const configInvalid = (field: string, why: string) =>
  new HuipayError('config_invalid', `${field} ${why}`, { field });

/** Throws the merchant API's refusal of gatepay number `n` (a channel's or the refund service's code). */
export const failMerchant = (n: GatepayCode, message: string): never => {
  throw new HuipayError(merchantCode(n), message);
};

export type RefundRefusal = 'not_paid' | 'not_channel' | 'exceeds' | 'conflict';
/** A refund the refund service refused (a `refund_*` code); each API words it in its own way. */
export const isRefundRefused = (err: unknown): err is HuipayError =>
  err instanceof HuipayError && err.code.startsWith('refund_');
/** Why a refund was refused. */
export const refusalOf = (err: HuipayError) => err.code.slice('refund_'.length) as RefundRefusal;

// ── envelopes ───────────────────────────────────────────────────────────────────────────────

export const unixSeconds = (ms = Date.now()) => Math.floor(ms / 1000);

export function gatepayBody(code: number, msg: string, data: unknown = null) {
  return { code, msg, time: String(unixSeconds()), data };
}

/** The env the envelopes need: the request id (the app's env has it). */
type ErrorEnv = { Variables: { requestId: string } };

export function apiErrorResponse<E extends ErrorEnv>(c: Context<E>, code: ErrorCode, message: string) {
  return c.json(
    { error: { code, message, request_id: c.get('requestId') } },
    spec(code).status as (typeof ERRORS)[AdminCode]['status'],
  );
}

const isGatepay = (path: string) => path.startsWith('/api/cloudpay/');
/** The facades (SPEC §12) answer `{ "code": -1, "msg" }` like the gateways they stand in for. */
const isFacade = (path: string) =>
  /^(\/epay)?\/(submit|mapi|api)(\.php)?$/.test(path) || path.startsWith('/vmq/') || path.startsWith('/vmq-host/');

const statusCode = (status: number): ErrorCode => ADMIN_CODES.find((k) => ERRORS[k].status === status) ?? 'bad_request';

/** The app's single error handler. */
export function onError<E extends ErrorEnv>(err: Error, c: Context<E>) {
  if (err instanceof HuipayError) {
    if (err.merchant) return c.json(gatepayBody(err.gatepay, err.message));
    return apiErrorResponse(c, err.code, err.message);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const message = err.message || 'bad request';
    if (isGatepay(c.req.path)) return c.json(gatepayBody(G.param_missing, message));
    return apiErrorResponse(c, statusCode(err.status), message);
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
    return c.json(gatepayBody(G.unknown, `unknown error; request id ${c.get('requestId')}`));
  }
  if (isFacade(c.req.path))
    return c.json({ code: -1, msg: `系统错误，请稍后再试；request id ${c.get('requestId')}` }, 500);
  return apiErrorResponse(c, 'internal', 'internal error; the request id is logged');
}
