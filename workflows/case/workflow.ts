import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  currentUpdateInfo,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Refusal } from '../../schemas/refusal-codes';
import {
  COMMANDS_WAIT_FOR_THE_RECORD,
  END_OF_CONTROL_AWAITS_APPROVAL,
  REPEATED_COMMAND_ANSWERED,
  SYNC_IN_WORKFLOW_TASK,
} from '../patches';
import { newBuildIsCurrent } from '../versioning';
import { COMMANDS, type AnyCommand } from './commands';
import { awaitingApproval, finished } from './end';
import { Journal } from './journal';
import {
  caseStatusQuery,
  COMMAND_REFUSED,
  DUPLICATE_OPEN_CASE,
  openCaseUpdate,
  readModelQuery,
  type Actor,
  type CaseInput,
  type CaseOutcome,
  type CaseRunInput,
  type ContinuedCaseInput,
  type RuleOpening,
  type TimelineEntry,
} from './messages';
import * as opening from './opening';
import { snapshot } from './outbox';
import { readModel } from './read-model';
import { CaseState } from './state';

/** How many applied commands a run remembers, and for how long (the API keeps replies 24 h). */
const APPLIED_KEPT = 32;
const APPLIED_KEPT_MS = 24 * 3_600_000;

/**
 * A run continues as new once its history reaches this many events (the server only suggests it
 * at 4,096): one loop turn or command adds a few dozen at most, so a run stays well under 800.
 */
export const HISTORY_EVENTS_BUDGET = 500;

/** What the rules need of the opening; the person stays in the read model. */
function ruleOpening(input: CaseRunInput): RuleOpening {
  const o = input.opening;
  return o.origin === 'police_order'
    ? {
        origin: o.origin,
        measure: o.measure,
        destination: o.destination,
        decision: { decidedAt: o.decision.decidedAt },
      }
    : {
        origin: o.origin,
        measure: o.measure,
        destination: o.destination,
        expectedReleaseAt: o.expectedReleaseAt,
      };
}

const isFirstRun = (input: CaseRunInput): input is CaseInput => !input.snapshot;

/** A refused command: its English detail as the message; its code and field as the details. */
function refuse(refusal: Refusal | null): void {
  if (refusal)
    throw ApplicationFailure.create({
      type: COMMAND_REFUSED,
      message: refusal.detail,
      details: refusal.field ? [refusal.code, refusal.field] : [refusal.code],
      nonRetryable: true,
    });
}

