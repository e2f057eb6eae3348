import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { findCase, findCaseJurisdiction, findOpenCaseByIdNumber, listCases } from '../../../db/cases';
import { streetStatus } from '../../../db/jurisdictions';
import { openTasksOfCase } from '../../../db/tasks';
import { partiesOfCase } from '../../../db/parties';
import { timelineOfCase } from '../../../db/timeline';
import { isWithin } from '../../../db/scope';
import { CaseList, CaseListQuery, CaseParams, CaseView, CreateCaseBody } from '../../../schemas/case';
import type { FastifyRequest } from 'fastify';
import { ROLES, type Role } from '../../../schemas/common';
import type { Origin } from '../../../schemas/codes';
import { FUTURE_TOLERANCE_MS } from '../../../schemas/time-bounds';
import { Problem } from '../../../schemas/problem';
import type { CaseInput } from '../../../workflows/case/messages';
import type { RouteDeps } from '../../deps';
import { rolesFor } from '../../../schemas/access';
import { authorize } from '../../access';
import { HttpProblem, notFound } from '../../errors';
import { newCaseId, openCase, updateIdOf } from '../../engine';
import { isIdNumberSearch, toCaseSummary, toCaseView, toPartyView, toServicePlan } from '../../views';
import { decodeCursor, encodeCursor } from './cursor';

/** The 409 names the open case only to a caller who may read it (api.md v1.2 "Existence is not an oracle"). */
const duplicate = (caseId: string | null) =>
  caseId
    ? new HttpProblem(409, 'duplicate_open_case', `this person already has an open case: ${caseId}`, [
        { path: 'body.person.idNumber', message: `an open case exists: ${caseId}` },
      ])
    : new HttpProblem(
        409,
        'duplicate_open_case',
        'this person already has an open case that you may not read',
        [{ path: 'body.person.idNumber', message: 'an open case exists' }],
      );

/** Who opens a case, by its way in (api.md "Ways into the programme"). */
const OPENERS: Record<Origin, readonly Role[]> = {
  // api.md v1.2: the destination's caseworkers go into the facilities too (Suzhou, seed 003).
  facility: ['liaison', 'caseworker'],
  police_order: ['caseworker', 'supervisor', 'police'],
};

