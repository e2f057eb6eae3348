import type { Policy } from '../config/policy';
import type { Tier } from '../schemas/common';
import type { ServiceAction } from '../schemas/services';

// R24, "help first": what a service record asks of the engine. Kept beside case-state.ts so the
// help half grows here, not in the control half's rules.

/**
 * When the needs assessment made at `at` is to be reviewed: sooner for a stable case ("help
 * first"), later where control comes first. Null under a policy that predates services: cases
 * keep the policy they started with.
 */
export function serviceReviewDueAt(
  policy: Policy,
  tier: Tier,
  action: ServiceAction,
  at: number,
): number | null {
  if (action !== 'assessed') return null;
  const services = (policy as Partial<Policy>).services;
  return services ? at + services.reviewAfter[tier] : null;
}
