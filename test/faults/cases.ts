import { handover } from '../helpers/fixtures';
import { progress, sleep, type FaultSystem } from './harness';

// Cases driven through the API as users would, under faults, and the checks that nothing was
// lost or done twice. Every recorded event carries a note naming its step, so the read model
// shows whether a step is there once, twice or not at all.

export interface Step {
  user: string;
  event: Record<string, unknown>;
}

const W = 'worker.canglang';
/** A day `n` days before this file was loaded: refused tests one a day, as R28 counts them. */
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

/** A whole case on the standard policy, to its end by sentence (R17): no clock fires meanwhile. */
export const WHOLE_CASE: Step[] = [
  { user: 'liaison', event: { type: 'released' } },
  { user: W, event: { type: 'picked_up', by: '沧浪街道禁毒社工' } },
  { user: W, event: { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' } },
  { user: W, event: { type: 'agreement_signed', kind: 'community' } },
  { user: W, event: { type: 'home_visit', reached: true } },
  { user: W, event: { type: 'test', method: 'urine', result: 'positive', unannounced: false } },
  {
    user: W,
    event: { type: 'test', method: 'urine', result: 'refused', unannounced: false, occurredAt: daysAgo(2) },
  },
  {
    user: W,
    event: { type: 'test', method: 'urine', result: 'refused', unannounced: false, occurredAt: daysAgo(1) },
  },
  { user: W, event: { type: 'test', method: 'hair', result: 'refused', unannounced: true } },
  { user: W, event: { type: 'contact', channel: 'phone', reached: true } },
  { user: 'police.gusu', event: { type: 'detained' } },
  { user: 'police.gusu', event: { type: 'freed' } },
  { user: 'police.gusu', event: { type: 'sentenced' } },
];

export interface DriveStats {
  /** Commands answered 201 at once. */
  confirmed: number;
  /** Commands answered 201 after being sent again with the same Idempotency-Key. */
  confirmedLate: number;
  /** Requests sent again after a 503 (or while the first was in progress), with the same key. */
  resent: number;
  /** 503 problem+json answers seen. */
  unavailable: number;
  /** Answers that should never happen (500s, unexpected 409s). */
  wrong: string[];
  /** Time from sending a command to seeing it recorded, ms. */
  latencies: number[];
}

export const newStats = (): DriveStats => ({
  confirmed: 0,
  confirmedLate: 0,
  resent: 0,
  unavailable: 0,
  wrong: [],
  latencies: [],
});

export async function notesRecorded(system: FaultSystem, caseId: string, note: string): Promise<number> {
  const [row] = await system.sql<{ n: string }>(
    `select count(*) as n from timeline where case_id = $1 and data->>'note' = $2`,
    [caseId, note],
  );
  return Number(row!.n);
}

/**
 * Opens a handover; on a 503 it asks again, as the liaison would: the second try either opens it
 * or is told (409) that the person already has an open case, naming it.
 */
export async function openCase(
  system: FaultSystem,
  stats: DriveStats,
  body = handover({ expectedReleaseAt: new Date(Date.now() + 30 * 86_400_000).toISOString() }),
): Promise<string> {
  const started = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    const reply = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
    if (reply.statusCode === 201) {
      if (attempt === 0) stats.confirmed += 1;
      else stats.confirmedLate += 1;
      stats.latencies.push(Date.now() - started);
      return (reply.json() as { id: string }).id;
    }
    if (reply.statusCode === 409 && attempt > 0) {
      const match = /open case: ([0-9a-f-]{36})/.exec(String(reply.json().detail));
      if (match) {
        stats.confirmedLate += 1;
        stats.latencies.push(Date.now() - started);
        return match[1]!;
      }
    }
    if (reply.statusCode === 503) {
      stats.unavailable += 1;
      stats.resent += 1;
      continue;
    }
    stats.wrong.push(`open: ${reply.statusCode} ${reply.body}`);
    throw new Error(`opening a case answered ${reply.statusCode}: ${reply.body}`);
  }
}

/**
 * Records one step as the console's outbox does: with an Idempotency-Key, and on a 503 ("the
 * engine did not confirm in time") the same request again, with the same key, until it is
 * answered. The key makes the repeat safe (issue 16, item 7): the first request's update id is
 * sent again, so a step the engine applied meanwhile is answered, not applied twice.
 */
export async function recordStep(
  system: FaultSystem,
  caseId: string,
  step: Step,
  note: string,
  stats: DriveStats,
): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    const reply = await system.as(step.user, {
      method: 'POST',
      url: `/v1/cases/${caseId}/events`,
      payload: { ...step.event, note },
      headers: { 'idempotency-key': `${caseId}:${note}` },
    });
    if (reply.statusCode === 201) {
      if (attempt === 0) stats.confirmed += 1;
      else stats.confirmedLate += 1;
      stats.latencies.push(Date.now() - started);
      return;
    }
    const code = reply.statusCode === 409 ? String(reply.json().code) : null;
    if (reply.statusCode === 503 || code === 'idempotency_in_progress') {
      if (reply.statusCode === 503) {
        stats.unavailable += 1;
        if (!String(reply.headers['content-type']).startsWith('application/problem+json'))
          stats.wrong.push(`503 without problem+json: ${reply.body}`);
      }
      stats.resent += 1;
      await sleep(1_000);
      continue;
    }
    stats.wrong.push(`${String(step.event.type)}: ${reply.statusCode} ${reply.body}`);
    throw new Error(`${String(step.event.type)} on ${caseId} answered ${reply.statusCode}: ${reply.body}`);
  }
}

