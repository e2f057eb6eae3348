import { execFileSync } from 'node:child_process';
import { days, eventually, lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// The end-of-control proposal (R19) as a printed form (R26), on a time-skipping server: three
// years of a case pass in seconds, the engine drafts the proposal, and the supervisor prints it.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem({ timeSkipping: true });
  life = lifecycle(system);
});
afterAll(async () => {
  await system?.close();
});

it('R19, R26: three years without relapse, the supervisor prints the end-of-control proposal', async () => {
  const id = await life.startedCase();
  const url = `/v1/cases/${id}/documents/end-of-control-proposal`;
  expect((await system.as('supervisor.gusu', { method: 'GET', url })).statusCode).toBe(409);

  await life.skip(days(1096));
  await eventually(async () =>
    expect((await life.timeline(id)).map((e) => e.type)).toContain('end_of_control_drafted'),
  );
  const reply = await system.as('supervisor.gusu', { method: 'GET', url });
  expect(reply.statusCode).toBe(200);
  expect(reply.headers['content-type']).toBe('application/pdf');
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: reply.rawPayload }).toString(
    'utf8',
  );
  const drafted = (await life.timeline(id)).find((e) => e.type === 'end_of_control_drafted')!;
  const since = new Date(Date.parse(String(drafted.data.abstinentSince)) + 8 * 3_600_000);
  const sinceWords = `${since.getUTCFullYear()}年${since.getUTCMonth() + 1}月${since.getUTCDate()}日`;
  for (const expected of [
    '解除动态管控建议',
    '王某某',
    '未复吸起算日',
    sinceWords,
    '督导审批意见',
    '审批人（督导）',
  ]) {
    expect(text).toContain(expected);
  }
}, 240_000);
