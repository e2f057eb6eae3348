import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caseWorkflowId } from '../../workflows/case/messages';
import { saveFixture } from '../helpers/activity-inputs';
import { days, eventually, hours, lifecycle } from '../helpers/lifecycle';
import { makeIdNumber } from '../helpers/fixtures';
import { daysBefore, importCsv, importFinished, postImport } from '../helpers/imports';
import { startTestSystem, type TestSystem } from '../helpers/system';

// R25 on a time-skipping server: an imported mid-term case keeps its clocks and owes nothing for
// the time before the import.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem({ timeSkipping: true });
  life = lifecycle(system);
});
afterAll(async () => {
  await system?.close();
});

/** With RECORD_HISTORIES=1, saves the case's history as a replay fixture (test/workflows/replay.test.ts). */
async function keepHistory(id: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await system.env.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  mkdirSync(dir, { recursive: true });
  await saveFixture(join(dir, `${name}.json`), history);
}

const midnight = (date: string) => Date.parse(`${date}T00:00:00+08:00`);

it('R25, R8: an imported mid-term case reaches its next scheduled test on time, with no escalation before it', async () => {
  const now = await life.now();
  const lastTest = daysBefore(now, 5);
  const row = {
    name: '壬',
    idNumber: makeIdNumber(777, '1979-11-02'),
    measure: 'community_rehabilitation',
    residenceAddress: '沧浪街道 10 号',
    jurisdiction: 'suzhou.gusu.canglang',
    caseworker: 'worker.canglang',
    releasedAt: daysBefore(now, 100),
    reportedInAt: daysBefore(now, 95),
    tier: 'stable',
    testsRefused: 2,
    lastTestAt: lastTest,
    lastTestResult: 'negative',
    lastContactAt: daysBefore(now, 3),
  };
  const accepted = await postImport(system, importCsv([row]));
  expect(accepted.statusCode).toBe(202);
  const done = await importFinished(system, accepted.json().id);
  const id: string = done.cases[0];
  expect(await life.notifications(id)).toEqual([]);
  expect((await life.openTasks(id)).filter((t) => t.kind === 'test')).toEqual([]);

  // In the first six months a stable case is tested every 14 days (policy): from the last test.
  const nextTestAt = midnight(lastTest) + days(14);
  // Up to an hour before it: unannounced tests drawn after the import are done as they come.
  while ((await life.now()) < nextTestAt - hours(1)) {
    await life.skip(Math.min(days(1), nextTestAt - hours(1) - (await life.now())));
    for (const task of await life.openTasks(id)) {
      if (task.kind === 'unannounced_test')
        await life.expectRecorded(id, 'worker.canglang', {
          type: 'test',
          method: 'urine',
          result: 'negative',
          unannounced: true,
        });
    }
    expect((await life.openTasks(id)).filter((t) => t.kind === 'test')).toEqual([]);
  }
  expect(await life.notifications(id)).toEqual([]);

  await life.skip(hours(2));
  const test = await eventually(async () => {
    const found = (await life.openTasks(id)).find((t) => t.kind === 'test');
    if (!found) throw new Error('no scheduled test yet');
    return found;
  });
  expect(Date.parse(test.dueAt)).toBe(nextTestAt + days(3));
  expect(test.status).toBe('open');
  expect(await life.notifications(id)).toEqual([]);
  // The counters came along: a third refusal is the serious violation of R12, reported once.
  await life.expectRecorded(id, 'worker.canglang', {
    type: 'test',
    method: 'urine',
    result: 'refused',
    unannounced: false,
  });
  await eventually(async () =>
    expect((await life.notifications(id)).map((n) => `${n.recipient}:${n.reason}`)).toEqual([
      'police:serious_violation',
    ]),
  );
  await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${id}/close`,
    payload: { reason: 'test over' },
  });
  await keepHistory(id, 'imported-mid-term-case');
});

it('R25: a case whose last test and contact are long past owes them from the import, escalating nothing at once', async () => {
  const now = await life.now();
  const accepted = await postImport(
    system,
    importCsv([
      {
        name: '癸',
        idNumber: makeIdNumber(778, '1981-04-09'),
        measure: 'community_detox',
        residenceAddress: '沧浪街道 11 号',
        jurisdiction: 'suzhou.gusu.canglang',
        decidedAt: daysBefore(now, 700),
        reportedInAt: daysBefore(now, 690),
        tier: 'key',
        lastTestAt: daysBefore(now, 200),
        lastTestResult: 'negative',
      },
    ]),
  );
  const done = await importFinished(system, accepted.json().id);
  const id: string = done.cases[0];
  const start = await life.now();
  const tasks = await eventually(async () => {
    const open = await life.openTasks(id);
    if (!open.some((t) => t.kind === 'test') || !open.some((t) => t.kind === 'contact'))
      throw new Error('the forward tasks are not there yet');
    return open;
  });
  for (const task of tasks) {
    expect(task.status).toBe('open');
    expect(Date.parse(task.dueAt)).toBeGreaterThanOrEqual(start + days(3) - hours(1));
  }
  expect(await life.notifications(id)).toEqual([]);
  // No release date: a police order (R22), already in the community.
  expect((await life.view(id)).body).toMatchObject({ phase: 'community', origin: 'police_order' });
  await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${id}/close`,
    payload: { reason: 'test over' },
  });
});
