import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { hashPassword } from '../../api/passwords';
import { loadPolicy } from '../../config/policy';
import { users } from '../../db/schema';
import { upsertUser } from '../../db/users';
import { caseWorkflowId, openCaseUpdate, type CaseInput } from '../../workflows/case/messages';
import { saveFixture } from '../helpers/activity-inputs';
import { policeOrder } from '../helpers/fixtures';
import { days, hours, lifecycle } from '../helpers/lifecycle';
import { POLICIES, startTestSystem, type TestSystem } from '../helpers/system';

// api.md v1.2 "The same fact once" (R28: R8, R12, R14) and "Dates that make sense" (R22, R30),
// through the API on a time-skipping server, as two caseworkers and a supervisor would meet them.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;
const opened: string[] = [];
const SECOND = 'worker.two.canglang';
const GONE = 'worker.gone.canglang';

beforeAll(async () => {
  system = await startTestSystem({ timeSkipping: true });
  life = lifecycle(system);
  const db = system.db.database.db;
  const passwordHash = await hashPassword('demo-password');
  for (const [username, displayName] of [
    [SECOND, '沧浪街道第二禁毒社工'],
    [GONE, '沧浪街道已离职社工'],
  ] as const)
    await upsertUser(db, {
      username,
      displayName,
      role: 'caseworker',
      jurisdictions: ['suzhou.gusu.canglang'],
      passwordHash,
    });
  // The caseworker who left: an account an operator disabled (R30).
  await db.update(users).set({ disabledAt: new Date() }).where(eq(users.username, GONE));
});
afterEach(async () => {
  for (const id of opened.splice(0)) {
    await system.as('supervisor.city', {
      method: 'POST',
      url: `/v1/cases/${id}/close`,
      payload: { reason: 'test over' },
    });
  }
});
afterAll(async () => {
  await system?.close();
});

const track = (id: string) => (opened.push(id), id);
const sent = (list: { recipient: string; reason: string; rule: string }[]) =>
  list.map((n) => `${n.recipient}:${n.reason}:${n.rule}`);

/** With RECORD_HISTORIES=1, the case's current run is kept for the replay gate under `name`. */
async function keepForReplay(id: string, name: string) {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await system.env.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
  await saveFixture(join(__dirname, '..', 'fixtures', 'histories', name), history);
}

