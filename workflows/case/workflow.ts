import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  currentUpdateInfo,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import type { CaseActivities } from '../../activities';
import type { Refusal } from '../../schemas/refusal-codes';
import {
  approveEndOfControlUpdate,
  assignUpdate,
  caseStatusQuery,
  closeUpdate,
  COMMAND_REFUSED,
  delegateUpdate,
  DUPLICATE_OPEN_CASE,
  endDelegationUpdate,
  extendTaskUpdate,
  openCaseUpdate,
  readModelQuery,
  recordEventUpdate,
  setTierUpdate,
  transferUpdate,
  type CaseInput,
  type CaseOutcome,
  type CaseProjection,
  type CaseRunInput,
  type CaseSync,
  type ContinuedCaseInput,
  type RuleOpening,
} from './messages';
import { newBuildIsCurrent } from '../versioning';
import { CaseState } from './state';
import { readModel } from './read-model';
import { CaseAssignee, CaseJurisdiction, CaseNextDueAt, CasePhase, CaseTier } from '../search-attributes';
import {
  COMMANDS_WAIT_FOR_THE_RECORD,
  END_OF_CONTROL_AWAITS_APPROVAL,
  FAILED_SYNC_DOES_NOT_BLOCK,
  REPEATED_COMMAND_ANSWERED,
  SYNC_IN_WORKFLOW_TASK,
} from '../patches';

const { recordCase, syncCase } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage is waited out, never dropped: retried with backoff until it returns.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The same two writes inside the workflow task (patch SYNC_IN_WORKFLOW_TASK): a command is
 * answered in the task that applied it. Short attempts, retried in the worker; backoffs longer
 * than `localRetryThreshold` wait on a timer. Bounded: past `scheduleToCloseTimeout` (a database
 * outage) the write goes on as the ordinary activity above, which waits the outage out.
 */
const local = proxyLocalActivities<CaseActivities>({
  startToCloseTimeout: '3 seconds',
  scheduleToCloseTimeout: '15 seconds',
  localRetryThreshold: '2 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds' },
});

const { deliverNotification } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** How many applied commands a run remembers, and for how long (the API keeps replies 24 h). */
const APPLIED_KEPT = 32;
const APPLIED_KEPT_MS = 24 * 3_600_000;

/**
 * A run continues as new once its history reaches this many events (the server only suggests it
 * at 4,096): one loop turn or command adds a few dozen at most, so a run stays well under 800.
 */
export const HISTORY_EVENTS_BUDGET = 500;

/** A local write first; if it cannot finish in its bounds (not a data error), the durable activity. */
async function written<A extends unknown[], R>(
  fast: (...args: A) => Promise<R>,
  durable: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  try {
    return await fast(...args);
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.nonRetryable) throw error;
    return durable(...args);
  }
}

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
    await condition(() => state.opening !== 'pending');
    if (state.opening === 'duplicate') {
      throw ApplicationFailure.create({
        type: DUPLICATE_OPEN_CASE,
        message: 'this person already has an open case',
        details: [state.duplicateOf],
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
    return state.opening === 'recorded'
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
    await condition(() => state.opening !== 'pending');
    if (state.opening === 'duplicate')
      refuse({
        code: 'duplicate_open_case',
        detail: 'this handover was not opened: the person already has an open case',
      });
    refuse(check());
  }

  setHandler(
    recordEventUpdate,
    (event, actor) =>
      command(
        () => state.refusal(event, Date.now()),
        () => state.record(event, actor, Date.now()),
      ),
    {
      validator: (event, _actor) => refuse(unlessRepeated(state.refusal(event, Date.now()))),
    },
  );
  setHandler(
    transferUpdate,
    (c, actor) =>
      command(
        () => state.refusalToTransfer(c.to),
        () => state.transfer(c.to, c.reason, actor, Date.now()),
      ),
    {
      validator: (c, _actor) => refuse(unlessRepeated(state.refusalToTransfer(c.to))),
    },
  );
  setHandler(
    delegateUpdate,
    (c, actor) =>
      command(
        () => state.refusalToDelegate(c.to),
        () => state.delegate(c.to, c.reason, actor, Date.now()),
      ),
    { validator: (c, _actor) => refuse(unlessRepeated(state.refusalToDelegate(c.to))) },
  );
  setHandler(
    endDelegationUpdate,
    (c, actor) =>
      command(
        () => state.refusalToEndDelegation(),
        () => state.endDelegation(c.reason, actor, Date.now()),
      ),
    { validator: (_c, _actor) => refuse(unlessRepeated(state.refusalToEndDelegation())) },
  );
  setHandler(
    closeUpdate,
    (c, actor) =>
      command(
        () => state.refusalToClose(),
        () => state.closeBySupervisor(c.reason, actor, Date.now()),
      ),
    {
      validator: (_c, _actor) => refuse(unlessRepeated(state.refusalToClose())),
    },
  );
  setHandler(
    setTierUpdate,
    (c, actor) =>
      command(
        () => state.refusalToSetTier(),
        () => state.setTier(c.tier, c.reason, actor, Date.now()),
      ),
    {
      validator: (_c, _actor) => refuse(unlessRepeated(state.refusalToSetTier())),
    },
  );
  setHandler(
    assignUpdate,
    (c, actor) =>
      command(
        () => state.refusalToAssign(),
        () => state.assign(c.caseworker, actor, Date.now()),
      ),
    {
      validator: (_c, _actor) => refuse(unlessRepeated(state.refusalToAssign())),
    },
  );
  setHandler(
    extendTaskUpdate,
    (c, actor) =>
      command(
        () => state.refusalToExtend(c.taskId, c.until, Date.now()),
        () => state.extendTask(c.taskId, Date.parse(c.until), c.reason, actor, Date.now()),
      ),
    {
      validator: (c, _actor) => refuse(unlessRepeated(state.refusalToExtend(c.taskId, c.until, Date.now()))),
    },
  );
  setHandler(
    approveEndOfControlUpdate,
    (c, actor) =>
      command(
        () => state.refusalToApproveEndOfControl(),
        () => state.approveEndOfControl(c.note, actor, Date.now()),
      ),
    { validator: (_c, _actor) => refuse(unlessRepeated(state.refusalToApproveEndOfControl())) },
  );

  if (isFirstRun(input)) {
    const recorded = await (fast ? written(local.recordCase, recordCase, input) : recordCase(input));
    if (recorded.status === 'duplicate') {
      state.rejectAsDuplicate(recorded.existingCaseId);
      await condition(allHandlersFinished);
      return { outcome: 'rejected_duplicate', existingCaseId: recorded.existingCaseId };
    }
    if (input.imported) state.importedStart(Date.now());
    else state.recorded(Date.now());
    await journal.flush();
  }

  const done = () => state.finished && !(state.awaitingApproval && patched(END_OF_CONTROL_AWAITS_APPROVAL));
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
      return continueAsNew<typeof caseFollowUp>({ ...(input as CaseInput), snapshot: state.snapshot() });
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
    snapshot: { v: 1, data: state.snapshot() as unknown as ContinuedCaseInput['snapshot']['data'] },
  };
  if (input.imported) next.imported = input.imported;
  if (input.continueAsNewAfter !== undefined) next.continueAsNewAfter = input.continueAsNewAfter;
  return next;
}

