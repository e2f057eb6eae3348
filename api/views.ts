import type { CaseRow, NotificationRow, PartyRow, TaskRow, TimelineRow } from '../db/schema';
import type { CaseSummary, CaseView, PartyView, ServicePlanLine, TaskView } from '../schemas/case';
import { SERVICE_AREAS, type ServiceAction, type ServiceArea } from '../schemas/services';
import type { Role } from '../schemas/common';
import { maskIdNumber } from '../schemas/id-number';
import { HttpProblem } from './errors';

// Who sees a person's ID number in full: those who must identify the person (the liaison at the
// facility, the caseworker at the gate and at home, the police). Supervisors manage the case
// and see it masked (R21: least privilege).
// The birth date is in the ID number, so it is shown or hidden with it.
const FULL_ID_NUMBER: ReadonlySet<Role> = new Set(['liaison', 'caseworker', 'police']);
export const seesFullIdNumber = (role: Role): boolean => FULL_ID_NUMBER.has(role);

const ID_NUMBER_LIKE = /^\d{17}[\dX]$/i;

/**
 * Whether a list filter `q` is a full ID number. It matches exactly, so for a role that sees ID
 * numbers masked a search would recover the hidden digits by guessing (R21): refused with a 403.
 */
export function isIdNumberSearch(q: string | undefined, role: Role): boolean {
  const byIdNumber = q !== undefined && ID_NUMBER_LIKE.test(q);
  if (byIdNumber && !seesFullIdNumber(role)) {
    throw new HttpProblem(
      403,
      'id_number_search_forbidden',
      `the ${role} role sees ID numbers masked and may not search by one`,
    );
  }
  return byIdNumber;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function idNumberFor(row: CaseRow, role: Role): string {
  return seesFullIdNumber(role) ? row.idNumber : maskIdNumber(row.idNumber);
}

function birthDateFor(row: CaseRow, role: Role): string | null {
  return row.birthDate && !seesFullIdNumber(role) ? '****-**-**' : row.birthDate;
}

export function toCaseView(row: CaseRow, role: Role, openTasks: TaskRow[], now: Date): CaseView {
  return {
    id: row.id,
    person: {
      name: row.personName,
      idNumber: idNumberFor(row, role),
      birthDate: birthDateFor(row, role),
      sex: row.sex,
      phone: row.phone,
      residenceAddress: row.residenceAddress,
      registeredAddress: row.registeredAddress,
    },
    origin: row.origin,
    facility: row.facilityName === null ? null : { name: row.facilityName },
    decision:
      row.decidedAt === null
        ? null
        : {
            authority: row.decisionAuthority ?? '',
            decidedAt: row.decidedAt.toISOString(),
            documentNo: row.decisionDocumentNo,
          },
    measure: row.measure,
    phase: row.phase,
    tier: row.tier,
    status: row.status,
    jurisdiction: row.jurisdiction,
    assignee: row.assignee,
    expectedReleaseAt: iso(row.expectedReleaseAt),
    releasedAt: iso(row.releasedAt),
    term: { startsAt: iso(row.termStartsAt), endsAt: iso(row.termEndsAt), pausedDays: row.termPausedDays },
    counters: {
      testsRefused: row.testsRefused,
      leavesWithoutNotice: row.leavesWithoutNotice,
      daysAwayWithoutNotice: row.daysAwayWithoutNotice,
    },
    transferTo: row.transferTo,
    delegatedTo: row.delegatedTo,
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
    delegatedTo: row.delegatedTo,
    assignee: row.assignee,
    origin: row.origin,
    expectedReleaseAt: iso(row.expectedReleaseAt),
    releasedAt: iso(row.releasedAt),
    nextDueAt: iso(row.nextDueAt),
    createdAt: row.createdAt.toISOString(),
  };
}

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

export function toNotificationView(row: NotificationRow, officer: string | null = null) {
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
    officer,
  };
}

export function toPartyView(row: PartyRow): PartyView {
  return {
    id: row.id,
    role: row.role,
    name: row.name,
    phone: row.phone,
    relation: row.relation,
    username: row.username,
    createdAt: row.createdAt.toISOString(),
  };
}

/** R24: the service plan, read from the timeline's service events, one line per area in the order of SERVICE_AREAS. */
export function toServicePlan(entries: Pick<TimelineRow, 'type' | 'at' | 'data'>[]): ServicePlanLine[] {
  const lines = new Map<ServiceArea, ServicePlanLine>();
  for (const entry of entries) {
    if (entry.type !== 'service') continue;
    const { area, action, agency } = entry.data as {
      area: ServiceArea;
      action: ServiceAction;
      agency?: string;
    };
    const line = lines.get(area) ?? {
      area,
      assessedAt: null,
      referredAt: null,
      providedAt: null,
      achievedAt: null,
      agency: null,
    };
    line[`${action}At`] = entry.at.toISOString();
    if (agency) line.agency = agency;
    lines.set(area, line);
  }
  return SERVICE_AREAS.flatMap((area) => lines.get(area) ?? []);
}
