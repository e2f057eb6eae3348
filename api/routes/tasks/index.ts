import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { inbox } from '../../../db/tasks';
import { InboxQuery, TaskList } from '../../../schemas/case';
import { ROLES } from '../../../schemas/common';
import { Problem } from '../../../schemas/problem';
import type { RouteDeps } from '../../deps';
import { casesOf } from '../../audit';
import { toTaskView } from '../../views';

const taskRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, clock }) => {
  app.get(
    '',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['tasks'],
        summary:
          'The inbox: open tasks within your jurisdictions, soonest due first (mine=true: your own work)',
        querystring: InboxQuery,
        response: { 200: TaskList, 400: Problem },
      },
    },
    async (request) => {
      const { mine, status, due_before, limit } = request.query;
      const caller = request.user;
      const now = new Date(await clock());
      const rows = await inbox(
        db.db,
        {
          ...(mine === 'true' ? { role: caller.role, assignee: caller.username } : {}),
          status,
          dueBefore: due_before ? new Date(due_before) : undefined,
          now,
          limit,
        },
        caller.jurisdictions,
        caller.role,
      );
      await request.audit({
        action: 'task.list',
        cases: casesOf(
          rows.map((r) => ({ id: r.task.caseId, jurisdiction: r.jurisdiction, delegatedTo: r.delegatedTo })),
        ),
      });
      return {
        items: rows.map((row) => ({
          ...toTaskView(row.task, now),
          case: {
            name: row.personName,
            phase: row.phase,
            tier: row.tier,
            jurisdiction: row.jurisdiction,
            delegatedTo: row.delegatedTo,
          },
        })),
      };
    },
  );
};

export default taskRoutes;
