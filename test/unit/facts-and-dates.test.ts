import { loadPolicy, parsePolicy, type Policy } from '../../config/policy';
import type { EventBody } from '../../schemas/events';
import { CaseState } from '../../workflows/case/state';
import { drain, projection } from '../../workflows/case/outbox';
import { refusalToExtend } from '../../workflows/case/tasks';
import { inCommunity as inCommunityAt } from '../helpers/case-state';
import { POLICIES } from '../helpers/system';

// The edges of api.md v1.2 "The same fact once" (R28) and "Dates that make sense", on CaseState
// without a server (plain code, the time passed in): which day a test falls on, which absences
// overlap, how far an extension may go. The lifecycle tests prove the same through the API.

const { policy, document } = loadPolicy(POLICIES.standard);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T01:00:00Z');
const caseworker = { username: 'worker.canglang', role: 'caseworker' as const };

/** A case reported in at T0 under `underPolicy`: its term has begun. */
const inCommunity = (underPolicy: Policy = policy) => inCommunityAt(underPolicy, T0);

/** Records `event` as the workflow does: refused by the validator, or applied. */
function send(state: CaseState, event: EventBody, now: number): string {
  const refusal = state.refusal(event, now);
  if (refusal) return refusal.code;
  state.record(event, caseworker, now);
  return 'recorded';
}

const refused = (at: number, result: 'refused' | 'missed' = 'refused'): EventBody => ({
  type: 'test',
  method: 'urine',
  result,
  unannounced: false,
  occurredAt: new Date(at).toISOString(),
});
const absence = (from: number, until?: number): EventBody => ({
  type: 'absence_found',
  from: new Date(from).toISOString(),
  ...(until === undefined ? {} : { until: new Date(until).toISOString() }),
});

describe('R8, R28: a refused or missed test counts once a policy day, in Beijing time', () => {
  // 2026-12-10 in Asia/Shanghai runs from 2026-12-09T16:00Z to 2026-12-10T16:00Z.
  const dayStart = Date.parse('2026-12-09T16:00:00Z');

  it('two refusals at 00:10 and 23:50 Beijing time (two UTC days) are one day: the second is already_recorded', () => {
    const state = inCommunity();
    const now = dayStart + DAY;
    expect(send(state, refused(dayStart + 10 * 60_000), now)).toBe('recorded');
    expect(send(state, refused(dayStart + DAY - 10 * 60_000), now)).toBe('already_recorded');
    expect(projection(state).testsRefused).toBe(1);
  });

  it('refusals at 23:50 and 00:10 the next morning Beijing time (one UTC day) are two days: both count', () => {
    const state = inCommunity();
    const now = dayStart + 2 * DAY;
    expect(send(state, refused(dayStart + DAY - 10 * 60_000), now)).toBe('recorded');
    expect(send(state, refused(dayStart + DAY + 10 * 60_000), now)).toBe('recorded');
    expect(projection(state).testsRefused).toBe(2);
  });

  it('the refusal names the timeline event already recorded', () => {
    const state = inCommunity();
    const first = state.record(refused(T0 + DAY), caseworker, T0 + DAY);
    const refusal = state.refusal(refused(T0 + DAY + HOUR, 'missed'), T0 + DAY + HOUR);
    expect(refusal).toMatchObject({ code: 'already_recorded' });
    expect(refusal!.detail).toContain(`timeline event ${first.seq}`);
  });

  it('a policy in another time zone counts its own days', () => {
    const urumqi = parsePolicy(
      {
        ...document,
        reminders: { ...(document.reminders as Record<string, unknown>), timeZone: 'Asia/Urumqi' },
      },
      'urumqi',
    );
    // 17:00Z and 19:00Z are 01:00 and 03:00 in Shanghai (one day), 23:00 and 01:00 in Urumqi (+6).
    const state = inCommunity(urumqi);
    const at = Date.parse('2026-12-10T17:00:00Z');
    expect(send(state, refused(at), at + 3 * HOUR)).toBe('recorded');
    expect(send(state, refused(at + 2 * HOUR), at + 3 * HOUR)).toBe('recorded');
  });
});

