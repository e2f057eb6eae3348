import type { ServiceAction } from '../../schemas/services';
import type { CaseCore } from './core';
import { windowOf } from './deadlines';

// R24, "help first": what a service record asks of the engine. The help half grows here, not in
// the control half's rules.

/**
 * A needs assessment is reviewed: sooner for a stable case ("help first"), later where control
 * comes first. Nothing under a policy that predates services: cases keep the policy they started with.
 */
export function serviceRecorded(c: CaseCore, action: ServiceAction, at: number): void {
  if (action !== 'assessed') return;
  const window = windowOf(c.policy, 'service_review', c.d.tier);
  if (window === undefined) return;
  c.complete('service_review', at);
  c.addTask('service_review', at, at + window);
}
