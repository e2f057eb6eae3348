import { randomUUID } from 'node:crypto';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from '@fastify/type-provider-zod';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { Policy } from '../config/policy';
import type { Database } from '../db/client';
import { auditPlugin } from './audit';
import { authPlugin } from './auth';
import { errorHandler, frameworkErrorHandler, HttpProblem, notFoundHandler } from './errors';
import { idempotencyPlugin } from './idempotency';
import { webConsole } from './web';
import auditRoutes from './routes/audit';
import authRoutes from './routes/auth';
import caseRoutes from './routes/cases';
import eventRoutes from './routes/cases/events';
import supervisionRoutes from './routes/cases/supervision';
import notificationRoutes from './routes/notifications';
import supervisorRoutes from './routes/supervisor';
import taskRoutes from './routes/tasks';
import codecRoutes from './routes/codec';
import healthRoutes from './routes/health';
import metricsRoutes from './routes/metrics';
import jurisdictionRoutes from './routes/jurisdictions';
import policyRoutes from './routes/policies';

export interface AppDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  policyDocument: Record<string, unknown>;
  tokenSecret: string;
  tokenTtlSeconds: number;
  /**
   * The engine's clock, for what is due or overdue. Real time in production; tests on the
   * time-skipping server pass that server's clock, so the API and the workflows agree on "now".
   */
  clock?: () => Promise<number>;
  /** The payload codec the Temporal client uses, served at /codec for the Temporal Web UI. */
  payloadCodec: PayloadCodec;
  /** Browser origins allowed to call /codec (the Temporal Web UI). */
  codecCorsOrigins: string[];
}

/** What the route plugins receive: the dependencies with the clock filled in. */
export type RouteDeps = AppDeps & { clock: () => Promise<number> };

/**
 * Logs never carry personal data (R21): requests are logged by method, route pattern and status,
 * not by URL (a search `q` may be a name) or body, and anything that looks like one is redacted.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: ['req.headers.authorization', '*.person', '*.idNumber', '*.name', '*.password', '*.token'],
    serializers: {
      req: (req: { method: string; routeOptions?: { url?: string }; id: string }) => ({
        id: req.id,
        method: req.method,
        route: req.routeOptions?.url ?? 'unmatched',
      }),
    },
  };
}

/** The path of the first string holding a NUL character, which PostgreSQL cannot store in text. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = nulPath(child, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** The API's wiring, in one place: plugins, error handling, docs and routes. */
export async function buildApp(
  deps: AppDeps,
  logger: FastifyServerOptions['logger'] = false,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: 64 * 1024,
    genReqId: () => randomUUID(),
    frameworkErrors: frameworkErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // JSON objects only: any other media type is a 415, and a JSON array or scalar a 400.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parseJson(request, body as string, (error, value) => {
      if (error) return done(error);
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        return done(new HttpProblem(400, 'the request body must be a JSON object'));
      }
      done(null, value);
    });
  });

  // A trace per request, named by method and route pattern (never the URL: a search `q` may be a
  // name); the handler runs inside it, so its SQL and Temporal calls join it. A no-op unless the
  // process started tracing (telemetry/).
  const tracer = trace.getTracer('rehab-api');
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route },
    });
    spans.set(request, span);
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    spans.get(request)?.setAttribute('http.response.status_code', reply.statusCode).end();
  });

  app.addHook('preValidation', async (request) => {
    const path =
      nulPath(request.params, 'params') ??
      nulPath(request.query, 'querystring') ??
      nulPath(request.body, 'body');
    if (path) {
      throw new HttpProblem(400, 'text must not contain NUL characters', [
        { path, message: 'contains \\u0000' },
      ]);
    }
  });

  await app.register(fastifyHelmet, {
    // Swagger UI's inline script and styles; the API itself serves JSON only.
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        // Served over plain HTTP on 127.0.0.1 by default; a TLS proxy in front adds its own.
        'upgrade-insecure-requests': null,
      },
    },
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Case follow-up engine for community drug rehabilitation',
        version: '1',
        description: 'HTTP API v1. Errors are RFC 9457 problem+json. Authenticate with POST /v1/auth/login.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, {
    secret: deps.tokenSecret,
    ttlSeconds: deps.tokenTtlSeconds,
    db: deps.db.db,
  });
  await app.register(auditPlugin, { db: deps.db.db });
  await app.register(idempotencyPlugin, { db: deps.db.db });
  // Only routes that ask for it (login); in memory, per process.
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, `too many attempts; try again in ${Math.ceil(context.ttl / 1000)} s`),
  });

  const routeDeps: RouteDeps = { ...deps, clock: deps.clock ?? (async () => Date.now()) };
  // First, so its request timing sees every route registered after it.
  await app.register(metricsRoutes, routeDeps);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, routeDeps);
  await app.register(authRoutes, { ...routeDeps, prefix: '/v1/auth' });
  await app.register(caseRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(eventRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(supervisionRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(taskRoutes, { ...routeDeps, prefix: '/v1/tasks' });
  await app.register(notificationRoutes, { ...routeDeps, prefix: '/v1/notifications' });
  await app.register(supervisorRoutes, { ...routeDeps, prefix: '/v1/supervisor' });
  await app.register(policyRoutes, { ...routeDeps, prefix: '/v1/policies' });
  await app.register(jurisdictionRoutes, { ...routeDeps, prefix: '/v1/jurisdictions' });
  await app.register(auditRoutes, { ...routeDeps, prefix: '/v1/audit' });
  await app.register(codecRoutes, { ...routeDeps, prefix: '/codec' });
  await app.register(webConsole);
  return app;
}
