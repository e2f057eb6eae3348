import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import type { Db } from '../../../db/client';
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
import type { RouteDeps } from '../../deps';
import { HttpProblem, notFound } from '../../errors';
import { caseFor } from '../../access';
import { sendToCase, updateIdOf } from '../../engine';
import { toCaseView, toTaskView, toTimelineView } from '../../views';

// The supervisor's commands on one case (api.md "Supervision"), one row per command: its path,
// its update (workflows/case/messages.ts), its body, what it answers, and the checks the API
// makes before sending it. Every row is served alike: the role and side (api/access.ts), the
// row's check, the update through the engine's door, the audit entry `case.<update>`, the answer.

const ActionReply = z.object({ event: TimelineEntryView, case: CaseView });
const errors = { 400: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };

/** What a command answers: its timeline entry and the case, the case alone, or the task it changed. */
const REPLIES = { entry: ActionReply, case: CaseView, task: TaskView };
type Reply = keyof typeof REPLIES;

type Params = z.output<typeof CaseParams> | z.output<typeof TaskParams>;

interface Route<A, B, P extends Params> {
  path: string;
  summary: string;
  update: UpdateDefinition<TimelineEntry, [A, Actor]>;
  params: z.ZodType<P>;
  body: z.ZodType<B>;
  reply: Reply;
  /** The update's argument from the request; the body itself by default. */
  args?: (body: B, params: P) => A;
  /** Refuses what the workflow cannot judge (the database's streets and users): throws an HttpProblem. */
  check?: (db: Db, found: CaseRow, body: B) => Promise<void>;
}

/**
 * A row, type-checked against its update (the body is the update's argument unless `args` makes
 * it), then listed with the others, which forget its types.
 */
type AnyRoute = Route<unknown, unknown, Params>;
function route<A, B extends A, P extends Params>(row: Route<A, B, P>): AnyRoute;
function route<A, B, P extends Params>(row: Route<A, B, P> & { args: (body: B, params: P) => A }): AnyRoute;
function route<A, B, P extends Params>(row: Route<A, B, P>): AnyRoute {
  return row as unknown as AnyRoute;
}

/** A street to hold or do the work of a case (api.md v1.2): unknown keeps its own code. */
const street =
  (unknown: RefusalCode, words: string) =>
  async (db: Db, _found: CaseRow, { to }: { to: string }) => {
    const status = await streetStatus(db, to);
    if (status === 'unknown') {
      throw new HttpProblem(422, unknown, `the ${words} jurisdiction is not known`, [
        { path: 'body.to', message: `unknown jurisdiction: ${to}` },
      ]);
    }
    if (status === 'not_a_street') {
      throw new HttpProblem(
        422,
        'destination_not_a_street',
        'a case is held by a street, not a district or city',
        [{ path: 'body.to', message: `not a street: ${to}` }],
      );
    }
  };

/** A caseworker of the case's jurisdiction whose account can take cases. */
async function caseworkerHere(db: Db, found: CaseRow, { caseworker }: { caseworker: string }) {
  const worker = await findUserByUsername(db, caseworker);
  if (!worker || worker.role !== 'caseworker' || !isWithin(found.jurisdiction, worker.jurisdictions)) {
    throw new HttpProblem(422, 'not_caseworker_here', 'not a caseworker of the case’s jurisdiction', [
      { path: 'body.caseworker', message: `no caseworker ${caseworker} covers ${found.jurisdiction}` },
    ]);
  }
  if (worker.disabledAt) {
    // R30: nobody is held by no one; a disabled account never sees the tasks.
    throw new HttpProblem(422, 'caseworker_unavailable', 'the caseworker’s account is disabled', [
      { path: 'body.caseworker', message: `${caseworker} cannot take cases` },
    ]);
  }
}

