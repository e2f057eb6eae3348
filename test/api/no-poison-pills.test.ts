import { join } from 'node:path';
import fc from 'fast-check';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { caseWorkflowId, recordEventUpdate } from '../../workflows/case/messages';
import { saveFixture } from '../helpers/activity-inputs';
import { lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Issue 13 "No poison pills" and api.md "Time bounds": no input, whatever its value, may leave a
// case unable to take its next command or deliver its notifications. The requests that stalled
// or crashed a case before, then a property over every event type and every field with boundary
// and hostile values, each followed by a normal command on the same case. Kept under a minute:
// POISON_RUNS (default 60) hostile requests.

const RUNS = Number(process.env.POISON_RUNS ?? 60);

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem();
  life = lifecycle(system);
});
afterAll(() => system?.close());

const nested = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
};
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const cursorAt = (createdAt: string) =>
  Buffer.from(JSON.stringify([createdAt, '11111111-1111-4111-8111-111111111111'])).toString('base64url');

/** Timestamps no client may send (api.md "Time bounds"), each a different way of being wrong. */
const BAD_TIMESTAMPS = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '2100-01-01T00:00:00Z',
  '2016-12-31T23:59:60Z',
  '2026-02-29T09:00:00+08:00',
  '2026-11-31T09:00:00+08:00',
  '2026-11-24T09:00:00+14:01',
  '2026-11-24T09:00:00-14:30',
  '4310-02-06T20:32:57+18:17',
  '2026-11-24T09:00:00+99:99',
  '2026-11-24T09:00:00',
  'NaN',
  'Infinity',
  '',
];

async function expectCaseStillWorks(id: string) {
  const contact = await life.record(id, 'worker.canglang', {
    type: 'contact',
    channel: 'phone',
    reached: true,
  });
  expect(contact.statusCode).toBe(201);
}

/** R13: a positive test is reported to the police at once; the notification must reach them. */
async function expectNotificationsDelivered(id: string) {
  const before = system.outbox.filter((n) => n.caseId === id).length;
  const test = await life.record(id, 'worker.canglang', {
    type: 'test',
    method: 'urine',
    result: 'positive',
    unannounced: false,
  });
  expect(test.statusCode).toBe(201);
  await waitFor(() => system.outbox.filter((n) => n.caseId === id).length > before);
}

