/**
 * What the facades' entries in the OpenAPI document share (epay-docs.ts, vmq-docs.ts): one helper
 * that documents an endpoint for GET (parameters in the query string) and POST (the same
 * parameters in a form, multipart or JSON body) from its parameter schema (src/schemas/epay.ts,
 * vmq.ts). The handlers read the raw parameters (facades/params.ts), verify the sign over the exact
 * strings received, then check them with those schemas.
 */
import type { OpenAPIHono, z } from '@hono/zod-openapi';
import { Failure } from '../schemas/facade';

export type OpenAPIRegistry = OpenAPIHono['openAPIRegistry'];
type RouteConfig = Parameters<OpenAPIRegistry['registerPath']>[0];

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
