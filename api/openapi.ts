import { jsonSchemaTransform } from '@fastify/type-provider-zod';
import type { RouteOptions } from 'fastify';

type Transform = typeof jsonSchemaTransform;
type Responses = Record<string, unknown>;

const PROBLEM = { $ref: '#/components/schemas/Problem' };

const WHY: Record<number, string> = {
  400: 'Bad request: a malformed URL, path, query, header or JSON body',
  401: 'No valid bearer token',
  403: "The caller's role may not do this",
  404: 'No such resource, or one outside your jurisdictions',
  409: 'Conflicts with the current state (or a duplicate of a request still running)',
  413: 'The body is larger than 64 KiB',
  414: 'A path segment is too long',
  415: 'The body is not application/json',
  422: 'The body is invalid, or names something that cannot be used',
  429: 'Too many attempts; try again later',
  503: 'A service this request needs (database, Temporal) is unavailable; try again shortly',
};

/**
 * The refusals every route of a kind can send, whatever the route itself says: a malformed URL
 * or query (400) anywhere; a token (401/403) on protected routes; a dependency down (503) where
 * the route reads the database (the token check reads the user; login reads it too); a body's
 * parse, size, media type and validation; a path id (404, 414); an Idempotency-Key's checks
 * (400, 409, 422); a rate limit (429).
 */
function commonStatuses(route: RouteOptions, schema: Record<string, unknown>): number[] {
  const config = (route.config ?? {}) as { public?: boolean; idempotent?: boolean; rateLimit?: unknown };
  const statuses = [400];
  if (!config.public) statuses.push(401, 403);
  if (!config.public || schema.body) statuses.push(503);
  if (schema.body) statuses.push(413, 415, 422);
  if (schema.params) statuses.push(404, 414);
  if (config.idempotent) statuses.push(409, 422);
  if (config.rateLimit) statuses.push(429);
  return statuses;
}

/**
 * The document tells the truth (issue 13): every status a route can send is listed, every
 * refusal as application/problem+json (schemas/problem.ts), public routes need no token and the
 * roles a route admits are named (`x-roles`). One place for all routes, on top of what each
 * route declares for itself (its own 409s and 422s).
 */
export const openapiTransform: Transform = (input) => {
  const result = jsonSchemaTransform(input);
  const schema = result.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return result;
  const route = input.route as RouteOptions;
  const config = (route.config ?? {}) as { public?: boolean; roles?: readonly string[] };
  const declared = (schema.response ?? {}) as Responses;
  const statuses = new Set([
    ...Object.keys(declared)
      .map(Number)
      .filter((status) => status >= 400),
    ...commonStatuses(route, schema),
  ]);
  const response: Responses = Object.fromEntries(
    Object.entries(declared).filter(([status]) => Number(status) < 400),
  );
  for (const status of [...statuses].sort((a, b) => a - b)) {
    response[status] = {
      description: WHY[status] ?? 'Refused',
      content: { 'application/problem+json': { schema: PROBLEM } },
    };
  }
  return {
    ...result,
    schema: {
      ...schema,
      response,
      ...(config.public ? { security: [] } : {}),
      ...(config.roles ? { 'x-roles': [...config.roles] } : {}),
    },
  };
};
