import type { CaseRow, NotificationRow, TaskRow, TimelineRow } from '../../../db/schema';
import type { CaseSummary, CaseView, TaskView } from '../../../schemas/case';
import type { Role } from '../../../schemas/common';
import { maskIdNumber } from '../../../schemas/id-number';
import { instantOf } from '../../../schemas/time-bounds';

// Who sees a person's ID number in full: those who must identify the person (the liaison at the
// facility, the caseworker at the gate and at home, the police). Supervisors manage the case
// and see it masked (R21: least privilege).
const FULL_ID_NUMBER: ReadonlySet<Role> = new Set(['liaison', 'caseworker', 'police']);

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function idNumberFor(row: CaseRow, role: Role): string {
  return FULL_ID_NUMBER.has(role) ? row.idNumber : maskIdNumber(row.idNumber);
}

export function toCaseView(row: CaseRow, role: Role, openTasks: TaskRow[], now: Date): CaseView {
  return {
    id: row.id,
    person: {
      name: row.personName,
      idNumber: idNumberFor(row, role),
      birthDate: row.birthDate,
      sex: row.sex,
      phone: row.phone,
      residenceAddress: row.residenceAddress,
    },
    facility: { name: row.facilityName },
    measure: row.measure,
    phase: row.phase,
    tier: row.tier,
    status: row.status,
    jurisdiction: row.jurisdiction,
    assignee: row.assignee,
    expectedReleaseAt: row.expectedReleaseAt.toISOString(),
    releasedAt: iso(row.releasedAt),
    term: { startsAt: iso(row.termStartsAt), endsAt: iso(row.termEndsAt), pausedDays: row.termPausedDays },
    counters: {
      testsRefused: row.testsRefused,
      leavesWithoutNotice: row.leavesWithoutNotice,
      daysAwayWithoutNotice: row.daysAwayWithoutNotice,
    },
    transferTo: row.transferTo,
    openTasks: openTasks.map((task) => toTaskView(task, now)),
    nextDueAt: iso(row.nextDueAt),
    policyVersion: row.policyVersion,
    note: row.note,
    openedBy: row.openedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toCaseSummary(row: CaseRow, role: Role): CaseSummary {
  return {
    id: row.id,
    person: { name: row.personName, idNumber: idNumberFor(row, role) },
    measure: row.measure,
    phase: row.phase,
    tier: row.tier,
    status: row.status,
    jurisdiction: row.jurisdiction,
    assignee: row.assignee,
    expectedReleaseAt: row.expectedReleaseAt.toISOString(),
    releasedAt: iso(row.releasedAt),
    nextDueAt: iso(row.nextDueAt),
    createdAt: row.createdAt.toISOString(),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A task past its due time reads as overdue even before the engine's escalation has run. */
export function toTaskView(row: TaskRow, now: Date): TaskView {
  const overdue = row.status === 'overdue' || (row.status === 'open' && row.dueAt < now);
  return {
    id: row.id,
    caseId: row.caseId,
    kind: row.kind,
    role: row.role,
    dueAt: row.dueAt.toISOString(),
    status: overdue ? 'overdue' : row.status,
    assignee: row.assignee,
    escalationLevel: row.escalationLevel,
  };
}

export function toTimelineView(
  row: Pick<TimelineRow, 'seq' | 'kind' | 'type' | 'actor' | 'data'> & { at: Date | number },
) {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    kind: row.kind,
    type: row.type,
    actor: row.actor,
    data: row.data,
  };
}

export function toNotificationView(row: NotificationRow) {
  return {
    id: row.id,
    caseId: row.caseId,
    recipient: row.recipient,
    reason: row.reason,
    rule: row.rule,
    taskId: row.taskId,
    createdAt: row.createdAt.toISOString(),
    status: row.status,
    deliveredAt: iso(row.deliveredAt),
  };
}

/** An opaque cursor over (createdAt, id), the list's order. */
export function encodeCursor(row: CaseRow): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    // The same bounds as any client timestamp (api.md "Time bounds"): a forged year 0 is a 400.
    const at = instantOf(createdAt);
    if (typeof id !== 'string' || !UUID.test(id) || at === null) return null;
    return { createdAt: new Date(at), id };
  } catch {
    return null;
  }
}
