import type { CaseProjection, CaseSnapshot, CaseStatus, CaseSync } from './messages';
import { emptyOutbox, iso, isOpen, type CaseCore } from './core';

// What leaves the case: the batch of changes for the read model (drained by the workflow's
// journal, applied idempotently by revision), the projection, the status query, the snapshot.

/** The changes since the last call, for the read model; null when there are none. */
export function drain(c: CaseCore, now: number): CaseSync | null {
  const { timeline, notifications, tasks } = c.outbox;
  if (!timeline.length && !notifications.length && !tasks.size && c.d.revision > 0) return null;
  c.outbox = emptyOutbox();
  c.d.revision += 1;
  return {
    caseId: c.input.caseId,
    revision: c.d.revision,
    at: now,
    projection: projection(c),
    tasks: c.d.tasks
      .filter((task) => tasks.has(task.id))
      .map((task) => ({ ...task, assignee: task.role === 'caseworker' ? c.d.assignee : null })),
    timeline,
    notifications,
  };
}

export function projection(c: CaseCore): CaseProjection {
  const d = c.d;
  const day = c.policy.dayLength;
  const open = d.tasks.filter(isOpen).map((t) => t.dueAt);
  return {
    phase: d.phase,
    tier: d.tier,
    status: d.status,
    jurisdiction: d.jurisdiction,
    transferTo: d.transferTo,
    delegatedTo: d.delegatedTo ?? null,
    assignee: d.assignee,
    releasedAt: d.releasedAt,
    firstHomeVisitAt: d.firstHomeVisitAt ?? null,
    firstPositiveAt: d.firstPositiveAt ?? null,
    termStartsAt: d.termStartsAt,
    termEndsAt: d.termEndsAt,
    termPausedDays: Math.round(d.pausedMs / day),
    testsRefused: d.testsRefused,
    leavesWithoutNotice: d.leavesWithoutNotice,
    daysAwayWithoutNotice: Math.ceil(d.awayMs / day),
    nextDueAt: open.length ? Math.min(...open) : null,
  };
}

export function status(c: CaseCore, wake: number | null): CaseStatus {
  return {
    caseId: c.input.caseId,
    phase: c.d.phase,
    tier: c.d.tier,
    recorded: c.d.opening === 'recorded',
    policyVersion: c.policy.version,
    openTasks: c.d.tasks
      .filter(isOpen)
      .map((t) => ({ id: t.id, kind: t.kind, dueAt: iso(t.dueAt), status: t.status })),
    nextWakeAt: wake === null ? null : iso(wake),
  };
}

export function snapshot(c: CaseCore): CaseSnapshot {
  return JSON.parse(JSON.stringify(c.d)) as CaseSnapshot;
}