async function waitFor(done: () => boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('not delivered in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the requests that stalled a case or crashed the API (issue 13) are refused, and the case goes on', () => {
  it('R3: an event dated year 0 is a 422 occurred_at_out_of_range naming the field; the next command and a police notification go through', async () => {
    const id = await life.inCommunity();
    const reply = await life.record(id, 'worker.canglang', {
      type: 'contact',
      channel: 'phone',
      reached: true,
      occurredAt: '0000-01-01T00:00:00Z',
    });
    expect(reply.statusCode).toBe(422);
    expect(reply.json()).toMatchObject({
      code: 'occurred_at_out_of_range',
      errors: [{ path: 'body.occurredAt' }],
    });
    await expectCaseStillWorks(id);
    await expectNotificationsDelivered(id);
  });

  it('an extension to an instant with an offset no clock has (+18:17) is a 422; the case goes on', async () => {
    const id = await life.inCommunity();
    const task = (await life.openTasks(id))[0]!;
    const reply = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${id}/tasks/${task.id}/extend`,
      payload: { until: '4310-02-06T20:32:57+18:17', reason: '测试' },
    });
    expect(reply.statusCode).toBe(422);
    expect(reply.json()).toMatchObject({
      code: 'occurred_at_out_of_range',
      errors: [{ path: 'body.until' }],
    });
    await expectCaseStillWorks(id);
  });

  it('a login body nested 6,000 levels deep is a 400, not a 500', async () => {
    const reply = await system.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"username":${nestedJson(6_000)},"password":"x"}`,
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json().code).toBe('body_too_deep');
  });

  it('query timestamps outside 1970–2100 are a 400: due_before, the audit’s from, a forged cursor', async () => {
    const dueBefore = await system.as('worker.canglang', {
      method: 'GET',
      url: '/v1/tasks?mine=true&due_before=0000-01-01T00:00:00Z',
    });
    expect(dueBefore.statusCode).toBe(400);
    expect(dueBefore.json()).toMatchObject({
      code: 'occurred_at_out_of_range',
      errors: [{ path: 'querystring.due_before' }],
    });
    const audit = await system.as('supervisor.city', {
      method: 'GET',
      url: '/v1/audit?from=0000-01-01T00:00:00Z',
    });
    expect(audit.statusCode).toBe(400);
    expect(audit.json().code).toBe('occurred_at_out_of_range');
    for (const createdAt of ['0000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
      const list = await system.as('supervisor.city', {
        method: 'GET',
        url: `/v1/cases?cursor=${cursorAt(createdAt)}`,
      });
      expect(list.statusCode).toBe(400);
      expect(list.json().code).toBe('cursor_invalid');
    }
    const inRange = await system.as('supervisor.city', {
      method: 'GET',
      url: `/v1/cases?cursor=${cursorAt('2026-11-24T01:00:00.000Z')}`,
    });
    expect(inRange.statusCode).toBe(200);
  });

  it('every timestamp field of every body refuses every bad timestamp with 422 occurred_at_out_of_range naming it', async () => {
    const id = await life.inCommunity();
    const fields: [Record<string, unknown>, string][] = [
      [{ type: 'contact', channel: 'phone', reached: true }, 'occurredAt'],
      [{ type: 'release_date_confirmed', releaseAt: new Date().toISOString() }, 'releaseAt'],
      [
        {
          type: 'leave_notice',
          from: new Date().toISOString(),
          until: new Date().toISOString(),
          destination: '南京',
        },
        'from',
      ],
      [
        {
          type: 'leave_notice',
          from: new Date().toISOString(),
          until: new Date().toISOString(),
          destination: '南京',
        },
        'until',
      ],
      [{ type: 'absence_found', from: new Date().toISOString() }, 'from'],
      [{ type: 'absence_found', from: new Date().toISOString() }, 'until'],
    ];
    const wrong: string[] = [];
    for (const [body, field] of fields) {
      for (const bad of BAD_TIMESTAMPS) {
        const reply = await life.record(id, 'worker.canglang', { ...body, [field]: bad });
        const problem = reply.json();
        if (
          reply.statusCode !== 422 ||
          problem.code !== 'occurred_at_out_of_range' ||
          !problem.errors?.some((e: { path: string }) => e.path === `body.${field}`)
        )
          wrong.push(`${String(body.type)}.${field}=${bad}: ${reply.statusCode} ${problem.code}`);
      }
    }
    expect(wrong).toEqual([]);
    await expectCaseStillWorks(id);
  });

  it('offsets of exactly ±14:00 are real clocks and accepted', async () => {
    const id = await life.inCommunity();
    const at = new Date(Date.now() - 3_600_000);
    const plus14 = new Date(at.getTime() + 14 * 3_600_000).toISOString().replace('Z', '+14:00');
    const minus14 = new Date(at.getTime() - 14 * 3_600_000).toISOString().replace('Z', '-14:00');
    for (const occurredAt of [plus14, minus14]) {
      const reply = await life.record(id, 'worker.canglang', {
        type: 'contact',
        channel: 'phone',
        reached: true,
        occurredAt,
      });
      expect(reply.statusCode).toBe(201);
    }
  });
});

describe('an input the read model can never store (issue 13)', () => {
  it('fails its own command only, shows as engine_failing with its kind, and later commands and notifications go on', async () => {
    const id = await life.inCommunity();
    // Past the API (which refuses NUL) straight to the workflow: PostgreSQL cannot hold \u0000 in
    // jsonb (SQLSTATE 22P05), on any attempt.
    const handle = system.env.client.workflow.getHandle(caseWorkflowId(id));
    await expect(
      handle.executeUpdate(recordEventUpdate, {
        args: [
          { type: 'contact', channel: 'phone', reached: true, note: 'bad\u0000note' },
          { username: 'worker.canglang', role: 'caseworker' },
        ],
      }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);

    await expectCaseStillWorks(id);
    await expectNotificationsDelivered(id);
    const stalled = await system.as('supervisor.gusu', {
      method: 'GET',
      url: '/v1/supervisor/stalled?reason=engine_failing',
    });
    const reasons = (
      stalled.json() as { case: { id: string }; reasons: { kind: string; detail: string }[] }[]
    ).find((s) => s.case.id === id)?.reasons;
    expect(reasons?.[0]?.kind).toBe('engine_failing');
    expect(reasons?.[0]?.detail).toMatch(/syncCase: 1 attempts failed \(ApplicationFailure DataException\)/);
    expect(reasons?.[0]?.detail).not.toContain('bad');

    // RECORD_HISTORIES=1: keep this history (the patched path) for the replay gate.
    if (process.env.RECORD_HISTORIES) {
      const fixture = join(__dirname, '..', 'fixtures', 'histories', 'failed-sync-does-not-block.json');
      await saveFixture(fixture, await handle.fetchHistory());
    }
  });
});

describe('property: no hostile value in any field leaves a case unable to go on', () => {
  /** A valid body per event type, and who records it. */
  const EVENTS: Record<string, { user: string; body: Record<string, unknown> }> = {
    intervention: { user: 'liaison', body: { kind: 'interview' } },
    agreement_signed: { user: 'worker.canglang', body: { kind: 'community' } },
    release_date_confirmed: { user: 'liaison', body: { releaseAt: '2026-12-20T09:00:00+08:00' } },
    released: { user: 'liaison', body: {} },
    picked_up: { user: 'worker.canglang', body: { by: '社工甲' } },
    reported_in: { user: 'worker.canglang', body: { jurisdiction: 'suzhou.gusu.canglang' } },
    home_visit: { user: 'worker.canglang', body: { reached: true } },
    contact: { user: 'worker.canglang', body: { channel: 'visit', reached: false } },
    test: { user: 'worker.canglang', body: { method: 'urine', result: 'negative', unannounced: true } },
    leave_notice: {
      user: 'worker.canglang',
      body: { from: '2026-12-20T09:00:00+08:00', until: '2026-12-25T09:00:00+08:00', destination: '南京市' },
    },
    absence_found: { user: 'worker.canglang', body: { from: '2026-11-20T09:00:00+08:00' } },
    detained: { user: 'worker.canglang', body: {} },
    freed: { user: 'worker.canglang', body: {} },
    sentenced: { user: 'police.gusu', body: {} },
  };
  const FIELDS = ['type', 'occurredAt', 'note', 'anUnknownField'];

  const hostile = fc.oneof(
    fc.constantFrom<unknown>(
      ...BAD_TIMESTAMPS,
      'null',
      'undefined',
      '-0',
      '1e999',
      1e308,
      -1e308,
      Number.MAX_SAFE_INTEGER + 2,
      -0,
      0.1,
      null,
      true,
      [],
      {},
      '\u0000',
      'a\u0000b',
      '\u202e\u202b\u200f 王某某 \u202c',
      '\ufeff',
      '\ud800',
      '👨‍👩‍👧‍👦'.repeat(50),
      '中'.repeat(2_001),
      '中'.repeat(20_000),
      'x'.repeat(70_000),
      nested(50),
      nested(2_000),
      [[[[[[[[[[]]]]]]]]]],
    ),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.jsonValue({ maxDepth: 4 }),
    fc.integer(),
    fc.double(),
  );

  const attempt = fc.constantFrom(...Object.keys(EVENTS)).chain((type) =>
    fc.record({
      type: fc.constant(type),
      field: fc.constantFrom(...FIELDS, ...Object.keys(EVENTS[type]!.body)),
      value: hostile,
    }),
  );

  it('for every event type and field, boundary and hostile values get a 4xx with a code (or are stored as given), and the case then takes a normal command and delivers its notifications', async () => {
    const cases: string[] = [await life.inCommunity()];
    await fc.assert(
      fc.asyncProperty(attempt, async ({ type, field, value }) => {
        const id = cases[cases.length - 1]!;
        const { user, body } = EVENTS[type]!;
        const reply = await life.record(id, user, { type, ...body, [field]: value });
        expect(reply.statusCode).toBeLessThan(500);
        if (reply.statusCode >= 400) expect(typeof reply.json().code).toBe('string');
        const phase = (await life.view(id)).body.phase as string;
        if (phase === 'closed')
          cases.push(await life.inCommunity()); // sentenced: a new person
        else if (phase === 'paused')
          expect((await life.record(id, 'worker.canglang', { type: 'freed' })).statusCode).toBe(201);
        else await expectCaseStillWorks(id);
      }),
      { numRuns: RUNS },
    );
    for (const id of cases) {
      if ((await life.view(id)).body.phase !== 'closed') await expectNotificationsDelivered(id);
    }
  });
});
