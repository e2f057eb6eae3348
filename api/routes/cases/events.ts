import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { findCase } from '../../../db/cases';
import { isWithin } from '../../../db/scope';
import { rolesFor } from '../../../schemas/access';
import { openTasksOfCase } from '../../../db/tasks';
import { timelineOfCase } from '../../../db/timeline';
import { CaseParams, CaseView } from '../../../schemas/case';
import { ROLES } from '../../../schemas/common';
import { EVENTS } from '../../../schemas/catalogue';
import { EventBody, TimelineEntryView } from '../../../schemas/events';
import { Problem } from '../../../schemas/problem';
import { recordEventUpdate } from '../../../workflows/case/messages';
import type { RouteDeps } from '../../deps';
import { HttpProblem } from '../../errors';
import { caseFor } from '../../access';
import { sendToCase, updateIdOf } from '../../engine';
import { toCaseView, toTimelineView } from '../../views';

const PRE_RELEASE: ReadonlySet<string> = new Set(['pre_release', 'awaiting_release']);
const EVENT_ROLES = ROLES.filter((role) => Object.values(EVENTS).some((spec) => spec.roles.includes(role)));
const EventReply = z.object({ event: TimelineEntryView, case: CaseView });

const eventRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, temporal, clock }) => {
  app.post(
    '/:id/events',
    {
      // Any role some event is for; the table (api/access.ts) decides per event type and side.
      config: { roles: EVENT_ROLES, idempotent: true },
      schema: {
        tags: ['cases'],
        summary: 'Record what happened; completes the open tasks it satisfies',
        params: CaseParams,
        body: EventBody,
        response: { 201: EventReply, 400: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem },
      },
    },
    async (request, reply) => {
      const event = request.body;
      const caller = request.user;
      const found = await caseFor(db.db, caller, request.params.id, `event:${event.type}`);
      if (event.type === 'reported_in' && !isWithin(event.jurisdiction, caller.jurisdictions)) {
        throw new HttpProblem(
          422,
          'report_in_by_receiver',
          'a report-in is recorded by the receiving jurisdiction',
          [{ path: 'body.jurisdiction', message: `outside your jurisdictions: ${event.jurisdiction}` }],
        );
      }
      if (event.type === 'service' && caller.role === 'liaison' && !PRE_RELEASE.has(found.phase)) {
        throw new HttpProblem(
          409,
          'service_after_release_by_caseworker',
          'after release, services are recorded by the caseworker',
        );
      }
      // R24: a home visit the police record is one they made with the caseworker.
      const recorded =
        event.type === 'home_visit' && caller.role === 'police' ? { ...event, joint: true } : event;
      const entry = await sendToCase(
        temporal,
        found.id,
        recordEventUpdate,
        [recorded, { username: caller.username, role: caller.role }],
        updateIdOf(request),
      );
      await request.audit({ action: `case.event.${event.type}`, cases: [found] });
      // The update returns once the read model has the change, so this read sees it.
      const updated = (await findCase(db.db, found.id, caller.jurisdictions, caller.role)) ?? found;
      const openTasks = await openTasksOfCase(db.db, found.id);
      return reply.code(201).send({
        event: toTimelineView(entry),
        case: toCaseView(updated, caller.role, openTasks, new Date(await clock())),
      });
    },
  );

  app.get(
    '/:id/timeline',
    {
      config: { roles: rolesFor('read') },
      schema: {
        tags: ['cases'],
        summary: 'Every recorded event and engine action, oldest first',
        params: CaseParams,
        response: { 200: z.object({ items: z.array(TimelineEntryView) }), 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      const found = await caseFor(db.db, request.user, request.params.id, 'read');
      await request.audit({ action: 'case.timeline.read', cases: [found] });
      return { items: (await timelineOfCase(db.db, found.id)).map(toTimelineView) };
    },
  );
};

export default eventRoutes;
