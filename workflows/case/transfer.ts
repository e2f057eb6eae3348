import { UPDATES } from '../../schemas/catalogue';
import type { Refusal } from '../../schemas/refusal-codes';
import type { Actor, TimelineEntry } from './messages';
import { no, PHASE_WORDS, type CaseCore } from './core';
import { within } from './deadlines';
import { startTerm } from './term';
import { DELEGATION_ENDS_WITH_CASE } from '../patches';

// Moving a case (R15: transfer, the term continues) and lending its daily work to another
// street (R23: delegation, responsibility stays).

export function refusalToTransfer(c: CaseCore, to: string): Refusal | null {
  if (!UPDATES.transfer.phases.includes(c.d.phase))
    return no('transfer_not_allowed_now', `a transfer cannot start now: ${PHASE_WORDS[c.d.phase]}`);
  return to === c.d.jurisdiction ? no('same_jurisdiction', 'the case is already in that jurisdiction') : null;
}

/** R15: the sending side stays responsible until the receiving side records the report-in. */
export function transfer(c: CaseCore, to: string, reason: string, actor: Actor, now: number): TimelineEntry {
  const entry = c.command('transfer_started', actor.username, now, { to, reason });
  c.d.transferTo = to;
  c.setPhase('in_transfer', now);
  c.addTask('transfer_report_in', now, now + within(c.policy, 'transfer_report_in'));
  c.touch();
  return entry;
}

/**
 * R15: the receiving side confirms; the term continues, a new agreement is signed. The receiving
 * caseworker who records the arrival takes the case, so its tasks reach their inbox.
 */
export function arriveFromTransfer(c: CaseCore, at: number, receiver: string): void {
  const from = c.d.jurisdiction;
  c.d.jurisdiction = c.d.transferTo!;
  c.d.transferTo = null;
  c.d.assignee = receiver;
  c.resendOpenTasks();
  c.complete('transfer_report_in', at);
  c.engine(at, 'transfer_completed', { rule: 'R15', from, to: c.d.jurisdiction, assignee: receiver });
  delegationEndsWithCase(c, at, 'transferred');
  if (c.d.termStartsAt === null) startTerm(c, at);
  else {
    c.addTask('agreement', at, at + within(c.policy, 'agreement'));
    c.setPhase('community', at);
  }
}

export function refusalToDelegate(c: CaseCore, to: string): Refusal | null {
  if (!UPDATES.delegate.phases.includes(c.d.phase)) {
    return c.d.phase === 'closed'
      ? no('case_closed', 'the case is closed')
      : no(
          'delegation_in_transfer',
          'a case in transfer cannot be delegated; the receiving side takes it on arrival',
        );
  }
  if (to === c.d.jurisdiction) return no('same_jurisdiction', 'the case is already in that jurisdiction');
  return to === c.d.delegatedTo ? no('already_delegated', 'the case is already delegated there') : null;
}

/** R23: the delegate street does the daily work; responsibility, term and counters stay. */
export function delegate(c: CaseCore, to: string, reason: string, actor: Actor, now: number): TimelineEntry {
  const entry = c.command('delegated', actor.username, now, {
    to,
    reason,
    ...(c.d.delegatedTo ? { from: c.d.delegatedTo } : {}),
  });
  c.d.delegatedTo = to;
  c.touch();
  return entry;
}

/**
 * R23: the delegate street's work ends with the case's stay in its jurisdiction: on closing, and on
 * arrival at another street (until then the delegate keeps doing the daily work). The timeline
 * shows it as the supervisor's end of a delegation, recorded by the system.
 */
export function delegationEndsWithCase(c: CaseCore, at: number, why: 'case_closed' | 'transferred'): void {
  if (!c.d.delegatedTo || !c.patched(DELEGATION_ENDS_WITH_CASE)) return;
  c.append({
    at,
    kind: 'event',
    type: 'delegation_ended',
    actor: null,
    data: { from: c.d.delegatedTo, rule: 'R23', why },
  });
  c.d.delegatedTo = null;
}

export function refusalToEndDelegation(c: CaseCore): Refusal | null {
  return c.d.delegatedTo ? null : no('not_delegated', 'the case is not delegated');
}

export function endDelegation(c: CaseCore, reason: string, actor: Actor, now: number): TimelineEntry {
  const entry = c.command('delegation_ended', actor.username, now, { from: c.d.delegatedTo, reason });
  c.d.delegatedTo = null;
  c.touch();
  return entry;
}
