import { iso, type CaseCore } from './core';
import { within } from './deadlines';
import { drawUnannounced, startTermAt, testInterval, yearMs } from './term';
import { OLD_DECISION_COUNTS_FROM_OPENING } from '../patches';

// From the handover to report-in: the release notice (R1), the pickup at the gate (R2), the
// report-in clock (R3, R4), a police order's start (R22) and a case brought in mid-way (R25).

/**
 * The case is in the read model. A handover starts with R1 (notice of the release date); a
 * police order (R22) with the report-in and first-visit clocks, run from the decision (R3, R6).
 */
export function recorded(c: CaseCore, now: number): void {
  c.d.opening = 'recorded';
  c.engine(now, 'case_opened', { policyVersion: c.policy.version });
  const opening = c.input.opening;
  if (opening.origin === 'police_order') {
    const decidedAt = decisionCountedFrom(c, Date.parse(opening.decision.decidedAt), now);
    c.addTask('report_in', now, decidedAt + within(c.policy, 'report_in')); // R3
    c.addTask('first_home_visit', now, decidedAt + within(c.policy, 'first_home_visit')); // R6
    return;
  }
  const due = Math.max(now, c.d.expectedReleaseAt! - within(c.policy, 'confirm_release_date'));
  c.addTask('confirm_release_date', now, due);
}

/** The standard policy's maxCaseAge (P1461D), for policies before 2026.4 (api.md v1.2). */
const MAX_CASE_AGE_DAYS = 1461;

/**
 * R22, api.md v1.2 "Dates that make sense": the API refuses a decision older than maxCaseAge
 * (422 date_out_of_range); should one reach the engine all the same, its report-in and first
 * visit would be years overdue and fire the whole ladder at once, so they run from the opening.
 */
function decisionCountedFrom(c: CaseCore, decidedAt: number, now: number): number {
  const maxAge = c.policy.deadlines.maxCaseAge ?? MAX_CASE_AGE_DAYS * c.policy.dayLength;
  if (decidedAt >= now - maxAge || !c.patched(OLD_DECISION_COUNTS_FROM_OPENING)) return decidedAt;
  c.engine(now, 'decision_date_out_of_range', { rule: 'R22', decidedAt: iso(decidedAt) });
  return now;
}

/**
 * R25: a case already under way starts in the phase its dates say, with its tier, counters and
 * term. Nothing is owed for the past: an obligation whose date has gone by at the import falls
 * due one normal window after it, so the import itself escalates nothing and tells no police.
 */
