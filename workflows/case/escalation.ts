import { TASKS } from '../../schemas/catalogue';
import type { Recipient, TaskState } from './messages';
import { isOpen, type CaseCore } from './core';
import { changeTier } from './tier';
import { EXTENDED_CONTACT_REGAINED } from '../patches';

// R11 and the per-task rules of the catalogue: a task past due climbs the policy's ladder, or
// tells its named recipients at once. Lost contact, and contact regained, close the ladder's loop.

export function escalateDue(c: CaseCore, now: number): void {
  for (;;) {
    const task = c.d.tasks
      .filter((t) => isOpen(t) && t.nextEscalationAt !== null && t.nextEscalationAt <= now)
      .sort((a, b) => a.nextEscalationAt! - b.nextEscalationAt!)[0];
    if (!task) return;
    escalate(c, task);
  }
}

/** A task past due climbs its ladder one step at a time. */
function escalate(c: CaseCore, task: TaskState): void {
  const at = task.nextEscalationAt!;
  const spec = TASKS[task.kind];
  task.status = 'overdue';
  task.escalationLevel += 1;
  const { reason, to } = spec.escalation;
  if (to === 'ladder') {
    const step = c.policy.ladder[task.escalationLevel - 1]!;
    const recipient = step.notify === 'caseworker' ? (spec.role as Recipient) : step.notify;
    c.notify(recipient, reason, spec.rule, task.id, at);
    const next = c.policy.ladder[task.escalationLevel];
    task.nextEscalationAt = next ? task.dueAt + next.after : null;
  } else {
    for (const recipient of to) c.notify(recipient, reason, spec.rule, task.id, at);
    task.nextEscalationAt = null;
  }
  c.engine(at, 'task_overdue', {
    taskId: task.id,
    kind: task.kind,
    level: task.escalationLevel,
    rule: spec.rule,
  });
  if (task.kind === 'contact' && task.escalationLevel === 1) {
    // R10/R11: lost contact makes the case abnormal until contact is regained.
    if (c.d.tier !== 'abnormal') c.d.tierBeforeLostContact = c.d.tier;
    c.d.contactLostAt ??= at;
    c.engine(at, 'lost_contact', { rule: 'R11' });
    changeTier(c, 'abnormal', at, 'lost contact');
  }
  c.outbox.tasks.add(task.id);
}

/** R9, R11: contact made completes the contact task; after lost contact, the tier returns. */
export function contactMade(c: CaseCore, at: number): void {
  const lost =
    c.d.tasks.some((t) => t.kind === 'contact' && t.status === 'overdue') ||
    (c.d.contactLostAt != null && c.patched(EXTENDED_CONTACT_REGAINED));
  c.complete('contact', at);
  if (lost) {
    c.engine(at, 'contact_regained', { rule: 'R11' });
    if (c.d.tierBeforeLostContact) changeTier(c, c.d.tierBeforeLostContact, at, 'contact regained');
    c.d.tierBeforeLostContact = null;
    c.d.contactLostAt = null;
  }
  if (c.d.termStartsAt !== null) c.d.nextContactAt = at + c.policy.contacts[c.d.tier];
}
