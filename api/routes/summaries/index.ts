import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { listCaseworkerMessages } from '../../../db/caseworker-messages';
import { Problem } from '../../../schemas/problem';
import { SummaryList, SummaryQuery } from '../../../schemas/summaries';
import type { RouteDeps } from '../../deps';

const summaryRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '',
    {
      config: { roles: ['caseworker'] },
      schema: {
        tags: ['tasks'],
        summary:
          'Your daily summaries, newest first: what was due, what went overdue, what the engine escalated',
        querystring: SummaryQuery,
        response: { 200: SummaryList, 400: Problem },
      },
    },
    async (request) => {
      const rows = await listCaseworkerMessages(
        db.db,
        request.user.username,
        'daily_summary',
        request.query.limit,
      );
      return {
        items: rows.map((row) => ({
          id: row.id,
          period: { start: row.periodStart!.toISOString(), end: row.periodEnd!.toISOString() },
          counts: row.counts!,
          createdAt: row.createdAt.toISOString(),
          status: row.status,
          deliveredAt: row.deliveredAt?.toISOString() ?? null,
        })),
      };
    },
  );
};

export default summaryRoutes;
