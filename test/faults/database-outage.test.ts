import {
  checkSideEffects,
  delivered,
  lateness,
  LEFT_ALONE_AFTER_RELEASE,
  newStats,
  notesRecorded,
  openCase,
  recordStep,
} from './cases';
import { eventually, FaultSystem, progress, publishFigures, SIZE, sleep } from './harness';

// Scenario 4 of docs/reliability.md: PostgreSQL unreachable (every connection dropped, new ones
// held and dropped) while the engine's own deadlines fire and users keep asking. Activities
// retry with backoff, the API answers 503 problem+json for what needs the database, and
// everything converges once it is back, with no duplicates.

const system = new FaultSystem({ policy: 'accelerated', proxy: true });
const CASES_ON_TIMERS = 4;

beforeAll(async () => {
  await system.start();
  await system.startWorker();
}, 120_000);
afterAll(async () => {
  await system.close();
}, 60_000);

it(
  `nothing is lost or sent twice when PostgreSQL is unreachable for ${SIZE.outageMs / 1000} s during activity traffic`,
  async () => {
    const stats = newStats();
    const steps = new Map<string, number>();
    const asking = await openCase(system, stats);
    steps.set(asking, 0);
    const onTimers: string[] = [];
    for (let i = 0; i < CASES_ON_TIMERS; i += 1) {
      const id = await openCase(system, stats);
      await recordStep(system, id, { user: 'liaison', event: { type: 'released' } }, 'step-1', stats);
      steps.set(id, 1);
      onTimers.push(id);
    }

    for (const user of ['supervisor.city', 'liaison']) await system.tokenFor(user);
    const cutAt = Date.now();
    system.proxy!.cut();
    progress(`PostgreSQL cut for ${SIZE.outageMs / 1000} s`);
    const answers: Record<string, number> = {};
    const unsent: string[] = [];
    const problems: string[] = [];
    while (Date.now() - cutAt < SIZE.outageMs) {
      const note = `step-${steps.get(asking)! + 1}`;
      const replies = await Promise.all([
        system.as('supervisor.city', { method: 'GET', url: `/v1/cases/${onTimers[0]}` }),
        system.as('liaison', {
          method: 'POST',
          url: `/v1/cases/${asking}/events`,
          payload: { type: 'intervention', kind: 'interview', note },
        }),
        system.app.inject({ method: 'GET', url: '/readyz' }),
      ]);
      steps.set(asking, steps.get(asking)! + 1);
      for (const reply of replies) {
        answers[reply.statusCode] = (answers[reply.statusCode] ?? 0) + 1;
        if (
          reply.statusCode !== 503 ||
          !String(reply.headers['content-type']).startsWith('application/problem+json')
        )
          problems.push(`${reply.statusCode} ${reply.headers['content-type']} ${reply.body.slice(0, 200)}`);
      }
      if (replies[1]!.statusCode !== 201) unsent.push(note);
      await sleep(1_000);
    }
    system.proxy!.restore();
    const restoredAt = Date.now();
    progress('PostgreSQL back');

    // The liaison repeats what was refused with a 503 (it never reached the engine: nothing is there).
    for (const note of unsent) {
      expect(await notesRecorded(system, asking, note)).toBe(0);
      await recordStep(
        system,
        asking,
        { user: 'liaison', event: { type: 'intervention', kind: 'interview' } },
        note,
        stats,
      );
    }
    await eventually(
      'every deadline that fell due during the outage has been recorded and delivered',
      async () => {
        for (const id of onTimers) expect(await delivered(system, id)).toEqual(LEFT_ALONE_AFTER_RELEASE);
      },
      180_000,
    );
    const convergedAfter = Date.now() - restoredAt;
    const report = await checkSideEffects(system, [asking, ...onTimers], steps);

    publishFigures('database-outage', {
      outageSeconds: SIZE.outageMs / 1000,
      casesChecked: 1 + onTimers.length,
      answersDuringOutage: answers,
      connectionsDropped: system.proxy!.dropped,
      convergedSecondsAfterReturn: Math.round(convergedAfter / 1000),
      latestDeadlineFiredMsLate: await lateness(system, onTimers),
      workerSurvived: system.worker!.running(),
      lost: report.lost,
      duplicated: report.duplicated,
      notifications: report.notifications,
      notificationRedeliveries: report.redeliveries,
    });
    expect(problems).toEqual([]);
    expect(system.worker!.running()).toBe(true);
    expect(stats.wrong).toEqual([]);
    expect(report.problems).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  },
  300_000 + SIZE.outageMs * 2,
);
