import { isOpen, type CaseCore } from './core';

// R16: detention or arrest pauses the term and every clock; release resumes them, shifted.

export function pause(c: CaseCore, at: number): void {
  c.d.phaseBeforePause = c.d.phase;
  c.d.pausedAt = at;
  c.setPhase('paused', at);
}

/** On release every clock moves on by the time spent paused. */
export function resume(c: CaseCore, at: number): void {
  const d = c.d;
  const shift = Math.max(0, at - (d.pausedAt ?? at));
  d.pausedMs += shift;
  d.pausedAt = null;
  const move = (t: number | null) => (t === null ? null : t + shift);
  for (const task of d.tasks.filter(isOpen)) {
    task.dueAt += shift;
    task.nextEscalationAt = move(task.nextEscalationAt);
    c.outbox.tasks.add(task.id);
  }
  d.termEndsAt = move(d.termEndsAt);
  d.nextTestAt = move(d.nextTestAt);
  d.nextContactAt = move(d.nextContactAt);
  d.nextTierReviewAt = move(d.nextTierReviewAt);
  d.abstinenceSince = move(d.abstinenceSince);
  d.unannouncedAt = d.unannouncedAt.map((t) => t + shift);
  c.engine(at, 'clocks_resumed', { rule: 'R16', pausedFor: shift });
  c.setPhase(d.phaseBeforePause ?? 'community', at);
  d.phaseBeforePause = null;
}
