import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { clearFault, recordFault } from '../db/engine-faults';
import type { Db } from '../db/client';
import { caseIdOfWorkflowId } from '../workflows/case/messages';

/** A case's activity failing this many attempts in a row is a fault a supervisor sees (engine_failing). */
export const FAULT_AFTER_ATTEMPTS = 3;

/** The error's kind, never its message: a database error can quote the data it failed on (R21). */
function errorKind(error: unknown): string {
  const e = error as { name?: string; code?: unknown; type?: unknown };
  return [
    e.name ?? 'Error',
    typeof e.code === 'string' ? e.code : null,
    typeof e.type === 'string' ? e.type : null,
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * Makes a technical fault visible to people: an activity of a case failing for the third time
 * or more, or failing for good at once (non-retryable), is recorded in `engine_faults` (stalled
 * reason `engine_failing`), and cleared when the activity next succeeds after a retry. Best effort: when the database itself is the fault, /readyz says so.
 */
export function faultRecorder(db: Db): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const { attempt, activityType, workflowExecution } = ctx.info;
        const caseId = caseIdOfWorkflowId(workflowExecution?.workflowId ?? '');
        try {
          const result = await next(input);
          if (caseId && attempt > FAULT_AFTER_ATTEMPTS)
            await clearFault(db, caseId, activityType).catch(() => undefined);
          return result;
        } catch (error) {
          const permanent = error instanceof ApplicationFailure && error.nonRetryable;
          if (caseId && (attempt >= FAULT_AFTER_ATTEMPTS || permanent)) {
            const fault = {
              caseId,
              activity: activityType,
              attempts: attempt,
              error: errorKind(error),
              at: new Date(),
            };
            await recordFault(db, fault).catch(() => undefined);
          }
          throw error;
        }
      },
    },
  });
}