/** One person's case, from the handover inside the facility to the end of the community term. */
export async function caseFollowUp(input: CaseRunInput): Promise<CaseOutcome> {
  const fast = input.syncInWorkflowTask !== false && patched(SYNC_IN_WORKFLOW_TASK);
  const state = new CaseState(input);
  const journal = new Journal(state, fast);

  setHandler(caseStatusQuery, () => state.status());
  setHandler(readModelQuery, () => readModel(state, input.caseId, Date.now()));
  setHandler(openCaseUpdate, async () => {
    await condition(() => state.d.opening !== 'pending');
    if (state.d.opening === 'duplicate') {
      throw ApplicationFailure.create({
        type: DUPLICATE_OPEN_CASE,
        message: 'this person already has an open case',
        details: [state.d.duplicateOf],
        nonRetryable: true,
      });
    }
    await journal.flush();
    return state.status();
  });
  /**
   * Applies a command at once once the case is recorded. One that arrives before (a handover
   * retried after a crash between the record and its report finds the case and goes on) waits
   * for the record, then is checked again: nothing is applied to a case that is not open yet.
   */
  const command = <T>(check: () => Refusal | null, change: () => T): Promise<T> => {
    const earlier = appliedBefore();
    if (earlier && patched(REPEATED_COMMAND_ANSWERED)) return Promise.resolve(earlier.result as T);
    const apply = () => remember(change());
    return state.d.opening === 'recorded'
      ? journal.write(apply)
      : afterRecord(check).then(() => journal.write(apply));
  };
  /** This update's id as applied in this run or an earlier one; Temporal dedupes within a run only. */
  function appliedBefore() {
    const id = currentUpdateInfo()?.id;
    return id === undefined ? undefined : state.d.applied?.find((a) => a.id === id);
  }
  function remember<T>(result: T): T {
    const id = currentUpdateInfo()?.id;
    if (id === undefined) return result;
    const now = Date.now();
    const kept = (state.d.applied ?? []).filter((a) => now - a.at < APPLIED_KEPT_MS);
    state.d.applied = [...kept.slice(-(APPLIED_KEPT - 1)), { id, at: now, result }];
    return result;
  }
  /** A validator lets a repeated command through: its handler answers it without applying it. */
  const unlessRepeated = (refusal: Refusal | null) => (appliedBefore() ? null : refusal);
  async function afterRecord(check: () => Refusal | null): Promise<void> {
    if (!patched(COMMANDS_WAIT_FOR_THE_RECORD)) return;
    await condition(() => state.d.opening !== 'pending');
    if (state.d.opening === 'duplicate')
      refuse({
        code: 'duplicate_open_case',
        detail: 'this handover was not opened: the person already has an open case',
      });
    refuse(check());
  }

  /** Every command of the case (commands.ts), each answered as above. */
  function handle(row: AnyCommand): void {
    setHandler<TimelineEntry, [never, Actor], AnyCommand['update']>(
      row.update,
      (args, actor) =>
        command(
          () => row.refusal(state, args, Date.now()),
          () => row.apply(state, args, actor, Date.now()),
        ),
      { validator: (args, _actor) => refuse(unlessRepeated(row.refusal(state, args, Date.now()))) },
    );
  }
  for (const row of COMMANDS) handle(row);

  if (isFirstRun(input)) {
    const recorded = await journal.record(input);
    if (recorded.status === 'duplicate') {
      opening.rejectAsDuplicate(state, recorded.existingCaseId);
      await condition(allHandlersFinished);
      return { outcome: 'rejected_duplicate', existingCaseId: recorded.existingCaseId };
    }
    if (input.imported) opening.importedStart(state, Date.now());
    else opening.recorded(state, Date.now());
    await journal.flush();
  }

  const done = () => finished(state) && !(awaitingApproval(state) && patched(END_OF_CONTROL_AWAITS_APPROVAL));
  let turns = 0;
  while (!done()) {
    const seen = state.version;
    const phase = state.d.phase;
    const wakeAt = state.nextWakeAt();
    if (wakeAt === null) await condition(() => state.version !== seen);
    else if (wakeAt > Date.now()) await condition(() => state.version !== seen, wakeAt - Date.now());
    state.advance(Date.now());
    await journal.flush();

    turns += 1;
    const knob = input.continueAsNewAfter !== undefined && turns >= input.continueAsNewAfter;
    if (fast) {
      // The engine's own cadence: a bounded history, a fresh run at each phase change, and at
      // once when a new build of a versioned deployment became current (workflows/versioning.ts).
      const info = workflowInfo();
      if (
        knob ||
        info.continueAsNewSuggested ||
        newBuildIsCurrent() ||
        info.historyLength >= HISTORY_EVENTS_BUDGET ||
        (state.d.phase !== phase && !done())
      ) {
        // As Temporal's safe-message-handlers sample: every handler and write finished, then
        // nothing in between before continue-as-new.
        await condition(() => allHandlersFinished() && journal.idle());
        return continueAsNew<typeof caseFollowUp>(continued(input, state));
      }
    } else if (workflowInfo().continueAsNewSuggested || knob) {
      await condition(allHandlersFinished);
      await journal.settled();
      return continueAsNew<typeof caseFollowUp>({ ...(input as CaseInput), snapshot: snapshot(state) });
    }
  }
  await condition(allHandlersFinished);
  await journal.settled();
  return { outcome: 'closed' };
}

/** The next run's input: the typed state and what the rules need, never the person (R21). */
function continued(input: CaseRunInput, state: CaseState): ContinuedCaseInput {
  const next: ContinuedCaseInput = {
    caseId: input.caseId,
    opening: ruleOpening(input),
    openedBy: input.openedBy,
    openedAt: input.openedAt,
    policy: input.policy,
    snapshot: { v: 1, data: snapshot(state) as unknown as ContinuedCaseInput['snapshot']['data'] },
  };
  if (input.imported) next.imported = input.imported;
  if (input.continueAsNewAfter !== undefined) next.continueAsNewAfter = input.continueAsNewAfter;
  return next;
}
