import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { handover } from '../helpers/fixtures';
import { eventually } from '../helpers/lifecycle';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../api/app';
import { EncryptionCodec } from '../../codec/encryption-codec';
import { loadPolicy } from '../../config/policy';
import { POLICIES, startTestSystem, TEST_AUDIT_KEY, type TestSystem } from '../helpers/system';

// Recording events through the API on the real Temporal dev server: every event type, the
// refusals, and the views that follow from them (timeline, inbox, notifications).

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

const open = async (overrides = {}) => {
  const reply = await system.as('liaison', {
    method: 'POST',
    url: '/v1/cases',
    payload: handover(overrides),
  });
  return reply.json().id as string;
};
const record = (id: string, username: string, payload: object) =>
  system.as(username, { method: 'POST', url: `/v1/cases/${id}/events`, payload });
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const DAY = 86_400_000;

describe('recording every event type (POST /v1/cases/:id/events)', () => {
  it('walks a case through each event type, each answered 201 with the event and the case', async () => {
    const id = await open();
    const steps: [string, object, string][] = [
      ['liaison', { type: 'intervention', kind: 'intake', note: '入所访谈' }, 'pre_release'],
      ['liaison', { type: 'intervention', kind: 'briefing' }, 'pre_release'],
      ['liaison', { type: 'agreement_signed', kind: 'assistance' }, 'pre_release'],
      ['liaison', { type: 'release_date_confirmed', releaseAt: iso(4 * DAY) }, 'awaiting_release'],
      ['liaison', { type: 'released' }, 'released_awaiting_report'],
      ['worker.canglang', { type: 'picked_up', by: '沧浪街道禁毒社工' }, 'released_awaiting_report'],
      ['worker.canglang', { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' }, 'community'],
      ['worker.canglang', { type: 'agreement_signed', kind: 'community' }, 'community'],
      ['worker.canglang', { type: 'home_visit', reached: true }, 'community'],
      ['worker.canglang', { type: 'contact', channel: 'phone', reached: false }, 'community'],
      [
        'worker.canglang',
        { type: 'test', method: 'urine', result: 'negative', unannounced: false },
        'community',
      ],
      [
        'worker.canglang',
        { type: 'leave_notice', from: iso(DAY), until: iso(5 * DAY), destination: '南京市' },
        'community',
      ],
      ['worker.canglang', { type: 'absence_found', from: iso(-5 * DAY), until: iso(-DAY) }, 'community'],
      ['police.gusu', { type: 'detained', note: '行政拘留' }, 'paused'],
      ['worker.canglang', { type: 'freed' }, 'community'],
      ['police.gusu', { type: 'sentenced' }, 'closed'],
    ];
    for (const [username, event, phase] of steps) {
      const reply = await record(id, username, event);
      expect([reply.statusCode, (event as { type: string }).type]).toEqual([
        201,
        (event as { type: string }).type,
      ]);
      const body = reply.json();
      expect(body.event).toMatchObject({
        kind: 'event',
        type: (event as { type: string }).type,
        actor: username,
      });
      expect(body.case.phase).toBe(phase);
    }
    const read = (await system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` })).json();
    expect(read).toMatchObject({ phase: 'closed', status: 'closed', openTasks: [] });
    // Four days away unannounced: past the policy's three (R14), so it counts (R12).
    expect(read.counters).toEqual({ testsRefused: 0, leavesWithoutNotice: 1, daysAwayWithoutNotice: 4 });
  });

  it('shows every event and engine action in the timeline, oldest first', async () => {
    const id = await open();
    await record(id, 'liaison', { type: 'released' });
    const reply = await system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}/timeline` });
    const items = reply.json().items as {
      seq: number;
      kind: string;
      type: string;
      data: { kind?: string };
    }[];
    expect(items.map((e) => e.seq)).toEqual([...items.keys()].map((i) => i + 1));
    expect(items[0]).toMatchObject({ kind: 'engine', type: 'case_opened' });
    expect(items.filter((e) => e.type === 'task_created').map((e) => e.data.kind)).toEqual([
      'confirm_release_date',
      'pickup',
      'report_in',
      'first_home_visit',
    ]);
    expect(items.some((e) => e.kind === 'event' && e.type === 'released')).toBe(true);
  });
});

describe('refusals', () => {
  it('409: an event that makes no sense now says why, with its code', async () => {
    const id = await open();
    const reply = await record(id, 'worker.canglang', { type: 'home_visit', reached: true });
    expect(reply.statusCode).toBe(409);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.json().code).toBe('event_not_allowed_now');
    expect(reply.json().detail).toBe(
      'home_visit cannot be recorded now: the person is still inside the facility',
    );
  });

  it('422: an event dated in the future is out of range, naming the field', async () => {
    const id = await open();
    const reply = await record(id, 'liaison', { type: 'released', occurredAt: iso(DAY) });
    expect(reply.statusCode).toBe(422);
    expect(reply.json()).toMatchObject({
      code: 'occurred_at_out_of_range',
      errors: [{ path: 'body.occurredAt' }],
    });
  });

  it('422: an event dated further back than the policy allows before the case opened (30 days) is out of range; within it, recorded', async () => {
    const id = await open();
    const tooEarly = await record(id, 'liaison', {
      type: 'intervention',
      kind: 'intake',
      occurredAt: iso(-31 * DAY),
    });
    expect(tooEarly.statusCode).toBe(422);
    expect(tooEarly.json()).toMatchObject({
      code: 'occurred_at_out_of_range',
      errors: [{ path: 'body.occurredAt' }],
    });
    const late = await record(id, 'liaison', {
      type: 'intervention',
      kind: 'intake',
      occurredAt: iso(-29 * DAY),
    });
    expect(late.statusCode).toBe(201);
    // Nothing of the refused one entered the case: one intake in its timeline.
    const timeline = await system.as('liaison', { method: 'GET', url: `/v1/cases/${id}/timeline` });
    expect(timeline.json().items.filter((e: { type: string }) => e.type === 'intervention')).toHaveLength(1);
  });

  it('403: a role that may not record this event type', async () => {
    const id = await open();
    const reply = await record(id, 'liaison', {
      type: 'test',
      method: 'urine',
      result: 'negative',
      unannounced: false,
    });
    expect(reply.statusCode).toBe(403);
    expect(reply.json()).toMatchObject({ code: 'forbidden', detail: 'the liaison role may not record test' });
  });

  it('404: a case in another jurisdiction, exactly like a missing one', async () => {
    const id = await open();
    const outside = await record(id, 'worker.changqiao', {
      type: 'contact',
      channel: 'phone',
      reached: true,
    });
    const missing = await record('00000000-0000-4000-8000-000000000000', 'worker.changqiao', {
      type: 'contact',
      channel: 'phone',
      reached: true,
    });
    expect(outside.statusCode).toBe(404);
    expect(outside.body).toBe(missing.body);
  });

  it.each([
    ['an unknown event type', { type: 'party' }],
    ['a missing field', { type: 'contact', channel: 'phone' }],
    ['an unknown field', { type: 'released', extra: 1 }],
    ['a wrong type', { type: 'home_visit', reached: 'yes' }],
    ['a timestamp without offset', { type: 'released', occurredAt: '2026-11-24T09:00:00' }],
  ])('422: %s', async (_, event) => {
    const id = await open();
    const reply = await record(id, 'liaison', event);
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors.length).toBeGreaterThan(0);
  });

  it('422: a report-in to a jurisdiction that is not the caller’s', async () => {
    const id = await open();
    await record(id, 'liaison', { type: 'released' });
    const reply = await record(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: 'suzhou.wuzhong.changqiao',
    });
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors[0].path).toBe('body.jurisdiction');
  });
});

