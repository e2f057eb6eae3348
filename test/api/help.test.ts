import { handover } from '../helpers/fixtures';
import { eventually } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// The help half of the programme (R24, "4+X"): services and the four-party group, through the
// API on the real Temporal dev server.

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

const DAY = 86_400_000;
const record = (id: string, username: string, payload: object) =>
  system.as(username, { method: 'POST', url: `/v1/cases/${id}/events`, payload });
const recorded = async (id: string, username: string, payload: object) => {
  const reply = await record(id, username, payload);
  if (reply.statusCode !== 201) throw new Error(`${JSON.stringify(payload)} refused: ${reply.body}`);
  return reply.json();
};
const view = async (id: string, username = 'worker.canglang') =>
  (await system.as(username, { method: 'GET', url: `/v1/cases/${id}` })).json();
const open = async () => {
  const reply = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: handover() });
  return reply.json().id as string;
};
const inCommunity = async () => {
  const id = await open();
  await recorded(id, 'liaison', { type: 'released' });
  await recorded(id, 'worker.canglang', { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' });
  return id;
};

describe('R24: services', () => {
  it('R24: a needs assessment puts a review in the caseworker’s inbox, 30 days out for a stable case', async () => {
    const id = await inCommunity();
    const reply = await recorded(id, 'worker.canglang', {
      type: 'service',
      area: 'employment',
      action: 'assessed',
    });
    expect(reply.event).toMatchObject({ type: 'service', data: { area: 'employment', action: 'assessed' } });
    const review = reply.case.openTasks.find((t: { kind: string }) => t.kind === 'service_review');
    // standard policy: services.reviewAfter.stable = P30D from the assessment
    expect(Date.parse(review.dueAt) - Date.parse(reply.event.at)).toBe(30 * DAY);

    const inbox = await system.as('worker.canglang', { method: 'GET', url: '/v1/tasks?mine=true&limit=500' });
    expect(
      inbox
        .json()
        .items.filter((t: { caseId: string; kind: string }) => t.caseId === id)
        .map((t: { kind: string }) => t.kind),
    ).toContain('service_review');

    // A second assessment is the review: the first review is done and the next one is set.
    const again = await recorded(id, 'worker.canglang', {
      type: 'service',
      area: 'family',
      action: 'assessed',
    });
    const reviews = again.case.openTasks.filter((t: { kind: string }) => t.kind === 'service_review');
    expect(reviews).toHaveLength(1);
    expect(reviews[0].id).not.toBe(review.id);
  });

  it('R24: the case view shows the plan: what was assessed, referred, provided and achieved, area by area', async () => {
    const id = await inCommunity();
    await recorded(id, 'worker.canglang', { type: 'service', area: 'employment', action: 'assessed' });
    await recorded(id, 'worker.canglang', {
      type: 'service',
      area: 'employment',
      action: 'referred',
      agency: '区人社局',
    });
    const job = await recorded(id, 'worker.canglang', {
      type: 'service',
      area: 'employment',
      action: 'achieved',
    });
    await recorded(id, 'worker.canglang', { type: 'service', area: 'methadone', action: 'assessed' });

    const { services } = await view(id);
    expect(services).toEqual([
      {
        area: 'employment',
        assessedAt: expect.any(String),
        referredAt: expect.any(String),
        providedAt: null,
        achievedAt: job.event.at,
        agency: '区人社局',
      },
      {
        area: 'methadone',
        assessedAt: expect.any(String),
        referredAt: null,
        providedAt: null,
        achievedAt: null,
        agency: null,
      },
    ]);
  });

  it('R24: the liaison records services before release, the caseworker after; unknown areas are refused', async () => {
    const id = await open();
    await recorded(id, 'liaison', { type: 'service', area: 'counselling', action: 'provided' });
    await recorded(id, 'liaison', { type: 'released' });
    const late = await record(id, 'liaison', { type: 'service', area: 'counselling', action: 'provided' });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({
      code: 'service_after_release_by_caseworker',
      detail: 'after release, services are recorded by the caseworker',
    });
    const wrong = await record(id, 'worker.canglang', { type: 'service', area: 'luck', action: 'provided' });
    expect(wrong.statusCode).toBe(422);
    const police = await record(id, 'police.gusu', { type: 'service', area: 'legal', action: 'provided' });
    expect(police.statusCode).toBe(403);
  });

  it('R13, R24: a positive test of a person enrolled in methadone treatment is still recorded and reported', async () => {
    const id = await inCommunity();
    await recorded(id, 'worker.canglang', { type: 'service', area: 'methadone', action: 'achieved' });
    const reply = await recorded(id, 'worker.canglang', {
      type: 'test',
      method: 'urine',
      result: 'positive',
      unannounced: false,
    });
    expect(reply.case.tier).toBe('abnormal');
    await eventually(async () => {
      const list = await system.as('supervisor.gusu', {
        method: 'GET',
        url: `/v1/notifications?caseId=${id}`,
      });
      expect(list.json().items.map((n: { reason: string }) => n.reason)).toContain('drug_use');
    });
  });
});

describe('R24: the four-party group', () => {
  it('R24: family, community staff and the named police officer are listed on the case', async () => {
    const id = await inCommunity();
    const family = await system.as('worker.canglang', {
      method: 'POST',
      url: `/v1/cases/${id}/parties`,
      payload: { role: 'family', name: '王秀英', relation: '母亲', phone: '13800000000' },
    });
    expect(family.statusCode).toBe(201);
    expect(family.json()).toMatchObject({ role: 'family', name: '王秀英', relation: '母亲', username: null });
    const officer = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/parties`,
      payload: { role: 'police_officer', name: '李警官', username: 'police.gusu' },
    });
    expect(officer.statusCode).toBe(201);

    const { parties } = await view(id);
    expect(parties.map((p: { role: string; name: string }) => `${p.role}:${p.name}`)).toEqual([
      'family:王秀英',
      'police_officer:李警官',
    ]);
    const audit = await system.as('supervisor.gusu', { method: 'GET', url: `/v1/audit?caseId=${id}` });
    expect(audit.json().items.map((a: { action: string }) => a.action)).toContain('case.party.add');
  });

  it('R24: only a police user of the case’s jurisdiction can be its named officer', async () => {
    const id = await inCommunity();
    const party = (payload: object) =>
      system.as('worker.canglang', { method: 'POST', url: `/v1/cases/${id}/parties`, payload });
    const notPolice = await party({ role: 'police_officer', name: '某某', username: 'worker.canglang' });
    expect(notPolice.statusCode).toBe(422);
    expect(notPolice.json()).toMatchObject({ code: 'officer_not_here', errors: [{ path: 'body.username' }] });
    expect((await party({ role: 'family', name: '某某', username: 'police.gusu' })).statusCode).toBe(422);
    expect((await party({ role: 'neighbour', name: '某某' })).statusCode).toBe(422);
  });

  it('R4, R24: police notifications of a case name its officer, and the officer sees them as theirs', async () => {
    const id = await inCommunity();
    await system.as('worker.canglang', {
      method: 'POST',
      url: `/v1/cases/${id}/parties`,
      payload: { role: 'police_officer', name: '李警官', username: 'police.gusu' },
    });
    await recorded(id, 'worker.canglang', {
      type: 'test',
      method: 'urine',
      result: 'positive',
      unannounced: false,
    });
    await eventually(async () => {
      const mine = await system.as('police.gusu', { method: 'GET', url: `/v1/notifications?mine=true` });
      const items = mine.json().items.filter((n: { caseId: string }) => n.caseId === id);
      expect(items).toEqual([
        expect.objectContaining({ recipient: 'police', reason: 'drug_use', officer: 'police.gusu' }),
      ]);
    });
  });

  it('R24: the police record the joint home visit they make with the caseworker', async () => {
    const id = await inCommunity();
    const reply = await recorded(id, 'police.gusu', { type: 'home_visit', reached: true });
    expect(reply.event).toMatchObject({ type: 'home_visit', actor: 'police.gusu', data: { joint: true } });
    // It is the first home visit (R6): its task is done.
    expect(reply.case.openTasks.map((t: { kind: string }) => t.kind)).not.toContain('first_home_visit');
  });
});
