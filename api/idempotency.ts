import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { Db } from '../db/client';
import { findCase } from '../db/cases';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  purgeIdempotencyKeys,
  releaseIdempotencyKey,
} from '../db/idempotency';
import { HttpProblem, notFound } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A creating POST: honours `Idempotency-Key` (api.md) — a repeat gets the first reply. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim?: { scope: string; key: string };
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,200}$/;

/** Documents the header in the OpenAPI document of every idempotent route (and validates it). */
const IdempotencyHeaders = z.looseObject({
  [IDEMPOTENCY_HEADER]: z.string().regex(KEY, 'must be 1 to 200 visible ASCII characters').optional().meta({
    description: 'the same key with the same body returns the first result; with another body, 422',
  }),
});

export interface IdempotencyOptions {
  db: Db;
  /** How long a duplicate waits for the first request to finish before a 409. */
  waitMs?: number;
  /** How long a finished key and its stored reply are kept (then replaced on reuse, and deleted). */
  ttlSeconds?: number;
  /** A claim running longer than this is taken to be abandoned (its process died). */
  staleSeconds?: number;
}

/** JSON with sorted keys: the same body in another key order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Idempotency for every route whose config says `idempotent: true`. The key is claimed by an
 * insert before the handler runs, so of concurrent duplicates exactly one runs the handler;
 * the others wait for its stored reply and get the same status and body (or a 409 if it is
 * still running after `waitMs`). A 5xx is not stored: the key is released so a retry runs again.
 */
export const idempotencyPlugin = fp<IdempotencyOptions>(async (app: FastifyInstance, options) => {
  const { db } = options;
  const waitMs = options.waitMs ?? 30_000;
  const limits = { ttlSeconds: options.ttlSeconds ?? 86_400, staleSeconds: options.staleSeconds ?? 120 };
  // Expired replies are deleted at most once a minute per process, by the next idempotent request.
  let purgedAt = 0;

  app.addHook('onRoute', (route) => {
    if (route.config?.idempotent && !route.schema?.headers) {
      route.schema = { ...route.schema, headers: IdempotencyHeaders };
    }
  });

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.routeOptions.config.idempotent) return;
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return;
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new HttpProblem(
        400,
        'idempotency_key_invalid',
        'the Idempotency-Key header must be 1 to 200 visible ASCII characters',
        [{ path: 'headers.idempotency-key', message: 'must be 1 to 200 visible ASCII characters' }],
      );
    }
    if (Date.now() - purgedAt > 60_000) {
      purgedAt = Date.now();
      await purgeIdempotencyKeys(db, limits);
    }
    // The role is part of the scope: a reply rendered for one role (a full ID number) is never
    // replayed to the same user under another.
    const scope = `${request.user.sub} ${request.user.role} ${request.method} ${request.url.split('?')[0]}`;
    const requestHash = createHash('sha256')
      .update(canonical(request.body ?? null))
      .digest('hex');
    const deadline = Date.now() + waitMs;
    for (;;) {
      const outcome = await claimIdempotencyKey(db, { scope, key: header, requestHash }, limits);
      if (outcome.claimed) {
        request.idempotencyClaim = { scope, key: header };
        return;
      }
      const row = outcome.row;
      if (row) {
        if (row.requestHash !== requestHash) {
          throw new HttpProblem(
            422,
            'idempotency_key_reused',
            'this Idempotency-Key was already used with a different request body',
            [{ path: 'headers.idempotency-key', message: 'already used with a different body' }],
          );
        }
        if (row.statusCode !== null) {
          // The caller's access now, not when the reply was stored: a case that has left their
          // jurisdictions is not shown again (R21).
          for (const { id } of row.audit?.cases ?? []) {
            if (!(await findCase(db, id, request.user.jurisdictions, request.user.role))) throw notFound();
          }
          // The replay shows the same case again: a read like the first (R21).
          if (row.audit)
            await request.audit({ action: `${row.audit.action}.replay`, cases: row.audit.cases });
          reply.code(row.statusCode).header('idempotent-replayed', 'true');
          if (row.contentType) reply.header('content-type', row.contentType);
          if (row.location) reply.header('location', row.location);
          return reply.send(row.responseBody ?? '');
        }
      }
      if (Date.now() > deadline) {
        throw new HttpProblem(
          409,
          'idempotency_in_progress',
          'a request with this Idempotency-Key is still in progress; retry later',
        );
      }
      // The first request is still running (or just gave its key up): look again shortly.
      await sleep(100);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = undefined;
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : null;
    if (reply.statusCode >= 500 || body === null) {
      await releaseIdempotencyKey(db, claim.scope, claim.key);
    } else {
      const location = reply.getHeader('location');
      await completeIdempotencyKey(db, claim.scope, claim.key, {
        statusCode: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? '') || null,
        location: typeof location === 'string' ? location : null,
        body,
        audit: request.audited ?? null,
      });
    }
    return payload;
  });
});
