import { UPDATES } from '../../schemas/catalogue';
import type { Refusal } from '../../schemas/refusal-codes';
import { instantOf } from '../../schemas/time-bounds';
import type { Actor, TimelineEntry } from './messages';
import { iso, isOpen, no, type CaseCore } from './core';
import { EXTENSION_RESTARTS_LADDER } from '../patches';

// Who does the case's work and by when: the supervisor assigns a caseworker, or gives a task
// more time (its ladder starts again from the new time).

export function refusalToAssign(c: CaseCore): Refusal | null {
  return UPDATES.assign.phases.includes(c.d.phase) ? null : no('case_closed', 'the case is closed');
}

export function assign(c: CaseCore, caseworker: string, actor: Actor, now: number): TimelineEntry {
  const entry = c.command('assigned', actor.username, now, { caseworker });
  c.d.assignee = caseworker;
  c.resendOpenTasks();
  c.touch();
  return entry;
}

export function refusalToExtend(c: CaseCore, taskId: string, untilText: string, now: number): Refusal | null {
  const until = instantOf(untilText);
  if (until === null)
    return no('occurred_at_out_of_range', 'until is not an instant the engine accepts', 'until');
  const task = c.d.tasks.find((t) => t.id === taskId);
  if (!task) return no('no_such_task', `the case has no task ${taskId}`);
  if (!isOpen(task)) return no('task_not_open', `task ${taskId} is ${task.status}`);
  if (until <= Math.max(task.dueAt, now))
    return no('extension_too_early', 'until must be later than the task is due now');
  return c.extensionBounded ? tooLong(c, until, Math.max(task.dueAt, now)) : null;
}

/** The standard policy's maxExtension, for policies before 2026.4 (api.md v1.2). */
const MAX_EXTENSION_DAYS = 90;

/**
 * api.md v1.2 "Dates that make sense": an extension may move a task at most the policy's
 * maxExtension past its due time (from now, for a task already overdue), and never past the end
 * of the term (for a task due within it), so an extension cannot silence an obligation.
 */
function tooLong(c: CaseCore, until: number, from: number): Refusal | null {
  const max = c.policy.deadlines.maxExtension ?? MAX_EXTENSION_DAYS * c.policy.dayLength;
  if (until > from + max)
    return no(
      'extension_too_long',
      `until is more than ${Math.round(max / c.policy.dayLength)} days after the task is due (${iso(from)}); the policy allows no longer extension`,
      'until',
    );
  // A task of the term's own (not one that falls due after it, as R19's proposal may).
  if (c.d.termEndsAt !== null && from < c.d.termEndsAt && until > c.d.termEndsAt)
    return no('extension_too_long', `until is past the end of the term (${iso(c.d.termEndsAt)})`, 'until');
  return null;
}

export function extendTask(
  c: CaseCore,
  taskId: string,
  until: number,
  reason: string,
  actor: Actor,
  now: number,
): TimelineEntry {
  const task = c.d.tasks.find((t) => t.id === taskId)!;
  const entry = c.command('task_extended', actor.username, now, {
    taskId,
    kind: task.kind,
    from: iso(task.dueAt),
    until: iso(until),
    reason,
  });
  task.dueAt = until;
  task.status = 'open';
  // The ladder starts again from its first step; before the patch the level carried on, past
  // the ladder's end for a task that had climbed it all (patch EXTENSION_RESTARTS_LADDER).
  if (task.escalationLevel > 0 && c.patched(EXTENSION_RESTARTS_LADDER)) task.escalationLevel = 0;
  task.nextEscalationAt = c.firstEscalationAt(task);
  c.outbox.tasks.add(task.id);
  c.touch();
  return entry;
}
