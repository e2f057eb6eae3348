import { z } from 'zod';

export const ROLES = ['liaison', 'caseworker', 'supervisor', 'police'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const PHASES = [
  'pre_release',
  'awaiting_release',
  'released_awaiting_report',
  'community',
  'paused',
  'in_transfer',
  'closed',
] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

export const TIERS = ['stable', 'key', 'abnormal'] as const;
export const Tier = z.enum(TIERS);
export type Tier = z.infer<typeof Tier>;

export const MEASURES = ['community_rehabilitation', 'community_detox'] as const;
export const Measure = z.enum(MEASURES);
export type Measure = z.infer<typeof Measure>;

/** A dotted jurisdiction code: `suzhou`, `suzhou.gusu`, `suzhou.gusu.canglang`. */
export const JurisdictionCode = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/, 'must be a dotted jurisdiction code such as suzhou.gusu')
  .max(200);

/** ISO-8601 timestamp with an offset, as the API contract requires. */
export const Timestamp = z.iso.datetime({ offset: true });

export const CaseId = z.uuid({ error: 'must be a case id (a UUID)' });
