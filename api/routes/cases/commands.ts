import { createHash } from 'node:crypto';
import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import { caseWorkflowId, COMMAND_REFUSED } from '../../../workflows/case/messages';
import { REFUSAL_CODES, type RefusalCode } from '../../../schemas/refusal-codes';
import { HttpProblem } from '../../errors';

// How long a user waits for the engine to confirm a command before being told to look later.
export const COMMAND_TIMEOUT_MS = 20_000;

/** Runs `fn` with a deadline; past it the caller gets a 503 that says what to do. */
export async function withDeadline<T>(temporal: Client, fn: () => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(COMMAND_TIMEOUT_MS);
  try {
    return await temporal.withAbortSignal(deadline, fn);
  } catch (error) {
    if (deadline.aborted) {
      throw new HttpProblem(
        503,
        'engine_timeout',
        'the engine did not confirm in time; it applies the change as soon as the worker catches up — check the case before repeating it',
      );
    }
    throw error;
  }
}

/** The workflow's refusals of a value the request carries, not of the case's state: 422, not 409. */
const UNPROCESSABLE: ReadonlySet<RefusalCode> = new Set([
  'occurred_at_out_of_range',
  'date_out_of_range',
  'extension_too_long',
]);

/** The code a workflow refusal carries (its first detail); a time out of bounds is a 422. */
function refusalOf(failure: ApplicationFailure): HttpProblem {
  const code = failure.details?.[0];
  const known: RefusalCode =
    typeof code === 'string' && code in REFUSAL_CODES ? (code as RefusalCode) : 'event_not_allowed_now';
  const field = failure.details?.[1];
  const errors =
    typeof field === 'string' ? [{ path: `body.${field}`, message: failure.message }] : undefined;
  return new HttpProblem(UNPROCESSABLE.has(known) ? 422 : 409, known, failure.message, errors);
}

/**
 * The update id of a request with an `Idempotency-Key`: a retry that takes over the claim of a
 * request whose API process died (api/idempotency.ts) sends the same id, and Temporal answers it
 * with the first update's outcome instead of applying the step twice. Hashed: no client text in
 * Temporal's history.
 */
export function updateIdOf(request: FastifyRequest): string | undefined {
  const claim = request.idempotencyClaim;
  return claim && createHash('sha256').update(`${claim.scope}\n${claim.key}`).digest('hex');
}

/**
 * Sends a human step to the case's workflow as an update. The workflow's validator refuses a
 * step that makes no sense now, with a code and a reason: a 409 (422 for a date out of bounds)
 * whose detail is the reason.
 */
export async function sendToCase<Ret, Args extends [unknown, ...unknown[]]>(
  temporal: Client,
  caseId: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  updateId?: string,
): Promise<Ret> {
  try {
    return await withDeadline(temporal, () =>
      temporal.workflow.getHandle(caseWorkflowId(caseId)).executeUpdate(update, { args, updateId }),
    );
  } catch (error) {
    if (
      error instanceof WorkflowUpdateFailedError &&
      error.cause instanceof ApplicationFailure &&
      error.cause.type === COMMAND_REFUSED
    ) {
      throw refusalOf(error.cause);
    }
    if (error instanceof WorkflowNotFoundError)
      throw new HttpProblem(409, 'case_closed', 'the case is closed');
    throw error;
  }
}
