import type { EventBody } from '../../schemas/events';
import type { Refusal } from '../../schemas/refusal-codes';
import { FUTURE_TOLERANCE_MS, instantOf } from '../../schemas/time-bounds';
import { no, type CaseCore } from './core';

// api.md "Time bounds", again here so that nothing the API let through by mistake enters the
// history: every timestamp a real instant within 1970–2100, what has happened not in the future,
// nothing earlier than the policy allows before the case began.

/** The event's timestamps that name what has already happened (the rest may lie ahead). */
const PAST_FIELDS = new Set(['occurredAt', 'absence_found.from', 'absence_found.until']);
const TIME_FIELDS = ['occurredAt', 'releaseAt', 'from', 'until'];

export function outOfBounds(event: EventBody, now: number): Refusal | null {
  for (const [field, value] of Object.entries(event)) {
    if (!TIME_FIELDS.includes(field) || value === undefined) continue;
    const at = instantOf(value);
    if (at === null)
      return no('occurred_at_out_of_range', `${field} is not an instant the engine accepts`, field);
    const past = PAST_FIELDS.has(field) || PAST_FIELDS.has(`${event.type}.${field}`);
    if (past && at > now + FUTURE_TOLERANCE_MS)
      return no('occurred_at_out_of_range', `${field} is in the future`, field);
  }
  return null;
}

/**
 * Nothing may be dated earlier than the policy's backdating allowance before the case began (the
 * latest of its opening, or the earliest date a police order or an import row gives). A policy
 * without the allowance (cases opened before it) keeps 1970.
 */
export function tooEarly(c: CaseCore, event: EventBody): Refusal | null {
  const allowance = c.policy.deadlines.backdatingAllowance;
  if (allowance === undefined) return null;
  const imp = c.input.imported;
  const origins = [
    c.input.openedAt,
    c.input.opening.origin === 'police_order' ? c.input.opening.decision.decidedAt : null,
    ...(imp ? [imp.decidedAt, imp.releasedAt, imp.reportedInAt, imp.termStartsAt] : []),
    ...(imp ? [imp.lastTestAt, imp.lastContactAt] : []),
  ];
  const began = Math.min(...origins.filter((at): at is string => typeof at === 'string').map(Date.parse));
  for (const [field, value] of Object.entries(event)) {
    if (!TIME_FIELDS.includes(field) || typeof value !== 'string') continue;
    const at = instantOf(value);
    if (at !== null && at < began - allowance)
      return no(
        'occurred_at_out_of_range',
        `${field} is earlier than the policy allows before the case began`,
        field,
      );
  }
  return null;
}
