import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caseWorkflowId } from '../../workflows/case/messages';
import { saveFixture } from '../helpers/activity-inputs';
import { days, eventually, lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// R19 to its end: the proposal to end dynamic control is approved by the supervisor, the police
// are asked for the discharge notice, and nothing is left open. On a time-skipping server.

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
const approve = (id: string, username = 'supervisor.gusu') =>
  system.as(username, {
    method: 'POST',
    url: `/v1/cases/${id}/end-of-control/approve`,
    payload: { note: '三年未复吸，同意解除' },
  });
/** With RECORD_HISTORIES=1, saves the history as a replay fixture (test/workflows/replay.test.ts). */
async function keepHistory(id: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await system.env.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  mkdirSync(dir, { recursive: true });
  await saveFixture(join(dir, `${name}.json`), history);
}
const status = async (id: string) =>
  (await system.env.client.workflow.getHandle(caseWorkflowId(id)).describe()).status.name;

it('R19: a proposal that falls due after the term closed the case can be approved, and then nothing is left open', async () => {
  const id = await life.inCommunity();
  // Positive on day 10: the abstinence clock restarts (R20), so R19 falls due on day 1105,
  // ten days after the term (1095 days from report-in) has closed the case (R18).
  await life.skip(days(10));
  await life.expectRecorded(id, 'worker.canglang', {
    type: 'test',
    method: 'urine',
    result: 'positive',
    unannounced: false,
  });
  await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${id}/tier`,
    payload: { tier: 'stable', reason: '阳性后复评' },
  });
  await life.skip(days(1086));
  await eventually(async () => expect((await life.view(id)).body.phase).toBe('closed'));

  await life.skip(days(10));
  await eventually(async () =>
    expect((await life.openTasks(id)).map((t) => t.kind)).toEqual(['end_of_control_proposal']),
  );
  expect(await status(id)).toBe('RUNNING');

  const reply = await approve(id);
  expect(reply.statusCode).toBe(200);
  expect(reply.json().event).toMatchObject({ type: 'end_of_control_approved', actor: 'supervisor.gusu' });
  expect(reply.json().case.openTasks).toEqual([]);
  await eventually(async () =>
    expect(sent(await life.notifications(id))).toContain('police:end_of_control_approved:R19'),
  );
  await eventually(async () => expect(await status(id)).toBe('COMPLETED'));
  expect(await approve(id)).toMatchObject({ statusCode: 409 });
  await keepHistory(id, 'end-of-control-approved-after-term');
}, 240_000);

it('R19: approving a proposal drafted while the term still runs ends control and closes the case', async () => {
  // Released on day 0, reported in on day 10: R19 (1095 days from release) falls due on day
  // 1095, ten days before the term (1095 days from report-in) ends.
  const id = await life.open();
  await life.expectRecorded(id, 'liaison', { type: 'released' });
  await life.skip(days(10));
  await life.expectRecorded(id, 'worker.canglang', {
    type: 'reported_in',
    jurisdiction: 'suzhou.gusu.canglang',
  });
  const early = await approve(id);
  expect(early.statusCode).toBe(409);
  expect(early.json()).toMatchObject({ code: 'no_end_of_control_proposal' });
  await life.skip(days(1086));
  await life.explained(id, async () => {
    await eventually(async () =>
      expect((await life.openTasks(id)).map((t) => t.kind)).toContain('end_of_control_proposal'),
    );
    expect((await life.view(id)).body.phase).not.toBe('closed');
  });
  expect(await approve(id, 'worker.canglang')).toMatchObject({ statusCode: 403 });

  const reply = await approve(id);
  expect(reply.statusCode).toBe(200);
  expect(reply.json().case).toMatchObject({ phase: 'closed', openTasks: [] });
  const closed = (await life.timeline(id)).find((e) => e.type === 'case_closed')!;
  expect(closed.data).toMatchObject({ why: 'end_of_control', rule: 'R19' });
  await eventually(async () =>
    expect(sent(await life.notifications(id))).toContain('police:end_of_control_approved:R19'),
  );
  await eventually(async () => expect(await status(id)).toBe('COMPLETED'));
}, 240_000);
