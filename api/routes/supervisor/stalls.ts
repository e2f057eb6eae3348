import { TASKS, toldOf, type Recipient, type TaskKind, type Told } from '../../../schemas/catalogue';
import type { StallReason } from '../../../schemas/supervisor-board';

// Turns overdue tasks and engine faults into the reasons a supervisor reads:
// "first home visit due 3 days ago, caseworker reminded, no response".

const TOLD_WORDS: Record<Told, string> = {
  nobody: 'no reminder sent yet',
  caseworker: 'caseworker reminded',
  liaison: 'liaison reminded',
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
  task: { kind: TaskKind; dueAt: Date; escalationLevel: number; told: readonly Recipient[] },
  now: Date,
): StallReason {
  const spec = TASKS[task.kind];
  const told = toldOf(task.kind, task.escalationLevel, task.told);
  return {
    kind: spec.stall.kind,
    since: task.dueAt.toISOString(),
    detail: `${spec.stall.words} due ${ago(task.dueAt, now)}, ${TOLD_WORDS[told]}, no response`,
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