/** Opens a case and walks it through `script`; `onOpen` learns its id at once. */
export async function driveCase(
  system: FaultSystem,
  script: Step[],
  stats: DriveStats,
  onOpen: (id: string) => void = () => undefined,
): Promise<string> {
  const id = await openCase(system, stats);
  onOpen(id);
  for (const [i, step] of script.entries()) await recordStep(system, id, step, `step-${i + 1}`, stats);
  return id;
}

// ── checks ───────────────────────────────────────────────────────────────────

export interface CaseSummary {
  phase: string;
  tier: string;
  status: string;
  testsRefused: number;
  openTasks: string[];
  taskStates: string[];
  timeline: string[];
  notifications: string[];
}

/** What the read model says about a case, in a form comparable between runs. */
export async function summarize(system: FaultSystem, caseId: string): Promise<CaseSummary> {
  const [c] = await system.sql<{ phase: string; tier: string; status: string; tests_refused: number }>(
    'select phase, tier, status, tests_refused from cases where id = $1',
    [caseId],
  );
  const tasks = await system.sql<{ id: string; kind: string; status: string }>(
    'select id, kind, status from tasks where case_id = $1 order by id',
    [caseId],
  );
  const entries = await system.sql<{ kind: string; type: string }>(
    'select kind, type from timeline where case_id = $1 order by seq',
    [caseId],
  );
  const notes = await system.sql<{ recipient: string; reason: string }>(
    'select recipient, reason from notifications where case_id = $1 order by id',
    [caseId],
  );
  return {
    phase: c!.phase,
    tier: c!.tier,
    status: c!.status,
    testsRefused: c!.tests_refused,
    openTasks: tasks
      .filter((t) => t.status === 'open' || t.status === 'overdue')
      .map((t) => t.kind)
      .sort(),
    taskStates: tasks.map((t) => `${t.id}:${t.kind}:${t.status}`).sort(),
    timeline: entries.map((e) => `${e.kind}:${e.type}`),
    notifications: notes.map((n) => `${n.recipient}:${n.reason}`).sort(),
  };
}

export interface SideEffectReport {
  cases: number;
  timelineEntries: number;
  tasks: number;
  notifications: number;
  lost: number;
  duplicated: number;
  /** Deliveries of a notification id after its first (the receiver dedupes them by key). */
  redeliveries: number;
  problems: string[];
}

/**
 * Exactly one row per side effect: timeline seq contiguous per case with each step once, one task
 * row per task the engine created, one notification row per notification it sent, each delivered
 * and received.
 */
