import { DEFAULT_TIME_ZONE, wallClock } from '../../schemas/due';
import type { EventBody } from '../../schemas/events';
import type { Refusal } from '../../schemas/refusal-codes';
import type { Facts, TimelineEntry } from './messages';
import { iso, no, type CaseCore } from './core';

// R28: one fact, counted once (api.md v1.2 "The same fact once"). The counters of R12 decide
// when the police are told, so an absence recorded again (a second caseworker, a resend without
// an Idempotency-Key) and a second refused or missed test on the same policy day are refused
// with the event already recorded, before they can count (patch FACTS_COUNTED_ONCE, workflows/patches.ts).

const emptyFacts = (): Facts => ({ absences: [], refusedTestDays: [] });

/** The policy's calendar day of an instant: days of `dayLength` in the policy's time zone. */
export function policyDay(c: CaseCore, at: number): number {
  const zone = c.policy.reminders?.timeZone ?? DEFAULT_TIME_ZONE;
  const offset = wallClock(at, zone) - Math.floor(at / 1000) * 1000;
  return Math.floor((at + offset) / c.policy.dayLength);
}

const isRefusedTest = (event: EventBody): boolean =>
  event.type === 'test' && (event.result === 'refused' || event.result === 'missed');

/** The absence's period: from its start to its end, or to when it was found if still going on. */
function period(event: Extract<EventBody, { type: 'absence_found' }>, at: number) {
  return { from: Date.parse(event.from), until: event.until ? Date.parse(event.until) : at };
}

/** Why `event` (happening at `at`) is a fact already recorded; null when it is new or counts nothing. */
export function alreadyRecorded(c: CaseCore, event: EventBody, at: number): Refusal | null {
  if (!c.factsOnce) return null;
  const facts = c.d.facts ?? emptyFacts();
  if (event.type === 'absence_found') {
    const { from, until } = period(event, at);
    const same = facts.absences.find((a) => a.from <= until && from <= a.until);
    return same
      ? no(
          'already_recorded',
          `this absence overlaps one already recorded (timeline event ${same.seq}, recorded at ${iso(same.at)}, away from ${iso(same.from)} to ${iso(same.until)}); an absence counts once`,
          'from',
        )
      : null;
  }
  if (isRefusedTest(event)) {
    const day = policyDay(c, at);
    const same = facts.refusedTestDays.find((d) => d.day === day);
    return same
      ? no(
          'already_recorded',
          `a refused or missed test is already recorded for this day (timeline event ${same.seq}, at ${iso(same.at)}); it counts once a day`,
        )
      : null;
  }
  return null;
}

/** Remembers an absence or a refused or missed test just recorded as `entry`. */
export function remember(c: CaseCore, event: EventBody, entry: TimelineEntry, at: number): void {
  if (!c.factsOnce) return;
  if (event.type !== 'absence_found' && !isRefusedTest(event)) return;
  const facts = (c.d.facts ??= emptyFacts());
  const recorded = { seq: entry.seq, at };
  if (event.type === 'absence_found') facts.absences.push({ ...recorded, ...period(event, at) });
  else facts.refusedTestDays.push({ ...recorded, day: policyDay(c, at) });
}