/** After a refusal the case still works: a normal event is recorded and /healthz answers. */
async function expectStillWorking(id: string) {
  const contact = await life.record(id, 'worker.canglang', {
    type: 'contact',
    channel: 'interview',
    reached: true,
  });
  expect(contact.statusCode).toBe(201);
  expect((await system.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
}

/** What the police systems (a fake outside system here) were sent about the case. */
const toPolice = (id: string) =>
  system.outbox.filter((m) => 'caseId' in m && m.caseId === id && m.recipient === 'police');

const refusedTest = (result: 'refused' | 'missed' = 'refused') => ({
  type: 'test',
  method: 'urine',
  result,
  unannounced: false,
});

describe('the same fact once (R28)', () => {
  it('R12: the same absence recorded three times (two caseworkers, a resend without a key) is one fact and tells the police nothing', async () => {
    const id = track(await life.inCommunity());
    const now = await life.now();
    // Five days away without notice: one absence of R12, far from its three times or 30 days.
    const absence = { type: 'absence_found', from: life.iso(now - days(6)), until: life.iso(now - days(1)) };
    const first = await life.record(id, 'worker.canglang', absence);
    expect(first.statusCode).toBe(201);
    const seq = first.json().event.seq as number;

    // The colleague, who heard of it too, with the dates as the family gave them.
    const colleague = await life.record(id, SECOND, {
      ...absence,
      from: life.iso(now - days(5)),
      note: '家属反映外出',
    });
    // The first caseworker's phone resends the form, without an Idempotency-Key.
    const resent = await life.record(id, 'worker.canglang', absence);
    for (const reply of [colleague, resent]) {
      expect(reply.statusCode).toBe(409);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.json()).toMatchObject({ status: 409, code: 'already_recorded' });
      expect(reply.json().detail).toContain(`timeline event ${seq}`);
    }

    const { body } = await life.view(id);
    expect(body.counters).toEqual({ testsRefused: 0, leavesWithoutNotice: 1, daysAwayWithoutNotice: 5 });
    expect((await life.timeline(id)).filter((e) => e.type === 'absence_found')).toHaveLength(1);
    await life.skip(hours(1));
    expect(sent(await life.notifications(id))).not.toContain('police:serious_violation:R12');
    expect(toPolice(id)).toEqual([]);

    // Another absence, later, is another fact: it counts.
    const later = await life.record(id, SECOND, {
      type: 'absence_found',
      from: life.iso((await life.now()) - hours(1) + 1_000),
    });
    expect(later.statusCode).toBe(201);
    expect(later.json().case.counters.leavesWithoutNotice).toBe(2);
    await expectStillWorking(id);
    await keepForReplay(id, 'same-fact-once.json'); // patch facts-counted-once
  });

  it('R12: resent with the same Idempotency-Key, an absence is answered as the first time, not refused', async () => {
    const id = track(await life.inCommunity());
    const now = await life.now();
    const send = () =>
      system.as('worker.canglang', {
        method: 'POST',
        url: `/v1/cases/${id}/events`,
        headers: { 'idempotency-key': `absence-${id}` },
        payload: { type: 'absence_found', from: life.iso(now - days(4)), until: life.iso(now) },
      });
    const first = await send();
    const again = await send();
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().event.seq).toBe(first.json().event.seq);
    expect((await life.view(id)).body.counters.leavesWithoutNotice).toBe(1);
  });

  it('R8: two refused tests on the same policy day are refused with 409 and counted once; the next day counts again', async () => {
    const id = track(await life.inCommunity());
    const first = await life.record(id, 'worker.canglang', refusedTest());
    expect(first.statusCode).toBe(201);
    const seq = first.json().event.seq as number;

    for (const [username, result] of [
      [SECOND, 'refused'],
      ['worker.canglang', 'missed'],
    ] as const) {
      const again = await life.record(id, username, refusedTest(result));
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'already_recorded' });
      expect(again.json().detail).toContain(`timeline event ${seq}`);
    }
    expect((await life.view(id)).body.counters.testsRefused).toBe(1);
    // A test the person took the same day is another fact.
    const negative = await life.record(id, SECOND, { ...refusedTest(), result: 'negative' });
    expect(negative.statusCode).toBe(201);

    await life.skip(days(1));
    const nextDay = await life.record(id, SECOND, refusedTest('missed'));
    expect(nextDay.statusCode).toBe(201);
    expect(nextDay.json().case.counters.testsRefused).toBe(2);
    await life.skip(hours(1));
    expect(sent(await life.notifications(id))).not.toContain('police:serious_violation:R12');
    expect(toPolice(id)).toEqual([]);
    await expectStillWorking(id);
    await keepForReplay(id, 'same-refused-test-day.json'); // patch facts-counted-once
  });

  it('R12: the same absence sent at the same moment by three phones is recorded once, the others 409', async () => {
    const id = track(await life.inCommunity());
    const now = await life.now();
    const absence = { type: 'absence_found', from: life.iso(now - days(4)), until: life.iso(now) };
    const replies = await Promise.all(
      ['worker.canglang', SECOND, 'worker.canglang'].map((username) => life.record(id, username, absence)),
    );
    expect(replies.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    for (const reply of replies.filter((r) => r.statusCode === 409))
      expect(reply.json()).toMatchObject({ code: 'already_recorded' });
    expect((await life.view(id)).body.counters).toMatchObject({
      leavesWithoutNotice: 1,
      daysAwayWithoutNotice: 4,
    });
    await expectStillWorking(id);
  });
});

