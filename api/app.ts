import { randomUUID } from 'node:crypto';
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from '@fastify/type-provider-zod';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import { redactError } from '../telemetry/redact';
import type { AppDeps, RouteDeps } from './deps';
import { auditPlugin } from './audit';
import { authPlugin } from './auth';
import { errorHandler, frameworkErrorHandler, HttpProblem, notFoundHandler, problem } from './errors';
import { FormPrinter } from './files/form-printer';
import { heavyPlugin } from './heavy';
import { idempotencyPlugin } from './idempotency';
import { ImportRunner } from './imports/runner';
import { openapiTransform } from './openapi';
import { webConsole } from './web';
import auditRoutes from './routes/audit';
import authRoutes from './routes/auth';
import caseRoutes from './routes/cases';
import documentRoutes from './routes/cases/documents';
import exportRoutes from './routes/cases/export';
import eventRoutes from './routes/cases/events';
import supervisionRoutes from './routes/cases/supervisor-commands';
import partyRoutes from './routes/cases/parties';
import notificationRoutes from './routes/notifications';
import supervisorRoutes from './routes/supervisor';
import summaryRoutes from './routes/summaries';
import taskRoutes from './routes/tasks';
import codecRoutes from './routes/codec';
import healthRoutes from './routes/health';
import metricsRoutes from './routes/metrics';
import jurisdictionRoutes from './routes/jurisdictions';
import importRoutes from './routes/imports';
import policyRoutes from './routes/policies';
import reportRoutes from './routes/reports';

/**
 * Logs never carry personal data (R21): requests are logged by method, route pattern and status,
 * not by URL (a search `q` may be a name) or body, and anything that looks like one is redacted.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: [
      'req.headers.authorization',
      '*.person',
      '*.idNumber',
      '*.name',
      '*.password',
      '*.token',
      '*.vaultKey',
    ],
    serializers: {
      req: (req: { method: string; routeOptions?: { url?: string }; id: string }) => ({
        id: req.id,
        method: req.method,
        route: req.routeOptions?.url ?? 'unmatched',
      }),
    },
  };
}

/** Deeper than any body the API takes; refused before parsing, so no later step recurses that far. */
const MAX_BODY_DEPTH = 32;

