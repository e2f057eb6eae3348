import type { UpdateDefinition } from '@temporalio/common';
import { EVENTS, UPDATES } from '../../schemas/catalogue';
import type { Role } from '../../schemas/common';
import type { Refusal } from '../../schemas/refusal-codes';
import * as end from './end';
import {
  approveEndOfControlUpdate,
  assignUpdate,
  closeUpdate,
  delegateUpdate,
  endDelegationUpdate,
  extendTaskUpdate,
  recordEventUpdate,
  setTierUpdate,
  transferUpdate,
  type Actor,
  type TimelineEntry,
} from './messages';
import type { CaseState } from './state';
import * as tasks from './tasks';
import * as tier from './tier';
import * as transfer from './transfer';

// The case's commands, one row per update: who may send it (the catalogue's roles, which the API
// enforces), why the case refuses it now (the update's validator, and again for a command that
// waited for the record), and what applying it does. The workflow registers every row the same
// way (workflow.ts), so a new supervisor command is its update in messages.ts, a row here and its
// rule in the rule file.

export interface Command<A> {
  update: UpdateDefinition<TimelineEntry, [A, Actor]>;
  roles: readonly Role[] | ((args: A) => readonly Role[]);
  refusal(c: CaseState, args: A, now: number): Refusal | null;
  apply(c: CaseState, args: A, actor: Actor, now: number): TimelineEntry;
}

/**
 * A row, type-checked against its update, then listed with the others: the list forgets each
 * row's argument type, which only the update's own handler ever sees.
 */
export type AnyCommand = Command<never>;
const command = <A>(row: Command<A>): AnyCommand => row as unknown as AnyCommand;

export const COMMANDS: readonly AnyCommand[] = [
  command({
    update: recordEventUpdate,
    roles: (event) => EVENTS[event.type].roles,
    refusal: (c, event, now) => c.refusal(event, now),
    apply: (c, event, actor, now) => c.record(event, actor, now),
  }),
  // ── supervisor commands ──
  command({
    update: transferUpdate,
    roles: UPDATES.transfer.roles,
    refusal: (c, { to }) => transfer.refusalToTransfer(c, to),
    apply: (c, { to, reason }, actor, now) => transfer.transfer(c, to, reason, actor, now),
  }),
  command({
    update: delegateUpdate,
    roles: UPDATES.delegate.roles,
    refusal: (c, { to }) => transfer.refusalToDelegate(c, to),
    apply: (c, { to, reason }, actor, now) => transfer.delegate(c, to, reason, actor, now),
  }),
  command({
    update: endDelegationUpdate,
    roles: UPDATES.endDelegation.roles,
    refusal: (c) => transfer.refusalToEndDelegation(c),
    apply: (c, { reason }, actor, now) => transfer.endDelegation(c, reason, actor, now),
  }),
  command({
    update: closeUpdate,
    roles: UPDATES.close.roles,
    refusal: (c) => end.refusalToClose(c),
    apply: (c, { reason }, actor, now) => end.closeBySupervisor(c, reason, actor, now),
  }),
  command({
    update: setTierUpdate,
    roles: UPDATES.setTier.roles,
    refusal: (c) => tier.refusalToSetTier(c),
    apply: (c, { tier: to, reason }, actor, now) => tier.setTier(c, to, reason, actor, now),
  }),
  command({
    update: assignUpdate,
    roles: UPDATES.assign.roles,
    refusal: (c) => tasks.refusalToAssign(c),
    apply: (c, { caseworker }, actor, now) => tasks.assign(c, caseworker, actor, now),
  }),
  command({
    update: extendTaskUpdate,
    roles: UPDATES.extendTask.roles,
    refusal: (c, { taskId, until }, now) => tasks.refusalToExtend(c, taskId, until, now),
    apply: (c, { taskId, until, reason }, actor, now) =>
      tasks.extendTask(c, taskId, Date.parse(until), reason, actor, now),
  }),
  command({
    update: approveEndOfControlUpdate,
    roles: UPDATES.approveEndOfControl.roles,
    refusal: (c) => end.refusalToApproveEndOfControl(c),
    apply: (c, { note }, actor, now) => end.approveEndOfControl(c, note, actor, now),
  }),
];
