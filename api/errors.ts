import { isGrpcServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { hasZodFastifySchemaValidationErrors } from '@fastify/type-provider-zod';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { redactError } from '../telemetry/redact';
import type { Problem } from '../schemas/problem';
import type { RefusalCode } from '../schemas/refusal-codes';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

const WHERE: Record<string, string> = {
  body: 'the request body',
  querystring: 'the query string',
  params: 'the path',
  headers: 'a request header',
};

/** An error the API answers with its own status, a stable code and a detail fit for the user. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: RefusalCode,
    readonly detail: string,
    readonly errors?: Problem['errors'],
  ) {
    super(detail);
  }
}

export const notFound = (what = 'case') => new HttpProblem(404, 'not_found', `no such ${what}`);

export function problem(
  status: number,
  code: RefusalCode,
  detail?: string,
  errors?: Problem['errors'],
): Problem {
  return {
    type: `https://httpstatuses.io/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    ...(errors ? { errors } : {}),
  };
}

/** Fastify's own client errors, by their error code. */
const FASTIFY_CODES: Record<string, RefusalCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed_json',
  FST_ERR_BAD_URL: 'invalid_url',
};

/** Any other client error, by its status. */
const STATUS_CODES: Record<number, RefusalCode> = {
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

const clientErrorCode = (error: FastifyError, status: number): RefusalCode =>
  FASTIFY_CODES[error.code] ??
  STATUS_CODES[status] ??
  (error instanceof SyntaxError ? 'malformed_json' : 'validation_failed');

/** The validation issue's own code when a schema names one (a time out of bounds), else the general one. */
function validationCode(validation: { params?: unknown }[]): RefusalCode {
  for (const v of validation) {
    const code = (v.params as { params?: { code?: unknown } } | undefined)?.params?.code;
    if (code === 'occurred_at_out_of_range') return code;
  }
  return 'validation_failed';
}

function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

/**
 * What `pg` says when PostgreSQL cannot be reached or the connection drops: plain errors without
 * a code (found by the fault suite: a login during an outage answered 500).
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout)/;

/** What Temporal says of an update to a case whose workflow task is being retried (gRPC code 9). */
const WORKFLOW_TASK_FAILED = /workflow task in failed state/i;

/** True for a dependency that cannot be reached now (database or Temporal), as opposed to a bug. */
function isUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (isGrpcServiceError(e) && (e.code === 14 || e.code === 4)) return true; // UNAVAILABLE, DEADLINE_EXCEEDED
    // FAILED_PRECONDITION while the case's workflow task is being retried (its worker died in
    // the middle of it): Temporal takes no update until the task completes, seconds later.
    if (isGrpcServiceError(e) && e.code === 9 && WORKFLOW_TASK_FAILED.test(String(e.message))) return true;
    if (
      typeof e.code === 'string' &&
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03'].includes(e.code)
    )
      return true;
    if (typeof e.message === 'string' && PG_CONNECTION_LOST.test(e.message)) return true;
  }
  return false;
}

/** One error handler for the whole API: problem+json, and never a stack trace or a 5xx detail. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpProblem)
    return sendProblem(reply, problem(error.status, error.code, error.detail, error.errors));
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const errors = error.validation.map((v) => ({
      path: `${where}${v.instancePath === '/' ? '' : v.instancePath.replaceAll('/', '.')}`,
      message: v.message ?? 'is invalid',
    }));
    const status = where === 'body' ? 422 : 400;
    return sendProblem(
      reply,
      problem(
        status,
        validationCode(error.validation),
        `${WHERE[where] ?? 'the request'} is invalid`,
        errors,
      ),
    );
  }
  if (error instanceof WorkflowUpdateFailedError) {
    request.log.error({ err: redactError(error) }, 'workflow update failed');
    return sendProblem(reply, problem(500, 'internal_error', 'the request could not be completed'));
  }
  if (isUnavailable(error)) {
    request.log.warn({ err: redactError(error) }, 'a dependency is unavailable');
    return sendProblem(
      reply,
      problem(503, 'unavailable', 'a service this request needs is unavailable; try again shortly'),
    );
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (malformed JSON, body too large, media type) say what is wrong.
    return sendProblem(reply, problem(status, clientErrorCode(error, status), error.message));
  }
  // Database errors quote their parameters, which may be personal data (R21).
  request.log.error({ err: redactError(error) }, 'unhandled error');
  return sendProblem(
    reply,
    problem(500, 'internal_error', 'the request could not be completed; the error has been logged'),
  );
}

/** Errors Fastify's router raises before any route runs (a bad URL, an overlong path segment). */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  return sendProblem(
    reply,
    status === 414
      ? problem(414, 'uri_too_long', 'a path segment is too long')
      : problem(status, 'invalid_url', 'the URL is not valid'),
  );
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(
    reply,
    problem(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
