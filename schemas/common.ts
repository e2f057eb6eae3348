import { z } from 'zod';

import { MEASURES, PHASES, ROLES, TIERS } from './codes';

export { MEASURES, PHASES, ROLES, TIERS };
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

export const Tier = z.enum(TIERS);
export type Tier = z.infer<typeof Tier>;

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
