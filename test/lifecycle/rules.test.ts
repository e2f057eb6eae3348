import { join } from 'node:path';
import { caseWorkflowId } from '../../workflows/case/messages';
import { saveFixture } from '../helpers/activity-inputs';
import { days, eventually, hours, lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// One test per rule of domain.md, through the API, on a time-skipping Temporal server: time is
// skipped, never waited for. Each test closes its case so later skips do not drive it further.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;
const opened: string[] = [];

beforeAll(async () => {
  system = await startTestSystem({ timeSkipping: true });
  life = lifecycle(system);
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
const kinds = (tasks: { kind: string }[]) => tasks.map((t) => t.kind).sort();
const sent = (list: { recipient: string; reason: string; rule: string }[]) =>
  list.map((n) => `${n.recipient}:${n.reason}:${n.rule}`);

/** The supervisor gives a task more time; the reply shows it open again, due at `until`. */
async function extend(id: string, taskId: string, until: number, reason: string) {
  const extended = await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${id}/tasks/${taskId}/extend`,
    payload: { until: life.iso(until), reason },
  });
  expect(extended.json()).toMatchObject({ status: 'open', dueAt: life.iso(until) });
}

/** R11: a visit that reaches the person regains contact, and the tier from before returns. */
async function expectContactRegained(id: string) {
  const regained = await life.expectRecorded(id, 'worker.canglang', {
    type: 'contact',
    channel: 'visit',
    reached: true,
  });
  expect(regained.case.tier).toBe('stable');
  expect((await life.timeline(id)).map((e) => e.type)).toContain('contact_regained');
}

/** With RECORD_HISTORIES=1, the case's current run is kept for the replay gate under `name`. */
async function keepForReplay(id: string, name: string) {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await system.env.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
  await saveFixture(join(__dirname, '..', 'fixtures', 'histories', name), history);
}

describe('before and at the gate', () => {
  it('R1: an unconfirmed release date is a task due three days before release that escalates', async () => {
    const id = track(await life.open());
    const [task] = await life.openTasks(id);
    expect(task).toMatchObject({ kind: 'confirm_release_date', status: 'open' });
    const expected = (await life.view(id)).body.expectedReleaseAt;
    expect(Date.parse(expected) - Date.parse(task!.dueAt)).toBe(days(3));

    await life.skip(Date.parse(task!.dueAt) - (await life.now()) + hours(1));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual(['liaison:release_unconfirmed:R1']),
    );
    expect((await life.openTasks(id))[0]).toMatchObject({ kind: 'confirm_release_date', status: 'overdue' });
  });

  it('R1: a release not confirmed on the confirmed date escalates; a short notice is flagged', async () => {
    const id = track(await life.open());
    const releaseAt = life.iso((await life.now()) + days(1));
    const reply = await life.expectRecorded(id, 'liaison', { type: 'release_date_confirmed', releaseAt });
    expect(reply.case.phase).toBe('awaiting_release');
    expect(kinds(reply.case.openTasks)).toEqual(['confirm_release', 'pickup']);
    expect((await life.timeline(id)).map((e) => e.type)).toContain('late_release_notice');

    await life.skip(days(1) + hours(13));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual(
        expect.arrayContaining(['liaison:release_unconfirmed:R1', 'supervisor:pickup_missed:R2']),
      ),
    );
  });

  it('R2: a person not met at the gate alerts the supervisor at once', async () => {
    const id = track(await life.open());
    await life.expectRecorded(id, 'liaison', { type: 'released' });
    await life.skip(hours(5));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual(['supervisor:pickup_missed:R2']),
    );
  });

  it('R2: a pickup at the gate completes the pickup task', async () => {
    const id = track(await life.open());
    await life.expectRecorded(id, 'liaison', { type: 'released' });
    const reply = await life.expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' });
    expect(kinds(reply.case.openTasks)).toEqual(['first_home_visit', 'report_in']);
    await life.skip(hours(5));
    await life.skip(hours(1));
    expect(await life.notifications(id)).toEqual([]);
  });
});

describe('report-in and the start of the term', () => {
  it('R3: a report-in within 15 days starts the community term and completes the task', async () => {
    const id = track(await life.open());
    const released = await life.expectRecorded(id, 'liaison', { type: 'released' });
    expect(released.case.phase).toBe('released_awaiting_report');
    const reportIn = released.case.openTasks.find((t: { kind: string }) => t.kind === 'report_in');
    expect(Date.parse(reportIn.dueAt) - Date.parse(released.case.releasedAt)).toBe(days(15));

    await life.skip(days(10));
    const reply = await life.expectRecorded(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: 'suzhou.gusu.canglang',
    });
    expect(reply.case.phase).toBe('community');
    expect(kinds(reply.case.openTasks)).not.toContain('report_in');
  });

  it('R3: a report-in before release is refused with a reason', async () => {
    const id = track(await life.open());
    const reply = await life.record(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: 'suzhou.gusu.canglang',
    });
    expect(reply.statusCode).toBe(409);
    expect(reply.json()).toMatchObject({
      code: 'report_in_before_release',
      detail: 'the person has not been released yet; record released first',
    });
  });

  it('R4: no report-in within 15 days is reported to the police', async () => {
    const id = track(await life.open());
    await life.expectRecorded(id, 'liaison', { type: 'released' });
    await life.expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' });
    await life.expectRecorded(id, 'worker.canglang', { type: 'home_visit', reached: true });
    await life.skip(days(15) + hours(1));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual([
        'supervisor:report_in_missed:R4',
        'police:report_in_missed:R4',
      ]),
    );
  });

  it('R5: a community agreement is due after report-in and is refused before it', async () => {
    const id = track(await life.open());
    await life.expectRecorded(id, 'liaison', { type: 'released' });
    const early = await life.record(id, 'worker.canglang', { type: 'agreement_signed', kind: 'community' });
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toBe(
      'agreement_signed cannot be recorded now: the person has been released and has not reported in yet',
    );

    await life.expectRecorded(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: 'suzhou.gusu.canglang',
    });
    expect(kinds(await life.openTasks(id))).toContain('agreement');
    const signed = await life.expectRecorded(id, 'worker.canglang', {
      type: 'agreement_signed',
      kind: 'community',
    });
    expect(kinds(signed.case.openTasks)).not.toContain('agreement');
  });

  it('R6: no first home visit within 72 hours reminds the caseworker, then alerts the supervisor', async () => {
    const id = track(await life.open());
    await life.expectRecorded(id, 'liaison', { type: 'released' });
    await life.expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' });
    await life.skip(hours(73));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual(['caseworker:task_overdue:R6']),
    );
    await life.skip(days(2));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual([
        'caseworker:task_overdue:R6',
        'supervisor:task_overdue:R6',
      ]),
    );
  });

  it('R6: a first home visit given more time after the whole ladder ran climbs it again from the caseworker', async () => {
    const id = track(await life.open());
    await life.expectRecorded(id, 'liaison', { type: 'released' });
    await life.expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' });
    const ladder = ['caseworker:task_overdue:R6', 'supervisor:task_overdue:R6', 'police:task_overdue:R6'];
    const visitNotices = async () => sent(await life.notifications(id)).filter((n) => n.endsWith(':R6'));
    await life.skip(hours(72) + days(5) + hours(1));
    await eventually(async () => expect(await visitNotices()).toEqual(ladder));
    const visit = (await life.openTasks(id)).find((t) => t.kind === 'first_home_visit')!;
    const until = (await life.now()) + days(3);
    await extend(id, visit.id, until, '住院，出院后走访');
    await life.skip(days(3) + days(5) + hours(1));
    await eventually(async () => expect(await visitNotices()).toEqual([...ladder, ...ladder]));
    expect(await life.openTasks(id)).toContainEqual(
      expect.objectContaining({ id: visit.id, status: 'overdue' }),
    );
    await keepForReplay(id, 'extension-restarts-ladder.json');
  });

  it('R7: the community term runs three years from report-in', async () => {
    const id = track(await life.inCommunity());
    const { term } = (await life.view(id)).body;
    expect(Date.parse(term.endsAt) - Date.parse(term.startsAt)).toBe(days(1095));
  });
});

describe('the community term', () => {
  it('R8: tests fall due by the schedule, and unannounced tests are drawn and recorded', async () => {
    const id = track(await life.inCommunity());
    const drawn = (await life.timeline(id)).find((e) => e.type === 'unannounced_tests_drawn');
    expect(drawn?.data.at).toHaveLength(4);
    await life.skip(days(14) + hours(1));
    await eventually(async () => expect(kinds(await life.openTasks(id))).toContain('test'));
    const reply = await life.expectRecorded(id, 'worker.canglang', {
      type: 'test',
      method: 'urine',
      result: 'negative',
      unannounced: false,
    });
    expect(kinds(reply.case.openTasks)).not.toContain('test');
  });

  it('R9: a stable case is contacted every 30 days', async () => {
    const id = track(await life.inCommunity());
    await life.skip(days(29));
    expect(kinds(await life.openTasks(id))).not.toContain('contact');
    await life.skip(days(1) + hours(1));
    await eventually(async () => expect(kinds(await life.openTasks(id))).toContain('contact'));
    const reply = await life.expectRecorded(id, 'worker.canglang', {
      type: 'contact',
      channel: 'phone',
      reached: true,
    });
    expect(kinds(reply.case.openTasks)).not.toContain('contact');
  });

  it('R10: a positive test makes the case abnormal; the supervisor’s review sets the tier', async () => {
    const id = track(await life.inCommunity());
    const positive = await life.expectRecorded(id, 'worker.canglang', {
      type: 'test',
      method: 'urine',
      result: 'positive',
      unannounced: true,
    });
    expect(positive.case.tier).toBe('abnormal');
    const reviewed = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/tier`,
      payload: { tier: 'key', reason: '复查阴性，列为重点' },
    });
    expect(reviewed.statusCode).toBe(200);
    expect(reviewed.json().case.tier).toBe('key');
  });

  it('R11: lost contact climbs the ladder to the police; regained contact closes it', async () => {
    const id = track(await life.inCommunity());
    const lostContact = async () =>
      sent((await life.notifications(id)).filter((n) => n.reason === 'lost_contact'));
    await life.skip(days(33) + hours(1));
    await eventually(async () => expect(await lostContact()).toEqual(['caseworker:lost_contact:R11']));
    expect((await life.view(id)).body.tier).toBe('abnormal');
    await life.skip(days(2));
    await eventually(async () =>
      expect(await lostContact()).toEqual(['caseworker:lost_contact:R11', 'supervisor:lost_contact:R11']),
    );
    await life.skip(days(3));
    await eventually(async () =>
      expect(await lostContact()).toEqual([
        'caseworker:lost_contact:R11',
        'supervisor:lost_contact:R11',
        'police:lost_contact:R11',
      ]),
    );
    await expectContactRegained(id);
  });

  it('R11: contact made after the supervisor gave the lost contact task more time regains contact', async () => {
    const id = track(await life.inCommunity());
    await life.skip(days(33) + hours(1));
    await eventually(async () => expect((await life.view(id)).body.tier).toBe('abnormal'));
    const contact = (await life.openTasks(id)).find((t) => t.kind === 'contact')!;
    expect(contact.status).toBe('overdue');
    const until = (await life.now()) + days(10);
    await extend(id, contact.id, until, '家属告知外出务工，月底返回');
    await expectContactRegained(id);
    await keepForReplay(id, 'extended-contact-regained.json'); // patch extended-contact-regained
  });

  it('R12: a third refused test is a serious violation reported to the police, once', async () => {
    const id = track(await life.inCommunity());
    const now = await life.now();
    // One a day: a second one the same policy day is the same fact (R28).
    for (const [daysAgo, result] of [
      [3, 'refused'],
      [2, 'missed'],
      [1, 'refused'],
      [0, 'refused'],
    ] as const) {
      await life.expectRecorded(id, 'worker.canglang', {
        type: 'test',
        method: 'urine',
        result,
        unannounced: false,
        occurredAt: life.iso(now - days(daysAgo)),
      });
    }
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual(['police:serious_violation:R12']),
    );
    expect((await life.view(id)).body.counters.testsRefused).toBe(4);
  });

  it('R12: more than 30 days away without notice is a serious violation', async () => {
    const id = track(await life.inCommunity());
    const now = await life.now();
    const reply = await life.expectRecorded(id, 'worker.canglang', {
      type: 'absence_found',
      from: life.iso(now - days(31)),
      until: life.iso(now),
    });
    expect(reply.case.counters).toEqual({
      testsRefused: 0,
      leavesWithoutNotice: 1,
      daysAwayWithoutNotice: 31,
    });
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual(['police:serious_violation:R12']),
    );
  });

  it('R13: drug use during the term is reported to the police at once', async () => {
    const id = track(await life.inCommunity());
    await life.expectRecorded(id, 'worker.canglang', {
      type: 'test',
      method: 'hair',
      result: 'positive',
      unannounced: false,
    });
    await eventually(async () => expect(sent(await life.notifications(id))).toEqual(['police:drug_use:R13']));
  });

  it('R14: a leave notice is recorded with its dates and counts nothing against the person', async () => {
    const id = track(await life.inCommunity());
    const now = await life.now();
    const reply = await life.expectRecorded(id, 'worker.canglang', {
      type: 'leave_notice',
      from: life.iso(now + days(1)),
      until: life.iso(now + days(5)),
      destination: '南京市',
    });
    expect(reply.event.data).toMatchObject({ destination: '南京市' });
    expect(reply.case.counters).toEqual({
      testsRefused: 0,
      leavesWithoutNotice: 0,
      daysAwayWithoutNotice: 0,
    });
  });
});

