import { EVENTS, PRE_RELEASE } from '../../schemas/catalogue';
import type { Phase } from '../../schemas/common';
import type { EventBody } from '../../schemas/events';
import type { Refusal } from '../../schemas/refusal-codes';
import type { Actor, CaseStatus, TimelineEntry } from './messages';
import { CaseCore, isOpen, no, PHASE_WORDS } from './core';
import * as end from './end';
import { contactMade, escalateDue } from './escalation';
import * as facts from './facts';
import * as opening from './opening';
import * as out from './outbox';
import { pause, resume } from './pause';
import { serviceRecorded } from './services';
import { agreementSigned, nextUnannouncedDrawAt, schedule, startTerm } from './term';
import { outOfBounds, tooEarly } from './time-bounds';
import * as transfer from './transfer';
import { absenceFound, testResult } from './violations';

// The case's state, and which rule of domain.md a recorded event or the passing of time moves it
// by (the supervisor commands go to their rules straight from their rows, commands.ts). Each
// rule's code sits in one file of workflows/case/; plain code with the time passed in, so unit
// tests drive it without a server and the workflow stays a table of contents.

export class CaseState extends CaseCore {
  // ── events ─────────────────────────────────────────────────────────────────

  /** Why `event` cannot be recorded now, as a code and plain words; null when it can. */
  refusal(event: EventBody, now: number): Refusal | null {
    const outOfRange = outOfBounds(event, now) ?? tooEarly(this, event);
    if (outOfRange) return outOfRange;
    const at = event.occurredAt ? Date.parse(event.occurredAt) : now;
    const preRelease = (PRE_RELEASE as readonly Phase[]).includes(this.d.phase);
    if (!EVENTS[event.type].phases.includes(this.d.phase)) {
      if (event.type === 'reported_in' && preRelease)
        return no('report_in_before_release', 'the person has not been released yet; record released first');
      return no(
        'event_not_allowed_now',
        `${event.type} cannot be recorded now: ${PHASE_WORDS[this.d.phase]}`,
      );
    }
    switch (event.type) {
      case 'agreement_signed':
        if (event.kind === 'community' && this.d.phase !== 'community')
          return no(
            'community_agreement_before_report_in',
            'a community agreement is signed after report-in',
          );
        if (event.kind === 'assistance' && !preRelease)
          return no(
            'assistance_agreement_after_release',
            'the assistance agreement is signed before release',
          );
        return null;
      case 'release_date_confirmed':
        return Date.parse(event.releaseAt) < at
          ? no('release_before_confirmation', 'releaseAt is before the confirmation itself')
          : null;
      case 'picked_up':
        if (this.input.opening.origin === 'police_order')
          return no(
            'no_pickup_for_police_order',
            'a police-ordered case has no pickup: the person was never in a facility',
          ); // R22
        return this.d.pickedUp ? no('pickup_already_recorded', 'the pickup is already recorded') : null;
      case 'reported_in': {
        const expected = this.d.phase === 'in_transfer' ? this.d.transferTo : this.d.jurisdiction;
        return event.jurisdiction === expected
          ? null
          : no(
              'report_in_elsewhere',
              `the person reports in at ${expected}; to move them elsewhere, start a transfer`,
            );
      }
      case 'leave_notice':
        return Date.parse(event.until) <= Date.parse(event.from)
          ? no('until_before_from', 'until must be after from')
          : null;
      case 'absence_found':
        if (Date.parse(event.from) > at)
          return no('absence_after_found', 'the absence cannot start after it was found');
        return event.until && Date.parse(event.until) < Date.parse(event.from)
          ? no('until_before_from', 'until must not be before from')
          : facts.alreadyRecorded(this, event, at); // R28
      case 'test':
        return facts.alreadyRecorded(this, event, at); // R28
      default:
        return null;
    }
  }

  /** Applies an event the validator accepted; returns its timeline entry. */
  record(event: EventBody, actor: Actor, now: number): TimelineEntry {
    const at = event.occurredAt ? Date.parse(event.occurredAt) : now;
    const { type, occurredAt: _o, ...data } = event;
    const entry = this.append({ at, kind: 'event', type, actor: actor.username, data });
    facts.remember(this, event, entry, at); // R28
    switch (event.type) {
      case 'intervention':
        break;
      case 'agreement_signed':
        if (event.kind === 'community') agreementSigned(this, at); // R5
        break;
      case 'release_date_confirmed':
        opening.releaseDateConfirmed(this, Date.parse(event.releaseAt), at); // R1, R2
        break;
      case 'released':
        opening.released(this, at); // R2, R3, R6
        break;
      case 'picked_up':
        opening.pickedUp(this, at); // R2
        break;
      case 'reported_in':
        if (this.d.phase === 'in_transfer')
          transfer.arriveFromTransfer(this, at, actor.username); // R15
        else startTerm(this, at); // R3, R5, R7
        break;
      case 'home_visit':
        this.d.firstHomeVisitAt ??= at;
        this.complete('first_home_visit', at); // R6
        if (event.reached) contactMade(this, at);
        break;
      case 'contact':
        if (event.reached) contactMade(this, at); // R9, R11
        break;
      case 'test':
        this.completeOldest(event.unannounced ? 'unannounced_test' : 'test', at); // R8
        testResult(this, event.result, at); // R12, R13, R20
        break;
      case 'leave_notice':
        break; // R14: recorded with its dates in the timeline
      case 'absence_found':
        absenceFound(this, Date.parse(event.from), event.until ? Date.parse(event.until) : null, at); // R12, R14
        break;
      case 'detained':
        pause(this, at); // R16
        break;
      case 'freed':
        resume(this, at); // R16
        break;
      case 'sentenced':
        end.close(this, at, 'sentenced', 'R17'); // R17
        break;
      case 'service':
        serviceRecorded(this, event.action, at); // R24
        break;
    }
    this.touch();
    return entry;
  }

  // ── time ───────────────────────────────────────────────────────────────────

  /** The earliest moment something is due, or null when nothing can happen without a person. */
  nextWakeAt(): number | null {
    const d = this.d;
    if (d.phase === 'paused' || d.opening !== 'recorded') return null;
    const times = d.tasks.filter(isOpen).map((t) => t.nextEscalationAt);
    if (d.phase !== 'closed') {
      times.push(d.nextTestAt, d.nextContactAt, d.nextTierReviewAt, d.termEndsAt);
      times.push(...d.unannouncedAt, nextUnannouncedDrawAt(this));
    }
    if (!d.endOfControlProposed) times.push(end.abstinenceEndsAt(this));
    const real = times.filter((t): t is number => t !== null);
    return real.length ? Math.min(...real) : null;
  }

  /** Everything that became due by `now`: escalations, scheduled tasks, the end of the term. */
  advance(now: number): void {
    const d = this.d;
    if (d.phase === 'paused' || d.opening !== 'recorded') return;
    escalateDue(this, now); // R11 and the catalogue's escalations
    if (d.phase === 'community' || d.phase === 'in_transfer') schedule(this, now); // R8–R10
    if (d.termEndsAt !== null && d.termEndsAt <= now && d.phase !== 'closed') end.endTerm(this); // R18
    const abstinenceEnds = end.abstinenceEndsAt(this);
    if (!d.endOfControlProposed && abstinenceEnds !== null && abstinenceEnds <= now)
      end.proposeEndOfControl(this, abstinenceEnds); // R19
  }

  /** What the status query answers. */
  status(): CaseStatus {
    return out.status(this, this.nextWakeAt());
  }
}
