import { loadPolicy, parsePolicy, type Policy } from '../../config/policy';
import { TASK_KINDS, TASKS } from '../../schemas/catalogue';
import { en } from '../../web/src/i18n/en';
import { zhCN } from '../../web/src/i18n/zh-CN';
import { CaseState } from '../../workflows/case/state';
import { drain, projection } from '../../workflows/case/outbox';
import { windowOf } from '../../workflows/case/deadlines';
import { inCommunity as inCommunityAt } from '../helpers/case-state';
import { POLICIES } from '../helpers/system';

// The rules the catalogue (schemas/catalogue.ts) names, without a server: CaseState is plain code
// with the time passed in.

const { policy, document } = loadPolicy(POLICIES.standard);
const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T01:00:00Z');
const caseworker = { username: 'worker.canglang', role: 'caseworker' as const };

/** A case reported in at T0 under `underPolicy`: its term has begun. */
const inCommunity = (underPolicy: Policy = policy) => inCommunityAt(underPolicy, T0);

/** The standard policy as a file that predates `deadlines.tierReviewWithin` (standard-2026.2). */
function policyWithoutTierReviewWindow(): Policy {
  const deadlines = { ...(document.deadlines as Record<string, unknown>) };
  delete deadlines.tierReviewWithin;
  return parsePolicy({ ...document, version: 'standard-2026.2', deadlines }, 'standard-2026.2');
}

describe('the catalogue', () => {
  it('gives every task kind a rule, a deadline in the standard policy and words in both languages', () => {
    for (const kind of TASK_KINDS) {
      const spec = TASKS[kind];
      expect(spec.rule).toMatch(/^R\d+$/);
      expect(windowOf(policy, kind)).toBeGreaterThan(0);
      expect(zhCN[spec.console]).toMatch(/[\u4e00-\u9fff]/);
      expect(en[spec.console]).toMatch(/^[A-Z]/);
    }
  });
});

describe('R10: the periodic tier review has a deadline of its own', () => {
  const reviewOf = (state: CaseState, at: number) => {
    state.advance(at);
    return state.status().openTasks.find((t) => t.kind === 'tier_review')!;
  };

  it('a review falls due within deadlines.tierReviewWithin, not the window the tests have', () => {
    expect(policy.deadlines.tierReviewWithin).toBe(14 * DAY);
    expect(policy.tests.dueWithin).toBe(3 * DAY);
    const reviewAt = T0 + policy.deadlines.tierReviewEvery;
    const review = reviewOf(inCommunity(), reviewAt);
    expect(Date.parse(review.dueAt) - reviewAt).toBe(14 * DAY);
  });

  it('a case under a policy from before the key keeps the window its policy gave (tests.dueWithin)', () => {
    const old = policyWithoutTierReviewWindow();
    expect(old.deadlines.tierReviewWithin).toBeUndefined();
    const reviewAt = T0 + old.deadlines.tierReviewEvery;
    const review = reviewOf(inCommunity(old), reviewAt);
    expect(Date.parse(review.dueAt) - reviewAt).toBe(old.tests.dueWithin);
  });
});

describe('R12, R14: only an absence long enough to need notice counts as leaving without notice', () => {
  const absence = (state: CaseState, from: number, until?: number) =>
    state.record(
      {
        type: 'absence_found',
        from: new Date(from).toISOString(),
        ...(until ? { until: new Date(until).toISOString() } : {}),
      },
      caseworker,
      T0 + 20 * DAY,
    );

  it('a two-day trip, shorter than leaveNoticeRequiredFrom (3 days), owed no notice and counts for nothing', () => {
    expect(policy.leaveNoticeRequiredFrom).toBe(3 * DAY);
    const state = inCommunity();
    for (const start of [1, 5, 9]) absence(state, T0 + start * DAY, T0 + (start + 2) * DAY);
    expect(projection(state)).toMatchObject({ leavesWithoutNotice: 0, daysAwayWithoutNotice: 0 });
    expect(drain(state, T0 + 20 * DAY)!.notifications).toEqual([]);
  });

  it('three absences of three days or more are a serious violation reported to the police', () => {
    const state = inCommunity();
    for (const start of [1, 5, 9]) absence(state, T0 + start * DAY, T0 + (start + 3) * DAY);
    expect(projection(state)).toMatchObject({ leavesWithoutNotice: 3, daysAwayWithoutNotice: 9 });
    expect(
      drain(state, T0 + 20 * DAY)!.notifications.map((n) => `${n.recipient}:${n.reason}:${n.rule}`),
    ).toEqual(['police:serious_violation:R12']);
  });

  it('an absence still going on when found counts: its length is not known yet', () => {
    const state = inCommunity();
    absence(state, T0 + 19 * DAY);
    expect(projection(state)).toMatchObject({ leavesWithoutNotice: 1, daysAwayWithoutNotice: 1 });
  });
});