describe('R12, R14, R28: an absence is one period', () => {
  const now = T0 + 40 * DAY;

  it('an absence overlapping a recorded one, at either end or inside it, is already_recorded; one after it counts', () => {
    const state = inCommunity();
    expect(send(state, absence(T0 + 10 * DAY, T0 + 15 * DAY), now)).toBe('recorded');
    for (const [from, until] of [
      [T0 + 8 * DAY, T0 + 11 * DAY],
      [T0 + 14 * DAY, T0 + 20 * DAY],
      [T0 + 11 * DAY, T0 + 12 * DAY],
      [T0 + 5 * DAY, T0 + 25 * DAY],
    ])
      expect(send(state, absence(from!, until), now)).toBe('already_recorded');
    expect(send(state, absence(T0 + 16 * DAY, T0 + 20 * DAY), now)).toBe('recorded');
    expect(projection(state)).toMatchObject({ leavesWithoutNotice: 2, daysAwayWithoutNotice: 9 });
  });

  it('an absence still going on when found runs to when it was found: a later one is another absence', () => {
    const state = inCommunity();
    expect(send(state, absence(T0 + 10 * DAY), T0 + 15 * DAY)).toBe('recorded');
    expect(send(state, absence(T0 + 14 * DAY), T0 + 16 * DAY)).toBe('already_recorded');
    expect(send(state, absence(T0 + 20 * DAY, T0 + 24 * DAY), now)).toBe('recorded');
  });

  it('three recordings of one absence never reach R12: no serious violation, no police notice', () => {
    const state = inCommunity();
    drain(state, T0);
    for (let i = 0; i < 3; i++) send(state, absence(T0 + 10 * DAY, T0 + 14 * DAY), now);
    expect(projection(state)).toMatchObject({ leavesWithoutNotice: 1 });
    expect(drain(state, now)!.notifications).toEqual([]);
  });
});

describe('dates that make sense: extend', () => {
  const visitOf = (state: CaseState) => state.status().openTasks.find((t) => t.kind === 'first_home_visit')!;

  it('no further than deadlines.maxExtension (90 days) after the task is due', () => {
    const state = inCommunity();
    const task = visitOf(state);
    const due = Date.parse(task.dueAt);
    const at = (ms: number) => new Date(ms).toISOString();
    expect(refusalToExtend(state, task.id, at(due + 90 * DAY), T0)).toBeNull();
    expect(refusalToExtend(state, task.id, at(due + 90 * DAY + 1), T0)).toMatchObject({
      code: 'extension_too_long',
      field: 'until',
    });
    expect(refusalToExtend(state, task.id, '2099-12-31T00:00:00+08:00', T0)).toMatchObject({
      code: 'extension_too_long',
    });
  });

  it('a task overdue for long may still be given up to 90 days from now', () => {
    const state = inCommunity();
    const task = visitOf(state);
    const now = Date.parse(task.dueAt) + 200 * DAY;
    expect(refusalToExtend(state, task.id, new Date(now + 30 * DAY).toISOString(), now)).toBeNull();
    expect(refusalToExtend(state, task.id, new Date(now + 91 * DAY).toISOString(), now)).toMatchObject({
      code: 'extension_too_long',
    });
  });

  it('never past the end of the term', () => {
    const state = inCommunity();
    const termEndsAt = state.d.termEndsAt!;
    state.advance(termEndsAt - 20 * DAY);
    const task = state.status().openTasks.find((t) => Date.parse(t.dueAt) < termEndsAt)!;
    const past = new Date(termEndsAt + DAY).toISOString();
    expect(refusalToExtend(state, task.id, past, termEndsAt - 20 * DAY)).toMatchObject({
      code: 'extension_too_long',
    });
  });

  it('a policy from before maxExtension keeps 90 days', () => {
    const deadlines = { ...(document.deadlines as Record<string, unknown>) };
    delete deadlines.maxExtension;
    const old = parsePolicy({ ...document, version: 'standard-2026.3', deadlines }, 'standard-2026.3');
    const state = inCommunity(old);
    const task = visitOf(state);
    const due = Date.parse(task.dueAt);
    expect(refusalToExtend(state, task.id, new Date(due + 90 * DAY).toISOString(), T0)).toBeNull();
    expect(refusalToExtend(state, task.id, new Date(due + 91 * DAY).toISOString(), T0)).toMatchObject({
      code: 'extension_too_long',
    });
  });
});