describe('inbox, supervision actions and notifications', () => {
  it('GET /v1/tasks?mine=true is the caseworker’s inbox, soonest due first, within their street only', async () => {
    const id = await open();
    await record(id, 'liaison', { type: 'released' });
    const mine = await system.as('worker.canglang', { method: 'GET', url: '/v1/tasks?mine=true' });
    const items = mine.json().items as { caseId: string; kind: string; dueAt: string; role: string }[];
    const ofCase = items.filter((t) => t.caseId === id);
    expect(ofCase.map((t) => t.kind)).toEqual(['pickup', 'first_home_visit', 'report_in']);
    expect(items.map((t) => t.dueAt)).toEqual([...items.map((t) => t.dueAt)].sort());
    expect(items.every((t) => t.role === 'caseworker')).toBe(true);
    // Each line says who it is about, so the inbox reads without opening every case.
    expect(mine.json().items.find((t: { caseId: string }) => t.caseId === id).case).toEqual({
      name: '王某某',
      phase: 'released_awaiting_report',
      tier: 'stable',
      jurisdiction: 'suzhou.gusu.canglang',
      delegatedTo: null,
    });

    const elsewhere = await system.as('worker.changqiao', { method: 'GET', url: '/v1/tasks?mine=true' });
    expect(elsewhere.json().items.filter((t: { caseId: string }) => t.caseId === id)).toEqual([]);
    const soon = await system.as('worker.canglang', {
      method: 'GET',
      url: `/v1/tasks?due_before=${encodeURIComponent(iso(DAY))}`,
    });
    expect(
      soon
        .json()
        .items.filter((t: { caseId: string }) => t.caseId === id)
        .map((t: { kind: string }) => t.kind),
    ).toEqual(['pickup']);
  });

  it('a supervisor extends a task with a reason; the new due time shows', async () => {
    const id = await open();
    await record(id, 'liaison', { type: 'released' });
    const tasks = (await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${id}` })).json()
      .openTasks;
    const visit = tasks.find((t: { kind: string }) => t.kind === 'first_home_visit');
    const until = new Date(Date.parse(visit.dueAt) + DAY).toISOString();
    const reply = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/tasks/${visit.id}/extend`,
      payload: { until, reason: '台风天气，顺延一天' },
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toMatchObject({
      id: visit.id,
      kind: 'first_home_visit',
      dueAt: until,
      status: 'open',
    });

    const worker = await system.as('worker.canglang', {
      method: 'POST',
      url: `/v1/cases/${id}/tasks/${visit.id}/extend`,
      payload: { until, reason: 'x' },
    });
    expect(worker.statusCode).toBe(403);
    const unknown = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/tasks/t999/extend`,
      payload: { until, reason: 'x' },
    });
    expect(unknown.statusCode).toBe(409);
    expect(unknown.json()).toMatchObject({ code: 'no_such_task', detail: 'the case has no task t999' });
  });

  it('a supervisor assigns the case to a caseworker of its street, and only such', async () => {
    const id = await open();
    const ok = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/assign`,
      payload: { caseworker: 'worker.canglang' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().case.assignee).toBe('worker.canglang');
    const wrong = await system.as('supervisor.city', {
      method: 'POST',
      url: `/v1/cases/${id}/assign`,
      payload: { caseworker: 'worker.changqiao' },
    });
    expect(wrong.statusCode).toBe(422);
  });

  it('a supervisor closes a case; closing again is refused', async () => {
    const id = await open();
    const close = () =>
      system.as('supervisor.gusu', {
        method: 'POST',
        url: `/v1/cases/${id}/close`,
        payload: { reason: '死亡' },
      });
    const first = await close();
    expect(first.statusCode).toBe(200);
    expect(first.json().case).toMatchObject({ phase: 'closed', status: 'closed' });
    const again = await close();
    expect(again.statusCode).toBe(409);
  });

  it('R13: a positive test notifies the police; the notification is delivered and listed for police and supervisors', async () => {
    const id = await open();
    await record(id, 'liaison', { type: 'released' });
    await record(id, 'worker.canglang', {
      type: 'test',
      method: 'urine',
      result: 'positive',
      unannounced: true,
    });
    const list = async (username: string) =>
      (await system.as(username, { method: 'GET', url: `/v1/notifications?caseId=${id}` })).json().items;
    await eventually(async () =>
      expect(await list('police.gusu')).toEqual([
        expect.objectContaining({
          caseId: id,
          recipient: 'police',
          reason: 'drug_use',
          rule: 'R13',
          status: 'delivered',
        }),
      ]),
    );
    expect(await list('supervisor.gusu')).toHaveLength(1);
    expect(system.outbox.filter((n) => n.caseId === id).map((n) => n.reason)).toEqual(['drug_use']);
    const caseworker = await system.as('worker.canglang', { method: 'GET', url: '/v1/notifications' });
    expect(caseworker.statusCode).toBe(403);
  });
});

describe('policy versions', () => {
  it('a case keeps the policy it started with when a new policy comes into force', async () => {
    const before = await open();
    await record(before, 'liaison', { type: 'released' });
    // The same engine, now serving the accelerated policy to new cases.
    const loaded = loadPolicy(POLICIES.accelerated);
    const app = await buildApp({
      db: system.db.database,
      temporal: system.env.client,
      taskQueue: system.taskQueue,
      policy: loaded.policy,
      policyDocument: loaded.document,
      tokenSecret: 'x'.repeat(40),
      tokenTtlSeconds: 600,
      auditKey: TEST_AUDIT_KEY,
      payloadCodec: new EncryptionCodec([{ id: 'other', key: randomBytes(32) }]),
      codecCorsOrigins: [],
    });
    try {
      const login = await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'liaison', password: DEMO_PASSWORD },
      });
      const token = login.json().token as string;
      const headers = { authorization: `Bearer ${token}` };
      const after = (
        await app.inject({ method: 'POST', url: '/v1/cases', headers, payload: handover() })
      ).json();
      await app.inject({
        method: 'POST',
        url: `/v1/cases/${after.id}/events`,
        headers,
        payload: { type: 'released' },
      });
      const view = async (id: string) =>
        (await app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers })).json();
      const reportIn = (c: { releasedAt: string; openTasks: { kind: string; dueAt: string }[] }) =>
        Date.parse(c.openTasks.find((t) => t.kind === 'report_in')!.dueAt) - Date.parse(c.releasedAt);
      expect(await view(before)).toMatchObject({ policyVersion: 'standard-2026.4' });
      expect(reportIn(await view(before))).toBe(15 * DAY);
      expect(await view(after.id)).toMatchObject({ policyVersion: 'accelerated-2026.4' });
      expect(reportIn(await view(after.id))).toBe(15_000);
    } finally {
      await app.close();
    }
  });
});
