import type { StallKind, StallReason, Told } from '../../../schemas/supervision';

// Turns overdue tasks and engine faults into the reasons a supervisor reads:
// "first home visit due 3 days ago, caseworker reminded, no response".

const TASK_WORDS: Record<string, string> = {
  confirm_release_date: 'release date confirmation',
  confirm_release: 'release confirmation',
  pickup: 'pickup at the gate',
  report_in: 'report-in',
  agreement: 'community agreement',
  first_home_visit: 'first home visit',
  test: 'scheduled test',
  unannounced_test: 'unannounced test',
  contact: 'scheduled contact',
  tier_review: 'tier review',
  transfer_report_in: 'report-in after transfer',
  end_of_control_proposal: 'end-of-control proposal',
};

const REASONS: Record<string, StallKind> = {
  contact: 'lost_contact',
  transfer_report_in: 'transfer_overdue',
  confirm_release_date: 'release_unconfirmed',
  confirm_release: 'release_unconfirmed',
};

// Who has been told so far, by escalation level; for the kinds that go straight to the
// supervisor or the police (R2, R4, R15) the first level already reached them.
const LADDER: Told[] = ['nobody', 'caseworker', 'supervisor', 'police'];
const IMMEDIATE: Record<string, Told> = {
  pickup: 'supervisor',
  report_in: 'supervisor_and_police',
  transfer_report_in: 'supervisors',
  tier_review: 'supervisor',
};
const TOLD_WORDS: Record<Told, string> = {
  nobody: 'no reminder sent yet',
  caseworker: 'caseworker reminded',
  supervisor: 'supervisor alerted',
  police: 'police notified',
  supervisor_and_police: 'supervisor and police notified',
  supervisors: 'supervisors alerted',
  operators: 'operators are looking into it',
};

function ago(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

export function taskStall(
  task: { kind: string; dueAt: Date; escalationLevel: number },
  now: Date,
): StallReason {
  const told =
    task.escalationLevel === 0
      ? 'nobody'
      : (IMMEDIATE[task.kind] ?? LADDER[Math.min(task.escalationLevel, LADDER.length - 1)]!);
  return {
    kind: REASONS[task.kind] ?? 'task_overdue',
    since: task.dueAt.toISOString(),
    detail: `${TASK_WORDS[task.kind] ?? task.kind} due ${ago(task.dueAt, now)}, ${TOLD_WORDS[told]}, no response`,
    taskKind: task.kind,
    told,
  };
}

export function faultStall(fault: {
  activity: string;
  attempts: number;
  error: string;
  since: Date;
}): StallReason {
  return {
    kind: 'engine_failing',
    since: fault.since.toISOString(),
    detail: `the engine cannot complete ${fault.activity}: ${fault.attempts} attempts failed (${fault.error}); ${TOLD_WORDS.operators}`,
    taskKind: null,
    told: 'operators',
  };
}
