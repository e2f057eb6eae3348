import { PHASES, type Origin, type Phase, type Role } from './codes';
import type { EventType } from './events';

// The one catalogue of the engine's tasks and commands (issue 16 item 6). The workflow
// (workflows/), the API (api/), the console (web/) and the tests all read it, so a task kind or a
// command is added here once and the type checker asks for it everywhere else. Plain data with no
// zod and no Node APIs: only type imports from the zod files, so workflow code and the browser
// bundle import it as it is. Words live in web/src/i18n, keyed from here (`console`); the English
// `stall.words` are the API's own `detail` text.

/** Who receives a notification: a role, or the police. */
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

/** Why a case shows on the supervisor's stalled list (api.md `GET /v1/supervisor/stalled`). */
export const STALL_KINDS = [
  'task_overdue',
  'lost_contact',
  'transfer_overdue',
  'release_unconfirmed',
  'engine_failing',
] as const;
export type StallKind = (typeof STALL_KINDS)[number];

/** Who has been told of a stall so far. */
export const TOLD = [
  'nobody',
  'liaison',
  'caseworker',
  'supervisor',
  'police',
  'supervisor_and_police',
  'supervisors',
  'operators',
] as const;
export type Told = (typeof TOLD)[number];

/**
 * Where in the policy (config/policy.ts) a task's time window comes from; the workflow reads each
 * from the case's own policy (workflows/rules/tasks.ts).
 */
export type DeadlineSource =
  | 'deadlines.releaseNoticeAtLeast'
  | 'deadlines.releaseConfirmationGrace'
  | 'deadlines.pickupGrace'
  | 'deadlines.reportInWithin'
  | 'deadlines.agreementWithin'
  | 'deadlines.firstHomeVisitWithin'
  | 'deadlines.transferReportInWithin'
  | 'deadlines.endOfControlProposalWithin'
  | 'deadlines.tierReviewWithin'
  | 'tests.dueWithin'
  | 'contacts.dueWithin'
  | 'services.reviewAfter';

/** The update commands of the case workflow, by their Temporal update names. */
export type UpdateName =
  | 'transfer'
  | 'delegate'
  | 'endDelegation'
  | 'close'
  | 'setTier'
  | 'assign'
  | 'extendTask'
  | 'approveEndOfControl';

interface TaskSpec {
  /** The rule of domain.md the task exists for. */
  rule: string;
  /** Who acts: the role; for caseworker tasks, the case's assignee. */
  role: Role;
  /** The policy key its deadline is measured by. */
  deadline: DeadlineSource;
  /** When it is overdue: the reason told, and to whom: the policy's ladder, or these at once. */
  escalation: { reason: NotificationReason; to: 'ladder' | readonly Recipient[] };
  /**
   * How the supervisor's stalled view describes it: the stall kind, the task in English words,
   * and, when set, how an alert to the supervisor reads (both sides see a case in transfer).
   */
  stall: { kind: StallKind; words: string; supervisorToldAs?: Told };
  /** Its label's key in web/src/i18n (zh-CN and en). */
  console: `task.${string}`;
  /** What the person responsible records to do it: an event (with the form's presets), or a command. */
  doneBy: { event: EventType; preset?: Readonly<Record<string, unknown>> } | { command: UpdateName };
}

