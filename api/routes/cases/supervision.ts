import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findCase } from '../../../db/cases';
import type { CaseRow } from '../../../db/schema';
import { jurisdictionExists } from '../../../db/jurisdictions';
import { isWithin } from '../../../db/scope';
import { openTasksOfCase } from '../../../db/tasks';
import { findUserByUsername } from '../../../db/users';
import { CaseParams, CaseView, TaskParams, TaskView } from '../../../schemas/case';
import {
  ApproveEndOfControlBody,
  AssignBody,
  CloseBody,
  DelegateBody,
  ExtendBody,
  TierBody,
  TimelineEntryView,
  TransferBody,
} from '../../../schemas/events';
import { UPDATES } from '../../../schemas/catalogue';
import { Problem } from '../../../schemas/problem';
import type { Caller } from '../../auth';
import {
  approveEndOfControlUpdate,
  assignUpdate,
  closeUpdate,
  delegateUpdate,
  endDelegationUpdate,
  extendTaskUpdate,
  setTierUpdate,
  transferUpdate,
  type Actor,
  type TimelineEntry,
} from '../../../workflows/case-follow-up.messages';
import type { UpdateDefinition } from '@temporalio/common';
import type { RouteDeps } from '../../app';
import { HttpProblem, notFound } from '../../errors';
import { refuseBeforeArrival, sendToCase, updateIdOf } from './commands';
import { toCaseView, toTaskView, toTimelineView } from './views';

