import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { caseWorkflowId } from '../../workflows/case/messages';
import { handover } from '../helpers/fixtures';
import { encryptedDataConverter } from '../../codec/data-converter';
import { saveFixture } from '../helpers/activity-inputs';
import { TEST_PAYLOAD_CODEC } from '../helpers/system';
import {
  checkSideEffects,
  driveCase,
  newStats,
  percentile,
  recordStep,
  summarize,
  WHOLE_CASE,
  type CaseSummary,
} from './cases';
import { eventually, FaultSystem, kill9, progress, publishFigures, SIZE, sleep } from './harness';

// Scenario 1 of docs/reliability.md: the worker process is SIGKILLed again and again while cases
// are being worked, half the time right after an activity committed and before Temporal heard of
// it. Every case must end exactly as the same script ends without faults, with one row per effect.

const CONCURRENT_CASES = 6;
// The replays below would log every worker state change.
Runtime.install({ logger: new DefaultLogger('WARN') });
const system = new FaultSystem({ policy: 'standard' });

beforeAll(async () => {
  await system.start();
}, 120_000);
afterAll(async () => {
  await system.close();
}, 60_000);

it("R1: a release recorded after a crash between the handover's record and its report is applied after the handover, never before it", async () => {
  const stats = newStats();
  const body = handover({ expectedReleaseAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
  // This worker SIGKILLs itself right after its first activity, recordCase, has committed.
  const crashing = await system.startWorker(1);
  const opening = system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
  await crashing.exited;
  expect(crashing.output()).toContain('fault: SIGKILL after recordCase committed');
  const [row] = await system.sql<{ id: string }>('select id from cases where id_number = $1', [
    body.person.idNumber,
  ]);
  await system.startWorker();
  // The record was written inside the workflow task (issue 16): the new worker runs that task
  // again, the handover's update with it, and the liaison's request is answered as if nothing
  // had happened.
  expect((await opening).statusCode).toBe(201);
  await recordStep(system, row!.id, { user: 'liaison', event: { type: 'released' } }, 'step-1', stats);

  const { timeline, openTasks } = await summarize(system, row!.id);
  expect(timeline.slice(0, 3)).toEqual(['engine:case_opened', 'engine:task_created', 'event:released']);
  expect(openTasks).toEqual(['first_home_visit', 'pickup', 'report_in']);
  expect(stats.wrong).toEqual([]);
  await kill9(system.worker!);
}, 180_000);

const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

it(
  `no step is lost or done twice when the worker is killed ${SIZE.kills} times mid-activity, even right after a database commit`,
  async () => {
    await system.startWorker();
    const referenceStats = newStats();
    const reference = await driveCase(system, WHOLE_CASE, referenceStats);
    const expected: CaseSummary = await eventually(
      'the reference case ends',
      async () => {
        const s = await summarize(system, reference);
        if (s.phase !== 'closed' || s.notifications.length !== 2) throw new Error(JSON.stringify(s));
        return s;
      },
      60_000,
    );
    await kill9(system.worker!);

    const stats = newStats();
    const ids: string[] = [];
    let opening = true;
    const drivers = Array.from({ length: CONCURRENT_CASES }, async () => {
      while (opening) await driveCase(system, WHOLE_CASE, stats, (id) => ids.push(id));
    });
    const failed = Promise.all(drivers).then(
      () => null,
      (error: unknown) => error,
    );

    const kinds = { afterCommit: {} as Record<string, number>, external: 0 };
    const started = Date.now();
    for (let kill = 1; kill <= SIZE.kills; kill += 1) {
      const afterCommit = kill % 2 === 1;
      const worker = await system.startWorker(afterCommit ? random(1, 6) : 0);
      const outcome = await Promise.race([
        worker.exited.then(() => 'self' as const),
        sleep(afterCommit ? 10_000 : random(300, 3_000)).then(() => 'timer' as const),
      ]);
      if (outcome === 'timer') {
        await kill9(worker);
        kinds.external += 1;
      } else {
        const what = /fault: SIGKILL after (\w+) committed/.exec(worker.output())?.[1] ?? 'unknown';
        kinds.afterCommit[what] = (kinds.afterCommit[what] ?? 0) + 1;
      }
      if (kill % 10 === 0 || kill === SIZE.kills)
        progress(
          `worker kills: ${kill}/${SIZE.kills}, cases opened: ${ids.length}, steps confirmed: ${stats.confirmed + stats.confirmedLate}`,
        );
    }
    opening = false;
    const killsTook = Date.now() - started;

    const lastKill = Date.now();
    await system.startWorker();
    const error = await failed;
    if (error) throw error;
    const stepsPerCase = new Map(ids.map((id) => [id, WHOLE_CASE.length]));
    await eventually(
      'every case has ended and every notification is delivered',
      async () => {
        for (const id of ids) {
          const description = await system.client.workflow.getHandle(caseWorkflowId(id)).describe();
          if (description.status.name !== 'COMPLETED')
            throw new Error(`case-${id} is ${description.status.name}`);
        }
        const [pending] = await system.sql<{ n: string }>(
          `select count(*) as n from notifications where status <> 'delivered'`,
        );
        if (Number(pending!.n) > 0) throw new Error(`${pending!.n} notifications not delivered`);
      },
      300_000,
    );
    const convergedAfter = Date.now() - lastKill;

    const report = await checkSideEffects(system, [reference, ...ids], stepsPerCase);
    const differing: string[] = [];
    for (const id of ids) {
      const actual = await summarize(system, id);
      // Task ids and timeline order are the engine's own: a case that reached the same state by the
      // same steps has exactly the reference's.
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differing.push(id);
        for (const key of Object.keys(expected) as (keyof CaseSummary)[]) {
          if (JSON.stringify(actual[key]) !== JSON.stringify(expected[key]))
            progress(
              `case ${id} differs in ${key}:\n  expected ${JSON.stringify(expected[key])}\n  actual   ${JSON.stringify(actual[key])}`,
            );
        }
      }
    }

    // The replay gate, on the histories these crashes produced.
    const histories = await Promise.all(
      ids.map((id) => system.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory()),
    );
    for (const [i, history] of histories.entries()) {
      await Worker.runReplayHistory(
        {
          workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
          dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC),
        },
        history,
        caseWorkflowId(ids[i]!),
      );
    }
    if (process.env.RECORD_HISTORIES) {
      const longest = histories.reduce((a, b) =>
        (a.events?.length ?? 0) >= (b.events?.length ?? 0) ? a : b,
      );
      const file = join(__dirname, '..', 'fixtures', 'histories', 'faults-worker-killed-mid-activity.json');
      await saveFixture(file, longest);
    }

    publishFigures('worker-kills', {
      killsSurvived: SIZE.kills,
      killedRightAfterCommit: kinds.afterCommit,
      killedAtRandom: kinds.external,
      workerStarts: system.workerStarts,
      casesChecked: ids.length,
      stepsRecorded: stats.confirmed + stats.confirmedLate,
      answeredAtOnce: stats.confirmed,
      answeredAfterResend: stats.confirmedLate,
      resentWithTheSameKey: stats.resent,
      timelineEntries: report.timelineEntries,
      tasks: report.tasks,
      notifications: report.notifications,
      notificationRedeliveries: report.redeliveries,
      lost: report.lost,
      duplicated: report.duplicated,
      statesDifferingFromReference: differing.length,
      historiesReplayed: histories.length,
      killPhaseSeconds: Math.round(killsTook / 1000),
      convergedSecondsAfterLastKill: Math.round(convergedAfter / 1000),
      stepLatencyMsP50: percentile(stats.latencies, 50),
      stepLatencyMsP99: percentile(stats.latencies, 99),
      stepLatencyMsMax: percentile(stats.latencies, 100),
    });
    expect(stats.wrong).toEqual([]);
    expect(report.problems).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(differing).toEqual([]);
    expect(ids.length).toBeGreaterThanOrEqual(CONCURRENT_CASES);
  },
  600_000 + SIZE.kills * 20_000,
);
