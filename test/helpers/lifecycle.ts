import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { caseStatusQuery, caseWorkflowId } from '../../workflows/case/messages';
import { handover } from './fixtures';
import type { TestSystem } from './system';

// Steps a person would take through the API, for lifecycle tests on a time-skipping server.

const DAY = 86_400_000;
export const days = (n: number) => n * DAY;
export const hours = (n: number) => n * 3_600_000;
/** Locked, the test server's clock runs at real speed: a few seconds pass between two calls. */
const OVERSHOOT_TOLERANCE_MS = 5 * 60_000;

export function lifecycle(system: TestSystem) {
  const now = async () => system.env.currentTimeMs();
  const iso = (ms: number) => new Date(ms).toISOString();

  async function open(overrides: Parameters<typeof handover>[0] = {}): Promise<string> {
    const expectedReleaseAt = iso((await now()) + days(30));
    const reply = await system.as('liaison', {
      method: 'POST',
      url: '/v1/cases',
      payload: handover({ expectedReleaseAt, ...overrides }),
    });
    if (reply.statusCode !== 201) throw new Error(`open failed: ${reply.body}`);
    return reply.json().id;
  }

  async function record(id: string, username: string, event: Record<string, unknown>) {
    return system.as(username, { method: 'POST', url: `/v1/cases/${id}/events`, payload: event });
  }

  async function expectRecorded(id: string, username: string, event: Record<string, unknown>) {
    const reply = await record(id, username, event);
    if (reply.statusCode !== 201) throw new Error(`${String(event.type)} refused: ${reply.body}`);
    return reply.json();
  }

  /** Released today, met at the gate, reported in at Canglang: the term has begun. */
  async function inCommunity(overrides: Parameters<typeof handover>[0] = {}): Promise<string> {
    const id = await open(overrides);
    await expectRecorded(id, 'liaison', { type: 'released' });
    await expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '沧浪街道禁毒社工' });
    await expectRecorded(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: overrides.destination ?? 'suzhou.gusu.canglang',
    });
    return id;
  }

  async function view(id: string, username = 'supervisor.city') {
    const reply = await system.as(username, { method: 'GET', url: `/v1/cases/${id}` });
    return { status: reply.statusCode, body: reply.json() };
  }

  async function notifications(id: string) {
    const reply = await system.as('supervisor.city', {
      method: 'GET',
      url: `/v1/notifications?caseId=${id}`,
    });
    return (
      reply.json().items as { recipient: string; reason: string; rule: string; status: string }[]
    ).reverse();
  }

  async function timeline(id: string) {
    const reply = await system.as('supervisor.city', { method: 'GET', url: `/v1/cases/${id}/timeline` });
    return reply.json().items as { type: string; kind: string; data: Record<string, unknown>; at: string }[];
  }

  async function openTasks(id: string) {
    return (await view(id)).body.openTasks as { id: string; kind: string; dueAt: string; status: string }[];
  }

  /**
   * What happened to a case, for a failing test's message: the server's time, the run's status,
   * the timeline as the engine wrote it, and the history's timers and workflow tasks (times only).
   */
  async function explain(id: string): Promise<string> {
    const handle = system.env.client.workflow.getHandle(caseWorkflowId(id));
    const lines = [`server time ${iso(await now())}`];
    try {
      const description = await handle.describe();
      lines.push(`run ${description.runId} ${description.status.name}`);
      const history = await system.env.client.workflow
        .getHandle(caseWorkflowId(id), description.runId)
        .fetchHistory();
      for (const event of history.events ?? []) {
        const type = (temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? '').replace('EVENT_TYPE_', '');
        if (
          /^(ACTIVITY_TASK_(SCHEDULED|STARTED|COMPLETED)|UPSERT_|MARKER|WORKFLOW_TASK_SCHEDULED)/.test(type)
        )
          continue;
        const when = new Date(optionalTsToMs(event.eventTime) ?? 0).toISOString();
        const fire = event.timerStartedEventAttributes?.startToFireTimeout;
        lines.push(
          `  history ${event.eventId} ${when} ${type}${fire ? ` fires in ${optionalTsToMs(fire)} ms` : ''}`,
        );
      }
    } catch (error) {
      lines.push(`no history: ${String(error)}`);
    }
    for (const e of await timeline(id)) lines.push(`  ${e.at} ${e.kind} ${e.type} ${JSON.stringify(e.data)}`);
    return lines.join('\n');
  }

  /** Runs an assertion about a case; when it fails, its message says what happened to the case. */
  async function explained<T>(id: string, assertion: () => Promise<T>): Promise<T> {
    try {
      return await assertion();
    } catch (error) {
      if (error instanceof Error) error.message += `\n\ncase ${id}:\n${await explain(id)}`;
      throw error;
    }
  }

  /**
   * Skips workflow time. Refuses to go on when the server skipped further than asked (a sleep call
   * sent twice skips twice; see TEST_SERVER_KEEPALIVE in system.ts): later steps would meet a
   * case that deadlines beyond the skip have already moved.
   */
  async function skip(ms: number) {
    const target = (await now()) + ms;
    await system.env.sleep(ms);
    const past = (await now()) - target;
    if (past > OVERSHOOT_TOLERANCE_MS)
      throw new Error(`the test server skipped ${Math.round(past / 60_000)} minutes past the ${ms} ms asked`);
  }

  /** In the community with the first home visit made and the agreement signed. */
  async function startedCase(): Promise<string> {
    const id = await inCommunity();
    await expectRecorded(id, 'worker.canglang', { type: 'home_visit', reached: true });
    await expectRecorded(id, 'worker.canglang', { type: 'agreement_signed', kind: 'community' });
    return id;
  }

  /**
   * A diligent caseworker: does each open task the way the person responsible would, then skips
   * to the next thing due, until the case closes or nothing is due before `until`. Returns the
   * number of skips.
   */
  async function walk(id: string, until: number): Promise<number> {
    const handle = system.env.client.workflow.getHandle(caseWorkflowId(id));
    let steps = 0;
    for (;;) {
      for (const task of await openTasks(id)) {
        if (task.kind === 'test' || task.kind === 'unannounced_test') {
          await expectRecorded(id, 'worker.canglang', {
            type: 'test',
            method: 'urine',
            result: 'negative',
            unannounced: task.kind === 'unannounced_test',
          });
        } else if (task.kind === 'contact') {
          await expectRecorded(id, 'worker.canglang', {
            type: 'contact',
            channel: 'interview',
            reached: true,
          });
        } else if (task.kind === 'tier_review') {
          const tier = (await view(id)).body.tier;
          await system.as('supervisor.gusu', {
            method: 'POST',
            url: `/v1/cases/${id}/tier`,
            payload: { tier, reason: '定期评估' },
          });
        }
      }
      const { nextWakeAt, phase } = await handle.query(caseStatusQuery);
      if (phase === 'closed' || nextWakeAt === null || Date.parse(nextWakeAt) > until) return steps;
      await skip(Math.max(1_000, Date.parse(nextWakeAt) - (await now()) + 60_000));
      steps += 1;
      // The engine reacts asynchronously; the query answers once it has.
      await eventually(async () => {
        if ((await handle.query(caseStatusQuery)).nextWakeAt === nextWakeAt)
          throw new Error(`the engine has not woken up for ${nextWakeAt} yet`);
      });
    }
  }

  return {
    now,
    iso,
    open,
    record,
    expectRecorded,
    inCommunity,
    startedCase,
    walk,
    view,
    notifications,
    timeline,
    openTasks,
    skip,
    explain,
    explained,
  };
}

/** Retries an assertion until it passes (the engine reacts to skipped time asynchronously). */
export async function eventually<T>(assertion: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
