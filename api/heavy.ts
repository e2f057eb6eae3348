import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../schemas/problem';
import { HttpProblem } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A document, export, report or import: at most HEAVY_PER_USER at a time per user (api.md v1.2). */
    heavy?: boolean;
  }
}

/** How many heavy requests one user may have under way at once. */
export const HEAVY_PER_USER = 2;
/** What `Retry-After` says: about the time a form or an export takes. */
export const HEAVY_RETRY_AFTER_SECONDS = 2;

/**
 * Bounds the requests that cost seconds of CPU or memory: a user with HEAVY_PER_USER of them
 * under way gets `429 too_many_at_once` for the next, before its body is read. Counted per API
 * process (in memory): behind a load balancer a user may have that many in each process. A slot
 * is given back when the reply has been sent or the client went away, whichever is first.
 */
export const heavyPlugin = fp(async (app: FastifyInstance) => {
  const underWay = new Map<string, number>();
  const releases = new WeakMap<FastifyRequest, () => void>();

  app.addHook('onRoute', (route) => {
    if (!route.config?.heavy) return;
    const response = (route.schema?.response ?? {}) as Record<string, unknown>;
    route.schema = { ...route.schema, response: { ...response, 429: Problem } };
  });

  // After authentication (registered after it), so the caller is known.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.routeOptions.config.heavy || !request.user) return;
    const user = request.user.sub;
    const count = underWay.get(user) ?? 0;
    if (count >= HEAVY_PER_USER) {
      reply.header('retry-after', String(HEAVY_RETRY_AFTER_SECONDS));
      throw new HttpProblem(
        429,
        'too_many_at_once',
        `you already have ${HEAVY_PER_USER} documents, exports, reports or imports under way; try again when one is done`,
      );
    }
    underWay.set(user, count + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (underWay.get(user) ?? 1) - 1;
      if (left > 0) underWay.set(user, left);
      else underWay.delete(user);
    };
    releases.set(request, release);
    // 'close' comes when the reply is sent and when the connection drops before it is.
    reply.raw.once('close', release);
  });
  app.addHook('onResponse', async (request) => releases.get(request)?.());
  app.addHook('onRequestAbort', async (request) => releases.get(request)?.());
});
