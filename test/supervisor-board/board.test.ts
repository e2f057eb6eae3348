import type { NotificationChannel } from '../../activities/notifier';
import { days, eventually, hours, lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// The supervisor's board on cases built through the real API and workflow, time skipped. One clock runs
// through the file: T0 is when the cases are released; the expected figures are worked out by
// hand in the comments.

/** Stands in for an SMS gateway that is down for some cases. */
const failingFor = new Set<string>();
const flaky: NotificationChannel = {
  name: 'flaky',
  async send(notification) {
    if (notification.caseId && failingFor.has(notification.caseId)) throw new Error('gateway unavailable');
  },
};

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;
let T0: number;
const c: Record<string, string> = {};

beforeAll(async () => {
  system = await startTestSystem({ timeSkipping: true, channels: [flaky] });
  life = lifecycle(system);
  T0 = await life.now();
  const release = async (id: string) => {
    await life.expectRecorded(id, 'liaison', { type: 'released', occurredAt: life.iso(T0) });
    await life.expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '社工甲' });
  };
  for (const name of ['A', 'B', 'C']) {
    c[name] = await life.open();
    await release(c[name]!);
  }
  c.D = await life.open({ expectedReleaseAt: life.iso(T0 + days(10)) }); // R1 due at T0 + 7 days
  c.E = await life.open({ destination: 'suzhou.wuzhong.changqiao' });
  await life.expectRecorded(c.E, 'liaison', { type: 'released', occurredAt: life.iso(T0) });
  c.F = await life.inCommunity(); // report-in at T0: contact due T0 + 30 + 3 days
  await life.expectRecorded(c.F, 'worker.canglang', { type: 'home_visit', reached: true });
  await life.expectRecorded(c.F, 'worker.canglang', { type: 'agreement_signed', kind: 'community' });

  await life.skip(days(1)); // A: first home visit after 24 hours
  await life.expectRecorded(c.A!, 'worker.canglang', { type: 'home_visit', reached: true });
  await life.skip(days(3)); // C: first home visit after 96 hours (late)
  await life.expectRecorded(c.C!, 'worker.canglang', { type: 'home_visit', reached: true });
  await life.skip(days(1)); // A reports in on day 5
  await life.expectRecorded(c.A!, 'worker.canglang', {
    type: 'reported_in',
    jurisdiction: 'suzhou.gusu.canglang',
  });
  await life.expectRecorded(c.A!, 'worker.canglang', { type: 'agreement_signed', kind: 'community' });
  await life.skip(days(11)); // B reports in on day 16 (late); C never does
  await life.expectRecorded(c.B!, 'worker.canglang', {
    type: 'reported_in',
    jurisdiction: 'suzhou.gusu.canglang',
  });
  await life.expectRecorded(c.B!, 'worker.canglang', { type: 'agreement_signed', kind: 'community' });
  await life.skip(days(1)); // now: T0 + 17 days
}, 120_000);
afterAll(async () => {
  await system?.close();
});

const get = async (username: string, url: string) => {
  const reply = await system.as(username, { method: 'GET', url });
  return { status: reply.statusCode, body: reply.json() };
};
type Stalled = {
  case: { id: string };
  reasons: { kind: string; since: string; detail: string; taskKind: string | null; told: string }[];
}[];
const stalled = async (username = 'supervisor.gusu', query = '') =>
  (await get(username, `/v1/supervisor/stalled${query}`)).body as Stalled;
const reasonsOf = (list: Stalled, id: string) =>
  list.find((s) => s.case.id === id)?.reasons.map((r) => r.kind);

