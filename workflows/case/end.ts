import { UPDATES } from '../../schemas/catalogue';
import type { Refusal } from '../../schemas/refusal-codes';
import type { Actor, TaskState, TimelineEntry } from './messages';
import { iso, isOpen, no, type CaseCore } from './core';
import { within } from './deadlines';
import { delegationEndsWithCase } from './transfer';

// The end of the case and of dynamic control: a sentence ends it (R17), the term runs out (R18),
// three years without relapse draft the end-of-control proposal (R19) that the supervisor
// approves; a positive test restarts that clock (R20, in violations.ts). A supervisor may close.

/** Closed, and no clock left to watch (R19 may outlive the term). */
export function finished(c: CaseCore): boolean {
  return c.d.phase === 'closed' && (c.d.abstinenceSince === null || c.d.endOfControlProposed);
}

/** R19: finished but for the proposal the supervisor has not approved yet. */
export function awaitingApproval(c: CaseCore): boolean {
  return finished(c) && c.open('end_of_control_proposal') !== undefined;
}

export function abstinenceEndsAt(c: CaseCore): number | null {
  return c.d.abstinenceSince === null ? null : c.d.abstinenceSince + c.policy.endOfControlAfterAbstinence;
}

export function close(c: CaseCore, at: number, why: string, rule: string | null): void {
  // A term that ran its course leaves an R19 proposal standing for the supervisor's approval.
  const standing = (t: TaskState) => why === 'term_ended' && t.kind === 'end_of_control_proposal';
  for (const task of c.d.tasks.filter((t) => isOpen(t) && !standing(t))) c.closeTask(task, 'cancelled', at);
  c.d.nextTestAt = c.d.nextContactAt = c.d.nextTierReviewAt = null;
  c.d.unannouncedAt = [];
  c.d.status = 'closed';
  c.d.transferTo = null;
  // Only a term that ran its course leaves the R19 clock running; any other end stops it.
  if (why !== 'term_ended') c.d.abstinenceSince = null;
  c.engine(at, 'case_closed', { why, ...(rule ? { rule } : {}) });
  delegationEndsWithCase(c, at, 'case_closed');
  c.setPhase('closed', at);
}

/** R18: the term ends; the police issue the discharge notice. */
export function endTerm(c: CaseCore): void {
  const at = c.d.termEndsAt!;
  c.engine(at, 'term_ended', { rule: 'R18' });
  c.notify('police', 'term_ended', 'R18', null, at);
  close(c, at, 'term_ended', 'R18');
}

/** R19: three years without relapse: the engine drafts the end-of-control proposal. */
export function proposeEndOfControl(c: CaseCore, at: number): void {
  c.d.endOfControlProposed = true;
  c.engine(at, 'end_of_control_drafted', { rule: 'R19', abstinentSince: iso(c.d.abstinenceSince!) });
  const task = c.addTask('end_of_control_proposal', at, at + within(c.policy, 'end_of_control_proposal'));
  c.notify('supervisor', 'end_of_control_due', 'R19', task.id, at);
}

export function refusalToApproveEndOfControl(c: CaseCore): Refusal | null {
  return c.open('end_of_control_proposal') === undefined
    ? no('no_end_of_control_proposal', 'no end-of-control proposal is awaiting approval')
    : null;
}

/**
 * R19: the supervisor approves; dynamic control ends and the police are asked for the
 * discharge notice. A case still open closes with it: nothing is watched any more.
 */
export function approveEndOfControl(
  c: CaseCore,
  note: string | undefined,
  actor: Actor,
  now: number,
): TimelineEntry {
  const entry = c.command('end_of_control_approved', actor.username, now, {
    rule: 'R19',
    ...(note ? { note } : {}),
  });
  c.complete('end_of_control_proposal', now);
  c.notify('police', 'end_of_control_approved', 'R19', null, now);
  if (c.d.phase !== 'closed') close(c, now, 'end_of_control', 'R19');
  c.touch();
  return entry;
}

export function refusalToClose(c: CaseCore): Refusal | null {
  return UPDATES.close.phases.includes(c.d.phase) ? null : no('case_closed', 'the case is already closed');
}

export function closeBySupervisor(c: CaseCore, reason: string, actor: Actor, now: number): TimelineEntry {
  const entry = c.command('case_closed', actor.username, now, { reason });
  close(c, now, 'closed_by_supervisor', null);
  c.touch();
  return entry;
}
