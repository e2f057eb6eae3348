import type { Policy } from '../../config/policy';
import { TASKS, type DeadlineSource, type TaskKind } from '../../schemas/catalogue';
import type { Tier } from '../../schemas/common';

// Each task's time window, read from the case's own policy at the key the catalogue names.

const WINDOWS: Record<DeadlineSource, (p: Policy, tier: Tier) => number | undefined> = {
  'deadlines.releaseNoticeAtLeast': (p) => p.deadlines.releaseNoticeAtLeast,
  'deadlines.releaseConfirmationGrace': (p) => p.deadlines.releaseConfirmationGrace,
  'deadlines.pickupGrace': (p) => p.deadlines.pickupGrace,
  'deadlines.reportInWithin': (p) => p.deadlines.reportInWithin,
  'deadlines.agreementWithin': (p) => p.deadlines.agreementWithin,
  'deadlines.firstHomeVisitWithin': (p) => p.deadlines.firstHomeVisitWithin,
  'deadlines.transferReportInWithin': (p) => p.deadlines.transferReportInWithin,
  'deadlines.endOfControlProposalWithin': (p) => p.deadlines.endOfControlProposalWithin,
  // R10: policies before it had no key of their own, and their cases keep the tests' window.
  'deadlines.tierReviewWithin': (p) => p.deadlines.tierReviewWithin ?? p.tests.dueWithin,
  'tests.dueWithin': (p) => p.tests.dueWithin,
  'contacts.dueWithin': (p) => p.contacts.dueWithin,
  // Absent from policies that predate services (R24): cases keep the policy they started with.
  'services.reviewAfter': (p, tier) => (p as Partial<Policy>).services?.reviewAfter[tier],
};

/** The window of a task of `kind` under `policy`; undefined where the policy predates the kind. */
export function windowOf(policy: Policy, kind: TaskKind, tier: Tier = 'stable'): number | undefined {
  return WINDOWS[TASKS[kind].deadline](policy, tier);
}

/** The window of a task kind every policy has. */
export function within(policy: Policy, kind: TaskKind): number {
  return windowOf(policy, kind)!;
}
