// R24, "4+X": the areas of need and what is done about each (api.md "Help, not only control"),
// without zod, so that the web console shares them as they are.

export const SERVICE_AREAS = [
  'employment',
  'social_assistance',
  'counselling',
  'medical',
  'methadone',
  'family',
  'schooling',
  'legal',
  'other',
] as const;
export type ServiceArea = (typeof SERVICE_AREAS)[number];

/** In the order a need is worked through: assessed, referred to an agency, provided, achieved. */
export const SERVICE_ACTIONS = ['assessed', 'referred', 'provided', 'achieved'] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

export const PARTY_ROLES = ['family', 'community_staff', 'police_officer'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];