describe('moving, pausing and ending', () => {
  it('R15: a transfer stays with the sender until the receiver records the report-in; the term continues', async () => {
    const id = track(await life.inCommunity());
    const before = (await life.view(id)).body;
    const moved = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/transfer`,
      payload: { to: 'suzhou.wuzhong.changqiao', reason: '迁居' },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().case).toMatchObject({
      phase: 'in_transfer',
      jurisdiction: 'suzhou.gusu.canglang',
      transferTo: 'suzhou.wuzhong.changqiao',
    });
    expect((await life.view(id, 'supervisor.gusu')).status).toBe(200);
    expect((await life.view(id, 'worker.changqiao')).status).toBe(200);

    await life.skip(days(5));
    const arrived = await life.expectRecorded(id, 'worker.changqiao', {
      type: 'reported_in',
      jurisdiction: 'suzhou.wuzhong.changqiao',
    });
    expect(arrived.case).toMatchObject({
      phase: 'community',
      jurisdiction: 'suzhou.wuzhong.changqiao',
      transferTo: null,
    });
    expect(arrived.case.term).toEqual(before.term);
    expect(kinds(arrived.case.openTasks)).toContain('agreement');
    expect((await life.view(id, 'supervisor.gusu')).status).toBe(404);
  });

  it('R15: before arrival the receiving caseworker may read the case and record reported_in, nothing else (409)', async () => {
    const id = track(await life.inCommunity());
    const moved = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/transfer`,
      payload: { to: 'suzhou.wuzhong.changqiao', reason: '迁居' },
    });
    expect(moved.statusCode).toBe(200);
    const record = (username: string, event: object) =>
      system.as(username, {
        method: 'POST',
        url: `/v1/cases/${id}/events`,
        payload: { occurredAt: new Date().toISOString(), ...event },
      });
    for (const event of [
      { type: 'test', method: 'urine', result: 'positive', unannounced: false },
      { type: 'sentenced' },
      { type: 'contact', channel: 'phone', reached: true },
    ]) {
      const refused = await record('worker.changqiao', event);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().detail).toBe(
        'the person has not reported in here yet: until then the receiving jurisdiction may only record reported_in',
      );
    }
    expect((await life.view(id, 'worker.changqiao')).body).toMatchObject({
      phase: 'in_transfer',
      counters: { testsRefused: 0 },
    });
    // The sending side stays responsible until the report-in.
    expect(
      (await record('worker.canglang', { type: 'contact', channel: 'phone', reached: true })).statusCode,
    ).toBe(201);
    const arrived = await record('worker.changqiao', {
      type: 'reported_in',
      jurisdiction: 'suzhou.wuzhong.changqiao',
    });
    expect(arrived.statusCode).toBe(201);
    expect(
      (await record('worker.changqiao', { type: 'contact', channel: 'phone', reached: true })).statusCode,
    ).toBe(201);
  });

  it('R15: a transfer nobody receives within 15 days escalates', async () => {
    const id = track(await life.inCommunity());
    await system.as('worker.canglang', {
      method: 'POST',
      url: `/v1/cases/${id}/transfer`,
      payload: { to: 'suzhou.wuzhong.changqiao', reason: '迁居' },
    });
    await life.skip(days(15) + hours(1));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toContain('supervisor:transfer_overdue:R15'),
    );
  });

  it('R16: detention pauses the term and every clock; release moves them on by the time paused', async () => {
    const id = track(await life.open());
    await life.expectRecorded(id, 'liaison', { type: 'released' });
    await life.expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' });
    await life.expectRecorded(id, 'worker.canglang', { type: 'home_visit', reached: true });
    const dueBefore = (await life.openTasks(id)).find((t) => t.kind === 'report_in')!.dueAt;
    const detained = await life.expectRecorded(id, 'police.gusu', { type: 'detained' });
    expect(detained.case.phase).toBe('paused');
    const refused = await life.record(id, 'worker.canglang', {
      type: 'contact',
      channel: 'phone',
      reached: true,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toContain('record freed first');

    await life.skip(days(20));
    expect(await life.notifications(id)).toEqual([]);
    const freed = await life.expectRecorded(id, 'police.gusu', { type: 'freed' });
    expect(freed.case.phase).toBe('released_awaiting_report');
    expect(freed.case.term.pausedDays).toBe(20);
    const dueAfter = freed.case.openTasks.find((t: { kind: string }) => t.kind === 'report_in').dueAt;
    // Twenty skipped days, plus the moments of real time the test itself took.
    expect(Date.parse(dueAfter) - Date.parse(dueBefore)).toBeGreaterThanOrEqual(days(20));
    expect(Date.parse(dueAfter) - Date.parse(dueBefore)).toBeLessThan(days(20) + 10_000);
  });

  it('R17: a prison sentence ends the case; nothing more can be recorded on it', async () => {
    const id = await life.inCommunity();
    const sentenced = await life.expectRecorded(id, 'police.gusu', { type: 'sentenced' });
    expect(sentenced.case).toMatchObject({ phase: 'closed', status: 'closed', openTasks: [] });
    const after = await life.record(id, 'worker.canglang', {
      type: 'contact',
      channel: 'phone',
      reached: true,
    });
    expect(after.statusCode).toBe(409);
    expect(after.json().detail).toMatch(/the case is closed/);
  });
});
