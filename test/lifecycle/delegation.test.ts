import { join } from 'node:path';
import { hashPassword } from '../../api/passwords';
import { upsertUser } from '../../db/users';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { caseWorkflowId } from '../../workflows/case/messages';
import { DELEGATION_ENDS_WITH_CASE } from '../../workflows/patches';
import { saveFixture } from '../helpers/activity-inputs';
import { historiesOfRuns, historyToFixture } from '../helpers/histories';
import { lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Who does the work: delegated management (人户分离 · 委托管理, R23), the receiving street after a
// transfer (R15), and the street's caseworker inside the facility before release.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem();
  life = lifecycle(system);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const user of [
    {
      username: 'supervisor.wuzhong',
      displayName: '吴中区禁毒办督导',
      role: 'supervisor' as const,
      jurisdictions: ['suzhou.wuzhong'],
    },
    {
      username: 'police.wuzhong',
      displayName: '吴中区社区民警',
      role: 'police' as const,
      jurisdictions: ['suzhou.wuzhong'],
    },
    {
      username: 'worker.shuangta',
      displayName: '双塔街道禁毒社工',
      role: 'caseworker' as const,
      jurisdictions: ['suzhou.gusu.shuangta'],
    },
  ]) {
    await upsertUser(system.db.database.db, { ...user, passwordHash });
  }
});
afterAll(async () => {
  await system?.close();
});

const CANGLANG = 'suzhou.gusu.canglang';
const CHANGQIAO = 'suzhou.wuzhong.changqiao';
const SHUANGTA = 'suzhou.gusu.shuangta';

/**
 * With RECORD_HISTORIES=1, the run of the case that ended its delegation (the one with the patch's
 * marker: a case starts a fresh run at each phase change) is kept for the replay gate under `name`.
 */
async function keepForReplay(id: string, name: string) {
  if (!process.env.RECORD_HISTORIES) return;
  const runs = await historiesOfRuns(system.env.client, caseWorkflowId(id));
  const run = [...runs].reverse().find((history) => historyToFixture(history).includes(MARKER));
  if (!run) throw new Error(`no run of ${id} ended its delegation`);
  await saveFixture(join(__dirname, '..', 'fixtures', 'histories', name), run);
}
const MARKER = Buffer.from(JSON.stringify({ id: DELEGATION_ENDS_WITH_CASE, deprecated: false })).toString(
  'base64',
);

const post = (username: string, url: string, payload: object) =>
  system.as(username, { method: 'POST', url, payload });
const inboxCases = async (username: string) =>
  (await system.as(username, { method: 'GET', url: '/v1/tasks?mine=true' }))
    .json()
    .items.map((task: { caseId: string }) => task.caseId) as string[];

async function delegatedCase(): Promise<string> {
  const id = await assignedCase();
  const delegated = await post('supervisor.gusu', `/v1/cases/${id}/delegate`, {
    to: CHANGQIAO,
    reason: '人户分离',
  });
  expect(delegated.statusCode).toBe(200);
  return id;
}

async function assignedCase(): Promise<string> {
  const id = await life.inCommunity();
  const assigned = await post('supervisor.gusu', `/v1/cases/${id}/assign`, { caseworker: 'worker.canglang' });
  expect(assigned.statusCode).toBe(200);
  return id;
}

