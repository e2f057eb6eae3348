import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { CaseSync } from '../../../workflows/case/messages';

// Workflow code for the replay gate's own test: a deliberately wrong build that writes one
// timeline row differently (its type) and changes nothing else: same commands, same activity
// types and ids, so Temporal's replay passes it. The input gate must not.

let altered = false;

function alterFirstRow<T extends { activityType: string; args: unknown[] }>(input: T): T {
  const batch = input.args[0] as CaseSync | undefined;
  if (altered || input.activityType !== 'syncCase' || !batch?.timeline.length) return input;
  altered = true;
  const [first, ...rest] = batch.timeline;
  return {
    ...input,
    args: [{ ...batch, timeline: [{ ...first!, type: `${first!.type}_altered` }, ...rest] }],
  };
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity: (input, next) => next(alterFirstRow(input)),
      scheduleLocalActivity: (input, next) => next(alterFirstRow(input)),
    },
  ],
});
