import type { Policy } from '../../config/policy';
import type { CaseInput } from '../../workflows/case/messages';
import { recorded } from '../../workflows/case/opening';
import { CaseState } from '../../workflows/case/state';
import { handover } from './fixtures';

const DAY = 86_400_000;
const caseworker = { username: 'worker.canglang', role: 'caseworker' as const };
const liaison = { username: 'liaison', role: 'liaison' as const };

/**
 * A case on CaseState without a server (plain code, the time passed in): opened at `at` under
 * `policy`, released and reported in at `at`, so its term has begun (R7).
 */
export function inCommunity(policy: Policy, at: number): CaseState {
  const input: CaseInput = {
    caseId: '11111111-1111-4111-8111-111111111111',
    opening: handover({ expectedReleaseAt: new Date(at + 30 * DAY).toISOString() }),
    openedBy: 'liaison',
    openedAt: new Date(at).toISOString(),
    policy,
  };
  const state = new CaseState(input, () => 0.5);
  recorded(state, at);
  state.record({ type: 'released' }, liaison, at);
  state.record({ type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' }, caseworker, at);
  return state;
}
