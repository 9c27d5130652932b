/** Small builders so each admin route definition states only what is its own. */
import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import { ErrorBody } from '../../schemas/common';

export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const errors = {
  400: json(ErrorBody, 'Bad input: the message names the field'),
  401: json(ErrorBody, 'Missing or wrong bearer token'),
  404: json(ErrorBody, 'No such resource'),
  409: json(ErrorBody, 'The resource is not in a state that allows this'),
};

/** An admin operation: bearer-authenticated, with the standard error responses. */
export function adminRoute<R extends Omit<RouteConfig, 'security'>>(config: R) {
  return createRoute({ ...config, security: [{ bearer: [] }], responses: { ...errors, ...config.responses } });
}
