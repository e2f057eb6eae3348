import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { allJurisdictions } from '../../../db/jurisdictions';
import { isWithin } from '../../../db/scope';
import { ROLES } from '../../../schemas/common';
import { JurisdictionList } from '../../../schemas/jurisdiction';
import type { RouteDeps } from '../../deps';

// The jurisdiction tree with its names, for pickers: a handover's destination lies within the
// caller's own (`mine`), a transfer may go anywhere. Names of places, no personal data.
const jurisdictionRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['jurisdictions'],
        summary: 'Every jurisdiction with its name; `mine` marks those within yours',
        response: { 200: JurisdictionList },
      },
    },
    async (request) => ({
      items: (await allJurisdictions(db.db)).map((row) => ({
        ...row,
        mine: isWithin(row.code, request.user.jurisdictions),
      })),
    }),
  );
};

export default jurisdictionRoutes;
