import type { Policy } from '../config/policy';
import type { Phase, Tier } from '../schemas/common';
import { EVENTS, PRE_RELEASE, TASKS } from '../schemas/catalogue';
import type { EventBody } from '../schemas/events';
import type { Refusal, RefusalCode } from '../schemas/refusal-codes';
import { FUTURE_TOLERANCE_MS, instantOf } from '../schemas/time-bounds';
import { serviceReviewDueAt } from './case-services';
import type {
  Actor,
  CaseInput,
  CaseProjection,
  CaseSnapshot,
  CaseStatus,
  CaseSync,
  NotificationDraft,
  NotificationReason,
  Recipient,
  TaskKind,
  TaskState,
  TimelineEntry,
} from './case-follow-up.messages';

// The case's state and every rule of domain.md that moves it: plain code with the time passed
// in, so unit tests drive it without a server and the workflow stays a table of contents.

const no = (code: RefusalCode, detail: string, field?: string): Refusal =>
  field ? { code, detail, field } : { code, detail };

const PHASE_WORDS: Record<Phase, string> = {
  pre_release: 'the person is still inside the facility',
  awaiting_release: 'the person is still inside the facility, awaiting release',
  released_awaiting_report: 'the person has been released and has not reported in yet',
  community: 'the person is under community measures',
  paused: 'the term is paused while the person is detained; record freed first',
  in_transfer: 'the case is being transferred',
  closed: 'the case is closed',
};

/** The event's timestamps that name what has already happened (the rest may lie ahead). */
const PAST_FIELDS = new Set(['occurredAt', 'absence_found.from', 'absence_found.until']);

/**
 * api.md "Time bounds", again here so that nothing the API let through by mistake enters the
 * history: every timestamp a real instant within 1970–2100, what has happened not in the future.
 */
function outOfBounds(event: EventBody, now: number): Refusal | null {
  for (const [field, value] of Object.entries(event)) {
    if (!['occurredAt', 'releaseAt', 'from', 'until'].includes(field) || value === undefined) continue;
    const at = instantOf(value);
    if (at === null)
      return no('occurred_at_out_of_range', `${field} is not an instant the engine accepts`, field);
    const past = PAST_FIELDS.has(field) || PAST_FIELDS.has(`${event.type}.${field}`);
    if (past && at > now + FUTURE_TOLERANCE_MS)
      return no('occurred_at_out_of_range', `${field} is in the future`, field);
  }
  return null;
}

export interface CaseData {
  phase: Phase;
  phaseBeforePause: Phase | null;
  tier: Tier;
  tierBeforeLostContact: Tier | null;
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
}

export class CaseState {
  d: CaseData;
  /** Bumped on every change, so the workflow's wait can tell that it must look again. */
  version = 0;
  private outbox: { timeline: TimelineEntry[]; notifications: NotificationDraft[]; tasks: Set<string> } = {
    timeline: [],
    notifications: [],
    tasks: new Set(),
  };
  private readonly policy: Policy;

