import { z } from 'zod';

import { MEASURES, PHASES, ROLES, TIERS } from './codes';
import { instantOf } from './time-bounds';

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

const outOfRange = (message: string) => ({ message, params: { code: 'occurred_at_out_of_range' } });

/**
 * ISO-8601 timestamp with an offset, as the API contract requires, naming a real instant within
 * api.md "Time bounds" (schemas/time-bounds.ts); outside them the refusal's code is
 * `occurred_at_out_of_range` (422 in a body, 400 in a query). Whether a time lies in the future
 * is the workflow's to say, by the engine's clock (workflows/case/time-bounds.ts).
 */
export const Timestamp = z
  .string()
  .refine(
    (text) => instantOf(text) !== null,
    outOfRange('must be an ISO-8601 instant with an offset within ±14:00, between 1970 and 2100'),
  )
  .meta({
    format: 'date-time',
    // The shape, offsets and years (1971–2099, clear of the edges any offset moves) for the
    // OpenAPI document; the refinement above decides.
    pattern:
      '^(197[1-9]|19[89][0-9]|20[0-9][0-9])-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$',
    example: '2026-11-24T09:00:00+08:00',
  });

export const CaseId = z.uuid({ error: 'must be a case id (a UUID)' });
