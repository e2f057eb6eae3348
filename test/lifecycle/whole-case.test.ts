import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caseWorkflowId } from '../../workflows/case/messages';
import { saveFixture } from '../helpers/activity-inputs';
import { historiesOfRuns } from '../helpers/histories';
import { days, eventually, lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Whole cases, three years each, on a time-skipping server: a diligent caseworker does every
// task as soon as it appears, and the engine carries the case to its end.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem({ timeSkipping: true });
  life = lifecycle(system);
});
afterAll(async () => {
  await system?.close();
});

const sent = (list: { recipient: string; reason: string; rule: string }[]) =>
  list.map((n) => `${n.recipient}:${n.reason}:${n.rule}`);

/** Every run of the case's workflow, oldest first (it continues as new on its own cadence). */
const runsOf = (id: string) => historiesOfRuns(system.env.client, caseWorkflowId(id));

/**
 * With RECORD_HISTORIES=1, saves every run of the case's workflow as a replay fixture
 * (test/fixtures/histories/<name>.run-N.json, replayed by test/workflows/replay.test.ts on every run).
 */
async function keepHistory(id: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  mkdirSync(dir, { recursive: true });
  for (const [n, history] of (await runsOf(id)).entries())
    await saveFixture(join(dir, `${name}.run-${n + 1}.json`), history);
}

it('walks a whole three-year case: term ends (R18), end of control drafted and approved (R19), nothing lost', async () => {
  const id = await life.startedCase();
  const start = await life.now();
  const steps = await life.walk(id, start + days(1100));
  expect(steps).toBeGreaterThan(50);

  const final = (await life.view(id)).body;
  expect(final).toMatchObject({ phase: 'closed', status: 'closed', counters: { testsRefused: 0 } });
  const notices = sent(await life.notifications(id));
  expect(notices).toContain('police:term_ended:R18');
  expect(notices).toContain('supervisor:end_of_control_due:R19');
  expect(notices.filter((n) => !/R18|R19/.test(n))).toEqual([]);

  const timeline = await life.timeline(id);
  const tests = timeline.filter((e) => e.kind === 'event' && e.type === 'test');
  // The standard schedule for a stable case: 12 + 6 + 6 + 4 scheduled, plus 4 unannounced a year.
  expect(tests.length).toBeGreaterThanOrEqual(25);
  const handle = system.env.client.workflow.getHandle(caseWorkflowId(id));
  const approval = await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${id}/end-of-control/approve`,
    payload: {},
  });
  expect(approval.statusCode).toBe(200);
  await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));

  await keepHistory(id, 'v2-whole-three-year-case');
}, 240_000);

it('R20: a positive test restarts the three-year abstinence clock, so R19 comes three years after it', async () => {
  const id = await life.startedCase();
  await life.walk(id, (await life.now()) + days(200));
  const positiveAt = await life.now();
  await life.expectRecorded(id, 'worker.canglang', {
    type: 'test',
    method: 'urine',
    result: 'positive',
    unannounced: false,
  });
  await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${id}/tier`,
    payload: { tier: 'key', reason: '阳性后列为重点' },
  });

  await life.walk(id, positiveAt + days(1094));
  const closed = await life.notifications(id);
  expect(sent(closed)).toContain('police:term_ended:R18');
  expect(sent(closed)).not.toContain('supervisor:end_of_control_due:R19');

  await life.skip(positiveAt + days(1095) + 60_000 - (await life.now()));
  await eventually(async () =>
    expect(sent(await life.notifications(id))).toContain('supervisor:end_of_control_due:R19'),
  );
  const drafted = (await life.timeline(id)).find((e) => e.type === 'end_of_control_drafted')!;
  expect(Date.parse(drafted.at) - positiveAt).toBeGreaterThanOrEqual(days(1095));
  await keepHistory(id, 'v2-positive-test-and-late-end-of-control');
}, 240_000);
