import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { addParty } from '../../../db/parties';
import { isWithin } from '../../../db/scope';
import { findUserByUsername } from '../../../db/users';
import { CaseParams, PartyBody, PartyView } from '../../../schemas/case';
import { Problem } from '../../../schemas/problem';
import type { RouteDeps } from '../../deps';
import { rolesFor } from '../../../schemas/access';
import { caseFor } from '../../access';
import { HttpProblem } from '../../errors';
import { toPartyView } from '../../views';

// R24: the four-party group (四方工作小组). Names and phones are personal data: read with the
// case (audited), never logged, never in a URL.

const partyRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, clock }) => {
  app.post(
    '/:id/parties',
    {
      config: { roles: rolesFor('parties'), idempotent: true },
      schema: {
        tags: ['cases'],
        summary:
          'R24: add a member of the four-party group; a police_officer with a username receives the case’s police notifications by name',
        params: CaseParams,
        body: PartyBody,
        response: { 201: PartyView, 400: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem },
      },
    },
    async (request, reply) => {
      const found = await caseFor(db.db, request.user, request.params.id, 'parties');
      if (found.status === 'closed') throw new HttpProblem(409, 'case_closed', 'the case is closed');
      const username = request.body.role === 'police_officer' ? request.body.username : undefined;
      if (username) {
        const officer = await findUserByUsername(db.db, username);
        if (!officer || officer.role !== 'police' || !isWithin(found.jurisdiction, officer.jurisdictions)) {
          throw new HttpProblem(
            422,
            'officer_not_here',
            'the username is not a police officer of the case’s jurisdiction',
            [{ path: 'body.username', message: 'not a police officer of the case’s jurisdiction' }],
          );
        }
      }
      const row = await addParty(db.db, {
        caseId: found.id,
        role: request.body.role,
        name: request.body.name,
        phone: request.body.phone ?? null,
        relation: request.body.relation ?? null,
        username: username ?? null,
        createdBy: request.user.username,
        createdAt: new Date(await clock()),
      });
      await request.audit({ action: 'case.party.add', cases: [found] });
      return reply.code(201).send(toPartyView(row));
    },
  );
};

export default partyRoutes;
