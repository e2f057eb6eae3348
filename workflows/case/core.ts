import { inWorkflowContext, patched } from '@temporalio/workflow';
import type { Policy } from '../../config/policy';
import { TASKS } from '../../schemas/catalogue';
import type { Phase } from '../../schemas/common';
import type { Refusal, RefusalCode } from '../../schemas/refusal-codes';
import type {
  CaseData,
  CaseRunInput,
  CaseSnapshot,
  CaseSnapshotV1,
  NotificationDraft,
  NotificationReason,
  Recipient,
  TaskKind,
  TaskState,
  TimelineEntry,
} from './messages';
import { EXTENSION_BOUNDED, FACTS_COUNTED_ONCE } from '../patches';

// What every rule of workflows/case/ works on: the case's data, and the few verbs they share
// (tasks, the timeline, notifications, the phase). No rule lives here.

export const no = (code: RefusalCode, detail: string, field?: string): Refusal =>
  field ? { code, detail, field } : { code, detail };

export const isOpen = (task: TaskState): boolean => task.status === 'open' || task.status === 'overdue';

export const iso = (ms: number): string => new Date(ms).toISOString();

export const PHASE_WORDS: Record<Phase, string> = {
  pre_release: 'the person is still inside the facility',
  awaiting_release: 'the person is still inside the facility, awaiting release',
  released_awaiting_report: 'the person has been released and has not reported in yet',
  community: 'the person is under community measures',
  paused: 'the term is paused while the person is detained; record freed first',
  in_transfer: 'the case is being transferred',
  closed: 'the case is closed',
};

/** The state a run continues from: a typed snapshot's data, or the bare state of older runs. */
function carriedData(snapshot: CaseSnapshot | undefined): CaseData | undefined {
  if (snapshot && 'v' in snapshot && snapshot.v === 1) return (snapshot as CaseSnapshotV1).data;
  return snapshot as unknown as CaseData | undefined;
}

function initialData(input: CaseRunInput): CaseData {
  const opening = input.opening;
  return {
    phase: opening.origin === 'police_order' ? 'released_awaiting_report' : 'pre_release',
    phaseBeforePause: null,
    tier: 'stable',
    tierBeforeLostContact: null,
    contactLostAt: null,
    status: 'open',
    jurisdiction: opening.destination,
    transferTo: null,
    delegatedTo: null,
    assignee: null,
    opening: 'pending',
    duplicateOf: null,
    expectedReleaseAt: opening.origin === 'police_order' ? null : Date.parse(opening.expectedReleaseAt),
    releaseAt: null,
    releasedAt: null,
    firstHomeVisitAt: null,
    firstPositiveAt: null,
    pickedUp: false,
    termStartsAt: null,
    termEndsAt: null,
    pausedAt: null,
    pausedMs: 0,
    abstinenceSince: null,
    endOfControlProposed: false,
    testsRefused: 0,
    leavesWithoutNotice: 0,
    awayMs: 0,
    reportedViolations: { tests: false, absences: false },
    nextTestAt: null,
    nextContactAt: null,
    nextTierReviewAt: null,
    unannouncedAt: [],
    unannouncedYears: 0,
    tasks: [],
    seq: { task: 0, timeline: 0, notification: 0 },
    revision: 0,
  };
}

/** The changes not yet sent to the read model (workflows/case/outbox.ts drains them). */
export interface Outbox {
  timeline: TimelineEntry[];
  notifications: NotificationDraft[];
  tasks: Set<string>;
}

export const emptyOutbox = (): Outbox => ({ timeline: [], notifications: [], tasks: new Set() });

export class CaseCore {
  d: CaseData;
  /** Bumped on every change, so the workflow's wait can tell that it must look again. */
  version = 0;
  outbox: Outbox = emptyOutbox();
  readonly policy: Policy;
  /** R28: the same fact is refused (patch FACTS_COUNTED_ONCE). */
  readonly factsOnce: boolean;
  /** api.md v1.2 "Dates that make sense": extensions are bounded (patch EXTENSION_BOUNDED). */
  readonly extensionBounded: boolean;

  constructor(
    readonly input: CaseRunInput,
    readonly random: () => number = Math.random,
  ) {
    this.policy = input.policy;
    this.d = carriedData(input.snapshot) ?? initialData(input);
    // Decided once, at the start of the run, though they refuse in update validators: a rejected
    // update leaves no history, so a patch marker first met in its validator would not replay.
    // A run that started before them keeps the old rules until it continues as new.
    this.factsOnce = this.patched(FACTS_COUNTED_ONCE);
    this.extensionBounded = this.patched(EXTENSION_BOUNDED);
  }

