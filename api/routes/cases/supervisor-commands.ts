import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CaseRow } from '../../../db/schema';
import { streetStatus } from '../../../db/jurisdictions';
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
import { UPDATES, type UpdateName } from '../../../schemas/catalogue';
import type { RefusalCode } from '../../../schemas/refusal-codes';
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
} from '../../../workflows/case/messages';
import type { UpdateDefinition } from '@temporalio/common';
import type { RouteDeps } from '../../deps';
import { HttpProblem, notFound } from '../../errors';
import { caseFor } from '../../access';
import { sendToCase, updateIdOf } from '../../engine';
import { toCaseView, toTaskView, toTimelineView } from '../../views';

const ActionReply = z.object({ event: TimelineEntryView, case: CaseView });
const errors = { 400: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const actor = (caller: Caller) => ({ username: caller.username, role: caller.role });

const supervisorCommandRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, temporal, clock }) => {
  /** The case, if the caller's role and side may take this step (api/access.ts: R15, R23). */
  const load = (id: string, caller: Caller, action: UpdateName) => caseFor(db.db, caller, id, action);
  /** A street to hold or do the work of a case (api.md v1.2): unknown keeps its own code. */
  const street = async (code: string, unknown: RefusalCode, words: string) => {
    const status = await streetStatus(db.db, code);
    if (status === 'unknown') {
      throw new HttpProblem(422, unknown, `the ${words} jurisdiction is not known`, [
        { path: 'body.to', message: `unknown jurisdiction: ${code}` },
      ]);
    }
    if (status === 'not_a_street') {
      throw new HttpProblem(
        422,
        'destination_not_a_street',
        'a case is held by a street, not a district or city',
        [{ path: 'body.to', message: `not a street: ${code}` }],
      );
    }
  };
  const view = async (id: string, caller: Caller) =>
    toCaseView(
      await caseFor(db.db, caller, id, 'read'),
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
      const found = await load(request.params.id, request.user, 'transfer');
      await street(request.body.to, 'receiving_jurisdiction_unknown', 'receiving');
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
      const found = await load(request.params.id, request.user, 'delegate');
      await street(request.body.to, 'delegate_jurisdiction_unknown', 'delegate');
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
      const found = await load(request.params.id, request.user, 'endDelegation');
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
      const found = await load(request.params.id, request.user, 'close');
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
      const found = await load(request.params.id, request.user, 'approveEndOfControl');
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
      const found = await load(request.params.id, request.user, 'setTier');
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
      const found = await load(request.params.id, request.user, 'assign');
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
      const found = await load(request.params.id, request.user, 'extendTask');
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

export default supervisorCommandRoutes;
