import { hashPassword } from '../../api/passwords';
import { upsertUser } from '../../db/users';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Who does the work: delegated management (人户分离 · 委托管理, R23), the receiving street after a
// transfer (R15), and the street's caseworker inside the facility before release.

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem();
  life = lifecycle(system);
  await upsertUser(system.db.database.db, {
    username: 'supervisor.wuzhong',
    displayName: '吴中区禁毒办督导',
    role: 'supervisor',
    jurisdictions: ['suzhou.wuzhong'],
    passwordHash: await hashPassword(DEMO_PASSWORD),
  });
});
afterAll(async () => {
  await system?.close();
});

const CANGLANG = 'suzhou.gusu.canglang';
const CHANGQIAO = 'suzhou.wuzhong.changqiao';

const post = (username: string, url: string, payload: object) =>
  system.as(username, { method: 'POST', url, payload });
const inboxCases = async (username: string) =>
  (await system.as(username, { method: 'GET', url: '/v1/tasks?mine=true' }))
    .json()
    .items.map((task: { caseId: string }) => task.caseId) as string[];

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
    const transfer = await post('supervisor.gusu', `/v1/cases/${id}/transfer`, {
      to: CHANGQIAO,
      reason: '迁居',
    });
    expect(transfer.statusCode).toBe(409);
    expect(transfer.json().code).toBe('delegation_open');
    expect(transfer.json().detail).toBe('end the delegation before a transfer');

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