const ActionReply = z.object({ event: TimelineEntryView, case: CaseView });
const errors = { 400: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const actor = (caller: Caller) => ({ username: caller.username, role: caller.role });

const supervisionRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, temporal, clock }) => {
  const load = async (id: string, caller: Caller) => {
    const found = await findCase(db.db, id, caller.jurisdictions);
    if (!found) throw notFound();
    return found;
  };
  /** A supervisor's step on a case: only its responsible side (both sides of a transfer) may take it (R23). */
  const loadResponsible = async (id: string, caller: Caller) => {
    const found = await load(id, caller);
    const responsible = [found.jurisdiction, found.transferTo].some(
      (code) => code !== null && isWithin(code, caller.jurisdictions),
    );
    if (!responsible)
      throw new HttpProblem(
        403,
        'responsible_side_only',
        'the case is managed by its responsible jurisdiction, not the delegate',
      );
    return found;
  };
  const view = async (id: string, caller: Caller) =>
    toCaseView(
      await load(id, caller),
      caller.role,
      await openTasksOfCase(db.db, id),
      new Date(await clock()),
    );
  /** Sends the supervisor's step to the workflow; answers with its timeline entry and the case. */
  const act = async <B>(
    request: FastifyRequest,
    found: CaseRow,
    update: UpdateDefinition<TimelineEntry, [B, Actor]>,
    body: B,
  ) => {
    refuseBeforeArrival(found, request.user);
    const entry = await sendToCase(
      temporal,
      found.id,
      update,
      [body, actor(request.user)],
      updateIdOf(request),
    );
    await request.audit({ action: `case.${update.name}`, cases: [found] });
    return { event: toTimelineView(entry), case: await view(found.id, request.user) };
  };

  app.post(
    '/:id/transfer',
    {
      config: { roles: UPDATES.transfer.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary: 'R15: move the case to another jurisdiction; in transfer until it reports in there',
        params: CaseParams,
        body: TransferBody,
        response: { 200: ActionReply, ...errors },
      },
    },
    async (request) => {
      const found = await load(request.params.id, request.user);
      if (!(await jurisdictionExists(db.db, request.body.to))) {
        throw new HttpProblem(
          422,
          'receiving_jurisdiction_unknown',
          'the receiving jurisdiction is not known',
          [{ path: 'body.to', message: `unknown jurisdiction: ${request.body.to}` }],
        );
      }
      return act(request, found, transferUpdate, request.body);
    },
  );

  app.post(
    '/:id/delegate',
    {
      config: { roles: UPDATES.delegate.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary:
          'R23: let another street do the daily work (tests, contacts, visits); the case stays with its jurisdiction',
        params: CaseParams,
        body: DelegateBody,
        response: { 200: CaseView, ...errors },
      },
    },
    async (request) => {
      const found = await loadResponsible(request.params.id, request.user);
      if (!(await jurisdictionExists(db.db, request.body.to))) {
        throw new HttpProblem(
          422,
          'delegate_jurisdiction_unknown',
          'the delegate jurisdiction is not known',
          [{ path: 'body.to', message: `unknown jurisdiction: ${request.body.to}` }],
        );
      }
      return (await act(request, found, delegateUpdate, request.body)).case;
    },
  );

  app.post(
    '/:id/delegate/end',
    {
      config: { roles: UPDATES.endDelegation.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary: 'R23: end the delegation; the responsible street does the daily work again',
        params: CaseParams,
        body: CloseBody,
        response: { 200: CaseView, ...errors },
      },
    },
    async (request) => {
      const found = await loadResponsible(request.params.id, request.user);
      return (await act(request, found, endDelegationUpdate, request.body)).case;
    },
  );

  app.post(
    '/:id/close',
    {
      config: { roles: UPDATES.close.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary: 'Close the case',
        params: CaseParams,
        body: CloseBody,
        response: { 200: ActionReply, ...errors },
      },
    },
    async (request) => {
      const found = await loadResponsible(request.params.id, request.user);
      return act(request, found, closeUpdate, request.body);
    },
  );

  app.post(
    '/:id/end-of-control/approve',
    {
      config: { roles: UPDATES.approveEndOfControl.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary:
          'R19: approve the end-of-control proposal: dynamic control ends, the police are asked for the discharge notice',
        params: CaseParams,
        body: ApproveEndOfControlBody,
        response: { 200: ActionReply, ...errors },
      },
    },
    async (request) => {
      const found = await load(request.params.id, request.user);
      return act(request, found, approveEndOfControlUpdate, request.body);
    },
  );

  app.post(
    '/:id/tier',
    {
      config: { roles: UPDATES.setTier.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary: 'R10: set or confirm the risk tier; completes an open tier review',
        params: CaseParams,
        body: TierBody,
        response: { 200: ActionReply, ...errors },
      },
    },
    async (request) => {
      const found = await loadResponsible(request.params.id, request.user);
      return act(request, found, setTierUpdate, request.body);
    },
  );

  app.post(
    '/:id/assign',
    {
      config: { roles: UPDATES.assign.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary: 'Assign the case to a caseworker',
        params: CaseParams,
        body: AssignBody,
        response: { 200: ActionReply, ...errors },
      },
    },
    async (request) => {
      const found = await loadResponsible(request.params.id, request.user);
      const worker = await findUserByUsername(db.db, request.body.caseworker);
      if (!worker || worker.role !== 'caseworker' || !isWithin(found.jurisdiction, worker.jurisdictions)) {
        throw new HttpProblem(422, 'not_caseworker_here', 'not a caseworker of the case’s jurisdiction', [
          {
            path: 'body.caseworker',
            message: `no caseworker ${request.body.caseworker} covers ${found.jurisdiction}`,
          },
        ]);
      }
      if (worker.disabledAt) {
        // R30: nobody is held by no one; a disabled account never sees the tasks.
        throw new HttpProblem(422, 'caseworker_unavailable', 'the caseworker’s account is disabled', [
          { path: 'body.caseworker', message: `${request.body.caseworker} cannot take cases` },
        ]);
      }
      return act(request, found, assignUpdate, request.body);
    },
  );

  app.post(
    '/:id/tasks/:taskId/extend',
    {
      config: { roles: UPDATES.extendTask.roles, idempotent: true },
      schema: {
        tags: ['supervision'],
        summary: 'Give a task more time, with a reason',
        params: TaskParams,
        body: ExtendBody,
        response: { 200: TaskView, ...errors },
      },
    },
    async (request) => {
      const found = await loadResponsible(request.params.id, request.user);
      refuseBeforeArrival(found, request.user);
      await sendToCase(
        temporal,
        found.id,
        extendTaskUpdate,
        [{ taskId: request.params.taskId, ...request.body }, actor(request.user)],
        updateIdOf(request),
      );
      await request.audit({ action: 'case.extendTask', cases: [found] });
      const task = (await openTasksOfCase(db.db, found.id)).find((t) => t.id === request.params.taskId);
      if (!task) throw notFound('task');
      return toTaskView(task, new Date(await clock()));
    },
  );
};

export default supervisionRoutes;