describe('R23: delegated management (人户分离 · 委托管理)', () => {
  it('R23: the street where the person lives sees the case, gets its tasks and records its daily work; the registered street stays responsible', async () => {
    const id = await assignedCase();
    const before = (await life.view(id)).body;
    expect((await life.view(id, 'worker.changqiao')).status).toBe(404);

    const delegated = await post('supervisor.gusu', `/v1/cases/${id}/delegate`, {
      to: CHANGQIAO,
      reason: '人户分离，现居长桥街道',
    });
    expect(delegated.statusCode).toBe(200);
    expect(delegated.json()).toMatchObject({
      delegatedTo: CHANGQIAO,
      jurisdiction: CANGLANG,
      assignee: 'worker.canglang',
      phase: 'community',
      term: before.term,
    });

    // The delegate street sees it, and its caseworkers get its tasks; the registered street's do not.
    expect((await life.view(id, 'worker.changqiao')).status).toBe(200);
    expect((await life.view(id, 'supervisor.wuzhong')).status).toBe(200);
    expect(await inboxCases('worker.changqiao')).toContain(id);
    expect(await inboxCases('worker.canglang')).not.toContain(id);

    await life.expectRecorded(id, 'worker.changqiao', { type: 'home_visit', reached: true });
    await life.expectRecorded(id, 'worker.changqiao', {
      type: 'contact',
      channel: 'interview',
      reached: true,
    });
    const tested = await life.expectRecorded(id, 'worker.changqiao', {
      type: 'test',
      method: 'urine',
      result: 'refused',
      unannounced: false,
    });
    // Counters stay the case's own, whoever records (R12).
    expect(tested.case).toMatchObject({ jurisdiction: CANGLANG, counters: { testsRefused: 1 } });

    // Both sides' supervisors see the delegate's reads and records in their audit trail.
    for (const supervisor of ['supervisor.gusu', 'supervisor.wuzhong']) {
      const audit = await system.as(supervisor, { method: 'GET', url: `/v1/audit?caseId=${id}` });
      const byDelegate = audit
        .json()
        .items.filter((entry: { actor: { username: string } | string }) =>
          JSON.stringify(entry).includes('worker.changqiao'),
        );
      expect(byDelegate.map((entry: { action: string }) => entry.action)).toEqual(
        expect.arrayContaining(['case.read', 'case.event.test']),
      );
    }

    // Caseloads count it for the responsible street, and say that another street does the work.
    const gusu = (
      await system.as('supervisor.gusu', { method: 'GET', url: '/v1/supervisor/caseloads' })
    ).json();
    expect(gusu.find((l: { caseworker: string }) => l.caseworker === 'worker.canglang')).toMatchObject({
      delegatedCases: 1,
    });
    const wuzhong = (
      await system.as('supervisor.wuzhong', { method: 'GET', url: '/v1/supervisor/caseloads' })
    ).json();
    expect(wuzhong.reduce((n: number, l: { openCases: number }) => n + l.openCases, 0)).toBe(0);

    // Responsibility does not move: the delegate's supervisor cannot end, close or transfer it.
    const notTheirs = await post('supervisor.wuzhong', `/v1/cases/${id}/delegate/end`, { reason: '结束' });
    expect(notTheirs.statusCode).toBe(403);
    expect(notTheirs.json().code).toBe('responsible_side_only');
    expect(notTheirs.json().detail).toBe(
      'the case is managed by its responsible jurisdiction, not the delegate',
    );
    for (const [url, payload] of [
      [`/v1/cases/${id}/close`, { reason: '结案' }],
      [`/v1/cases/${id}/transfer`, { to: 'suzhou.gusu.shuangta', reason: '迁居' }],
    ] as const) {
      const refused = await post('supervisor.wuzhong', url, payload);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('responsible_side_only');
    }

    const ended = await post('supervisor.gusu', `/v1/cases/${id}/delegate/end`, { reason: '已回户籍地居住' });
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toMatchObject({ delegatedTo: null, jurisdiction: CANGLANG });
    expect((await life.view(id, 'worker.changqiao')).status).toBe(404);
    expect(await inboxCases('worker.canglang')).toContain(id);
    const again = await post('supervisor.gusu', `/v1/cases/${id}/delegate/end`, { reason: '再次' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('not_delegated');
    expect(again.json().detail).toBe('the case is not delegated');
    expect((await life.timeline(id)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['delegated', 'delegation_ended']),
    );
  });

  it('R23: a delegation to the case’s own street, to an unknown one or of a case in transfer is refused', async () => {
    const id = await assignedCase();
    const own = await post('supervisor.gusu', `/v1/cases/${id}/delegate`, { to: CANGLANG, reason: '无' });
    expect(own.statusCode).toBe(409);
    expect(own.json().detail).toBe('the case is already in that jurisdiction');
    const unknown = await post('supervisor.gusu', `/v1/cases/${id}/delegate`, {
      to: 'suzhou.nowhere',
      reason: '无',
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().code).toBe('delegate_jurisdiction_unknown');
    expect(unknown.json().errors[0].path).toBe('body.to');
    await post('supervisor.gusu', `/v1/cases/${id}/transfer`, { to: CHANGQIAO, reason: '迁居' });
    const moving = await post('supervisor.gusu', `/v1/cases/${id}/delegate`, { to: CHANGQIAO, reason: '无' });
    expect(moving.statusCode).toBe(409);
    expect(moving.json().code).toBe('delegation_in_transfer');
    expect(moving.json().detail).toBe(
      'a case in transfer cannot be delegated; the receiving side takes it on arrival',
    );
  });
});

describe('R23: delegation, narrowed (api.md v1.2)', () => {
  it('R23: the delegate street records contacts, visits, tests and services; every other event and command is the responsible side’s, and the delegate district’s police do not see the case', async () => {
    const id = await delegatedCase();
    const missing = '00000000-0000-4000-8000-000000000000';

    // The delegate district's police gain nothing: the case does not exist for them (R21).
    for (const url of [`/v1/cases/${id}`, `/v1/cases/${id}/timeline`]) {
      const read = await system.as('police.wuzhong', { method: 'GET', url });
      expect(read.statusCode).toBe(404);
      const none = await system.as('police.wuzhong', { method: 'GET', url: url.replace(id, missing) });
      expect(read.body).toBe(none.body);
    }
    const sentenced = await life.record(id, 'police.wuzhong', { type: 'sentenced' });
    expect(sentenced.statusCode).toBe(404);
    const list = await system.as('police.wuzhong', { method: 'GET', url: '/v1/cases' });
    expect(list.json().items.map((c: { id: string }) => c.id)).not.toContain(id);
    const tasks = await system.as('police.wuzhong', { method: 'GET', url: '/v1/tasks?limit=500' });
    expect(tasks.json().items.map((t: { caseId: string }) => t.caseId)).not.toContain(id);

    // The daily work is theirs.
    for (const event of [
      { type: 'contact', channel: 'phone', reached: true },
      { type: 'home_visit', reached: true },
      { type: 'test', method: 'urine', result: 'negative', unannounced: false },
      { type: 'service', area: 'employment', action: 'assessed' },
    ]) {
      await life.expectRecorded(id, 'worker.changqiao', event);
    }

    // What decides the case's course is not.
    const now = Date.now();
    for (const event of [
      { type: 'detained' },
      { type: 'absence_found', from: new Date(now - 86_400_000).toISOString() },
      {
        type: 'leave_notice',
        from: new Date(now + 86_400_000).toISOString(),
        until: new Date(now + 5 * 86_400_000).toISOString(),
        destination: '上海',
      },
      { type: 'sentenced' },
      { type: 'agreement_signed', kind: 'community' },
    ]) {
      const refused = await life.record(id, 'worker.changqiao', event);
      expect([event.type, refused.statusCode, refused.json().code]).toEqual([
        event.type,
        403,
        'responsible_side_only',
      ]);
    }
    const task = (await life.openTasks(id))[0]!;
    for (const [url, payload] of [
      [`/v1/cases/${id}/end-of-control/approve`, {}],
      [`/v1/cases/${id}/tier`, { tier: 'stable', reason: '评估' }],
      [`/v1/cases/${id}/close`, { reason: '结案' }],
      [`/v1/cases/${id}/assign`, { caseworker: 'worker.changqiao' }],
      [
        `/v1/cases/${id}/tasks/${task.id}/extend`,
        { until: new Date(Date.parse(task.dueAt) + 86_400_000).toISOString(), reason: '顺延' },
      ],
      [`/v1/cases/${id}/parties`, { role: 'family', name: '张母', relation: '母亲' }],
      [`/v1/cases/${id}/transfer`, { to: SHUANGTA, reason: '迁居' }],
      [`/v1/cases/${id}/delegate`, { to: SHUANGTA, reason: '转委托' }],
    ] as const) {
      const refused = await post('supervisor.wuzhong', url, payload);
      expect([url, refused.statusCode, refused.json().code]).toEqual([url, 403, 'responsible_side_only']);
    }
    const form = await system.as('worker.changqiao', {
      method: 'GET',
      url: `/v1/cases/${id}/documents/registration`,
    });
    expect(form.statusCode).toBe(403);

    // Nothing of it touched the case: still open, in its term, at its street, and working.
    const after = (await life.view(id)).body;
    expect(after).toMatchObject({
      status: 'open',
      phase: 'community',
      jurisdiction: CANGLANG,
      delegatedTo: CHANGQIAO,
    });
    expect((await life.timeline(id)).map((e) => e.type)).not.toContain('detained');
    await life.expectRecorded(id, 'worker.canglang', {
      type: 'contact',
      channel: 'interview',
      reached: true,
    });
    expect((await system.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('R23: a delegation ends by itself when the case closes; the former delegate street no longer sees it', async () => {
    const id = await delegatedCase();
    const closed = await post('supervisor.gusu', `/v1/cases/${id}/close`, { reason: '死亡' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().case).toMatchObject({ status: 'closed', delegatedTo: null, jurisdiction: CANGLANG });
    expect(await life.timeline(id)).toContainEqual(
      expect.objectContaining({
        kind: 'event',
        type: 'delegation_ended',
        actor: null,
        data: { from: CHANGQIAO, rule: 'R23', why: 'case_closed' },
      }),
    );
    expect((await life.view(id, 'worker.changqiao')).status).toBe(404);
    expect((await life.view(id, 'supervisor.wuzhong')).status).toBe(404);
    expect(await inboxCases('worker.changqiao')).not.toContain(id);
    // The responsible street still reads its closed case.
    expect((await life.view(id, 'supervisor.gusu')).status).toBe(200);
    await keepForReplay(id, 'delegation-ends-when-case-closes.json');
  });

  it('R23: a delegation ends by itself when the case arrives at another street; until then the delegate does the daily work', async () => {
    const id = await delegatedCase();
    const moving = await post('supervisor.gusu', `/v1/cases/${id}/transfer`, {
      to: SHUANGTA,
      reason: '迁居双塔',
    });
    expect(moving.statusCode).toBe(200);
    expect(moving.json().case).toMatchObject({
      phase: 'in_transfer',
      transferTo: SHUANGTA,
      delegatedTo: CHANGQIAO,
    });

    // In transit: the delegate keeps the daily work; the receiving street only records the arrival (R15).
    await life.expectRecorded(id, 'worker.changqiao', { type: 'contact', channel: 'phone', reached: true });
    const early = await life.record(id, 'worker.shuangta', {
      type: 'contact',
      channel: 'phone',
      reached: true,
    });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('receiving_side_before_arrival');

    const arrived = await life.expectRecorded(id, 'worker.shuangta', {
      type: 'reported_in',
      jurisdiction: SHUANGTA,
    });
    expect(arrived.case).toMatchObject({ jurisdiction: SHUANGTA, transferTo: null, delegatedTo: null });
    expect(await life.timeline(id)).toContainEqual(
      expect.objectContaining({
        type: 'delegation_ended',
        actor: null,
        data: { from: CHANGQIAO, rule: 'R23', why: 'transferred' },
      }),
    );
    expect((await life.view(id, 'worker.changqiao')).status).toBe(404);
    expect((await life.view(id, 'supervisor.wuzhong')).status).toBe(404);
    const stale = await life.record(id, 'worker.changqiao', {
      type: 'contact',
      channel: 'phone',
      reached: true,
    });
    expect(stale.statusCode).toBe(404);
    // The new street works the case.
    await life.expectRecorded(id, 'worker.shuangta', {
      type: 'contact',
      channel: 'interview',
      reached: true,
    });
    await keepForReplay(id, 'delegation-ends-on-arrival.json');
  });
  it('R23, R15: a case moving to the street that already does its daily work: the delegate keeps working it in transit, records the arrival, and holds it from then on', async () => {
    const id = await delegatedCase();
    const moving = await post('supervisor.gusu', `/v1/cases/${id}/transfer`, {
      to: CHANGQIAO,
      reason: '迁入长桥',
    });
    expect(moving.statusCode).toBe(200);
    await life.expectRecorded(id, 'worker.changqiao', {
      type: 'test',
      method: 'urine',
      result: 'negative',
      unannounced: false,
    });
    const tier = await post('supervisor.wuzhong', `/v1/cases/${id}/tier`, { tier: 'key', reason: '评估' });
    expect(tier.statusCode).toBe(409);
    expect(tier.json().code).toBe('receiving_side_before_arrival');
    const arrived = await life.expectRecorded(id, 'worker.changqiao', {
      type: 'reported_in',
      jurisdiction: CHANGQIAO,
    });
    expect(arrived.case).toMatchObject({
      jurisdiction: CHANGQIAO,
      delegatedTo: null,
      assignee: 'worker.changqiao',
    });
    expect((await life.timeline(id)).filter((e) => e.type === 'delegation_ended')).toHaveLength(1);
    // Now the responsible side: the supervisor of Wuzhong sets the tier; Canglang no longer sees it.
    expect(
      (await post('supervisor.wuzhong', `/v1/cases/${id}/tier`, { tier: 'key', reason: '评估' })).statusCode,
    ).toBe(200);
    expect((await life.view(id, 'worker.canglang')).status).toBe(404);
  });
});

describe('R15: a transfer of an assigned case', () => {
  it('R15: on arrival the receiving caseworker who recorded it takes the case, so its tasks reach their inbox', async () => {
    const id = await assignedCase();
    await post('supervisor.gusu', `/v1/cases/${id}/transfer`, { to: CHANGQIAO, reason: '迁居吴中区' });
    const arrived = await life.expectRecorded(id, 'worker.changqiao', {
      type: 'reported_in',
      jurisdiction: CHANGQIAO,
    });
    expect(arrived.case).toMatchObject({ jurisdiction: CHANGQIAO, assignee: 'worker.changqiao' });
    const agreement = arrived.case.openTasks.find((t: { kind: string }) => t.kind === 'agreement');
    expect(agreement.assignee).toBe('worker.changqiao');
    expect(await inboxCases('worker.changqiao')).toContain(id);
    expect(await inboxCases('worker.canglang')).not.toContain(id);
  });
});

describe('pre-release work by the street', () => {
  it('the destination caseworker records interventions before release; another street cannot see the case', async () => {
    const id = await life.open();
    const reply = await life.expectRecorded(id, 'worker.canglang', {
      type: 'intervention',
      kind: 'intake',
      note: '入所初次访谈',
    });
    expect(reply.event).toMatchObject({ type: 'intervention', actor: 'worker.canglang' });
    expect(reply.case.phase).toBe('pre_release');
    const elsewhere = await life.record(id, 'worker.changqiao', { type: 'intervention', kind: 'briefing' });
    expect(elsewhere.statusCode).toBe(404);
  });
});