/** The search attributes a projection shows (never personal data, R21). */
function shown(p: CaseProjection): SearchAttributePair[] {
  return [
    { key: CasePhase, value: p.phase },
    { key: CaseTier, value: p.tier },
    { key: CaseJurisdiction, value: p.jurisdiction },
    { key: CaseAssignee, value: p.assignee },
    { key: CaseNextDueAt, value: p.nextDueAt === null ? null : new Date(p.nextDueAt) },
  ] as SearchAttributePair[];
}

/** A search attribute's value as a comparable string; null when unset. */
function comparable(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

/**
 * Keeps the read model in step: every change goes out in order as one idempotent batch
 * (syncCase), then its notifications are delivered in the background. A command's reply waits
 * for its batch, so a read right after it sees the change. Once patched (SYNC_IN_WORKFLOW_TASK),
 * the batch is a local activity in the same workflow task, and only changed search attributes
 * are upserted.
 */
class Journal {
  private chain: Promise<void> = Promise.resolve();
  /** Batches and deliveries started and not yet finished. */
  private inFlight = 0;
  /** The search attributes as last upserted (or carried into this run), by name. */
  private readonly upserted = new Map<string, string | null>();

  constructor(
    private readonly state: CaseState,
    private readonly fast: boolean,
  ) {
    if (!fast) return;
    const carried: TypedSearchAttributes = workflowInfo().typedSearchAttributes;
    for (const { key } of shown(state.projection()))
      this.upserted.set(key.name, comparable(carried.get(key)));
  }

  async write<T>(change: () => T): Promise<T> {
    const result = change();
    await (this.send() ?? this.chain);
    return result;
  }

  /** Everything so far on its way; resolves once written (never rejects once patched). */
  flush(): Promise<void> {
    void this.send();
    return this.chain;
  }

  /** Nothing being written or delivered. */
  idle(): boolean {
    return this.inFlight === 0;
  }

  /**
   * Sends the pending batch, if any; the promise is that batch's own outcome. Once patched, a
   * batch that fails for good (syncCase's DataException, recorded as engine_failing) fails only
   * the command that made it: later batches and their notifications go on (issue 13).
   */
  private send(): Promise<void> | null {
    const batch = this.state.drain(Date.now());
    if (!batch) return null;
    const synced = this.chain.then(() => this.sync(batch));
    const isolated = this.fast || patched(FAILED_SYNC_DOES_NOT_BLOCK);
    this.chain = isolated ? synced.catch(() => undefined) : synced;
    this.track(synced);
    this.showSearchAttributes(batch.projection);
    for (const notification of batch.notifications) {
      const after = isolated ? synced : this.chain;
      this.track(after.then(() => deliverNotification(notification.id)));
    }
    return synced;
  }

  private sync(batch: CaseSync): Promise<void> {
    return this.fast ? written(local.syncCase, syncCase, batch) : syncCase(batch);
  }

  /**
   * Counts a write or delivery until it settles. Every such promise is handled here: a delivery
   * that fails for good (its notification missing) must not be an unhandled rejection, which
   * fails the workflow task on every retry and stalls the case for good.
   */
  private track(work: Promise<void>): void {
    this.inFlight += 1;
    void work.then(
      () => void (this.inFlight -= 1),
      () => void (this.inFlight -= 1),
    );
  }

  private showSearchAttributes(p: CaseProjection): void {
    const pairs = shown(p);
    if (!this.fast) return upsertSearchAttributes(pairs);
    const changed = pairs.filter(({ key, value }) => this.upserted.get(key.name) !== comparable(value));
    if (!changed.length) return;
    for (const { key, value } of changed) this.upserted.set(key.name, comparable(value));
    upsertSearchAttributes(changed);
  }

  /** Everything written and delivered: before continue-as-new or the end. */
  async settled(): Promise<void> {
    await this.chain;
    await condition(() => this.inFlight === 0);
  }
}