describe('GET /v1/supervisor/kpis', () => {
  it('computes each KPI from the recorded events, as worked out by hand', async () => {
    const window = `from=${encodeURIComponent(life.iso(T0 - hours(1)))}&to=${encodeURIComponent(life.iso(T0 + hours(1)))}`;
    const { status, body } = await get('supervisor.gusu', `/v1/supervisor/kpis?${window}`);
    expect(status).toBe(200);
    // Released in the window in Gusu: A, B, C, F (E is in Wuzhong). Report-in within 15 days:
    // A (day 5) and F (day 0); B came on day 16, C never.
    expect(body.reportInRate).toEqual({ value: 0.5, numerator: 2, denominator: 4 });
    // First home visit within 72 h: F (at once) and A (24 h); C came after 96 h; B never.
    expect(body.firstVisitOnTimeRate).toEqual({ value: 0.5, numerator: 2, denominator: 4 });
    // The median of F (0 h), A (24 h) and C (96 h); 3 of the 4 released were visited.
    expect(body.medianHoursReleaseToFirstVisit).toEqual({ value: 24, numerator: 3, denominator: 4 });
    // Nobody has been out three years yet; no test fell due in this hour.
    expect(body.consolidationRate).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(body.testCompletionRate).toEqual({ value: null, numerator: 0, denominator: 0 });
  });

  it('execution and control rates as of now', async () => {
    const { body } = await get('supervisor.gusu', '/v1/supervisor/kpis');
    // Released with the report-in deadline past: A, B, C and F; under measures: A, B and F.
    expect(body.executionRate).toEqual({ value: 0.75, numerator: 3, denominator: 4 });
    // In the community: A, B, F; none has lost contact yet.
    expect(body.controlRate).toEqual({ value: 1, numerator: 3, denominator: 3 });
  });

  it('scopes to a sub-jurisdiction and refuses one outside the caller’s', async () => {
    const wuzhong = await get('supervisor.city', '/v1/supervisor/kpis?jurisdiction=suzhou.wuzhong');
    expect(wuzhong.body.executionRate).toEqual({ value: 0, numerator: 0, denominator: 1 }); // E
    const outside = await get('supervisor.gusu', '/v1/supervisor/kpis?jurisdiction=suzhou.wuzhong');
    expect(outside.status).toBe(400);
  });
});

describe('GET /v1/supervisor/stalled', () => {
  it('lists each slipping case with its reasons, oldest stall first, within the jurisdiction', async () => {
    const list = await stalled();
    const order = list.map((s) => s.case.id).filter((id) => [c.B, c.D, c.C].includes(id));
    expect(order).toEqual([c.B, c.D, c.C]); // since day 3, day 7, day 15
    expect(reasonsOf(list, c.B!)).toEqual(['task_overdue']);
    expect(list.find((s) => s.case.id === c.B)!.reasons[0]).toMatchObject({
      detail: 'first home visit due 14 days ago, police notified, no response',
      // The same in codes, for a client that words it in its own language (the web console).
      taskKind: 'first_home_visit',
      told: 'police',
    });
    expect(reasonsOf(list, c.D!)).toEqual(['release_unconfirmed']);
    expect(reasonsOf(list, c.C!)).toEqual(['task_overdue']);
    expect(list.find((s) => s.case.id === c.C)!.reasons[0]!.detail).toMatch(/^report-in due 2 days ago/);
    // A did everything on time; only an unannounced test drawn at random could be due.
    const stallsOfA = list.find((s) => s.case.id === c.A)?.reasons ?? [];
    expect(stallsOfA.filter((r) => !r.detail.startsWith('unannounced test'))).toEqual([]);
    expect(reasonsOf(list, c.E!)).toBeUndefined(); // Wuzhong: not this supervisor's
    expect(reasonsOf(await stalled('supervisor.city'), c.E!)).toContain('task_overdue');
  });

  it('clears a stall once the work is done', async () => {
    await life.expectRecorded(c.B!, 'worker.canglang', { type: 'home_visit', reached: true });
    await life.expectRecorded(c.D!, 'liaison', {
      type: 'release_date_confirmed',
      releaseAt: life.iso((await life.now()) + days(5)),
    });
    const list = await stalled();
    expect(reasonsOf(list, c.B!)).toBeUndefined();
    expect(reasonsOf(list, c.D!)).toBeUndefined();
  });

  it('filters by reason and by caseworker', async () => {
    const byReason = await stalled('supervisor.gusu', '?reason=release_unconfirmed');
    expect(byReason.every((s) => s.reasons.every((r) => r.kind === 'release_unconfirmed'))).toBe(true);
    await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${c.C}/assign`,
      payload: { caseworker: 'worker.canglang' },
    });
    const mine = await stalled('supervisor.gusu', '?caseworker=worker.canglang');
    expect(mine.map((s) => s.case.id)).toEqual([c.C]);
  });

  it('lost_contact and transfer_overdue appear when due and clear when resolved', async () => {
    await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${c.A}/transfer`,
      payload: { to: 'suzhou.wuzhong.changqiao', reason: '迁居' },
    }); // day 17: the receiving report-in is due on day 32
    await life.skip(days(17)); // day 34: F's contact (due day 33) is missed
    await eventually(async () => expect(reasonsOf(await stalled(), c.F!)).toContain('lost_contact'));
    expect(reasonsOf(await stalled(), c.A!)).toContain('transfer_overdue');

    await life.expectRecorded(c.F!, 'worker.canglang', { type: 'contact', channel: 'visit', reached: true });
    await life.expectRecorded(c.A!, 'worker.changqiao', {
      type: 'reported_in',
      jurisdiction: 'suzhou.wuzhong.changqiao',
    });
    const after = await stalled('supervisor.city');
    expect(reasonsOf(after, c.F!) ?? []).not.toContain('lost_contact');
    expect(reasonsOf(after, c.A!) ?? []).not.toContain('transfer_overdue');
  });

  it('engine_failing: a delivery that keeps failing is shown to the supervisor until it succeeds', async () => {
    const id = await life.inCommunity();
    failingFor.add(id);
    await life.expectRecorded(id, 'worker.canglang', {
      type: 'test',
      method: 'urine',
      result: 'positive',
      unannounced: false,
    });
    await life.skip(hours(1));
    await eventually(async () =>
      expect(reasonsOf(await stalled('supervisor.gusu', '?reason=engine_failing'), id)).toEqual([
        'engine_failing',
      ]),
    );
    const detail = (await stalled('supervisor.gusu', '?reason=engine_failing')).find((s) => s.case.id === id)!
      .reasons[0]!.detail;
    expect(detail).toMatch(/^the engine cannot complete deliverNotification: \d+ attempts failed \(Error\)/);

    failingFor.delete(id);
    await life.skip(hours(2));
    await eventually(async () =>
      expect(reasonsOf(await stalled('supervisor.gusu', '?reason=engine_failing'), id)).toBeUndefined(),
    );
    expect((await life.notifications(id)).every((n) => n.status === 'delivered')).toBe(true);
  });
});