export function importedStart(c: CaseCore, now: number): void {
  const imp = c.input.imported!;
  const p = c.policy;
  const time = (value: string | null) => (value === null ? null : Date.parse(value));
  const forward = (due: number, window: number) => (due > now ? due : now + window);
  const releasedAt = time(imp.releasedAt);
  const reportedInAt = time(imp.reportedInAt);
  const anchor = releasedAt ?? time(imp.decidedAt) ?? reportedInAt!;
  c.d.opening = 'recorded';
  c.append({
    at: now,
    kind: 'event',
    type: 'imported',
    actor: c.input.openedBy,
    data: {
      rule: 'R25',
      importId: imp.importId,
      row: imp.row,
      policyVersion: p.version,
      decidedAt: imp.decidedAt,
      releasedAt: imp.releasedAt,
      reportedInAt: imp.reportedInAt,
      termStartsAt: imp.termStartsAt,
    },
  });
  c.d.tier = imp.tier;
  c.d.assignee = imp.caseworker;
  c.d.releasedAt = releasedAt;
  c.d.pickedUp = true;
  c.d.testsRefused = imp.testsRefused;
  c.d.leavesWithoutNotice = imp.leavesWithoutNotice;
  c.d.awayMs = imp.daysAwayWithoutNotice * p.dayLength;
  // A serious violation the counters already show was reported before the import (R12).
  c.d.reportedViolations = {
    tests: imp.testsRefused >= p.seriousViolation.testsRefused,
    absences:
      imp.leavesWithoutNotice >= p.seriousViolation.leavesWithoutNotice ||
      c.d.awayMs > p.seriousViolation.awayWithoutNoticeTotal,
  };
  const lastTestAt = time(imp.lastTestAt);
  const abstinentSince = imp.lastTestResult === 'positive' && lastTestAt !== null ? lastTestAt : anchor;
  // R19's proposal, if already due, is drafted a day after the import rather than backdated.
  c.d.abstinenceSince = Math.max(abstinentSince, now + p.dayLength - p.endOfControlAfterAbstinence);
  if (reportedInAt === null) {
    c.d.phase = 'released_awaiting_report';
    const reportIn = within(p, 'report_in');
    c.addTask('report_in', now, forward(anchor + reportIn, reportIn));
    if (releasedAt !== null) {
      const visit = within(p, 'first_home_visit');
      c.addTask('first_home_visit', now, forward(releasedAt + visit, visit));
    }
  } else {
    const startsAt = time(imp.termStartsAt) ?? reportedInAt;
    c.d.phase = 'community';
    startTermAt(c, startsAt);
    const lastTest = lastTestAt ?? startsAt;
    const nextTest = Math.max(lastTest + testInterval(c, lastTest), now);
    c.d.nextTestAt = nextTest >= c.d.termEndsAt! ? null : nextTest;
    c.d.nextContactAt = Math.max((time(imp.lastContactAt) ?? startsAt) + p.contacts[c.d.tier], now);
    const every = p.deadlines.tierReviewEvery;
    c.d.nextTierReviewAt = startsAt + (Math.floor((now - startsAt) / every) + 1) * every;
    if (p.tests.unannouncedPerYear > 0) {
      c.d.unannouncedYears = Math.floor((now - startsAt) / yearMs(c));
      drawUnannounced(c, startsAt + c.d.unannouncedYears * yearMs(c), now);
    }
  }
  c.touch();
}

export function rejectAsDuplicate(c: CaseCore, existingCaseId: string): void {
  c.d.opening = 'duplicate';
  c.d.duplicateOf = existingCaseId;
  c.touch();
}

/** R1: the facility confirms the date; a notice shorter than the policy's is flagged. */
export function releaseDateConfirmed(c: CaseCore, releaseAt: number, at: number): void {
  c.d.releaseAt = releaseAt;
  c.complete('confirm_release_date', at);
  if (releaseAt - at < within(c.policy, 'confirm_release_date')) {
    c.engine(at, 'late_release_notice', { rule: 'R1', releaseAt: iso(releaseAt) });
  }
  // A new date replaces the obligations that hung on the old one.
  c.cancel('confirm_release', at);
  c.cancel('pickup', at);
  c.addTask('confirm_release', at, releaseAt + within(c.policy, 'confirm_release')); // R1
  c.addTask('pickup', at, releaseAt + within(c.policy, 'pickup')); // R2
  c.setPhase('awaiting_release', at);
}

/** The gate: the pickup (R2), report-in (R3) and first home visit (R6) clocks start. */
export function released(c: CaseCore, at: number): void {
  c.d.releasedAt = at;
  c.d.abstinenceSince = at; // R19: the three-year clock starts at the gate
  c.cancel('confirm_release_date', at);
  c.complete('confirm_release', at);
  if (!c.open('pickup')) c.addTask('pickup', at, at + within(c.policy, 'pickup')); // R2
  c.addTask('report_in', at, at + within(c.policy, 'report_in')); // R3
  c.addTask('first_home_visit', at, at + within(c.policy, 'first_home_visit')); // R6
  c.setPhase('released_awaiting_report', at);
}

/** R2: met at the gate. */
export function pickedUp(c: CaseCore, at: number): void {
  c.d.pickedUp = true;
  c.complete('pickup', at);
}
