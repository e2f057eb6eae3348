import { EVENTS, UPDATES, type UpdateName } from './catalogue';
import { ROLES, type Role } from './codes';
import type { EventType } from './events';
import type { RefusalCode } from './refusal-codes';

// The one access table of a case (issue 25 item 3): (role, side) × action. Roles come from the
// catalogue (EVENTS, UPDATES) and from CASE_ACTIONS below; the side a caller stands on decides
// the rest. api/access.ts applies it to every case route, db/cases.ts reads who the delegate side
// is, and test/api/access-matrix.test.ts walks every cell through HTTP. Plain data, no zod.

/** The case routes' own actions, beside the catalogue's events and commands, and who may take them. */
export const CASE_ACTIONS = {
  /** GET /v1/cases/:id and its timeline. */
  read: ROLES,
  /** R24: the four-party group. */
  parties: ['caseworker', 'supervisor'],
  /** R26: the standard forms, printed for signature and filing. */
  document: ['liaison', 'caseworker', 'supervisor'],
} as const satisfies Record<string, readonly Role[]>;

export type CaseAction = keyof typeof CASE_ACTIONS;
export type Action = CaseAction | `event:${EventType}` | UpdateName;

/** The roles that may take an action on a case they stand on the right side of. */
export function rolesFor(action: Action): readonly Role[] {
  if (action.startsWith('event:')) return EVENTS[action.slice('event:'.length) as EventType].roles;
  if (action in CASE_ACTIONS) return CASE_ACTIONS[action as CaseAction];
  return UPDATES[action as UpdateName].roles;
}

/**
 * Where a caller stands to a case:
 * - `responsible`: the case's jurisdiction is within theirs (the sending side of a transfer too, R15);
 * - `receiving_before_arrival`: it is in transfer to theirs and the person has not reported in (R15);
 * - `delegate`: it is delegated to their street for the daily work (R23).
 * `sealed` (R31) joins here as a side of its own that only an approved access request opens.
 */
export const SIDES = ['responsible', 'receiving_before_arrival', 'delegate'] as const;
export type Side = (typeof SIDES)[number];

interface SideSpec {
  /** The roles that stand on this side at all; any other role does not see the case from it (404). */
  roles: readonly Role[];
  /** What this side may do; anything else is refused with `refusal`. */
  may: 'everything' | readonly Action[];
  refusal?: { status: 403 | 409; code: RefusalCode; detail: string };
}

export const ACCESS: Record<Side, SideSpec> = {
  responsible: { roles: ROLES, may: 'everything' },
  // R15: the receiving side sees the case and records the report-in that completes the transfer.
  receiving_before_arrival: {
    roles: ROLES,
    may: ['read', 'event:reported_in'],
    refusal: {
      status: 409,
      code: 'receiving_side_before_arrival',
      detail:
        'the person has not reported in here yet: until then the receiving jurisdiction may only record reported_in',
    },
  },
  // R23 (api.md v1.2 "Delegation, narrowed"): the delegate street's caseworkers and supervisors
  // do the daily work; police of its district gain nothing.
  delegate: {
    roles: ['caseworker', 'supervisor'],
    may: ['read', 'event:contact', 'event:home_visit', 'event:test', 'event:service'],
    refusal: {
      status: 403,
      code: 'responsible_side_only',
      detail: 'the case is managed by its responsible jurisdiction, not the delegate',
    },
  },
};

export type Decision =
  | { allowed: true; side: Side }
  | { allowed: false; status: 403 | 404 | 409; code: RefusalCode; detail: string };

/**
 * The table's answer for a role standing on `sides` (in the order of SIDES) about to take `action`:
 * a role the action is not for → 403 `forbidden`; no side → 404 (the case does not exist for the
 * caller); a side that may → allowed; else the refusal of the first side the caller stands on.
 */
export function decide(role: Role, sides: readonly Side[], action: Action): Decision {
  if (!rolesFor(action).includes(role)) {
    const what = action.startsWith('event:') ? `record ${action.slice('event:'.length)}` : 'do this';
    return { allowed: false, status: 403, code: 'forbidden', detail: `the ${role} role may not ${what}` };
  }
  const standing = SIDES.filter((side) => sides.includes(side) && ACCESS[side].roles.includes(role));
  if (standing.length === 0)
    return { allowed: false, status: 404, code: 'not_found', detail: 'no such case' };
  const side = standing.find((s) => ACCESS[s].may === 'everything' || ACCESS[s].may.includes(action));
  if (side) return { allowed: true, side };
  const refusal = ACCESS[standing[0]!].refusal!;
  return { allowed: false, ...refusal };
}
