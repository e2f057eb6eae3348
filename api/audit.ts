import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { appendAudit } from '../db/audit/chain';
import { writeCheckpoint } from '../db/audit/checkpoints';
import type { Db } from '../db/client';
import { HttpProblem } from './errors';

export const AUDIT_REASON_HEADER = 'x-audit-reason';
export const AUDIT_REASON_MAX = 200;

export interface AuditCall {
  /** What was done, e.g. `case.read`, `case.create`, `case.list`. */
  action: string;
  /**
   * The cases concerned, with the jurisdiction each is in; ids only, never personal data (R21).
   * A delegated case is recorded under the delegate street too, so both sides' trails show it (R23).
   */
  cases: { id: string; jurisdiction: string; delegatedTo?: string | null }[];
  /** The jurisdictions the request covered; default: the caller's. */
  scope?: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Appends an entry for this request to the audit trail: who, when, what, why (R21). */
    audit(call: AuditCall): Promise<void>;
    /** The entry this request recorded, if any (an idempotent replay records it again). */
    audited?: AuditCall;
  }
}

/**
 * The "why" of an audit entry: the caller's `X-Audit-Reason` (plain text, percent-encoded UTF-8
 * allowed, up to 200 characters) or, without one, the route as the default purpose.
 */
function auditReason(request: FastifyRequest): string | null {
  const raw = request.headers[AUDIT_REASON_HEADER];
  if (raw === undefined) return null;
  if (Array.isArray(raw)) throw reasonProblem('send it once');
  let value: string;
  try {
    value = decodeURIComponent(raw).trim();
  } catch {
    throw reasonProblem('it is not valid percent-encoded UTF-8');
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) throw reasonProblem('it contains control characters');
  if (value.length === 0 || value.length > AUDIT_REASON_MAX) {
    throw reasonProblem(`it must be 1 to ${AUDIT_REASON_MAX} characters`);
  }
  return value;
}

const reasonProblem = (why: string) =>
  new HttpProblem(400, 'audit_reason_invalid', `the X-Audit-Reason header is invalid: ${why}`, [
    { path: 'headers.x-audit-reason', message: why },
  ]);

/** How often each API process signs a checkpoint over the chains' heads (when one moved). */
export const CHECKPOINT_EVERY_MS = 60_000;

/**
 * Decorates every request with `audit()`; the reason header is checked before any handler runs.
 * While the app runs it signs a checkpoint over all chain heads every minute.
 */
export const auditPlugin = fp<{ db: Db; key: string; checkpointEveryMs?: number }>(
  async (app: FastifyInstance, { db, key, checkpointEveryMs = CHECKPOINT_EVERY_MS }) => {
    let checkpoints: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      if (checkpointEveryMs <= 0) return;
      checkpoints = setInterval(() => {
        writeCheckpoint(db, key).catch((error: unknown) =>
          app.log.warn({ err: error }, 'audit checkpoint failed'),
        );
      }, checkpointEveryMs);
      checkpoints.unref();
    });
    app.addHook('onClose', async () => clearInterval(checkpoints));
    app.decorateRequest('audit', async function (this: FastifyRequest, call: AuditCall) {
      const route = `${this.method} ${this.routeOptions.url ?? ''}`;
      const cases = call.cases.flatMap(({ id, jurisdiction, delegatedTo }) =>
        delegatedTo
          ? [
              { id, jurisdiction },
              { id, jurisdiction: delegatedTo },
            ]
          : [{ id, jurisdiction }],
      );
      await appendAudit(db, key, {
        at: new Date(),
        actorId: this.user.sub,
        actorUsername: this.user.username,
        actorRole: this.user.role,
        action: call.action,
        cases,
        scope: call.scope ?? this.user.jurisdictions,
        route,
        reason: auditReason(this) ?? route,
        requestId: this.id,
      });
      this.audited = { action: call.action, cases };
    });
    app.addHook('preValidation', async (request) => {
      auditReason(request);
    });
  },
);

/** The distinct cases of a list, for one audit entry about a list read. */
export function casesOf<T extends { id: string }>(rows: T[]): T[] {
  return [...new Map(rows.map((row) => [row.id, row])).values()];
}
