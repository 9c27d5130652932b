/**
 * What the facades' entries in the OpenAPI document share (epay-docs.ts, vmq-docs.ts): the
 * field shapes, the `{code: -1, msg}` failure, and one helper that documents an endpoint for GET
 * (parameters in the query string) and POST (the same parameters in a form, multipart or JSON
 * body) from one zod object. Documentation only: the handlers in src/facades read the raw
 * parameters (facades/params.ts), because every sign covers the exact strings received.
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { OUT_ORDER_ID } from '../domain/gatepay';
import { PLAIN_YUAN } from '../domain/money';

export type OpenAPIRegistry = OpenAPIHono['openAPIRegistry'];
type RouteConfig = Parameters<OpenAPIRegistry['registerPath']>[0];

/** An amount as the facades take it (domain/money.ts `parsePlainYuan`). */
export const PlainAmount = z.string().regex(PLAIN_YUAN).openapi({
  description:
    'yuan written plainly: > 0, at most two decimals, ≤ MAX_AMOUNT; no sign, exponent or leading zero (`1`, `1.5`, `10.00`; not `01`, `00.10`, `1e2`)',
  example: '30',
});
/** The merchant's order number (epay out_trade_no, V免签 payId). */
export const OrderNo = z
  .string()
  .regex(OUT_ORDER_ID)
  .openapi({ description: '1–64 characters of A-Z a-z 0-9 _ . | -', example: 'SO-20261201-0008' });
export const Md5Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/)
  .openapi({ description: 'hex MD5 (lowercase; uppercase accepted), formula in the description' });
/** A callback URL given with the order: http(s), ≤ 1024 characters; a live app's notify URL may not be internal. */
export const CallbackUrl = z.string().max(1024).openapi({ format: 'uri', example: 'https://shop.example.com/notify' });
/** `param` of both facades: the order's `custom`. */
export const Param = z.string().max(255).optional().openapi({
  description: "pass-through text up to 255 characters, the order's `custom`, echoed in the notify",
  example: 'uid881',
});

/** Every facade's refusal: HTTP 200 (404 for an unknown API or monitor host) with a message naming the field. */
export const Failure = z
  .object({ code: z.literal(-1), msg: z.string().openapi({ example: 'money 00.10 无效：…' }) })
  .openapi('FacadeFailure');
const fault = {
  description: 'An unexpected fault: `{"code":-1,"msg":"系统错误，请稍后再试；request id …"}`',
  content: { 'application/json': { schema: Failure } },
};

const PARAMS_NOTE =
  'Parameters come in the query string and, for a POST, also in the body (`application/x-www-form-urlencoded`, `multipart/form-data` or `application/json`, where a number keeps its written text), merged; each name at most once across both, percent-encoding valid UTF-8. Signs cover the values exactly as received.';

export interface FacadeOperation {
  path: string;
  tags: string[];
  summary: string;
  description: string;
  params: z.ZodObject;
  /** Path parameters (`{appkey}`), apart from the query or body parameters. */
  pathParams?: z.ZodObject;
  responses: RouteConfig['responses'];
  servers?: RouteConfig['servers'];
}

/** Documents a facade endpoint for GET and POST, which its handler treats alike. */
export function registerFacadeOperation(registry: OpenAPIRegistry, op: FacadeOperation): void {
  const description = `${op.description}\n\n${PARAMS_NOTE}`;
  const responses = { ...op.responses, 500: fault };
  const common = { path: op.path, tags: op.tags, summary: op.summary, description, responses, servers: op.servers };
  const params = op.pathParams;
  registry.registerPath({ ...common, method: 'get', request: { params, query: op.params } });
  const schema = op.params;
  registry.registerPath({
    ...common,
    method: 'post',
    request: {
      params,
      body: {
        required: false,
        content: {
          'application/x-www-form-urlencoded': { schema },
          'multipart/form-data': { schema },
          'application/json': { schema },
        },
      },
    },
  });
}
