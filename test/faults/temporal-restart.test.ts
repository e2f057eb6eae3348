import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { caseWorkflowId } from '../../workflows/case/messages';
import { encryptedDataConverter } from '../../codec/data-converter';
import { saveFixture } from '../helpers/activity-inputs';
import { TEST_PAYLOAD_CODEC } from '../helpers/system';
import {
  checkSideEffects,
  delivered,
  lateness,
  LEFT_ALONE_AFTER_RELEASE,
  newStats,
  openCase,
  recordStep,
} from './cases';
import { eventually, FaultSystem, progress, publishFigures, SIZE } from './harness';

// Scenario 3 of docs/reliability.md: the embedded Temporal server is SIGKILLed while cases sit
// on timers and commands are arriving, and started again on its SQLite file. Every case must
// survive, every timer must fire, and commands must work again.

Runtime.install({ logger: new DefaultLogger('WARN') });
const system = new FaultSystem({ policy: 'accelerated' });
const CASES_ON_TIMERS = 4;
const CASES_TAKING_COMMANDS = 3;

beforeAll(async () => {
  await system.start();
  await system.startWorker();
}, 120_000);
afterAll(async () => {
  await system.close();
}, 60_000);

it(
  `every case survives ${SIZE.serverRestarts} kill -9 of the Temporal server and its deadlines still fire`,
  async () => {
    const stats = newStats();
    const steps = new Map<string, number>();
    const onTimers: string[] = [];
    const figures = {
      downMs: [] as number[],
      allTimersFiredMsAfterRestart: [] as number[],
      latestDeadlineFiredMsLate: 0,
    };
    const duringOutage: Record<string, number> = {};
    let workerExits = 0;

    const taking: string[] = [];
    for (let i = 0; i < CASES_TAKING_COMMANDS; i += 1) {
      const id = await openCase(system, stats);
      taking.push(id);
      steps.set(id, 0);
    }
    const nextStep = (id: string) => {
      const n = steps.get(id)! + 1;
      steps.set(id, n);
      return `step-${n}`;
    };
    const intervention = { user: 'liaison', event: { type: 'intervention', kind: 'interview' } };

    for (let restart = 1; restart <= SIZE.serverRestarts; restart += 1) {
      // Released and left alone: the engine alone must notice, on its timers (3 s to 15 s).
      const batch: string[] = [];
      for (let i = 0; i < CASES_ON_TIMERS; i += 1) {
        const id = await openCase(system, stats);
        await recordStep(system, id, { user: 'liaison', event: { type: 'released' } }, 'step-1', stats);
        steps.set(id, 1);
        batch.push(id);
      }
      onTimers.push(...batch);

      const killedAt = Date.now();
      await system.temporal.kill9();
      // Commands sent while the server is down: each either answers 503 or is applied later.
      const pending = taking.map((id) => {
        const note = nextStep(id);
        return system
          .as('liaison', {
            method: 'POST',
            url: `/v1/cases/${id}/events`,
            payload: { ...intervention.event, note },
          })
          .then((reply) => {
            duringOutage[reply.statusCode] = (duringOutage[reply.statusCode] ?? 0) + 1;
            return { id, note, reply };
          });
      });
      // Down past the first deadlines (3 s and 5 s after release), short of the report-in (15 s).
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await system.temporal.start();
      const restartedAt = Date.now();
      figures.downMs.push(restartedAt - killedAt);
      progress(
        `Temporal server restart ${restart}/${SIZE.serverRestarts}: down ${restartedAt - killedAt} ms`,
      );
      if (!system.worker!.running()) {
        workerExits += 1;
        await system.startWorker();
      }

      for (const { id, note, reply } of await Promise.all(pending)) {
        if (reply.statusCode === 201) {
          stats.confirmed += 1;
          continue;
        }
        if (reply.statusCode !== 503)
          stats.wrong.push(`during the outage: ${reply.statusCode} ${reply.body}`);
        await recordStep(system, id, intervention, note, stats);
      }
      // Commands after the restart work at once.
      for (const id of taking) await recordStep(system, id, intervention, nextStep(id), stats);

      await eventually(
        'every deadline of the cases on timers has fired and been delivered',
        async () => {
          for (const id of batch) {
            expect(await delivered(system, id)).toEqual(LEFT_ALONE_AFTER_RELEASE);
          }
        },
        180_000,
      );
      figures.allTimersFiredMsAfterRestart.push(Date.now() - restartedAt);
      figures.latestDeadlineFiredMsLate = Math.max(
        figures.latestDeadlineFiredMsLate,
        await lateness(system, batch),
      );
    }

    const all = [...taking, ...onTimers];
    const report = await checkSideEffects(system, all, steps);
    for (const id of all) {
      const description = await system.client.workflow.getHandle(caseWorkflowId(id)).describe();
      expect(description.status.name).toBe('RUNNING');
    }
    const histories = await Promise.all(
      all.map((id) => system.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory()),
    );
    for (const [i, history] of histories.entries()) {
      await Worker.runReplayHistory(
        {
          workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
          dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC),
        },
        history,
        caseWorkflowId(all[i]!),
      );
    }
    if (process.env.RECORD_HISTORIES) {
      const file = join(__dirname, '..', 'fixtures', 'histories', 'faults-temporal-server-restarted.json');
      await saveFixture(file, histories[0]!);
    }

    publishFigures('temporal-restart', {
      serverRestarts: SIZE.serverRestarts,
      casesChecked: all.length,
      casesOnTimers: onTimers.length,
      answersWhileDown: duringOutage,
      workerExits,
      lost: report.lost,
      duplicated: report.duplicated,
      notifications: report.notifications,
      notificationRedeliveries: report.redeliveries,
      ...figures,
      historiesReplayed: histories.length,
    });
    expect(stats.wrong).toEqual([]);
    expect(report.problems).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  },
  300_000 + SIZE.serverRestarts * 200_000,
);
