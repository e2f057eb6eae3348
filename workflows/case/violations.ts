import type { CaseCore } from './core';
import { contactMade } from './escalation';
import { changeTier } from './tier';
import { SHORT_ABSENCE_NEEDS_NO_NOTICE } from '../patches';

// Serious violations and drug use: tests refused or evaded (R12), leaving without notice (R12,
// R14), a positive test (R13) that also resets the abstinence clock (R20).

export function testResult(
  c: CaseCore,
  result: 'negative' | 'positive' | 'refused' | 'missed',
  at: number,
): void {
  const limits = c.policy.seriousViolation;
  if (result === 'refused' || result === 'missed') {
    c.d.testsRefused += 1; // R12: refused or evaded
    changeTier(c, 'abnormal', at, 'test refused or evaded');
    if (c.d.testsRefused >= limits.testsRefused && !c.d.reportedViolations.tests) {
      c.d.reportedViolations.tests = true;
      seriousViolation(c, at, { testsRefused: c.d.testsRefused });
    }
  } else if (result === 'positive') {
    c.d.firstPositiveAt ??= at;
    changeTier(c, 'abnormal', at, 'positive test');
    c.notify('police', 'drug_use', 'R13', null, at); // R13
    c.d.abstinenceSince = at; // R20: the abstinence clock starts again
    c.d.endOfControlProposed = false;
    c.engine(at, 'abstinence_reset', { rule: 'R20' });
  }
  if (result !== 'missed' && c.d.tasks.some((t) => t.kind === 'contact' && t.status === 'overdue')) {
    contactMade(c, at); // the person was there
  }
}

/**
 * R12: an absence without notice counts, by times and by days in total. R14: notice is owed only
 * for leaving `leaveNoticeRequiredFrom` or longer, so an absence that ended sooner owed none and
 * counts for neither; one still going on counts.
 */
export function absenceFound(c: CaseCore, from: number, until: number | null, at: number): void {
  const limits = c.policy.seriousViolation;
  if (
    until !== null &&
    until - from < c.policy.leaveNoticeRequiredFrom &&
    c.patched(SHORT_ABSENCE_NEEDS_NO_NOTICE)
  )
    return;
  until ??= at;
  c.d.leavesWithoutNotice += 1;
  c.d.awayMs += Math.max(0, until - from);
  const serious =
    c.d.leavesWithoutNotice >= limits.leavesWithoutNotice || c.d.awayMs > limits.awayWithoutNoticeTotal;
  if (serious && !c.d.reportedViolations.absences) {
    c.d.reportedViolations.absences = true;
    seriousViolation(c, at, {
      leavesWithoutNotice: c.d.leavesWithoutNotice,
      daysAwayWithoutNotice: Math.ceil(c.d.awayMs / c.policy.dayLength),
    });
  }
}

function seriousViolation(c: CaseCore, at: number, data: Record<string, number>): void {
  c.engine(at, 'serious_violation', { rule: 'R12', ...data });
  c.notify('police', 'serious_violation', 'R12', null, at);
}