describe('GET /v1/supervisor/caseloads', () => {
  it('counts each caseworker’s open cases by tier and overdue tasks against the policy ratio', async () => {
    const { body } = await get('supervisor.gusu', '/v1/supervisor/caseloads');
    const canglang = body.find((l: { caseworker: string }) => l.caseworker === 'worker.canglang');
    expect(canglang).toMatchObject({
      openCases: 1,
      byTier: { stable: 1, key: 0, abnormal: 0 },
      ratio: '1:20',
      overRatio: false,
    });
    expect(canglang.overdueTasks).toBeGreaterThan(0); // C's report-in
    expect(body.map((l: { caseworker: string | null }) => l.caseworker)).not.toContain('worker.changqiao');
    expect(body.find((l: { caseworker: string | null }) => l.caseworker === null).openCases).toBeGreaterThan(
      0,
    );
  });

  it('is for supervisors only', async () => {
    for (const url of ['/v1/supervisor/caseloads', '/v1/supervisor/stalled', '/v1/supervisor/kpis']) {
      expect((await get('worker.canglang', url)).status).toBe(403);
    }
  });
});

describe('who a stall says was told comes from what the case’s policy did', () => {
  it('R1: an unconfirmed release date first reminds the liaison, who acts on it, not a caseworker', async () => {
    // The policy's first ladder step reminds whoever acts on the task: for R1 the liaison.
    const id = await life.open({ expectedReleaseAt: life.iso((await life.now()) + days(3) + hours(1)) });
    await life.skip(hours(2)); // due an hour ago: the first step has fired, the second (2 days) not
    await eventually(async () =>
      expect(sentTo(await life.notifications(id))).toEqual(['liaison:release_unconfirmed']),
    );
    const reason = (await stalled()).find((s) => s.case.id === id)!.reasons[0]!;
    expect(reason).toMatchObject({
      kind: 'release_unconfirmed',
      taskKind: 'confirm_release_date',
      told: 'liaison',
    });
    expect(reason.detail).toMatch(/^release date confirmation due .+ ago, liaison reminded, no response$/);
  });
});

const sentTo = (list: { recipient: string; reason: string }[]) =>
  list.map((n) => `${n.recipient}:${n.reason}`);
