import type { Tier } from '../../schemas/common';
import type { Actor, TimelineEntry } from './messages';
import { no, type CaseCore } from './core';
import { testInterval } from './term';
import type { Refusal } from '../../schemas/refusal-codes';
import { UPDATES } from '../../schemas/catalogue';

// R10: the risk tier — stable, key, abnormal — changed by events and by the supervisor's review
// (the periodic reviews are scheduled with the term, term.ts).

export function changeTier(c: CaseCore, tier: Tier, at: number, why: string): void {
  if (tier === c.d.tier) return;
  const from = c.d.tier;
  c.d.tier = tier;
  c.engine(at, 'tier_changed', { rule: 'R10', from, tier, why });
  // A stricter tier tests sooner; the schedule never waits longer than the new tier allows.
  if (c.d.nextTestAt !== null) c.d.nextTestAt = Math.min(c.d.nextTestAt, at + testInterval(c, at));
}

export function refusalToSetTier(c: CaseCore): Refusal | null {
  return UPDATES.setTier.phases.includes(c.d.phase) ? null : no('case_closed', 'the case is closed');
}

/** The supervisor reviews the tier; a review keeping the same tier still counts. */
export function setTier(c: CaseCore, tier: Tier, reason: string, actor: Actor, now: number): TimelineEntry {
  const entry = c.command('tier_set', actor.username, now, { from: c.d.tier, tier, reason });
  c.d.tierBeforeLostContact = null;
  changeTier(c, tier, now, 'review');
  c.complete('tier_review', now);
  c.touch();
  return entry;
}
