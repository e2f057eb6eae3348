// The contract of the case workflow: what the API may send and ask. The API imports this
// file, never the workflow implementation or the activities.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Policy } from '../config/policy';
import type { CreateCaseBody } from '../schemas/case';
import type { Phase, Role, Tier } from '../schemas/common';
import type { EventBody } from '../schemas/events';

export const CASE_WORKFLOW_TYPE = 'caseFollowUp';

/** Every case runs as workflow id `case-<case id>` (api.md). */
export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;

export interface CaseInput {
  caseId: string;
  opening: CreateCaseBody;
  openedBy: string;
  /** ISO timestamp set by the API, so the record is the same however often it is retried. */
  openedAt: string;
  /** The policy in force when the case opened; the case keeps it for life. */
  policy: Policy;
  /** R25: a case already under way, brought in by an import; absent for a handover. */
  imported?: ImportedStart;
  /** Set by continue-as-new: the state carried into the new run. */
  snapshot?: CaseSnapshot;
  /** Tests only: continue-as-new after this many loop turns instead of when Temporal suggests it. */
  continueAsNewAfter?: number;
}

/**
 * R25: what an import row says of a case already under way (ISO timestamps or null). The case
 * starts in the phase its dates say and every obligation falls due forward from the import.
 */
export interface ImportedStart {
  importId: string;
  row: number;
  caseworker: string | null;
  decidedAt: string | null;
  releasedAt: string | null;
  reportedInAt: string | null;
  termStartsAt: string | null;
  tier: Tier;
  testsRefused: number;
  leavesWithoutNotice: number;
  daysAwayWithoutNotice: number;
  lastTestAt: string | null;
  lastTestResult: 'negative' | 'positive' | 'refused' | 'missed' | null;
  lastContactAt: string | null;
}

export interface Actor {
  username: string;
  role: Role;
}

export const TASK_KINDS = [
  'confirm_release_date',
  'confirm_release',
  'pickup',
  'report_in',
  'agreement',
  'first_home_visit',
  'test',
  'unannounced_test',
  'contact',
  'tier_review',
  'transfer_report_in',
  'end_of_control_proposal',
  'service_review',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export type Recipient = 'liaison' | 'caseworker' | 'supervisor' | 'police';

export type NotificationReason =
  | 'task_overdue'
  | 'lost_contact'
  | 'report_in_missed'
  | 'serious_violation'
  | 'drug_use'
  | 'transfer_overdue'
  | 'release_unconfirmed'
  | 'pickup_missed'
  | 'end_of_control_due'
  | 'end_of_control_approved'
  | 'term_ended';

export interface TaskState {
  id: string;
  kind: TaskKind;
  /** Who must act: the role; the case's assignee for caseworker tasks. */
  role: Role;
  createdAt: number;
  dueAt: number;
  status: 'open' | 'overdue' | 'done' | 'cancelled';
  escalationLevel: number;
  /** When the next escalation step fires; null when the ladder is exhausted or the task is closed. */
  nextEscalationAt: number | null;
  closedAt: number | null;
}

export interface TimelineEntry {
  seq: number;
  at: number;
  kind: 'event' | 'engine';
  type: string;
  actor: string | null;
  data: Record<string, unknown>;
}

export interface NotificationDraft {
  id: string;
  recipient: Recipient;
  reason: NotificationReason;
  rule: string;
  taskId: string | null;
  createdAt: number;
}

/** What the read model shows of a case; written by the syncCase activity. */
export interface CaseProjection {
  phase: Phase;
  tier: Tier;
  status: 'open' | 'closed';
  jurisdiction: string;
  transferTo: string | null;
  /** R23: the street doing the daily work on behalf of `jurisdiction`, or null. */
  delegatedTo: string | null;
  assignee: string | null;
  releasedAt: number | null;
  firstHomeVisitAt: number | null;
  firstPositiveAt: number | null;
  termStartsAt: number | null;
  termEndsAt: number | null;
  termPausedDays: number;
  testsRefused: number;
  leavesWithoutNotice: number;
  daysAwayWithoutNotice: number;
  nextDueAt: number | null;
}

/** One batch of changes for the read model, applied idempotently (revision, ids). */
export interface CaseSync {
  caseId: string;
  revision: number;
  at: number;
  projection: CaseProjection;
  tasks: (TaskState & { assignee: string | null })[];
  timeline: TimelineEntry[];
  notifications: NotificationDraft[];
}

/** The whole mutable state of a case, carried across continue-as-new. */
export type CaseSnapshot = Record<string, unknown>;

export interface CaseStatus {
  caseId: string;
  phase: Phase;
  tier: Tier;
  recorded: boolean;
  policyVersion: string;
  openTasks: { id: string; kind: TaskKind; dueAt: string; status: TaskState['status'] }[];
  nextWakeAt: string | null;
}

export type CaseOutcome = { outcome: 'closed' } | { outcome: 'rejected_duplicate'; existingCaseId: string };

/** Failure type of `openCase` when the person already has an open case; details: [existing case id]. */
export const DUPLICATE_OPEN_CASE = 'DuplicateOpenCase';
/**
 * Failure type when a command makes no sense in the case's current state; the message says why,
 * details: [its code from schemas/refusal-codes.ts].
 */
export const COMMAND_REFUSED = 'CommandRefused';

/** Sent with the start: completes once the case is in the read model, so a GET right after finds it. */
export const openCaseUpdate = defineUpdate<CaseStatus>('openCase');

/** A caseworker, liaison or police officer records what happened; returns the timeline entry. */
export const recordEventUpdate = defineUpdate<TimelineEntry, [EventBody, Actor]>('recordEvent');

export const transferUpdate = defineUpdate<TimelineEntry, [{ to: string; reason: string }, Actor]>(
  'transfer',
);
/** R23: a street that is not responsible for the case does its daily work. */
export const delegateUpdate = defineUpdate<TimelineEntry, [{ to: string; reason: string }, Actor]>(
  'delegate',
);
export const endDelegationUpdate = defineUpdate<TimelineEntry, [{ reason: string }, Actor]>('endDelegation');
export const closeUpdate = defineUpdate<TimelineEntry, [{ reason: string }, Actor]>('close');
export const setTierUpdate = defineUpdate<TimelineEntry, [{ tier: Tier; reason: string }, Actor]>('setTier');
export const assignUpdate = defineUpdate<TimelineEntry, [{ caseworker: string }, Actor]>('assign');
export const extendTaskUpdate = defineUpdate<
  TimelineEntry,
  [{ taskId: string; until: string; reason: string }, Actor]
>('extendTask');

/** R19: the supervisor approves the end-of-control proposal; the police issue the discharge notice. */
export const approveEndOfControlUpdate = defineUpdate<TimelineEntry, [{ note?: string }, Actor]>(
  'approveEndOfControl',
);

export const caseStatusQuery = defineQuery<CaseStatus>('status');

/**
 * The case's whole read model as the workflow holds it (the case row and every task; no timeline
 * or notifications, which the workflow does not keep): `npm run resync` writes it back.
 */
export const readModelQuery = defineQuery<CaseSync>('readModel');
