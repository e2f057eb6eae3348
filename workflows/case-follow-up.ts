import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import {
  caseStatusQuery,
  DUPLICATE_OPEN_CASE,
  openCaseUpdate,
  type CaseInput,
  type CaseOutcome,
} from './case-follow-up.messages';
import { CaseState } from './case-state';

const { recordCase } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage is waited out, never dropped: retried with backoff until it returns.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** One person's case, from the handover inside the facility to the end of the community term. */
export async function caseFollowUp(input: CaseInput): Promise<CaseOutcome> {
  const state = new CaseState(input);
  setHandler(caseStatusQuery, () => state.status());
  setHandler(openCaseUpdate, async () => {
    await condition(() => state.opening !== 'pending');
    if (state.opening === 'duplicate') {
      throw ApplicationFailure.create({
        type: DUPLICATE_OPEN_CASE,
        message: 'this person already has an open case',
        details: [state.duplicateOf],
        nonRetryable: true,
      });
    }
    return state.status();
  });

  const recorded = await recordCase(input);
  if (recorded.status === 'duplicate') {
    state.rejectAsDuplicate(recorded.existingCaseId);
    await condition(allHandlersFinished);
    return { outcome: 'rejected_duplicate', existingCaseId: recorded.existingCaseId };
  }
  state.recorded();

  await condition(() => state.closed);
  await condition(allHandlersFinished);
  return { outcome: 'closed' };
}
