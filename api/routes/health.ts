import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { Problem } from '../../schemas/problem';
import type { AppDeps } from '../deps';
import { HttpProblem } from '../errors';

const Health = z.object({ status: z.literal('ok') });
const Ready = z.object({ status: z.literal('ready'), database: z.string(), temporal: z.string() });

const healthRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, temporal }) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Health } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'The database and Temporal answer',
        response: { 200: Ready, 503: Problem },
      },
    },
    async () => {
      const failures: string[] = [];
      await db.ping().catch(() => failures.push('database'));
      await temporal.workflowService.getSystemInfo({}).catch(() => failures.push('temporal'));
      if (failures.length > 0)
        throw new HttpProblem(503, 'unavailable', `not ready: ${failures.join(' and ')} unreachable`);
      return { status: 'ready' as const, database: db.kind, temporal: 'reachable' };
    },
  );
};

export default healthRoutes;
