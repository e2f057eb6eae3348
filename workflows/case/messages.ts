// The contract of the case workflow: what the API may send and ask. The API imports this
// file, never the workflow implementation or the activities.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Policy } from '../../config/policy';
import type { CreateCaseBody } from '../../schemas/case';
import type { Phase, Role, Tier } from '../../schemas/common';
import type { NotificationReason, Recipient, TaskKind } from '../../schemas/catalogue';
import type { EventBody } from '../../schemas/events';

export const CASE_WORKFLOW_TYPE = 'caseFollowUp';

/** Every case runs as workflow id `case-<case id>` (api.md). */
export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;

/** The case id in a workflow id (`case-<case id>`); null for a workflow that is not a case's. */
export const caseIdOfWorkflowId = (workflowId: string): string | null =>
  /^case-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(workflowId)?.[1] ?? null;

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
  /** Tests only: continue-as-new after this many loop turns instead of on the engine's own cadence. */
  continueAsNewAfter?: number;
  /**
   * `false`: the case runs on the first path (the read model written by an ordinary activity,
   * continue-as-new when the server suggests it), as cases opened by builds before the
   * one-round-trip path was on for new cases do. Absent: the one-round-trip path (patch `sync-in-workflow-task`).
   */
  syncInWorkflowTask?: boolean;
}

/**
 * What the rules read of the opening, and all a continued run carries of it: the origin, the
 * measure, the destination and the dates (R1, R3, R6, R7, R22). No name, ID number, address,
 * phone, facility or note: those are in the read model, written once by `recordCase`.
 */
export type RuleOpening =
  | {
      origin?: 'facility';
      measure: CreateCaseBody['measure'];
      destination: string;
      expectedReleaseAt: string;
    }
  | {
      origin: 'police_order';
      measure: 'community_detox';
      destination: string;
      decision: { decidedAt: string };
    };

/**
 * The input of a run started by continue-as-new on the engine's own cadence
 * (workflows/README.md): the first run's input without the person, and the typed state.
 */
export interface ContinuedCaseInput extends Omit<CaseInput, 'opening' | 'snapshot'> {
  opening: RuleOpening;
  snapshot: CaseSnapshotV1;
}

/** Every run's input: the first run's (or a run continued before snapshots were typed), or a continued one. */
export type CaseRunInput = CaseInput | ContinuedCaseInput;

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

// The task kinds, recipients and reasons are the catalogue's (schemas/catalogue.ts).
export { TASK_KINDS, type NotificationReason, type Recipient, type TaskKind } from '../../schemas/catalogue';

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

// ── the snapshot: what a run carries into the next, the contract between builds ──

/** The case's data: what every rule of workflows/case/ reads and writes (core.ts), carried whole by a snapshot. */
export interface CaseData {
  phase: Phase;
  phaseBeforePause: Phase | null;
  tier: Tier;
  tierBeforeLostContact: Tier | null;
  /**
   * R11: when contact was lost, until it is regained; it outlives an extension of the overdue
   * contact task. Absent from snapshots taken before it existed.
   */
  contactLostAt?: number | null;
  status: 'open' | 'closed';
  jurisdiction: string;
  transferTo: string | null;
  /** R23; absent from snapshots taken before delegation existed. */
  delegatedTo?: string | null;
  assignee: string | null;
  opening: 'pending' | 'recorded' | 'duplicate';
  duplicateOf: string | null;
  /** Null for a police order (R22): the person is not inside a facility. */
  expectedReleaseAt: number | null;
  releaseAt: number | null;
  releasedAt: number | null;
  /** For the KPIs: the first home visit and the first positive test after release. */
  firstHomeVisitAt: number | null;
  firstPositiveAt: number | null;
  pickedUp: boolean;
  termStartsAt: number | null;
  termEndsAt: number | null;
  pausedAt: number | null;
  pausedMs: number;
  abstinenceSince: number | null;
  endOfControlProposed: boolean;
  testsRefused: number;
  leavesWithoutNotice: number;
  awayMs: number;
  reportedViolations: { tests: boolean; absences: boolean };
  nextTestAt: number | null;
  nextContactAt: number | null;
  nextTierReviewAt: number | null;
  unannouncedAt: number[];
  unannouncedYears: number;
  tasks: TaskState[];
  seq: { task: number; timeline: number; notification: number };
  revision: number;
  /**
   * The last commands applied, by update id, with what each answered (workflows/README.md,
   * "Exactly once"): carried into the next run, so a command resent after a 503 with the same
   * Idempotency-Key is answered, not applied again, after a continue-as-new too. Runs before it
   * have none.
   */
  applied?: { id: string; at: number; result: unknown }[];
  /** R28: the facts recorded that must count once. Absent from runs before FACTS_COUNTED_ONCE. */
  facts?: Facts;
}

/** A recorded fact: its timeline entry's seq and time, so a refusal can name it. */
interface Recorded {
  seq: number;
  at: number;
}

/** R28 (facts.ts): the facts recorded that must count once. */
export interface Facts {
  /** R12, R14: each absence without notice recorded, as the period it covers (`until`: found at, if still going on). */
  absences: (Recorded & { from: number; until: number })[];
  /** R8, R12: each policy day that has a refused or missed test. */
  refusedTestDays: (Recorded & { day: number })[];
}

/** The whole mutable state of a case, carried across continue-as-new, versioned by `v`. */
export interface CaseSnapshotV1 {
  v: 1;
  data: CaseData;
}

/** A snapshot as runs carry it: typed (v1), or the bare state runs continued before v1 carried. */
export type CaseSnapshot = CaseSnapshotV1 | Record<string, unknown>;

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
