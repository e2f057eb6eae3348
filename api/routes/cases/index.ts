import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { findCase, findCaseJurisdiction, findOpenCaseByIdNumber, listCases } from '../../../db/cases';
import { jurisdictionExists } from '../../../db/jurisdictions';
import { openTasksOfCase } from '../../../db/tasks';
import { isWithin } from '../../../db/scope';
import { CaseList, CaseListQuery, CaseParams, CaseView, CreateCaseBody } from '../../../schemas/case';
import type { FastifyRequest } from 'fastify';
import { ROLES } from '../../../schemas/common';
import { Problem } from '../../../schemas/problem';
import {
  CASE_WORKFLOW_TYPE,
  caseWorkflowId,
  DUPLICATE_OPEN_CASE,
  openCaseUpdate,
  type CaseInput,
} from '../../../workflows/case-follow-up.messages';
import { CaseJurisdiction, CasePhase, CaseTier } from '../../../workflows/search-attributes';
import type { RouteDeps } from '../../app';
import { HttpProblem, notFound } from '../../errors';
import { withDeadline } from './commands';
import { decodeCursor, encodeCursor, toCaseSummary, toCaseView } from './views';

const duplicate = (caseId: string) =>
  new HttpProblem(409, 'duplicate_open_case', `this person already has an open case: ${caseId}`, [
    { path: 'body.person.idNumber', message: `an open case exists: ${caseId}` },
  ]);

const caseRoutes: FastifyPluginAsyncZod<RouteDeps> = async (
  app,
  { db, temporal, taskQueue, policy, clock },
) => {
  app.post(
    '',
    {
      config: { roles: ['liaison'], idempotent: true },
      schema: {
        tags: ['cases'],
        summary: 'Open a handover for a person still inside a detox facility (pre-release)',
        body: CreateCaseBody,
        response: { 201: CaseView, 400: Problem, 409: Problem, 422: Problem },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const caller = request.user;
      if (
        !isWithin(body.destination, caller.jurisdictions) ||
        !(await jurisdictionExists(db.db, body.destination))
      ) {
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
      const existing = await findOpenCaseByIdNumber(db.db, body.person.idNumber);
      if (existing) throw duplicate(existing.id);

      const caseId = randomUUID();
      const input: CaseInput = {
        caseId,
        opening: body,
        openedBy: caller.username,
        openedAt: new Date().toISOString(),
        policy,
      };
      try {
        // Start and wait for the record in one call: the 201 means the case is readable now.
        await withDeadline(temporal, () =>
          temporal.workflow.executeUpdateWithStart(openCaseUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation(CASE_WORKFLOW_TYPE, {
              workflowId: caseWorkflowId(caseId),
              taskQueue,
              args: [input],
              workflowIdConflictPolicy: 'FAIL',
              typedSearchAttributes: [
                { key: CasePhase, value: 'pre_release' },
                { key: CaseTier, value: 'stable' },
                { key: CaseJurisdiction, value: body.destination },
              ],
            }),
          }),
        );
      } catch (error) {
        // Two handovers for one person racing past the check above: the database's guard decides.
        if (
          error instanceof WorkflowUpdateFailedError &&
          error.cause instanceof ApplicationFailure &&
          error.cause.type === DUPLICATE_OPEN_CASE
        ) {
          throw duplicate(String(error.cause.details?.[0]));
        }
        throw error;
      }
      const row = await findCase(db.db, caseId, caller.jurisdictions);
      if (!row) throw new Error('case recorded by the workflow is missing from the read model');
      await request.audit({ action: 'case.create', cases: [row] });
      const openTasks = await openTasksOfCase(db.db, caseId);
      return reply
        .code(201)
        .header('location', `/v1/cases/${caseId}`)
        .send(toCaseView(row, caller.role, openTasks, new Date(await clock())));
    },
  );

  /** The list, from a query string (GET) or a search body (POST, so a name never sits in a URL). */
  async function list(request: FastifyRequest, query: CaseListQuery, where: 'querystring' | 'body') {
    const caller = request.user;
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
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    await request.audit({ action: 'case.list', cases: page });
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
        response: { 200: CaseList, 400: Problem },
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
        response: { 200: CaseList, 400: Problem, 422: Problem },
      },
    },
    async (request) => list(request, request.body, 'body'),
  );

  app.get(
    '/:id',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['cases'],
        summary: 'One case; outside your jurisdictions it answers 404, as a case that does not exist',
        params: CaseParams,
        response: { 200: CaseView, 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      const row = await findCase(db.db, request.params.id, request.user.jurisdictions);
      if (!row) {
        // An attempt on a case elsewhere is traced for that jurisdiction's supervisors (R21);
        // the caller gets the same 404 as for a case that does not exist.
        const elsewhere = await findCaseJurisdiction(db.db, request.params.id);
        await request.audit({ action: 'case.read.denied', cases: elsewhere ? [elsewhere] : [] });
        throw notFound();
      }
      await request.audit({ action: 'case.read', cases: [row] });
      return toCaseView(
        row,
        request.user.role,
        await openTasksOfCase(db.db, row.id),
        new Date(await clock()),
      );
    },
  );
};

export default caseRoutes;