const TASK_CATALOGUE = {
  confirm_release_date: {
    rule: 'R1',
    role: 'liaison',
    deadline: 'deadlines.releaseNoticeAtLeast',
    escalation: { reason: 'release_unconfirmed', to: 'ladder' },
    stall: { kind: 'release_unconfirmed', words: 'release date confirmation' },
    console: 'task.confirm_release_date',
    doneBy: { event: 'release_date_confirmed' },
  },
  confirm_release: {
    rule: 'R1',
    role: 'liaison',
    deadline: 'deadlines.releaseConfirmationGrace',
    escalation: { reason: 'release_unconfirmed', to: 'ladder' },
    stall: { kind: 'release_unconfirmed', words: 'release confirmation' },
    console: 'task.confirm_release',
    doneBy: { event: 'released' },
  },
  // R2: a missed pickup goes to the supervisor at once.
  pickup: {
    rule: 'R2',
    role: 'caseworker',
    deadline: 'deadlines.pickupGrace',
    escalation: { reason: 'pickup_missed', to: ['supervisor'] },
    stall: { kind: 'task_overdue', words: 'pickup at the gate' },
    console: 'task.pickup',
    doneBy: { event: 'picked_up' },
  },
  // R4: not reporting in counts as refusing community measures: police at once.
  report_in: {
    rule: 'R4',
    role: 'caseworker',
    deadline: 'deadlines.reportInWithin',
    escalation: { reason: 'report_in_missed', to: ['supervisor', 'police'] },
    stall: { kind: 'task_overdue', words: 'report-in' },
    console: 'task.report_in',
    doneBy: { event: 'reported_in' },
  },
  agreement: {
    rule: 'R5',
    role: 'caseworker',
    deadline: 'deadlines.agreementWithin',
    escalation: { reason: 'task_overdue', to: 'ladder' },
    stall: { kind: 'task_overdue', words: 'community agreement' },
    console: 'task.agreement',
    doneBy: { event: 'agreement_signed', preset: { kind: 'community' } },
  },
  first_home_visit: {
    rule: 'R6',
    role: 'caseworker',
    deadline: 'deadlines.firstHomeVisitWithin',
    escalation: { reason: 'task_overdue', to: 'ladder' },
    stall: { kind: 'task_overdue', words: 'first home visit' },
    console: 'task.first_home_visit',
    doneBy: { event: 'home_visit' },
  },
  test: {
    rule: 'R8',
    role: 'caseworker',
    deadline: 'tests.dueWithin',
    escalation: { reason: 'task_overdue', to: 'ladder' },
    stall: { kind: 'task_overdue', words: 'scheduled test' },
    console: 'task.test',
    doneBy: { event: 'test' },
  },
  unannounced_test: {
    rule: 'R8',
    role: 'caseworker',
    deadline: 'tests.dueWithin',
    escalation: { reason: 'task_overdue', to: 'ladder' },
    stall: { kind: 'task_overdue', words: 'unannounced test' },
    console: 'task.unannounced_test',
    doneBy: { event: 'test', preset: { unannounced: true } },
  },
  contact: {
    rule: 'R11',
    role: 'caseworker',
    deadline: 'contacts.dueWithin',
    escalation: { reason: 'lost_contact', to: 'ladder' },
    stall: { kind: 'lost_contact', words: 'scheduled contact' },
    console: 'task.contact',
    doneBy: { event: 'contact' },
  },
  tier_review: {
    rule: 'R10',
    role: 'supervisor',
    deadline: 'deadlines.tierReviewWithin',
    escalation: { reason: 'task_overdue', to: ['supervisor'] },
    stall: { kind: 'task_overdue', words: 'tier review' },
    console: 'task.tier_review',
    doneBy: { command: 'setTier' },
  },
  transfer_report_in: {
    rule: 'R15',
    role: 'caseworker',
    deadline: 'deadlines.transferReportInWithin',
    escalation: { reason: 'transfer_overdue', to: ['supervisor'] },
    stall: { kind: 'transfer_overdue', words: 'report-in after transfer', supervisorToldAs: 'supervisors' },
    console: 'task.transfer_report_in',
    doneBy: { event: 'reported_in' },
  },
  end_of_control_proposal: {
    rule: 'R19',
    role: 'supervisor',
    deadline: 'deadlines.endOfControlProposalWithin',
    escalation: { reason: 'end_of_control_due', to: [] },
    stall: { kind: 'task_overdue', words: 'end-of-control proposal' },
    console: 'task.end_of_control_proposal',
    doneBy: { command: 'approveEndOfControl' },
  },
  // R24: a reminder to the caseworker, never a police matter.
  service_review: {
    rule: 'R24',
    role: 'caseworker',
    deadline: 'services.reviewAfter',
    escalation: { reason: 'task_overdue', to: ['caseworker'] },
    stall: { kind: 'task_overdue', words: 'needs review' },
    console: 'task.service_review',
    doneBy: { event: 'service', preset: { action: 'assessed' } },
  },
} as const satisfies Record<string, TaskSpec>;

export type TaskKind = keyof typeof TASK_CATALOGUE;
/** Every task kind, with what the rest of the system needs to know of it. */
export const TASKS: { readonly [K in TaskKind]: (typeof TASK_CATALOGUE)[K] & TaskSpec } = TASK_CATALOGUE;
export const TASK_KINDS = Object.keys(TASKS) as TaskKind[];

/**
 * Who has been told of an overdue task, from the recipients its latest escalation notified (as
 * the case's own policy chose them): nobody before it escalated.
 */