  constructor(
    private readonly input: CaseInput,
    private readonly random: () => number = Math.random,
  ) {
    this.policy = input.policy;
    const opening = input.opening;
    this.d = (input.snapshot as unknown as CaseData | undefined) ?? {
      phase: opening.origin === 'police_order' ? 'released_awaiting_report' : 'pre_release',
      phaseBeforePause: null,
      tier: 'stable',
      tierBeforeLostContact: null,
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

  // ── opening ────────────────────────────────────────────────────────────────

  /**
   * The case is in the read model. A handover starts with R1 (notice of the release date); a
   * police order (R22) with the report-in and first-visit clocks, run from the decision (R3, R6).
   */
  recorded(now: number): void {
    this.d.opening = 'recorded';
    this.engine(now, 'case_opened', { policyVersion: this.policy.version });
    const opening = this.input.opening;
    if (opening.origin === 'police_order') {
      const decidedAt = Date.parse(opening.decision.decidedAt);
      this.addTask('report_in', now, decidedAt + this.policy.deadlines.reportInWithin); // R3
      this.addTask('first_home_visit', now, decidedAt + this.policy.deadlines.firstHomeVisitWithin); // R6
      return;
    }
    const due = Math.max(now, this.d.expectedReleaseAt! - this.policy.deadlines.releaseNoticeAtLeast);
    this.addTask('confirm_release_date', now, due);
  }

  /**
   * R25: a case already under way starts in the phase its dates say, with its tier, counters and
   * term. Nothing is owed for the past: an obligation whose date has gone by at the import falls
   * due one normal window after it, so the import itself escalates nothing and tells no police.
   */
  importedStart(now: number): void {
    const imp = this.input.imported!;
    const p = this.policy;
    const time = (value: string | null) => (value === null ? null : Date.parse(value));
    const forward = (due: number, window: number) => (due > now ? due : now + window);
    const releasedAt = time(imp.releasedAt);
    const reportedInAt = time(imp.reportedInAt);
    const anchor = releasedAt ?? time(imp.decidedAt) ?? reportedInAt!;
    this.d.opening = 'recorded';
    this.append({
      at: now,
      kind: 'event',
      type: 'imported',
      actor: this.input.openedBy,
      data: {
        rule: 'R25',
        importId: imp.importId,
        row: imp.row,
        policyVersion: p.version,
        decidedAt: imp.decidedAt,
        releasedAt: imp.releasedAt,
        reportedInAt: imp.reportedInAt,
        termStartsAt: imp.termStartsAt,
      },
    });
    this.d.tier = imp.tier;
    this.d.assignee = imp.caseworker;
    this.d.releasedAt = releasedAt;
    this.d.pickedUp = true;
    this.d.testsRefused = imp.testsRefused;
    this.d.leavesWithoutNotice = imp.leavesWithoutNotice;
    this.d.awayMs = imp.daysAwayWithoutNotice * p.dayLength;
    // A serious violation the counters already show was reported before the import (R12).
    this.d.reportedViolations = {
      tests: imp.testsRefused >= p.seriousViolation.testsRefused,
      absences:
        imp.leavesWithoutNotice >= p.seriousViolation.leavesWithoutNotice ||
        this.d.awayMs > p.seriousViolation.awayWithoutNoticeTotal,
    };
    const lastTestAt = time(imp.lastTestAt);
    const abstinentSince = imp.lastTestResult === 'positive' && lastTestAt !== null ? lastTestAt : anchor;
    // R19's proposal, if already due, is drafted a day after the import rather than backdated.
    this.d.abstinenceSince = Math.max(abstinentSince, now + p.dayLength - p.endOfControlAfterAbstinence);
    if (reportedInAt === null) {
      this.d.phase = 'released_awaiting_report';
      this.addTask(
        'report_in',
        now,
        forward(anchor + p.deadlines.reportInWithin, p.deadlines.reportInWithin),
      );
      if (releasedAt !== null)
        this.addTask(
          'first_home_visit',
          now,
          forward(releasedAt + p.deadlines.firstHomeVisitWithin, p.deadlines.firstHomeVisitWithin),
        );
    } else {
      const startsAt = time(imp.termStartsAt) ?? reportedInAt;
      this.d.phase = 'community';
      this.d.termStartsAt = startsAt;
      this.d.termEndsAt = startsAt + p.term[this.input.opening.measure];
      const lastTest = lastTestAt ?? startsAt;
      const nextTest = Math.max(lastTest + this.testInterval(lastTest), now);
      this.d.nextTestAt = nextTest >= this.d.termEndsAt ? null : nextTest;
      this.d.nextContactAt = Math.max((time(imp.lastContactAt) ?? startsAt) + p.contacts[this.d.tier], now);
      const every = p.deadlines.tierReviewEvery;
      this.d.nextTierReviewAt = startsAt + (Math.floor((now - startsAt) / every) + 1) * every;
      if (p.tests.unannouncedPerYear > 0) {
        this.d.unannouncedYears = Math.floor((now - startsAt) / this.yearMs());
        this.drawUnannounced(startsAt + this.d.unannouncedYears * this.yearMs(), now);
      }
    }
    this.touch();
  }

  rejectAsDuplicate(existingCaseId: string): void {
    this.d.opening = 'duplicate';
    this.d.duplicateOf = existingCaseId;
    this.touch();
  }

  get opening() {
    return this.d.opening;
  }

  get duplicateOf() {
    return this.d.duplicateOf;
  }

  /** Closed, and no clock left to watch (R19 may outlive the term). */
  get finished(): boolean {
    return this.d.phase === 'closed' && (this.d.abstinenceSince === null || this.d.endOfControlProposed);
  }

  /**
   * api.md "Time bounds": nothing may be dated earlier than the policy's backdating allowance
   * before the case began (the latest of its opening, or the earliest date a police order or an
   * import row gives). A policy without the allowance (cases opened before it) keeps 1970.
   */
  private tooEarly(event: EventBody): Refusal | null {
    const allowance = this.policy.deadlines.backdatingAllowance;
    if (allowance === undefined) return null;
    const imp = this.input.imported;
    const origins = [
      this.input.openedAt,
      this.input.opening.origin === 'police_order' ? this.input.opening.decision.decidedAt : null,
      ...(imp ? [imp.decidedAt, imp.releasedAt, imp.reportedInAt, imp.termStartsAt] : []),
      ...(imp ? [imp.lastTestAt, imp.lastContactAt] : []),
    ];
    const began = Math.min(...origins.filter((at): at is string => typeof at === 'string').map(Date.parse));
    for (const [field, value] of Object.entries(event)) {
      if (!['occurredAt', 'releaseAt', 'from', 'until'].includes(field) || typeof value !== 'string')
        continue;
      const at = instantOf(value);
      if (at !== null && at < began - allowance)
        return no(
          'occurred_at_out_of_range',
          `${field} is earlier than the policy allows before the case began`,
          field,
        );
    }
    return null;
  }

  /** R19: finished but for the proposal the supervisor has not approved yet. */
  get awaitingApproval(): boolean {
    return this.finished && this.open('end_of_control_proposal') !== undefined;
  }

  // ── events ─────────────────────────────────────────────────────────────────

  /** Why `event` cannot be recorded now, as a code and plain words; null when it can. */
  refusal(event: EventBody, now: number): Refusal | null {
    const outOfRange = outOfBounds(event, now) ?? this.tooEarly(event);
    if (outOfRange) return outOfRange;
    const at = event.occurredAt ? Date.parse(event.occurredAt) : now;
    if (!EVENTS[event.type].phases.includes(this.d.phase)) {
      if (event.type === 'reported_in' && (PRE_RELEASE as readonly Phase[]).includes(this.d.phase))
        return no('report_in_before_release', 'the person has not been released yet; record released first');
      return no(
        'event_not_allowed_now',
        `${event.type} cannot be recorded now: ${PHASE_WORDS[this.d.phase]}`,
      );
    }
    switch (event.type) {
      case 'agreement_signed':
        if (event.kind === 'community' && this.d.phase !== 'community')
          return no(
            'community_agreement_before_report_in',
            'a community agreement is signed after report-in',
          );
        if (event.kind === 'assistance' && !(PRE_RELEASE as readonly Phase[]).includes(this.d.phase))
          return no(
            'assistance_agreement_after_release',
            'the assistance agreement is signed before release',
          );
        return null;
      case 'release_date_confirmed':
        return Date.parse(event.releaseAt) < at
          ? no('release_before_confirmation', 'releaseAt is before the confirmation itself')
          : null;
      case 'picked_up':
        if (this.input.opening.origin === 'police_order')
          return no(
            'no_pickup_for_police_order',
            'a police-ordered case has no pickup: the person was never in a facility',
          ); // R22
        return this.d.pickedUp ? no('pickup_already_recorded', 'the pickup is already recorded') : null;
      case 'reported_in': {
        const expected = this.d.phase === 'in_transfer' ? this.d.transferTo : this.d.jurisdiction;
        return event.jurisdiction === expected
          ? null
          : no(
              'report_in_elsewhere',
              `the person reports in at ${expected}; to move them elsewhere, start a transfer`,
            );
      }
      case 'leave_notice':
        return Date.parse(event.until) <= Date.parse(event.from)
          ? no('until_before_from', 'until must be after from')
          : null;
      case 'absence_found':
        if (Date.parse(event.from) > at)
          return no('absence_after_found', 'the absence cannot start after it was found');
        return event.until && Date.parse(event.until) < Date.parse(event.from)
          ? no('until_before_from', 'until must not be before from')
          : null;
      default:
        return null;
    }
  }

  /** Applies an event the validator accepted; returns its timeline entry. */
  record(event: EventBody, actor: Actor, now: number): TimelineEntry {
    const at = event.occurredAt ? Date.parse(event.occurredAt) : now;
    const { type, occurredAt: _o, ...data } = event;
    const entry = this.append({ at, kind: 'event', type, actor: actor.username, data });
    switch (event.type) {
      case 'intervention':
        break;
      case 'agreement_signed':
        if (event.kind === 'community') this.complete('agreement', at); // R5
        break;
      case 'release_date_confirmed': {
        const releaseAt = Date.parse(event.releaseAt);
        this.d.releaseAt = releaseAt;
        this.complete('confirm_release_date', at);
        if (releaseAt - at < this.policy.deadlines.releaseNoticeAtLeast) {
          this.engine(at, 'late_release_notice', { rule: 'R1', releaseAt: iso(releaseAt) });
        }
        // A new date replaces the obligations that hung on the old one.
        this.cancel('confirm_release', at);
        this.cancel('pickup', at);
        this.addTask('confirm_release', at, releaseAt + this.policy.deadlines.releaseConfirmationGrace); // R1
        this.addTask('pickup', at, releaseAt + this.policy.deadlines.pickupGrace); // R2
        this.setPhase('awaiting_release', at);
        break;
      }
      case 'released':
        this.d.releasedAt = at;
        this.d.abstinenceSince = at; // R19: the three-year clock starts at the gate
        this.cancel('confirm_release_date', at);
        this.complete('confirm_release', at);
        if (!this.open('pickup')) this.addTask('pickup', at, at + this.policy.deadlines.pickupGrace); // R2
        this.addTask('report_in', at, at + this.policy.deadlines.reportInWithin); // R3
        this.addTask('first_home_visit', at, at + this.policy.deadlines.firstHomeVisitWithin); // R6
        this.setPhase('released_awaiting_report', at);
        break;
      case 'picked_up':
        this.d.pickedUp = true;
        this.complete('pickup', at);
        break;
      case 'reported_in':
        if (this.d.phase === 'in_transfer') this.arriveFromTransfer(at, actor.username);
        else this.startTerm(at);
        break;
      case 'home_visit':
        this.d.firstHomeVisitAt ??= at;
        this.complete('first_home_visit', at);
        if (event.reached) this.contactMade(at);
        break;
      case 'contact':
        if (event.reached) this.contactMade(at);
        break;
      case 'test':
        this.completeOldest(event.unannounced ? 'unannounced_test' : 'test', at);
        this.testResult(event.result, at);
        break;
      case 'leave_notice':
        break; // R14: recorded with its dates in the timeline
      case 'absence_found':
        this.absenceFound(Date.parse(event.from), event.until ? Date.parse(event.until) : at, at);
        break;
      case 'detained':
        this.pause(at);
        break;
      case 'freed':
        this.resume(at);
        break;
      case 'sentenced':
        this.close(at, 'sentenced', 'R17'); // R17
        break;
      case 'service': {
        const reviewAt = serviceReviewDueAt(this.policy, this.d.tier, event.action, at); // R24
        if (reviewAt !== null) {
          this.complete('service_review', at);
          this.addTask('service_review', at, reviewAt);
        }
        break;
      }
    }
    this.touch();
    return entry;
  }

  // ── supervision ────────────────────────────────────────────────────────────

  refusalToTransfer(to: string): Refusal | null {
    if (!['community', 'released_awaiting_report'].includes(this.d.phase))
      return no('transfer_not_allowed_now', `a transfer cannot start now: ${PHASE_WORDS[this.d.phase]}`);
    if (this.d.delegatedTo) return no('delegation_open', 'end the delegation before a transfer');
    return to === this.d.jurisdiction
      ? no('same_jurisdiction', 'the case is already in that jurisdiction')
      : null;
  }

  /** R15: the sending side stays responsible until the receiving side records the report-in. */
  transfer(to: string, reason: string, actor: Actor, now: number): TimelineEntry {
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'transfer_started',
      actor: actor.username,
      data: { to, reason },
    });
    this.d.transferTo = to;
    this.setPhase('in_transfer', now);
    this.addTask('transfer_report_in', now, now + this.policy.deadlines.transferReportInWithin);
    this.touch();
    return entry;
  }