describe('dates that make sense', () => {
  it('R22: a police order "decided" in 1976 is refused with 422 date_out_of_range; one decided this week opens', async () => {
    const old = policeOrder({
      decision: {
        authority: '苏州市公安局姑苏分局',
        decidedAt: '1976-03-01T09:00:00+08:00',
        documentNo: '姑公(禁)责社戒决字〔1976〕0001号',
      },
    });
    const refused = await system.as('worker.canglang', { method: 'POST', url: '/v1/cases', payload: old });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'date_out_of_range' });
    expect(refused.json().errors).toEqual([expect.objectContaining({ path: 'body.decision.decidedAt' })]);

    // Nothing was opened: the same person's order, correctly dated, opens (no duplicate_open_case).
    const decidedAt = life.iso((await life.now()) - days(3));
    const fresh = await system.as('worker.canglang', {
      method: 'POST',
      url: '/v1/cases',
      payload: {
        ...old,
        decision: { authority: '苏州市公安局姑苏分局', decidedAt, documentNo: '姑公禁决字〔2026〕31号' },
      },
    });
    expect(fresh.statusCode).toBe(201);
    const id = track(fresh.json().id);
    await expectStillWorking(id);
  });

  it('R22: a 1976 decision that reaches the engine all the same fires no ladder: its clocks run from the opening', async () => {
    const { policy } = loadPolicy(POLICIES.standard);
    const input: CaseInput = {
      caseId: randomUUID(),
      opening: policeOrder({
        decision: {
          authority: '苏州市公安局姑苏分局',
          decidedAt: '1976-03-01T09:00:00+08:00',
          documentNo: '姑公(禁)责社戒决字〔1976〕0002号',
        },
      }),
      openedBy: 'worker.canglang',
      openedAt: life.iso(await life.now()),
      policy,
    };
    // Past the API, as an operator's script talking to Temporal would start it.
    await system.env.client.workflow.executeUpdateWithStart(openCaseUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation('caseFollowUp', {
        workflowId: caseWorkflowId(input.caseId),
        taskQueue: system.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
      }),
    });
    const id = track(input.caseId);
    const openedAt = await life.now();
    const tasks = await life.openTasks(id);
    expect(tasks.map((t) => t.kind).sort()).toEqual(['first_home_visit', 'report_in']);
    for (const task of tasks) {
      expect(task.status).toBe('open');
      expect(Date.parse(task.dueAt)).toBeGreaterThan(openedAt);
    }
    expect((await life.timeline(id)).map((e) => e.type)).toContain('decision_date_out_of_range');
    await life.skip(hours(1));
    expect(await life.notifications(id)).toEqual([]);
    await keepForReplay(id, 'old-police-decision.json'); // patch old-decision-counts-from-opening
    const reported = await life.record(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: 'suzhou.gusu.canglang',
    });
    expect(reported.statusCode).toBe(201);
  });

  it('extend to 2099 is refused with 422 extension_too_long; within the policy’s 90 days it works', async () => {
    const id = track(await life.inCommunity());
    const [task] = (await life.openTasks(id)).filter((t) => t.kind === 'first_home_visit');
    const extend = (until: string) =>
      system.as('supervisor.gusu', {
        method: 'POST',
        url: `/v1/cases/${id}/tasks/${task!.id}/extend`,
        payload: { until, reason: '家属要求延后' },
      });
    for (const until of ['2099-12-31T00:00:00+08:00', life.iso(Date.parse(task!.dueAt) + days(91))]) {
      const refused = await extend(until);
      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({ code: 'extension_too_long' });
      expect(refused.json().errors).toEqual([expect.objectContaining({ path: 'body.until' })]);
    }
    expect((await life.openTasks(id)).find((t) => t.id === task!.id)?.dueAt).toBe(task!.dueAt);

    const until = life.iso(Date.parse(task!.dueAt) + days(30));
    const extended = await extend(until);
    expect(extended.statusCode).toBe(200);
    expect(extended.json()).toMatchObject({ status: 'open', dueAt: until });
    await expectStillWorking(id);
    await keepForReplay(id, 'extension-bounded.json'); // patch extension-bounded
  });

  it('R30: assign to a disabled caseworker is refused with 422 caseworker_unavailable; the tasks stay with their caseworker', async () => {
    const id = track(await life.inCommunity());
    const assign = (caseworker: string) =>
      system.as('supervisor.gusu', {
        method: 'POST',
        url: `/v1/cases/${id}/assign`,
        payload: { caseworker },
      });
    expect((await assign('worker.canglang')).statusCode).toBe(200);

    const refused = await assign(GONE);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'caseworker_unavailable' });
    // One outside the case's street keeps its own refusal.
    expect((await assign('worker.changqiao')).json()).toMatchObject({ code: 'not_caseworker_here' });

    const { body } = await life.view(id);
    expect(body.assignee).toBe('worker.canglang');
    const inbox = await system.as('worker.canglang', { method: 'GET', url: '/v1/tasks?mine=true' });
    expect(inbox.statusCode).toBe(200);
    expect(inbox.json().items.filter((t: { caseId: string }) => t.caseId === id)).not.toEqual([]);
    expect((await assign(SECOND)).statusCode).toBe(200);
    expect((await life.view(id)).body.assignee).toBe(SECOND);
    await expectStillWorking(id);
  });
});
