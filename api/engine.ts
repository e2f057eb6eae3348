import { createHash, randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import { initialPhase } from '../schemas/catalogue';
import { REFUSAL_CODES, type RefusalCode } from '../schemas/refusal-codes';
import {
  CASE_WORKFLOW_TYPE,
  caseWorkflowId,
  COMMAND_REFUSED,
  DUPLICATE_OPEN_CASE,
  openCaseUpdate,
  type CaseInput,
} from '../workflows/case/messages';
import { CaseAssignee, CaseJurisdiction, CasePhase, CaseTier } from '../workflows/search-attributes';
import { HttpProblem } from './errors';

// The one door from the API to the engine: a case is opened and sent its commands here, through
// the workflow's contract (workflows/case/messages.ts) and nothing else of it.

// How long a user waits for the engine to confirm a command before being told to look later.
export const COMMAND_TIMEOUT_MS = 20_000;

/** Runs `fn` with a deadline; past it the caller gets a 503 that says what to do. */
async function withDeadline<T>(temporal: Client, fn: () => Promise<T>): Promise<T> {
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

/** A UUID (version 4 or 5 layout) from a SHA-256 hex digest: the same key names the same case. */
const uuidOf = (hex: string, version: 4 | 5) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;

/**
 * A new case's id: random, or derived from what a retry sends again (a request's update id, an
 * import's row), so the retry or the resumed row finds the case its first attempt opened.
 */
export function newCaseId(from?: { updateId: string } | { importId: string; row: number }): string {
  if (!from) return randomUUID();
  if ('updateId' in from) return uuidOf(from.updateId, 4);
  return uuidOf(createHash('sha256').update(`import:${from.importId}:${from.row}`).digest('hex'), 5);
}

/**
 * Opens a case: starts its workflow and waits for its record, so the case is readable when this
 * returns. A person who already has an open case is not opened twice: the answer names that case.
 */
export async function openCase(
  { temporal, taskQueue }: { temporal: Client; taskQueue: string },
  input: CaseInput,
  options: {
    /** The update id of a keyed request: Temporal answers a retry with the first outcome. */
    updateId?: string;
    /** A retry (a keyed request, a resumed import row) joins the workflow its first attempt started. */
    rejoin: boolean;
    /** Someone waits for the answer: past COMMAND_TIMEOUT_MS a 503 (an import retries on its own). */
    deadline: boolean;
  },
): Promise<{ duplicateOf: string | null }> {
  const { imported } = input;
  const start = () =>
    temporal.workflow.executeUpdateWithStart(openCaseUpdate, {
      ...(options.updateId ? { updateId: options.updateId } : {}),
      startWorkflowOperation: new WithStartWorkflowOperation(CASE_WORKFLOW_TYPE, {
        workflowId: caseWorkflowId(input.caseId),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: options.rejoin ? 'USE_EXISTING' : 'FAIL',
        typedSearchAttributes: [
          { key: CasePhase, value: initialPhase(input) },
          { key: CaseTier, value: imported?.tier ?? 'stable' },
          { key: CaseJurisdiction, value: input.opening.destination },
          ...(imported?.caseworker ? [{ key: CaseAssignee, value: imported.caseworker }] : []),
        ],
      }),
    });
  try {
    await (options.deadline ? withDeadline(temporal, start) : start());
    return { duplicateOf: null };
  } catch (error) {
    // Two openings for one person racing past the caller's check: the database's guard decides.
    if (
      error instanceof WorkflowUpdateFailedError &&
      error.cause instanceof ApplicationFailure &&
      error.cause.type === DUPLICATE_OPEN_CASE
    ) {
      return { duplicateOf: String(error.cause.details?.[0]) };
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
