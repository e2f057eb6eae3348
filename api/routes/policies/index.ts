import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../../schemas/common';
import type { AppDeps } from '../../deps';

const PolicyReply = z.object({
  version: z.string(),
  title: z.string(),
  document: z.record(z.string(), z.unknown()),
});

const policyRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { policy, policyDocument }) => {
  app.get(
    '/current',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['policies'],
        summary: 'The policy in force for new cases, as written in its file',
        response: { 200: PolicyReply },
      },
    },
    async () => ({ version: policy.version, title: policy.title, document: policyDocument }),
  );
};

export default policyRoutes;