const caseRoutes: FastifyPluginAsyncZod<RouteDeps> = async (
  app,
  { db, temporal, taskQueue, policy, clock },
) => {
  app.post(
    '',
    {
      config: { roles: ['liaison', 'caseworker', 'supervisor', 'police'], idempotent: true },
      schema: {
        tags: ['cases'],
        summary:
          'Open a case: a handover for a person still inside a detox facility (liaison), or a police-ordered community detox (R22: caseworker, supervisor, police)',
        body: CreateCaseBody,
        response: { 201: CaseView, 400: Problem, 403: Problem, 409: Problem, 422: Problem },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const caller = request.user;
      const policeOrder = body.origin === 'police_order';
      if (!OPENERS[policeOrder ? 'police_order' : 'facility'].includes(caller.role)) {
        throw new HttpProblem(
          403,
          'origin_not_for_role',
          policeOrder
            ? 'a police-ordered case is registered by a caseworker, supervisor or police officer'
            : 'a facility handover is opened by the facility liaison or a caseworker of the destination',
        );
      }
      const destination = await streetStatus(db.db, body.destination);
      if (!isWithin(body.destination, caller.jurisdictions) || destination === 'unknown') {
        throw new HttpProblem(
          422,
          'destination_not_yours',
          'the destination is not a known jurisdiction within yours',
          [
            {
              path: 'body.destination',
              message: `unknown or outside your jurisdictions: ${body.destination}`,
            },
          ],
        );
      }
      // api.md v1.2 "Jurisdictions where people live": a case is held by a street, where its caseworkers are.
      if (destination === 'not_a_street') {
        throw new HttpProblem(
          422,
          'destination_not_a_street',
          'a case is held by a street, not a district or city',
          [{ path: 'body.destination', message: `not a street: ${body.destination}` }],
        );
      }
      if (policeOrder && Date.parse(body.decision.decidedAt) > (await clock()) + FUTURE_TOLERANCE_MS) {
        throw new HttpProblem(422, 'occurred_at_out_of_range', 'the decision date is in the future', [
          { path: 'body.decision.decidedAt', message: 'must not be in the future' },
        ]);
      }
      // api.md v1.2 "Dates that make sense": a decision older than a case can be (R22).
      const maxCaseAge = policy.deadlines.maxCaseAge ?? 1461 * 86_400_000;
      if (policeOrder && Date.parse(body.decision.decidedAt) < (await clock()) - maxCaseAge) {
        throw new HttpProblem(422, 'date_out_of_range', 'the decision date is older than the policy allows', [
          { path: 'body.decision.decidedAt', message: 'older than the policy’s deadlines.maxCaseAge' },
        ]);
      }
      // With an Idempotency-Key the case id (and the opening update's id) come from the key, so a
      // retry after a process died between opening the case and storing its reply finds the case
      // it opened, rather than a "duplicate" of it.
      const keyed = updateIdOf(request);
      const caseId = newCaseId(keyed ? { updateId: keyed } : undefined);
      const existing = await findOpenCaseByIdNumber(db.db, body.person.idNumber);
      const readable = async (id: string) => ((await findCase(db.db, id, caller.jurisdictions)) ? id : null);
      if (existing && existing.id !== caseId) throw duplicate(await readable(existing.id));

      const input: CaseInput = {
        caseId,
        opening: body,
        openedBy: caller.username,
        openedAt: new Date().toISOString(),
        policy,
      };
      // A keyed retry joins the case its first attempt started, answered with the first outcome.
      const { duplicateOf } = await openCase({ temporal, taskQueue }, input, {
        updateId: keyed,
        rejoin: keyed !== undefined,
        deadline: true,
      });
      if (duplicateOf !== null) throw duplicate(await readable(duplicateOf));
      const row = await findCase(db.db, caseId, caller.jurisdictions, caller.role);
      if (!row) throw new Error('case recorded by the workflow is missing from the read model');
      await request.audit({ action: 'case.create', cases: [row] });
      const openTasks = await openTasksOfCase(db.db, caseId);
      return (
        reply
          .code(201)
          .header('location', `/v1/cases/${caseId}`)
          // A case just opened has no group members and no services yet; GET shows them as they come.
          .send({
            ...toCaseView(row, caller.role, openTasks, new Date(await clock())),
            parties: [],
            services: [],
          })
      );
    },
  );

  /** The list, from a query string (GET) or a search body (POST, so a name never sits in a URL). */
  async function list(request: FastifyRequest, query: CaseListQuery, where: 'querystring' | 'body') {
    const caller = request.user;
    const byIdNumber = isIdNumberSearch(query.q, caller.role);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (after === null) {
      throw new HttpProblem(400, 'cursor_invalid', 'the cursor is not one this API returned', [
        { path: `${where}.cursor`, message: 'invalid cursor' },
      ]);
    }
    const rows = await listCases(
      db.db,
      {
        phase: query.phase,
        tier: query.tier,
        jurisdiction: query.jurisdiction,
        assignee: query.assignee,
        overdueAt: query.overdue === 'true' ? new Date(await clock()) : undefined,
        text: query.q,
        after,
        limit: query.limit + 1,
      },
      caller.jurisdictions,
      caller.role,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    await request.audit({ action: byIdNumber ? 'case.search.idNumber' : 'case.list', cases: page });
    return {
      items: page.map((row) => toCaseSummary(row, caller.role)),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  app.get(
    '',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['cases'],
        summary: 'Cases within your jurisdictions, newest first',
        querystring: CaseListQuery,
        response: { 200: CaseList, 400: Problem, 403: Problem },
      },
    },
    async (request) => list(request, request.query, 'querystring'),
  );

  app.post(
    '/search',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['cases'],
        summary:
          'The same list, its filters in the body: a search by name or ID number never appears in a URL, a log or a browser history',
        body: CaseListQuery,
        response: { 200: CaseList, 400: Problem, 403: Problem, 422: Problem },
      },
    },
    async (request) => list(request, request.body, 'body'),
  );

  app.get(
    '/:id',
    {
      config: { roles: rolesFor('read') },
      schema: {
        tags: ['cases'],
        summary: 'One case; outside your jurisdictions it answers 404, as a case that does not exist',
        params: CaseParams,
        response: { 200: CaseView, 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      const row = await findCase(db.db, request.params.id, request.user.jurisdictions, request.user.role);
      if (!row) {
        // An attempt on a case elsewhere is traced for that jurisdiction's supervisors (R21);
        // the caller gets the same 404 as for a case that does not exist.
        const elsewhere = await findCaseJurisdiction(db.db, request.params.id);
        await request.audit({ action: 'case.read.denied', cases: elsewhere ? [elsewhere] : [] });
        throw notFound();
      }
      authorize(request.user, row, 'read');
      await request.audit({ action: 'case.read', cases: [row] });
      const view = toCaseView(
        row,
        request.user.role,
        await openTasksOfCase(db.db, row.id),
        new Date(await clock()),
      );
      return {
        ...view,
        parties: (await partiesOfCase(db.db, row.id)).map(toPartyView),
        services: toServicePlan(await timelineOfCase(db.db, row.id, 'service')),
      };
    },
  );
};

export default caseRoutes;