export async function checkSideEffects(
  system: FaultSystem,
  caseIds: string[],
  stepsPerCase: Map<string, number> = new Map(),
): Promise<SideEffectReport> {
  const report: SideEffectReport = {
    cases: caseIds.length,
    timelineEntries: 0,
    tasks: 0,
    notifications: 0,
    lost: 0,
    duplicated: 0,
    redeliveries: system.receiver.redeliveries(),
    problems: [],
  };
  const lost = (what: string) => ((report.lost += 1), report.problems.push(`lost: ${what}`));
  const twice = (what: string) => ((report.duplicated += 1), report.problems.push(`duplicated: ${what}`));

  const persons = await system.sql<{ id_number: string; n: string }>(
    `select id_number, count(*) as n from cases where status = 'open' group by id_number having count(*) > 1`,
  );
  for (const p of persons) twice(`open cases for one person: ${p.n}`);

  for (const id of caseIds) {
    const rows = await system.sql<{ n: string }>('select count(*) as n from cases where id = $1', [id]);
    if (Number(rows[0]!.n) !== 1) {
      lost(`case ${id}`);
      continue;
    }
    const entries = await system.sql<{ seq: number; type: string; data: Record<string, unknown> }>(
      'select seq, type, data from timeline where case_id = $1 order by seq',
      [id],
    );
    report.timelineEntries += entries.length;
    entries.forEach((e, i) => {
      if (e.seq !== i + 1) lost(`timeline entry ${i + 1} of ${id}`);
    });
    const steps = stepsPerCase.get(id) ?? 0;
    for (let i = 1; i <= steps; i += 1) {
      const n = entries.filter((e) => e.data.note === `step-${i}`).length;
      if (n === 0) lost(`step ${i} of ${id}`);
      if (n > 1) twice(`step ${i} of ${id} (${n} times)`);
    }

    const created = entries.filter((e) => e.type === 'task_created').map((e) => String(e.data.taskId));
    const taskRows = await system.sql<{ id: string }>('select id from tasks where case_id = $1', [id]);
    report.tasks += taskRows.length;
    for (const taskId of created) if (!taskRows.some((t) => t.id === taskId)) lost(`task ${taskId} of ${id}`);
    if (new Set(created).size !== created.length) twice(`task created twice in ${id}`);
    for (const t of taskRows) if (!created.includes(t.id)) twice(`task row ${t.id} of ${id} never created`);

    const sent = entries
      .filter((e) => e.type === 'notification_sent')
      .map((e) => String(e.data.notificationId));
    const notes = await system.sql<{ id: string; status: string }>(
      'select id, status from notifications where case_id = $1',
      [id],
    );
    report.notifications += notes.length;
    for (const nid of sent) {
      const row = notes.find((n) => n.id === nid);
      if (!row) lost(`notification ${nid}`);
      else if (row.status !== 'delivered') lost(`notification ${nid} never delivered (${row.status})`);
      if (!system.receiver.deliveries.has(nid)) lost(`notification ${nid} never reached the receiver`);
    }
    if (new Set(sent).size !== sent.length) twice(`notification sent twice in ${id}`);
    for (const n of notes) if (!sent.includes(n.id)) twice(`notification row ${n.id} never sent`);
  }
  for (const key of system.receiver.deliveries.keys()) {
    const rows = await system.sql<{ n: string }>('select count(*) as n from notifications where id = $1', [
      key,
    ]);
    if (Number(rows[0]!.n) !== 1) twice(`the receiver got ${key}, which is not in the outbox`);
  }
  if (report.problems.length) progress(report.problems.slice(0, 20).join('\n'));
  return report;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * What the engine must send, by itself, for a person released and then left alone on the
 * accelerated policy (a day lasts a second): nobody at the gate (R2), no first home visit up the
 * whole ladder (R6, R11), no report-in within 15 days (R4).
 */
export const LEFT_ALONE_AFTER_RELEASE = [
  'caseworker:task_overdue',
  'police:report_in_missed',
  'police:task_overdue',
  'supervisor:pickup_missed',
  'supervisor:report_in_missed',
  'supervisor:task_overdue',
];

/** The notifications of a case delivered so far, as recipient:reason, sorted. */
export async function delivered(system: FaultSystem, caseId: string): Promise<string[]> {
  const rows = await system.sql<{ recipient: string; reason: string }>(
    `select recipient, reason from notifications where case_id = $1 and status = 'delivered'`,
    [caseId],
  );
  return rows.map((n) => `${n.recipient}:${n.reason}`).sort();
}

/** How late the engine's own notifications were delivered after they fell due, at most, ms. */
export async function lateness(system: FaultSystem, caseIds: string[]): Promise<number> {
  const [row] = await system.sql<{ ms: string | null }>(
    `select max(extract(epoch from delivered_at - created_at) * 1000)::bigint as ms
       from notifications where case_id = any($1::uuid[])`,
    [caseIds],
  );
  return Number(row!.ms ?? 0);
}