/** Served in this order, by update name (the catalogue's roles, the access table's action). */
export const SUPERVISOR_COMMANDS: Record<UpdateName, AnyRoute> = {
  transfer: route({
    path: '/:id/transfer',
    summary: 'R15: move the case to another jurisdiction; in transfer until it reports in there',
    update: transferUpdate,
    params: CaseParams,
    body: TransferBody,
    reply: 'entry',
    check: street('receiving_jurisdiction_unknown', 'receiving'),
  }),
  delegate: route({
    path: '/:id/delegate',
    summary:
      'R23: let another street do the daily work (tests, contacts, visits); the case stays with its jurisdiction',
    update: delegateUpdate,
    params: CaseParams,
    body: DelegateBody,
    reply: 'case',
    check: street('delegate_jurisdiction_unknown', 'delegate'),
  }),
  endDelegation: route({
    path: '/:id/delegate/end',
    summary: 'R23: end the delegation; the responsible street does the daily work again',
    update: endDelegationUpdate,
    params: CaseParams,
    body: CloseBody,
    reply: 'case',
  }),
  close: route({
    path: '/:id/close',
    summary: 'Close the case',
    update: closeUpdate,
    params: CaseParams,
    body: CloseBody,
    reply: 'entry',
  }),
  approveEndOfControl: route({
    path: '/:id/end-of-control/approve',
    summary:
      'R19: approve the end-of-control proposal: dynamic control ends, the police are asked for the discharge notice',
    update: approveEndOfControlUpdate,
    params: CaseParams,
    body: ApproveEndOfControlBody,
    reply: 'entry',
  }),
  setTier: route({
    path: '/:id/tier',
    summary: 'R10: set or confirm the risk tier; completes an open tier review',
    update: setTierUpdate,
    params: CaseParams,
    body: TierBody,
    reply: 'entry',
  }),
  assign: route({
    path: '/:id/assign',
    summary: 'Assign the case to a caseworker',
    update: assignUpdate,
    params: CaseParams,
    body: AssignBody,
    reply: 'entry',
    check: caseworkerHere,
  }),
  extendTask: route({
    path: '/:id/tasks/:taskId/extend',
    summary: 'Give a task more time, with a reason',
    update: extendTaskUpdate,
    params: TaskParams,
    body: ExtendBody,
    args: (body, { taskId }) => ({ taskId, ...body }),
    reply: 'task',
  }),
};

const supervisorCommandRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, temporal, clock }) => {
  for (const [name, row] of Object.entries(SUPERVISOR_COMMANDS) as [UpdateName, AnyRoute][]) {
    if (row.update.name !== name) throw new Error(`the route of ${name} sends ${row.update.name}`);
    app.post(
      row.path,
      {
        config: { roles: UPDATES[name].roles, idempotent: true },
        schema: {
          tags: ['supervision'],
          summary: row.summary,
          params: row.params,
          body: row.body,
          response: { 200: REPLIES[row.reply], ...errors },
        },
      },
      async (request) => {
        const params = request.params as Params;
        const { user } = request;
        const found = await caseFor(db.db, user, params.id, name);
        await row.check?.(db.db, found, request.body);
        const entry = await sendToCase(
          temporal,
          found.id,
          row.update,
          [
            row.args ? row.args(request.body, params) : request.body,
            { username: user.username, role: user.role },
          ],
          updateIdOf(request),
        );
        await request.audit({ action: `case.${name}`, cases: [found] });
        const now = async () => new Date(await clock());
        if (row.reply === 'task') {
          const task = (await openTasksOfCase(db.db, found.id)).find(
            (t) => 'taskId' in params && t.id === params.taskId,
          );
          if (!task) throw notFound('task');
          return toTaskView(task, await now());
        }
        const view = toCaseView(
          await caseFor(db.db, user, found.id, 'read'),
          user.role,
          await openTasksOfCase(db.db, found.id),
          await now(),
        );
        return row.reply === 'case' ? view : { event: toTimelineView(entry), case: view };
      },
    );
  }
};

export default supervisorCommandRoutes;
