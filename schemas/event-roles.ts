import type { Role } from './codes';
import type { EventType } from './events';

// Kept apart from the zod schemas so that the web console can share it without bundling zod.

/** Who may record each event (api.md). */
export const EVENT_ROLES: Record<EventType, readonly Role[]> = {
  // The destination street's caseworkers go into the facilities too (seed 003).
  intervention: ['liaison', 'caseworker'],
  agreement_signed: ['liaison', 'caseworker'],
  release_date_confirmed: ['liaison'],
  released: ['liaison'],
  picked_up: ['caseworker'],
  reported_in: ['caseworker'],
  home_visit: ['caseworker', 'police'], // police: the joint visits they make with the caseworker (R24)
  contact: ['caseworker'],
  test: ['caseworker'],
  leave_notice: ['caseworker'],
  absence_found: ['caseworker'],
  detained: ['caseworker', 'police'],
  freed: ['caseworker', 'police'],
  sentenced: ['caseworker', 'police'],
  service: ['caseworker', 'liaison'], // the liaison before release only (R24)
};