  /**
   * Temporal's patched() for a rule changed while cases run (workflows/README.md): old histories
   * keep the old branch. Outside a workflow (unit tests) the new behaviour. Call it only where the
   * changed rule applies, so histories that never reach it carry no marker.
   */
  patched(id: string): boolean {
    return inWorkflowContext() ? patched(id) : true;
  }

  setPhase(phase: Phase, at: number): void {
    if (phase === this.d.phase) return;
    const from = this.d.phase;
    this.d.phase = phase;
    this.engine(at, 'phase_changed', { from, phase });
  }

  // ── tasks ──────────────────────────────────────────────────────────────────

  addTask(kind: TaskKind, at: number, dueAt: number): TaskState {
    this.d.seq.task += 1;
    const task: TaskState = {
      id: `t${this.d.seq.task}`,
      kind,
      role: TASKS[kind].role,
      createdAt: at,
      dueAt,
      status: 'open',
      escalationLevel: 0,
      nextEscalationAt: null,
      closedAt: null,
    };
    task.nextEscalationAt = this.firstEscalationAt(task);
    this.d.tasks.push(task);
    this.outbox.tasks.add(task.id);
    this.engine(at, 'task_created', { taskId: task.id, kind, dueAt: iso(dueAt) });
    return task;
  }

  /** The catalogue's escalation: the policy's ladder from its first step, or at once, or never. */
  firstEscalationAt(task: TaskState): number | null {
    const to = TASKS[task.kind].escalation.to;
    if (to === 'ladder') return task.dueAt + this.policy.ladder[0]!.after;
    return to.length ? task.dueAt : null;
  }

  open(kind: TaskKind): TaskState | undefined {
    return this.d.tasks.find((t) => t.kind === kind && isOpen(t));
  }

  complete(kind: TaskKind, at: number): void {
    for (const task of this.d.tasks.filter((t) => t.kind === kind && isOpen(t)))
      this.closeTask(task, 'done', at);
  }

  completeOldest(kind: TaskKind, at: number): void {
    const task = this.d.tasks.find((t) => t.kind === kind && isOpen(t));
    if (task) this.closeTask(task, 'done', at);
  }

  cancel(kind: TaskKind, at: number): void {
    for (const task of this.d.tasks.filter((t) => t.kind === kind && isOpen(t)))
      this.closeTask(task, 'cancelled', at);
  }

  closeTask(task: TaskState, status: 'done' | 'cancelled', at: number): void {
    task.status = status;
    task.closedAt = at;
    task.nextEscalationAt = null;
    this.outbox.tasks.add(task.id);
    this.engine(at, status === 'done' ? 'task_completed' : 'task_cancelled', {
      taskId: task.id,
      kind: task.kind,
    });
  }

  /** Every open task goes to the read model again (a new assignee sees them). */
  resendOpenTasks(): void {
    for (const task of this.d.tasks) if (isOpen(task)) this.outbox.tasks.add(task.id);
  }

  // ── timeline and notifications ─────────────────────────────────────────────

  notify(recipient: Recipient, reason: NotificationReason, rule: string, taskId: string | null, at: number) {
    this.d.seq.notification += 1;
    const notification: NotificationDraft = {
      id: `${this.input.caseId}:n${this.d.seq.notification}`,
      recipient,
      reason,
      rule,
      taskId,
      createdAt: at,
    };
    this.outbox.notifications.push(notification);
    this.engine(at, 'notification_sent', { notificationId: notification.id, recipient, reason, rule });
  }

  engine(at: number, type: string, data: Record<string, unknown>): void {
    this.append({ at, kind: 'engine', type, actor: null, data });
  }

  append(entry: Omit<TimelineEntry, 'seq'>): TimelineEntry {
    this.d.seq.timeline += 1;
    const full = { seq: this.d.seq.timeline, ...entry };
    this.outbox.timeline.push(full);
    this.version += 1;
    return full;
  }

  /** A person's command as its timeline entry. */
  command(type: string, actor: string, at: number, data: Record<string, unknown>): TimelineEntry {
    return this.append({ at, kind: 'event', type, actor, data });
  }

  touch(): void {
    this.version += 1;
  }
}
