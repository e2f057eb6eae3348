// The code lists of api.md, without zod, so that the web console shares them as they are.

export const ROLES = ['liaison', 'caseworker', 'supervisor', 'police'] as const;
export type Role = (typeof ROLES)[number];

export const PHASES = [
  'pre_release',
  'awaiting_release',
  'released_awaiting_report',
  'community',
  'paused',
  'in_transfer',
  'closed',
] as const;
export type Phase = (typeof PHASES)[number];

export const TIERS = ['stable', 'key', 'abnormal'] as const;
export type Tier = (typeof TIERS)[number];

export const MEASURES = ['community_rehabilitation', 'community_detox'] as const;

/** Ways into the programme (api.md): a facility handover, or a police order (R22). */
export const ORIGINS = ['facility', 'police_order'] as const;
export type Origin = (typeof ORIGINS)[number];

/** A browser's own random id (the console draws it once and keeps it in localStorage). */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;
