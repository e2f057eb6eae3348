import { loadPolicy } from '../../config/policy';
import type { CaseInput } from '../../workflows/case/messages';
import { CaseState } from '../../workflows/case/state';
import { recorded } from '../../workflows/case/opening';
import { drain, projection, snapshot } from '../../workflows/case/outbox';
import { extendTask, refusalToExtend } from '../../workflows/case/tasks';
import { handover } from '../helpers/fixtures';
import { POLICIES } from '../helpers/system';

// The rules without a server: CaseState is plain code with the time passed in.

const { policy } = loadPolicy(POLICIES.standard);
const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T01:00:00Z');
const caseworker = { username: 'worker.canglang', role: 'caseworker' as const };
const liaison = { username: 'liaison', role: 'liaison' as const };

function started(): CaseState {
  const input: CaseInput = {
    caseId: '11111111-1111-4111-8111-111111111111',
    opening: handover({ expectedReleaseAt: new Date(T0 + 30 * DAY).toISOString() }),
    openedBy: 'liaison',
    openedAt: new Date(T0).toISOString(),
    policy,
  };
  const state = new CaseState(input, () => 0.5);
  recorded(state, T0);
  return state;
}

/** Released, met, visited, reported in and signed at T0: the community term runs from T0. */
function inCommunity(): CaseState {
  const state = started();
  state.record({ type: 'released' }, liaison, T0);
  state.record({ type: 'picked_up', by: 'x' }, caseworker, T0);
  state.record({ type: 'home_visit', reached: true }, caseworker, T0);
  state.record({ type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' }, caseworker, T0);
  state.record({ type: 'agreement_signed', kind: 'community' }, caseworker, T0);
  drain(state, T0);
  return state;
}

it('R16: every open deadline moves on by exactly the time spent detained', () => {
  const state = started();
  state.record({ type: 'released' }, liaison, T0);
  const before = state.status().openTasks.map((t) => Date.parse(t.dueAt));
  state.record({ type: 'detained' }, caseworker, T0 + DAY);
  expect(state.nextWakeAt()).toBeNull();
  state.advance(T0 + 40 * DAY); // nothing escalates while paused
  expect(state.status().openTasks.every((t) => t.status === 'open')).toBe(true);
  state.record({ type: 'freed' }, caseworker, T0 + 11 * DAY);
  const after = state.status().openTasks.map((t) => Date.parse(t.dueAt));
  expect(after.map((t, i) => t - before[i]!)).toEqual(before.map(() => 10 * DAY));
  expect(projection(state).termPausedDays).toBe(10);
});

it('R11: the ladder fires at due, due + 2 days and due + 5 days, and not again', () => {
  const state = inCommunity();
  const contactDue = T0 + policy.contacts.stable + policy.contacts.dueWithin;
  const reasons = (at: number) => {
    state.advance(at);
    return (drain(state, at)?.notifications ?? [])
      .filter((n) => n.reason === 'lost_contact')
      .map((n) => n.recipient);
  };
  expect(reasons(contactDue - 1)).toEqual([]);
  expect(reasons(contactDue)).toEqual(['caseworker']);
  expect(reasons(contactDue + 2 * DAY)).toEqual(['supervisor']);
  expect(reasons(contactDue + 5 * DAY)).toEqual(['police']);
  expect(reasons(contactDue + 30 * DAY)).toEqual([]);
});

it('R8: the unannounced draw is reproducible from the workflow’s seeded random source', () => {
  const draw = () => {
    const state = started();
    state.record({ type: 'released' }, liaison, T0);
    state.record({ type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' }, caseworker, T0);
    return drain(state, T0)!.timeline.find((e) => e.type === 'unannounced_tests_drawn')!.data.at;
  };
  expect(draw()).toEqual(draw());
  expect(draw()).toHaveLength(policy.tests.unannouncedPerYear);
});

it('refuses with a code and in plain words what makes no sense in the current phase', () => {
  const state = started();
  expect(state.refusal({ type: 'freed' }, T0)).toEqual({
    code: 'event_not_allowed_now',
    detail: 'freed cannot be recorded now: the person is still inside the facility',
  });
  expect(
    state.refusal({ type: 'release_date_confirmed', releaseAt: new Date(T0 - DAY).toISOString() }, T0),
  ).toEqual({ code: 'release_before_confirmation', detail: 'releaseAt is before the confirmation itself' });
  expect(state.refusal({ type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' }, T0)?.code).toBe(
    'report_in_before_release',
  );
  state.record({ type: 'released' }, liaison, T0);
  expect(state.refusal({ type: 'reported_in', jurisdiction: 'suzhou.wuzhong.changqiao' }, T0)).toEqual({
    code: 'report_in_elsewhere',
    detail: 'the person reports in at suzhou.gusu.canglang; to move them elsewhere, start a transfer',
  });
  expect(state.refusal({ type: 'picked_up', by: 'x' }, T0)).toBeNull();
});

it('survives continue-as-new: a restored snapshot behaves as the original', () => {
  const state = started();
  state.record({ type: 'released' }, liaison, T0);
  const restored = new CaseState(
    {
      ...({ caseId: '11111111-1111-4111-8111-111111111111', policy } as CaseInput),
      opening: handover(),
      snapshot: snapshot(state),
    },
    () => 0.5,
  );
  expect(restored.status()).toEqual(state.status());
  expect(restored.nextWakeAt()).toBe(state.nextWakeAt());
});

describe('a supervisor gives an overdue task more time', () => {
  const supervisor = { username: 'supervisor.gusu', role: 'supervisor' as const };
  /** Released at T0, so the first home visit (R6) is due in 72 hours; who is told, at `at`. */
  function overdueVisit() {
    const state = started();
    state.record({ type: 'released' }, liaison, T0);
    const visit = state.status().openTasks.find((t) => t.kind === 'first_home_visit')!;
    const told = (at: number) => {
      state.advance(at);
      return (drain(state, at)?.notifications ?? [])
        .filter((n) => n.taskId === visit.id)
        .map((n) => n.recipient);
    };
    return { state, visit, due: Date.parse(visit.dueAt), told };
  }

  it('R6: after the whole ladder has run, the extended task climbs it again from the first step', () => {
    const { state, visit, due, told } = overdueVisit();
    expect(told(due + 5 * DAY)).toEqual(['caseworker', 'supervisor', 'police']);
    const until = due + 20 * DAY;
    expect(refusalToExtend(state, visit.id, new Date(until).toISOString(), due + 6 * DAY)).toBeNull();
    extendTask(state, visit.id, until, '住院，出院后走访', supervisor, due + 6 * DAY);
    expect(state.status().openTasks.find((t) => t.id === visit.id)).toMatchObject({ status: 'open' });

    expect(told(until - 1)).toEqual([]);
    expect(told(until)).toEqual(['caseworker']);
    expect(told(until + 2 * DAY)).toEqual(['supervisor']);
    expect(told(until + 5 * DAY)).toEqual(['police']);
    expect(told(until + 60 * DAY)).toEqual([]);
  });

  it('R6: a task extended halfway up the ladder starts again from the caseworker', () => {
    const { state, visit, due, told } = overdueVisit();
    expect(told(due)).toEqual(['caseworker']);
    const until = due + 10 * DAY;
    extendTask(state, visit.id, until, '家属告知本周外出', supervisor, due + DAY);
    expect(told(until + 5 * DAY)).toEqual(['caseworker', 'supervisor', 'police']);
  });

  it('R11: contact made after the lost contact task was given more time regains contact and the tier', () => {
    const state = inCommunity();
    /** The contact task opens when the next contact is due, and escalates at its own due time. */
    const loseContact = (dueAt: number) => (state.advance(dueAt - 1), state.advance(dueAt));
    const contactDue = T0 + policy.contacts.stable + policy.contacts.dueWithin;
    loseContact(contactDue);
    expect(state.status().tier).toBe('abnormal');
    const contact = state.status().openTasks.find((t) => t.kind === 'contact')!;
    expect(contact.status).toBe('overdue');
    extendTask(
      state,
      contact.id,
      contactDue + 10 * DAY,
      '家属告知外出务工，月底返回',
      supervisor,
      contactDue + DAY,
    );
    drain(state, contactDue + DAY);

    state.record({ type: 'contact', channel: 'visit', reached: true }, caseworker, contactDue + 3 * DAY);
    const entries = drain(state, contactDue + 3 * DAY)!.timeline.map((e) => e.type);
    expect(entries).toContain('contact_regained');
    expect(state.status().tier).toBe('stable');
    expect(state.status().openTasks.map((t) => t.kind)).not.toContain('contact');
    // Lost again later: regained again, once.
    loseContact(contactDue + 3 * DAY + policy.contacts.stable + policy.contacts.dueWithin);
    expect(state.status().tier).toBe('abnormal');
    state.record({ type: 'contact', channel: 'phone', reached: true }, caseworker, contactDue + 40 * DAY);
    expect(
      drain(state, contactDue + 40 * DAY)!.timeline.filter((e) => e.type === 'contact_regained'),
    ).toHaveLength(1);
    expect(state.status().tier).toBe('stable');
  });
});