  refusalToDelegate(to: string): Refusal | null {
    if (this.d.phase === 'closed') return no('case_closed', 'the case is closed');
    if (this.d.phase === 'in_transfer')
      return no(
        'delegation_in_transfer',
        'a case in transfer cannot be delegated; the receiving side takes it on arrival',
      );
    if (to === this.d.jurisdiction)
      return no('same_jurisdiction', 'the case is already in that jurisdiction');
    return to === this.d.delegatedTo ? no('already_delegated', 'the case is already delegated there') : null;
  }

  /** R23: the delegate street does the daily work; responsibility, term and counters stay. */
  delegate(to: string, reason: string, actor: Actor, now: number): TimelineEntry {
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'delegated',
      actor: actor.username,
      data: { to, reason, ...(this.d.delegatedTo ? { from: this.d.delegatedTo } : {}) },
    });
    this.d.delegatedTo = to;
    this.touch();
    return entry;
  }

  refusalToEndDelegation(): Refusal | null {
    return this.d.delegatedTo ? null : no('not_delegated', 'the case is not delegated');
  }

  endDelegation(reason: string, actor: Actor, now: number): TimelineEntry {
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'delegation_ended',
      actor: actor.username,
      data: { from: this.d.delegatedTo, reason },
    });
    this.d.delegatedTo = null;
    this.touch();
    return entry;
  }

  refusalToClose(): Refusal | null {
    return this.d.phase === 'closed' ? no('case_closed', 'the case is already closed') : null;
  }

  closeBySupervisor(reason: string, actor: Actor, now: number): TimelineEntry {
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'case_closed',
      actor: actor.username,
      data: { reason },
    });
    this.close(now, 'closed_by_supervisor', null);
    this.touch();
    return entry;
  }

  refusalToSetTier(): Refusal | null {
    return this.d.phase === 'closed' ? no('case_closed', 'the case is closed') : null;
  }

  /** R10: the supervisor reviews the tier; a review keeping the same tier still counts. */
  setTier(tier: Tier, reason: string, actor: Actor, now: number): TimelineEntry {
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'tier_set',
      actor: actor.username,
      data: { from: this.d.tier, tier, reason },
    });
    this.d.tierBeforeLostContact = null;
    this.changeTier(tier, now, 'review');
    this.complete('tier_review', now);
    this.touch();
    return entry;
  }

  refusalToAssign(): Refusal | null {
    return this.d.phase === 'closed' ? no('case_closed', 'the case is closed') : null;
  }

  assign(caseworker: string, actor: Actor, now: number): TimelineEntry {
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'assigned',
      actor: actor.username,
      data: { caseworker },
    });
    this.d.assignee = caseworker;
    for (const task of this.d.tasks) if (isOpen(task)) this.outbox.tasks.add(task.id);
    this.touch();
    return entry;
  }

  refusalToExtend(taskId: string, untilText: string, now: number): Refusal | null {
    const until = instantOf(untilText);
    if (until === null)
      return no('occurred_at_out_of_range', 'until is not an instant the engine accepts', 'until');
    const task = this.d.tasks.find((t) => t.id === taskId);
    if (!task) return no('no_such_task', `the case has no task ${taskId}`);
    if (!isOpen(task)) return no('task_not_open', `task ${taskId} is ${task.status}`);
    if (until <= Math.max(task.dueAt, now))
      return no('extension_too_early', 'until must be later than the task is due now');
    return null;
  }

  extendTask(taskId: string, until: number, reason: string, actor: Actor, now: number): TimelineEntry {
    const task = this.d.tasks.find((t) => t.id === taskId)!;
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'task_extended',
      actor: actor.username,
      data: { taskId, kind: task.kind, from: iso(task.dueAt), until: iso(until), reason },
    });
    task.dueAt = until;
    task.status = 'open';
    task.nextEscalationAt = this.firstEscalationAt(task);
    this.outbox.tasks.add(task.id);
    this.touch();
    return entry;
  }

  refusalToApproveEndOfControl(): Refusal | null {
    return this.open('end_of_control_proposal') === undefined
      ? no('no_end_of_control_proposal', 'no end-of-control proposal is awaiting approval')
      : null;
  }

  /**
   * R19: the supervisor approves; dynamic control ends and the police are asked for the
   * discharge notice. A case still open closes with it: nothing is watched any more.
   */
  approveEndOfControl(note: string | undefined, actor: Actor, now: number): TimelineEntry {
    const entry = this.append({
      at: now,
      kind: 'event',
      type: 'end_of_control_approved',
      actor: actor.username,
      data: { rule: 'R19', ...(note ? { note } : {}) },
    });
    this.complete('end_of_control_proposal', now);
    this.notify('police', 'end_of_control_approved', 'R19', null, now);
    if (this.d.phase !== 'closed') this.close(now, 'end_of_control', 'R19');
    this.touch();
    return entry;
  }

  // ── time ───────────────────────────────────────────────────────────────────

  /** The earliest moment something is due, or null when nothing can happen without a person. */
  nextWakeAt(): number | null {
    if (this.d.phase === 'paused' || this.d.opening !== 'recorded') return null;
    const times = this.d.tasks.filter(isOpen).map((t) => t.nextEscalationAt);
    if (this.d.phase !== 'closed') {
      times.push(this.d.nextTestAt, this.d.nextContactAt, this.d.nextTierReviewAt, this.d.termEndsAt);
      times.push(...this.d.unannouncedAt, this.nextUnannouncedDrawAt());
    }
    if (!this.d.endOfControlProposed) times.push(this.abstinenceEndsAt());
    const real = times.filter((t): t is number => t !== null);
    return real.length ? Math.min(...real) : null;
  }

  /** Everything that became due by `now`: escalations, scheduled tasks, the end of the term. */
  advance(now: number): void {
    if (this.d.phase === 'paused' || this.d.opening !== 'recorded') return;
    this.escalateDue(now);
    if (this.d.phase === 'community' || this.d.phase === 'in_transfer') this.schedule(now);
    if (this.d.termEndsAt !== null && this.d.termEndsAt <= now && this.d.phase !== 'closed') this.endTerm();
    const abstinenceEnds = this.abstinenceEndsAt();
    if (!this.d.endOfControlProposed && abstinenceEnds !== null && abstinenceEnds <= now)
      this.proposeEndOfControl(abstinenceEnds);
  }

  // ── read model ─────────────────────────────────────────────────────────────

  /** The changes since the last call, for the read model; null when there are none. */
  drain(now: number): CaseSync | null {
    const { timeline, notifications, tasks } = this.outbox;
    if (!timeline.length && !notifications.length && !tasks.size && this.d.revision > 0) return null;
    this.outbox = { timeline: [], notifications: [], tasks: new Set() };
    this.d.revision += 1;
    return {
      caseId: this.input.caseId,
      revision: this.d.revision,
      at: now,
      projection: this.projection(),
      tasks: this.d.tasks
        .filter((task) => tasks.has(task.id))
        .map((task) => ({ ...task, assignee: task.role === 'caseworker' ? this.d.assignee : null })),
      timeline,
      notifications,
    };
  }

  projection(): CaseProjection {
    const day = this.policy.dayLength;
    const open = this.d.tasks.filter(isOpen).map((t) => t.dueAt);
    return {
      phase: this.d.phase,
      tier: this.d.tier,
      status: this.d.status,
      jurisdiction: this.d.jurisdiction,
      transferTo: this.d.transferTo,
      delegatedTo: this.d.delegatedTo ?? null,
      assignee: this.d.assignee,
      releasedAt: this.d.releasedAt,
      firstHomeVisitAt: this.d.firstHomeVisitAt ?? null,
      firstPositiveAt: this.d.firstPositiveAt ?? null,
      termStartsAt: this.d.termStartsAt,
      termEndsAt: this.d.termEndsAt,
      termPausedDays: Math.round(this.d.pausedMs / day),
      testsRefused: this.d.testsRefused,
      leavesWithoutNotice: this.d.leavesWithoutNotice,
      daysAwayWithoutNotice: Math.ceil(this.d.awayMs / day),
      nextDueAt: open.length ? Math.min(...open) : null,
    };
  }

  status(): CaseStatus {
    const wake = this.nextWakeAt();
    return {
      caseId: this.input.caseId,
      phase: this.d.phase,
      tier: this.d.tier,
      recorded: this.d.opening === 'recorded',
      policyVersion: this.policy.version,
      openTasks: this.d.tasks
        .filter(isOpen)
        .map((t) => ({ id: t.id, kind: t.kind, dueAt: iso(t.dueAt), status: t.status })),
      nextWakeAt: wake === null ? null : iso(wake),
    };
  }

  snapshot(): CaseSnapshot {
    return JSON.parse(JSON.stringify(this.d)) as CaseSnapshot;
  }

  // ── the rules ──────────────────────────────────────────────────────────────

  /** R3, R5, R7: report-in starts the term, its schedules and the agreement. */
  private startTerm(at: number): void {
    const p = this.policy;
    this.complete('report_in', at);
    this.d.termStartsAt = at;
    this.d.termEndsAt = at + p.term[this.input.opening.measure];
    this.d.abstinenceSince ??= at;
    this.d.nextTestAt = at + this.testInterval(at);
    this.d.nextContactAt = at + p.contacts[this.d.tier];
    this.d.nextTierReviewAt = at + p.deadlines.tierReviewEvery;
    this.addTask('agreement', at, at + p.deadlines.agreementWithin);
    this.engine(at, 'term_started', { rule: 'R7', endsAt: iso(this.d.termEndsAt) });
    this.setPhase('community', at);
    if (p.tests.unannouncedPerYear > 0) this.drawUnannounced(at);
  }

  /**
   * R15: the receiving side confirms; the term continues, a new agreement is signed. The receiving
   * caseworker who records the arrival takes the case, so its tasks reach their inbox.
   */
  private arriveFromTransfer(at: number, receiver: string): void {
    const from = this.d.jurisdiction;
    this.d.jurisdiction = this.d.transferTo!;
    this.d.transferTo = null;
    this.d.assignee = receiver;
    for (const task of this.d.tasks) if (isOpen(task)) this.outbox.tasks.add(task.id);
    this.complete('transfer_report_in', at);
    this.engine(at, 'transfer_completed', { rule: 'R15', from, to: this.d.jurisdiction, assignee: receiver });
    if (this.d.termStartsAt === null) this.startTerm(at);
    else {
      this.addTask('agreement', at, at + this.policy.deadlines.agreementWithin);
      this.setPhase('community', at);
    }
  }

  private contactMade(at: number): void {
    const lost = this.d.tasks.find((t) => t.kind === 'contact' && t.status === 'overdue');
    this.complete('contact', at);
    if (lost) {
      this.engine(at, 'contact_regained', { rule: 'R11' });
      if (this.d.tierBeforeLostContact) this.changeTier(this.d.tierBeforeLostContact, at, 'contact regained');
      this.d.tierBeforeLostContact = null;
    }
    if (this.d.termStartsAt !== null) this.d.nextContactAt = at + this.policy.contacts[this.d.tier];
  }

  private testResult(result: 'negative' | 'positive' | 'refused' | 'missed', at: number): void {
    const limits = this.policy.seriousViolation;
    if (result === 'refused' || result === 'missed') {
      this.d.testsRefused += 1; // R12: refused or evaded
      this.changeTier('abnormal', at, 'test refused or evaded');
      if (this.d.testsRefused >= limits.testsRefused && !this.d.reportedViolations.tests) {
        this.d.reportedViolations.tests = true;
        this.seriousViolation(at, { testsRefused: this.d.testsRefused });
      }
    } else if (result === 'positive') {
      this.d.firstPositiveAt ??= at;
      this.changeTier('abnormal', at, 'positive test');
      this.notify('police', 'drug_use', 'R13', null, at); // R13
      this.d.abstinenceSince = at; // R20: the abstinence clock starts again
      this.d.endOfControlProposed = false;
      this.engine(at, 'abstinence_reset', { rule: 'R20' });
    }
    if (result !== 'missed' && this.d.tasks.some((t) => t.kind === 'contact' && t.status === 'overdue')) {
      this.contactMade(at); // the person was there
    }
  }

  private absenceFound(from: number, until: number, at: number): void {
    const limits = this.policy.seriousViolation;
    this.d.leavesWithoutNotice += 1;
    this.d.awayMs += Math.max(0, until - from);
    const serious =
      this.d.leavesWithoutNotice >= limits.leavesWithoutNotice ||
      this.d.awayMs > limits.awayWithoutNoticeTotal;
    if (serious && !this.d.reportedViolations.absences) {
      this.d.reportedViolations.absences = true;
      this.seriousViolation(at, {
        leavesWithoutNotice: this.d.leavesWithoutNotice,
        daysAwayWithoutNotice: Math.ceil(this.d.awayMs / this.policy.dayLength),
      });
    }
  }

  private seriousViolation(at: number, data: Record<string, number>): void {
    this.engine(at, 'serious_violation', { rule: 'R12', ...data });
    this.notify('police', 'serious_violation', 'R12', null, at);
  }

  /** R16: detention pauses the term and every clock. */
  private pause(at: number): void {
    this.d.phaseBeforePause = this.d.phase;
    this.d.pausedAt = at;
    this.setPhase('paused', at);
  }

  /** R16: on release every clock moves on by the time spent paused. */
  private resume(at: number): void {
    const shift = Math.max(0, at - (this.d.pausedAt ?? at));
    this.d.pausedMs += shift;
    this.d.pausedAt = null;
    const move = (t: number | null) => (t === null ? null : t + shift);
    for (const task of this.d.tasks.filter(isOpen)) {
      task.dueAt += shift;
      task.nextEscalationAt = move(task.nextEscalationAt);
      this.outbox.tasks.add(task.id);
    }
    this.d.termEndsAt = move(this.d.termEndsAt);
    this.d.nextTestAt = move(this.d.nextTestAt);
    this.d.nextContactAt = move(this.d.nextContactAt);
    this.d.nextTierReviewAt = move(this.d.nextTierReviewAt);
    this.d.abstinenceSince = move(this.d.abstinenceSince);
    this.d.unannouncedAt = this.d.unannouncedAt.map((t) => t + shift);
    this.engine(at, 'clocks_resumed', { rule: 'R16', pausedFor: shift });
    this.setPhase(this.d.phaseBeforePause ?? 'community', at);
    this.d.phaseBeforePause = null;
  }

  /** R18: the term ends; the police issue the discharge notice. */
  private endTerm(): void {
    const at = this.d.termEndsAt!;
    this.engine(at, 'term_ended', { rule: 'R18' });
    this.notify('police', 'term_ended', 'R18', null, at);
    this.close(at, 'term_ended', 'R18');
  }

  /** R19: three years without relapse: the engine drafts the end-of-control proposal. */
  private proposeEndOfControl(at: number): void {
    this.d.endOfControlProposed = true;
    this.engine(at, 'end_of_control_drafted', { rule: 'R19', abstinentSince: iso(this.d.abstinenceSince!) });
    const task = this.addTask(
      'end_of_control_proposal',
      at,
      at + this.policy.deadlines.endOfControlProposalWithin,
    );
    this.notify('supervisor', 'end_of_control_due', 'R19', task.id, at);
  }

  private close(at: number, why: string, rule: string | null): void {
    // A term that ran its course leaves an R19 proposal standing for the supervisor's approval.
    const standing = (t: TaskState) => why === 'term_ended' && t.kind === 'end_of_control_proposal';
    for (const task of this.d.tasks.filter((t) => isOpen(t) && !standing(t)))
      this.closeTask(task, 'cancelled', at);
    this.d.nextTestAt = this.d.nextContactAt = this.d.nextTierReviewAt = null;
    this.d.unannouncedAt = [];
    this.d.status = 'closed';
    this.d.transferTo = null;
    // Only a term that ran its course leaves the R19 clock running; any other end stops it.
    if (why !== 'term_ended') this.d.abstinenceSince = null;
    this.engine(at, 'case_closed', { why, ...(rule ? { rule } : {}) });
    this.setPhase('closed', at);
  }

  private escalateDue(now: number): void {
    for (;;) {
      const task = this.d.tasks
        .filter((t) => isOpen(t) && t.nextEscalationAt !== null && t.nextEscalationAt <= now)
        .sort((a, b) => a.nextEscalationAt! - b.nextEscalationAt!)[0];
      if (!task) return;
      this.escalate(task);
    }
  }

  /** R11 and the per-task rules: a task past due climbs its ladder one step at a time. */
  private escalate(task: TaskState): void {
    const at = task.nextEscalationAt!;
    const spec = TASKS[task.kind];
    task.status = 'overdue';
    task.escalationLevel += 1;
    const { reason, to } = spec.escalation;
    if (to === 'ladder') {
      const step = this.policy.ladder[task.escalationLevel - 1]!;
      const recipient = step.notify === 'caseworker' ? (spec.role as Recipient) : step.notify;
      this.notify(recipient, reason, spec.rule, task.id, at);
      const next = this.policy.ladder[task.escalationLevel];
      task.nextEscalationAt = next ? task.dueAt + next.after : null;
    } else {
      for (const recipient of to) this.notify(recipient, reason, spec.rule, task.id, at);
      task.nextEscalationAt = null;
    }
    this.engine(at, 'task_overdue', {
      taskId: task.id,
      kind: task.kind,
      level: task.escalationLevel,
      rule: spec.rule,
    });
    if (task.kind === 'contact' && task.escalationLevel === 1) {
      // R10/R11: lost contact makes the case abnormal until contact is regained.
      if (this.d.tier !== 'abnormal') this.d.tierBeforeLostContact = this.d.tier;
      this.engine(at, 'lost_contact', { rule: 'R11' });
      this.changeTier('abnormal', at, 'lost contact');
    }
    this.outbox.tasks.add(task.id);
  }

  /** R8, R9, R10: the scheduled tests, contacts, tier reviews and unannounced tests. */
  private schedule(now: number): void {
    const p = this.policy;
    while (this.d.nextTestAt !== null && this.d.nextTestAt <= now) {
      const at = this.d.nextTestAt;
      this.addTask('test', at, at + p.tests.dueWithin);
      const next = at + this.testInterval(at);
      this.d.nextTestAt = this.d.termEndsAt !== null && next >= this.d.termEndsAt ? null : next;
    }
    if (this.d.nextContactAt !== null && this.d.nextContactAt <= now) {
      const at = this.d.nextContactAt;
      this.d.nextContactAt = null; // re-anchored when contact is made
      if (!this.open('contact')) this.addTask('contact', at, at + p.contacts.dueWithin);
    }
    while (this.d.nextTierReviewAt !== null && this.d.nextTierReviewAt <= now) {
      const at = this.d.nextTierReviewAt;
      if (!this.open('tier_review')) this.addTask('tier_review', at, at + p.tests.dueWithin);
      this.d.nextTierReviewAt = at + p.deadlines.tierReviewEvery;
    }
    const drawAt = this.nextUnannouncedDrawAt();
    if (drawAt !== null && drawAt <= now) this.drawUnannounced(drawAt);
    for (const at of this.d.unannouncedAt.filter((t) => t <= now)) {
      this.addTask('unannounced_test', at, at + p.tests.dueWithin);
    }
    this.d.unannouncedAt = this.d.unannouncedAt.filter((t) => t > now);
  }

  private yearMs(): number {
    return 365 * this.policy.dayLength;
  }

  private nextUnannouncedDrawAt(): number | null {
    if (this.d.termStartsAt === null || this.policy.tests.unannouncedPerYear === 0) return null;
    const at = this.d.termStartsAt + this.d.pausedMs + this.d.unannouncedYears * this.yearMs();
    return this.d.termEndsAt !== null && at >= this.d.termEndsAt ? null : at;
  }

  /** R8: unannounced tests drawn at random once a year; reproducible (seeded) and recorded. */
  private drawUnannounced(yearStart: number, from = yearStart): void {
    const end = Math.min(yearStart + this.yearMs(), this.d.termEndsAt ?? Infinity);
    const times = Array.from(
      { length: this.policy.tests.unannouncedPerYear },
      () => from + Math.floor(this.random() * (end - from)),
    ).sort((a, b) => a - b);
    this.d.unannouncedAt.push(...times);
    this.d.unannouncedYears += 1;
    this.engine(from, 'unannounced_tests_drawn', {
      rule: 'R8',
      year: this.d.unannouncedYears,
      at: times.map(iso),
    });
  }

  /** The test interval for the term period `at` falls in, by tier. */
  private testInterval(at: number): number {
    const elapsed = at - (this.d.termStartsAt ?? at) - this.d.pausedMs;
    const periods = this.policy.tests[this.d.tier];
    return (periods.find((period) => elapsed < period.until) ?? periods[periods.length - 1]!).every;
  }

  private abstinenceEndsAt(): number | null {
    return this.d.abstinenceSince === null
      ? null
      : this.d.abstinenceSince + this.policy.endOfControlAfterAbstinence;
  }

  private changeTier(tier: Tier, at: number, why: string): void {
    if (tier === this.d.tier) return;
    const from = this.d.tier;
    this.d.tier = tier;
    this.engine(at, 'tier_changed', { rule: 'R10', from, tier, why });
    // A stricter tier tests sooner; the schedule never waits longer than the new tier allows.
    if (this.d.nextTestAt !== null)
      this.d.nextTestAt = Math.min(this.d.nextTestAt, at + this.testInterval(at));
  }

  private setPhase(phase: Phase, at: number): void {
    if (phase === this.d.phase) return;
    const from = this.d.phase;
    this.d.phase = phase;
    this.engine(at, 'phase_changed', { from, phase });
  }

  // ── tasks, timeline, notifications ─────────────────────────────────────────

  private addTask(kind: TaskKind, at: number, dueAt: number): TaskState {
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

  private firstEscalationAt(task: TaskState): number | null {
    const spec = TASKS[task.kind].escalation.to;
    if (spec === 'ladder') return task.dueAt + this.policy.ladder[0]!.after;
    return spec.length ? task.dueAt : null;
  }

  private open(kind: TaskKind): TaskState | undefined {
    return this.d.tasks.find((t) => t.kind === kind && isOpen(t));
  }

  private complete(kind: TaskKind, at: number): void {
    for (const task of this.d.tasks.filter((t) => t.kind === kind && isOpen(t)))
      this.closeTask(task, 'done', at);
  }

  private completeOldest(kind: TaskKind, at: number): void {
    const task = this.d.tasks.find((t) => t.kind === kind && isOpen(t));
    if (task) this.closeTask(task, 'done', at);
  }

  private cancel(kind: TaskKind, at: number): void {
    for (const task of this.d.tasks.filter((t) => t.kind === kind && isOpen(t)))
      this.closeTask(task, 'cancelled', at);
  }

  private closeTask(task: TaskState, status: 'done' | 'cancelled', at: number): void {
    task.status = status;
    task.closedAt = at;
    task.nextEscalationAt = null;
    this.outbox.tasks.add(task.id);
    this.engine(at, status === 'done' ? 'task_completed' : 'task_cancelled', {
      taskId: task.id,
      kind: task.kind,
    });
  }

  private notify(
    recipient: Recipient,
    reason: NotificationReason,
    rule: string,
    taskId: string | null,
    at: number,
  ) {
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

  private engine(at: number, type: string, data: Record<string, unknown>): void {
    this.append({ at, kind: 'engine', type, actor: null, data });
  }

  private append(entry: Omit<TimelineEntry, 'seq'>): TimelineEntry {
    this.d.seq.timeline += 1;
    const full = { seq: this.d.seq.timeline, ...entry };
    this.outbox.timeline.push(full);
    this.version += 1;
    return full;
  }

  private touch(): void {
    this.version += 1;
  }
}

function isOpen(task: TaskState): boolean {
  return task.status === 'open' || task.status === 'overdue';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
