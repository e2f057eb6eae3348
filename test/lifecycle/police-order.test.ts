import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caseWorkflowId } from '../../workflows/case/messages';
import { policeOrder } from '../helpers/fixtures';
import { saveFixture } from '../helpers/activity-inputs';
import { days, eventually, hours, lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Police-ordered community detox (责令社区戒毒, R22): registered by the street, the district's
// supervisor or the police; no facility, no gate; the report-in clock runs from the decision.

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

/** With RECORD_HISTORIES=1, saves the case's history as a replay fixture (test/workflows/replay.test.ts). */
async function keepHistory(id: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await system.env.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  mkdirSync(dir, { recursive: true });
  await saveFixture(join(dir, `${name}.json`), history);
}

const register = (username: string, body: object) =>
  system.as(username, { method: 'POST', url: '/v1/cases', payload: body });
const kinds = (tasks: { kind: string }[]) => tasks.map((t) => t.kind).sort();
const sent = (list: { recipient: string; reason: string; rule: string }[]) =>
  list.map((n) => `${n.recipient}:${n.reason}:${n.rule}`);

describe('registering a police order (POST /v1/cases, origin police_order)', () => {
  it('R22: a caseworker registers it; it starts awaiting report-in with the decision and both addresses shown', async () => {
    const decidedAt = life.iso((await life.now()) - days(2));
    const body = policeOrder({
      decision: { authority: '苏州市公安局姑苏分局', decidedAt, documentNo: '姑公禁决字〔2026〕17号' },
    });
    const created = await register('worker.canglang', body);
    expect(created.statusCode).toBe(201);
    const view = created.json();
    opened.push(view.id);
    expect(view).toMatchObject({
      origin: 'police_order',
      phase: 'released_awaiting_report',
      measure: 'community_detox',
      jurisdiction: 'suzhou.gusu.canglang',
      facility: null,
      expectedReleaseAt: null,
      releasedAt: null,
      openedBy: 'worker.canglang',
      decision: {
        authority: '苏州市公安局姑苏分局',
        decidedAt: new Date(decidedAt).toISOString(),
        documentNo: '姑公禁决字〔2026〕17号',
      },
      person: {
        residenceAddress: body.person.residenceAddress,
        registeredAddress: '苏州市吴中区长桥街道龙西路 8 号',
      },
    });
    // R3 from the decision, R6 likewise; R2 has no place here: no pickup task.
    expect(kinds(view.openTasks)).toEqual(['first_home_visit', 'report_in']);
    const reportIn = view.openTasks.find((t: { kind: string }) => t.kind === 'report_in');
    expect(Date.parse(reportIn.dueAt) - Date.parse(decidedAt)).toBe(days(15));
    expect((await life.view(view.id, 'worker.canglang')).body).toEqual(view);

    const description = await system.env.client.workflow.getHandle(`case-${view.id}`).describe();
    expect(description.searchAttributes).toMatchObject({ CasePhase: ['released_awaiting_report'] });
  });

  it('R22: the supervisor and the police of the destination may register it; the liaison may not', async () => {
    for (const username of ['supervisor.gusu', 'police.gusu']) {
      const reply = await register(username, policeOrder());
      expect(reply.statusCode).toBe(201);
      opened.push(reply.json().id);
    }
    const liaison = await register('liaison', policeOrder());
    expect(liaison.statusCode).toBe(403);
    expect(liaison.json().code).toBe('origin_not_for_role');
    expect(liaison.json().detail).toBe(
      'a police-ordered case is registered by a caseworker, supervisor or police officer',
    );
    // api.md v1.2: the destination's caseworker may open a facility handover; the police may not.
    const handover = await register('police.gusu', {
      ...policeOrder(),
      origin: undefined,
      measure: 'community_detox',
      decision: undefined,
      facility: { name: '苏州市强制隔离戒毒所' },
      expectedReleaseAt: life.iso((await life.now()) + days(30)),
    });
    expect(handover.statusCode).toBe(403);
    expect(handover.json().detail).toBe(
      'a facility handover is opened by the facility liaison or a caseworker of the destination',
    );
  });

  it('R22: a destination outside the caller’s jurisdictions, a future decision or a missing decision is refused', async () => {
    const elsewhere = await register(
      'worker.canglang',
      policeOrder({ destination: 'suzhou.wuzhong.changqiao' }),
    );
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json().errors[0].path).toBe('body.destination');

    const future = await register(
      'worker.canglang',
      policeOrder({ decision: { authority: '姑苏分局', decidedAt: life.iso((await life.now()) + days(1)) } }),
    );
    expect(future.statusCode).toBe(422);
    expect(future.json().code).toBe('occurred_at_out_of_range');
    expect(future.json().errors[0].path).toBe('body.decision.decidedAt');

    const { decision: _d, ...noDecision } = policeOrder();
    const missing = await register('worker.canglang', noDecision);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors.map((e: { path: string }) => e.path)).toContain('body.decision');

    const rehab = await register('worker.canglang', {
      ...policeOrder(),
      measure: 'community_rehabilitation',
    });
    expect(rehab.statusCode).toBe(422);
    expect(rehab.json().errors.map((e: { path: string }) => e.path)).toContain('body.measure');
  });
});

describe('a police-ordered case on its way to the community term', () => {
  it('R22, R3: from the decision to the community phase, with no pickup possible', async () => {
    const id = (await register('worker.canglang', policeOrder())).json().id as string;
    opened.push(id);
    const pickup = await life.record(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' });
    expect(pickup.statusCode).toBe(409);
    expect(pickup.json().code).toBe('no_pickup_for_police_order');
    expect(pickup.json().detail).toBe(
      'a police-ordered case has no pickup: the person was never in a facility',
    );

    await life.skip(days(2));
    await life.expectRecorded(id, 'worker.canglang', { type: 'home_visit', reached: true });
    await life.skip(days(5));
    const reportedIn = await life.expectRecorded(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: 'suzhou.gusu.canglang',
    });
    expect(reportedIn.case.phase).toBe('community');
    expect(reportedIn.case.term.startsAt).not.toBeNull();
    expect(kinds(reportedIn.case.openTasks)).toEqual(['agreement']);
    const signed = await life.expectRecorded(id, 'worker.canglang', {
      type: 'agreement_signed',
      kind: 'community',
    });
    expect(signed.case.openTasks).toEqual([]);
    expect(await life.notifications(id)).toEqual([]);
    await keepHistory(id, 'police-order-to-community');
  });

  it('R22, R4: no report-in within 15 days of the decision is reported to the police', async () => {
    const decidedAt = life.iso((await life.now()) - days(2));
    const id = (
      await register('police.gusu', policeOrder({ decision: { authority: '姑苏分局', decidedAt } }))
    ).json().id as string;
    opened.push(id);
    await life.expectRecorded(id, 'worker.canglang', { type: 'home_visit', reached: true });
    await life.skip(days(12));
    expect(await life.notifications(id)).toEqual([]);
    await life.skip(days(1) + hours(1));
    await eventually(async () =>
      expect(sent(await life.notifications(id))).toEqual([
        'supervisor:report_in_missed:R4',
        'police:report_in_missed:R4',
      ]),
    );
    expect((await life.view(id)).body.openTasks).toEqual([
      expect.objectContaining({ kind: 'report_in', status: 'overdue' }),
    ]);
  });
});