/** How deeply the JSON text nests objects and arrays (strings skipped), stopping past `limit`. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i += 1; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth += 1;
      if (depth > deepest && (deepest = depth) > limit) break;
    } else if (c === 125 || c === 93) depth -= 1;
  }
  return deepest;
}

/** The path of the first string holding a NUL character, which PostgreSQL cannot store in text. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Buffer.isBuffer(value)) return null; // an uploaded file (imports), read by its own parser
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
    // The client's address (login throttling) comes from X-Forwarded-For only through these proxies.
    // Fastify 5 ignores a bare hop count (it cannot check the peer); TRUST_PROXY=n asks for it.
    trustProxy:
      typeof deps.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (deps.trustProxy as number)
        : (deps.trustProxy ?? false),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // JSON objects only: any other media type is a 415, and a JSON array or scalar or a body nested
  // deeper than any the API takes a 400.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepth(body as string, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
      return done(
        new HttpProblem(400, 'body_too_deep', `the request body nests deeper than ${MAX_BODY_DEPTH} levels`),
      );
    }
    void parseJson(request, body as string, (error, value) => {
      if (error) return done(error);
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        return done(new HttpProblem(400, 'body_not_object', 'the request body must be a JSON object'));
      }
      done(null, value);
    });
  });

  // A known path asked with a method it does not have is a 405 naming the ones it has (RFC 9110
  // §15.5.6), not a 404 as if the path did not exist; answered before any body is read.
  // The most specific route pattern names the methods, as the document does: /v1/cases/search is
  // POST only, and a GET of it is a 405 rather than a 400 from /v1/cases/:id, which it also fits.
  const paths = new Map<string, { pattern: RegExp; vague: number; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    const pattern = new RegExp(
      `^${route.url.replace(/[.]/g, '\\.').replace(/:\w+/g, '[^/]+').replace(/\*/g, '.*')}$`,
    );
    const vague = (route.url.match(/:\w+|\*/g) ?? []).length;
    const entry = paths.get(route.url) ?? { pattern, vague, methods: new Set<string>() };
    paths.set(route.url, entry);
    for (const method of [route.method].flat()) entry.methods.add(method);
  });
  app.addHook('onRequest', async (request, reply) => {
    const routed = request.is404 ? undefined : paths.get(request.routeOptions.url ?? '');
    // Routed to a static route, or a CORS preflight: nothing to correct.
    if (routed?.vague === 0 || (routed && request.method === 'OPTIONS')) return;
    const path = request.url.split('?')[0] ?? '';
    const matching = [...paths.values()].filter((p) => p.pattern.test(path));
    if (matching.length === 0) return;
    const least = Math.min(...matching.map((p) => p.vague));
    const allowed = new Set(matching.filter((p) => p.vague === least).flatMap((p) => [...p.methods]));
    if (allowed.has(request.method)) return;
    const list = [...allowed].sort().join(', ');
    return reply
      .code(405)
      .header('allow', list)
      .type('application/problem+json')
      .send(problem(405, 'method_not_allowed', `${request.method} is not allowed here; allowed: ${list}`));
  });

  // Personal data must not stay in browser or proxy caches (R21): no API answer is stored. The
  // console's own files set their own caching (api/web.ts).
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/v1/') && !request.url.startsWith('/codec')) return;
    reply.header('cache-control', 'no-store');
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
      throw new HttpProblem(400, 'nul_character', 'text must not contain NUL characters', [
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
      // 3.1: JSON Schema 2020-12, as zod writes it (3.0 has no `propertyNames`, no `const`).
      openapi: '3.1.0',
      info: {
        title: 'Case follow-up engine for community drug rehabilitation',
        version: '1',
        description: 'HTTP API v1. Errors are RFC 9457 problem+json. Authenticate with POST /v1/auth/login.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: openapiTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, {
    secret: deps.tokenSecret,
    ttlSeconds: deps.tokenTtlSeconds,
    db: deps.db.db,
  });
  await app.register(auditPlugin, {
    db: deps.db.db,
    key: deps.auditKey,
    checkpointEveryMs: deps.auditCheckpointEveryMs,
  });
  await app.register(idempotencyPlugin, { db: deps.db.db });
  // Documents, exports, reports and imports: two at a time per user; forms print off this thread.
  await app.register(heavyPlugin);
  const forms = new FormPrinter();
  app.addHook('onClose', () => forms.close());

  const routeDeps: RouteDeps = { ...deps, clock: deps.clock ?? (async () => Date.now()) };
  // First, so its request timing sees every route registered after it.
  await app.register(metricsRoutes, routeDeps);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, routeDeps);
  await app.register(authRoutes, { ...routeDeps, prefix: '/v1/auth' });
  await app.register(caseRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(exportRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(documentRoutes, { ...routeDeps, forms, prefix: '/v1/cases' });
  await app.register(eventRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(supervisionRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(partyRoutes, { ...routeDeps, prefix: '/v1/cases' });
  await app.register(taskRoutes, { ...routeDeps, prefix: '/v1/tasks' });
  await app.register(summaryRoutes, { ...routeDeps, prefix: '/v1/summaries' });
  await app.register(notificationRoutes, { ...routeDeps, prefix: '/v1/notifications' });
  await app.register(supervisorRoutes, { ...routeDeps, prefix: '/v1/supervisor' });
  await app.register(policyRoutes, { ...routeDeps, prefix: '/v1/policies' });
  await app.register(reportRoutes, { ...routeDeps, prefix: '/v1/reports' });
  await app.register(jurisdictionRoutes, { ...routeDeps, prefix: '/v1/jurisdictions' });
  await app.register(auditRoutes, { ...routeDeps, prefix: '/v1/audit' });
  // Imports run in the API process; an unfinished one resumes at start, a stop leaves it resumable.
  const imports = new ImportRunner({
    db: deps.db.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    policy: deps.policy,
    auditKey: deps.auditKey,
    concurrency: deps.importConcurrency ?? 4,
    onError: (error) => app.log.error({ err: redactError(error) }, 'an import row failed'),
  });
  app.addHook('onReady', () => imports.resumeUnfinished());
  app.addHook('onClose', () => imports.stop());
  await app.register(importRoutes, { ...routeDeps, imports, prefix: '/v1/imports' });
  await app.register(codecRoutes, { ...routeDeps, prefix: '/codec' });
  await app.register(webConsole);
  return app;
}
