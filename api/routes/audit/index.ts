import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { listAudit } from '../../../db/audit/list';
import { isWithin } from '../../../db/scope';
import { AuditList, AuditQuery } from '../../../schemas/audit';
import { Problem } from '../../../schemas/problem';
import type { AppDeps } from '../../deps';

const auditRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { db }) => {
  app.get(
    '',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['audit'],
        summary: 'Who read or changed which cases, when and why (R21); entries about your jurisdictions only',
        querystring: AuditQuery,
        response: { 200: AuditList, 400: Problem },
      },
    },
    async (request) => {
      const { caseId, actor, from, to, cursor, limit } = request.query;
      const scope = request.user.jurisdictions;
      const rows = await listAudit(
        db.db,
        {
          caseId,
          actor,
          from: from ? new Date(from) : undefined,
          to: to ? new Date(to) : undefined,
          before: cursor ? Number(cursor) : undefined,
          limit: limit + 1,
        },
        scope,
      );
      const page = rows.slice(0, limit);
      // Reading the trail is itself on the trail.
      await request.audit({ action: 'audit.read', cases: [] });
      return {
        items: page.map((row) => ({
          id: row.id,
          at: row.at.toISOString(),
          actor: { id: row.actorId, username: row.actorUsername, role: row.actorRole },
          action: row.action,
          // An entry listing cases of several jurisdictions shows only yours.
          caseIds: row.caseIds.filter((_, i) => isWithin(row.caseJurisdictions[i] ?? '', scope)),
          route: row.route,
          reason: row.reason,
          requestId: row.requestId,
          hash: row.hash,
          prevHash: row.prevHash,
        })),
        nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null,
      };
    },
  );
};

export default auditRoutes;
