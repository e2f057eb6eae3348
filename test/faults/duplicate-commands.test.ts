import { lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Scenario 5 of docs/reliability.md: the same command twice, one after the other and from two
// clients at the same moment, changes the case once.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem();
  life = lifecycle(system);
});
afterAll(async () => {
  await system?.close();
});

async function timelineTypes(id: string): Promise<string[]> {
  return (await life.timeline(id)).map((e) => e.type);
}
const count = (list: string[], item: string) => list.filter((x) => x === item).length;

it('R2, R3: the same release recorded by two liaisons at the same moment is recorded once; the other is told why', async () => {
  const id = await life.open();
  const replies = await Promise.all([
    life.record(id, 'liaison', { type: 'released' }),
    life.record(id, 'liaison', { type: 'released' }),
  ]);
  expect(replies.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  expect(replies.find((r) => r.statusCode === 409)!.json().detail).toBe(
    'released cannot be recorded now: the person has been released and has not reported in yet',
  );
  const types = await timelineTypes(id);
  expect(count(types, 'released')).toBe(1);
  expect((await life.openTasks(id)).map((t) => t.kind).sort()).toEqual([
    'first_home_visit',
    'pickup',
    'report_in',
  ]);
});

it('R2: the same pickup recorded by two caseworkers at once completes the task once; the other gets 409', async () => {
  const id = await life.open();
  await life.expectRecorded(id, 'liaison', { type: 'released' });
  const replies = await Promise.all([
    life.record(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' }),
    life.record(id, 'worker.canglang', { type: 'picked_up', by: '社工乙' }),
  ]);
  expect(replies.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  expect(replies.find((r) => r.statusCode === 409)!.json().detail).toBe('the pickup is already recorded');
  const types = await timelineTypes(id);
  expect(count(types, 'picked_up')).toBe(1);
  expect(count(types, 'task_completed')).toBe(1);
});

it('R3: a report-in sent twice in a row is recorded once and starts the term once', async () => {
  const id = await life.open();
  await life.expectRecorded(id, 'liaison', { type: 'released' });
  const event = { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' };
  const first = await life.record(id, 'worker.canglang', event);
  const second = await life.record(id, 'worker.canglang', event);
  expect([first.statusCode, second.statusCode]).toEqual([201, 409]);
  const types = await timelineTypes(id);
  expect(count(types, 'reported_in')).toBe(1);
  expect(count(types, 'term_started')).toBe(1);
});

/**
 * A repeatable event (a test result) is what the Idempotency-Key is for: without one the engine
 * cannot tell a retry from a second test.
 */
it('R8: a test result sent again and concurrently with one Idempotency-Key is recorded once', async () => {
  const id = await life.inCommunity();
  const send = () =>
    system.as('worker.canglang', {
      method: 'POST',
      url: `/v1/cases/${id}/events`,
      headers: { 'idempotency-key': `test-result-${id}` },
      payload: { type: 'test', method: 'urine', result: 'negative', unannounced: false },
    });
  const first = await send();
  const [again, concurrently] = await Promise.all([send(), send()]);
  expect([first.statusCode, again.statusCode, concurrently.statusCode]).toEqual([201, 201, 201]);
  expect(again.json().event).toEqual(first.json().event);
  expect(concurrently.json().event).toEqual(first.json().event);
  expect(count(await timelineTypes(id), 'test')).toBe(1);
});
