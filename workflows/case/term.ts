import { iso, type CaseCore } from './core';
import { within } from './deadlines';

// The community term (R7) and what it schedules: the agreement (R5), tests by tier and period
// and unannounced tests (R8), contacts by tier (R9), the tier's periodic reviews (R10).

/** R7: the term runs from report-in for the measure's length. */
export function startTermAt(c: CaseCore, at: number): void {
  c.d.termStartsAt = at;
  c.d.termEndsAt = at + c.policy.term[c.input.opening.measure];
}

/** R3, R5, R7: report-in starts the term, its schedules and the agreement. */
export function startTerm(c: CaseCore, at: number): void {
  const p = c.policy;
  c.complete('report_in', at);
  startTermAt(c, at);
  c.d.abstinenceSince ??= at;
  c.d.nextTestAt = at + testInterval(c, at);
  c.d.nextContactAt = at + p.contacts[c.d.tier];
  c.d.nextTierReviewAt = at + p.deadlines.tierReviewEvery;
  c.addTask('agreement', at, at + within(p, 'agreement'));
  c.engine(at, 'term_started', { rule: 'R7', endsAt: iso(c.d.termEndsAt!) });
  c.setPhase('community', at);
  if (p.tests.unannouncedPerYear > 0) drawUnannounced(c, at);
}

/** R5: a community agreement completes its task. */
export function agreementSigned(c: CaseCore, at: number): void {
  c.complete('agreement', at);
}

/** R8, R9, R10: the scheduled tests, contacts, tier reviews and unannounced tests. */
export function schedule(c: CaseCore, now: number): void {
  const d = c.d;
  while (d.nextTestAt !== null && d.nextTestAt <= now) {
    const at = d.nextTestAt;
    c.addTask('test', at, at + within(c.policy, 'test'));
    const next = at + testInterval(c, at);
    d.nextTestAt = d.termEndsAt !== null && next >= d.termEndsAt ? null : next;
  }
  if (d.nextContactAt !== null && d.nextContactAt <= now) {
    const at = d.nextContactAt;
    d.nextContactAt = null; // re-anchored when contact is made
    if (!c.open('contact')) c.addTask('contact', at, at + within(c.policy, 'contact'));
  }
  tierReviewsDue(c, now);
  const drawAt = nextUnannouncedDrawAt(c);
  if (drawAt !== null && drawAt <= now) drawUnannounced(c, drawAt);
  for (const at of d.unannouncedAt.filter((t) => t <= now)) {
    c.addTask('unannounced_test', at, at + within(c.policy, 'unannounced_test'));
  }
  d.unannouncedAt = d.unannouncedAt.filter((t) => t > now);
}

/** R10: the periodic tier reviews that fell due by `now`, one open at a time. */
export function tierReviewsDue(c: CaseCore, now: number): void {
  while (c.d.nextTierReviewAt !== null && c.d.nextTierReviewAt <= now) {
    const at = c.d.nextTierReviewAt;
    if (!c.open('tier_review')) c.addTask('tier_review', at, at + within(c.policy, 'tier_review'));
    c.d.nextTierReviewAt = at + c.policy.deadlines.tierReviewEvery;
  }
}

export function yearMs(c: CaseCore): number {
  return 365 * c.policy.dayLength;
}

export function nextUnannouncedDrawAt(c: CaseCore): number | null {
  if (c.d.termStartsAt === null || c.policy.tests.unannouncedPerYear === 0) return null;
  const at = c.d.termStartsAt + c.d.pausedMs + c.d.unannouncedYears * yearMs(c);
  return c.d.termEndsAt !== null && at >= c.d.termEndsAt ? null : at;
}

/** R8: unannounced tests drawn at random once a year; reproducible (seeded) and recorded. */
export function drawUnannounced(c: CaseCore, yearStart: number, from = yearStart): void {
  const end = Math.min(yearStart + yearMs(c), c.d.termEndsAt ?? Infinity);
  const times = Array.from(
    { length: c.policy.tests.unannouncedPerYear },
    () => from + Math.floor(c.random() * (end - from)),
  ).sort((a, b) => a - b);
  c.d.unannouncedAt.push(...times);
  c.d.unannouncedYears += 1;
  c.engine(from, 'unannounced_tests_drawn', {
    rule: 'R8',
    year: c.d.unannouncedYears,
    at: times.map(iso),
  });
}

/** R8: the test interval for the term period `at` falls in, by tier. */
export function testInterval(c: CaseCore, at: number): number {
  const elapsed = at - (c.d.termStartsAt ?? at) - c.d.pausedMs;
  const periods = c.policy.tests[c.d.tier];
  return (periods.find((period) => elapsed < period.until) ?? periods[periods.length - 1]!).every;
}