export function toldOf(kind: TaskKind, escalationLevel: number, latest: readonly Recipient[]): Told {
  if (escalationLevel === 0 || latest.length === 0) return 'nobody';
  if (latest.includes('supervisor') && latest.includes('police')) return 'supervisor_and_police';
  const top = (['police', 'supervisor', 'caseworker', 'liaison'] as const).find((r) => latest.includes(r))!;
  const spec: TaskSpec = TASKS[kind];
  return top === 'supervisor' ? (spec.stall.supervisorToldAs ?? top) : top;
}

// ── the first phase ──────────────────────────────────────────────────────────

/**
 * The phase a case starts in: a facility handover before the release; a police order's person
 * is at home, to report in (R22); an imported case where its dates say (R25). The API's search
 * attributes and the read model's first row read it here; the workflow keeps its own copy.
 */
export function initialPhase(start: {
  opening: { origin?: Origin };
  imported?: { reportedInAt: string | null };
}): Phase {
  if (start.imported) return start.imported.reportedInAt ? 'community' : 'released_awaiting_report';
  return start.opening.origin === 'police_order' ? 'released_awaiting_report' : 'pre_release';
}

// ── commands ─────────────────────────────────────────────────────────────────

interface CommandSpec {
  /** The phases in which the workflow accepts it (anything else is a 409 that says why). */
  phases: readonly Phase[];
  /** The roles that may send it (the API refuses others with 403). */
  roles: readonly Role[];
}

const IN_COMMUNITY = ['released_awaiting_report', 'community', 'in_transfer'] as const satisfies Phase[];
export const PRE_RELEASE = ['pre_release', 'awaiting_release'] as const satisfies Phase[];
const NOT_CLOSED = PHASES.filter((phase) => phase !== 'closed');

/** What a person records (api.md "Recording what happened"): where it makes sense, and who may. */
export const EVENTS: Record<EventType, CommandSpec> = {
  // The destination street's caseworkers go into the facilities too (seed 003).
  intervention: { phases: PRE_RELEASE, roles: ['liaison', 'caseworker'] },
  agreement_signed: { phases: [...PRE_RELEASE, 'community'], roles: ['liaison', 'caseworker'] },
  release_date_confirmed: { phases: PRE_RELEASE, roles: ['liaison'] },
  released: { phases: PRE_RELEASE, roles: ['liaison'] },
  picked_up: { phases: ['released_awaiting_report'], roles: ['caseworker'] },
  reported_in: { phases: ['released_awaiting_report', 'in_transfer'], roles: ['caseworker'] },
  // police: the joint visits they make with the caseworker (R24)
  home_visit: { phases: IN_COMMUNITY, roles: ['caseworker', 'police'] },
  contact: { phases: IN_COMMUNITY, roles: ['caseworker'] },
  test: { phases: IN_COMMUNITY, roles: ['caseworker'] },
  leave_notice: { phases: IN_COMMUNITY, roles: ['caseworker'] },
  absence_found: { phases: IN_COMMUNITY, roles: ['caseworker'] },
  detained: { phases: IN_COMMUNITY, roles: ['caseworker', 'police'] },
  freed: { phases: ['paused'], roles: ['caseworker', 'police'] },
  sentenced: { phases: [...PRE_RELEASE, ...IN_COMMUNITY, 'paused'], roles: ['caseworker', 'police'] },
  // the liaison before release only (R24)
  service: { phases: [...PRE_RELEASE, ...IN_COMMUNITY, 'paused'], roles: ['caseworker', 'liaison'] },
};

/** The supervisor commands on one case (api.md "Supervision"), by update name. */
export const UPDATES: Record<UpdateName, CommandSpec> = {
  // R15: only a case in the community (or on its way there) moves; a caseworker may start it.
  transfer: { phases: ['community', 'released_awaiting_report'], roles: ['caseworker', 'supervisor'] },
  // R23: a case in transfer is taken on by the receiving side instead.
  delegate: { phases: NOT_CLOSED.filter((phase) => phase !== 'in_transfer'), roles: ['supervisor'] },
  endDelegation: { phases: PHASES, roles: ['supervisor'] },
  close: { phases: NOT_CLOSED, roles: ['supervisor'] },
  setTier: { phases: NOT_CLOSED, roles: ['supervisor'] }, // R10
  assign: { phases: NOT_CLOSED, roles: ['supervisor'] },
  extendTask: { phases: PHASES, roles: ['supervisor'] },
  approveEndOfControl: { phases: PHASES, roles: ['supervisor'] }, // R19: may outlive the term
};
