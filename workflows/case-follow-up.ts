import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import type { Refusal } from '../schemas/refusal-codes';
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
} from './case-follow-up.messages';
import { CaseState } from './case-state';
import { readModel } from './read-model';
import { CaseAssignee, CaseJurisdiction, CaseNextDueAt, CasePhase, CaseTier } from './search-attributes';

const { recordCase, syncCase } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage is waited out, never dropped: retried with backoff until it returns.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { deliverNotification } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** Patch id (workflows/README.md): commands that arrive before the case is recorded wait for it. */
const COMMANDS_WAIT_FOR_THE_RECORD = 'commands-wait-for-the-record';
/** Patch id: a case closed before R19 fell due stays open to its approval, instead of ending with the task open. */
const END_OF_CONTROL_AWAITS_APPROVAL = 'end-of-control-awaits-approval';
/** Patch id: a batch the read model can never take fails its own command only, not every later one. */
const FAILED_SYNC_DOES_NOT_BLOCK = 'failed-sync-does-not-block';

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
export async function caseFollowUp(input: CaseInput): Promise<CaseOutcome> {
  const state = new CaseState(input);
  const journal = new Journal(state);

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
  const command = <T>(check: () => Refusal | null, change: () => T): Promise<T> =>
    state.opening === 'recorded'
      ? journal.write(change)
      : afterRecord(check).then(() => journal.write(change));
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
      validator: (event, _actor) => refuse(state.refusal(event, Date.now())),
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
      validator: (c, _actor) => refuse(state.refusalToTransfer(c.to)),
    },
  );
  setHandler(
    delegateUpdate,
    (c, actor) =>
      command(
        () => state.refusalToDelegate(c.to),
        () => state.delegate(c.to, c.reason, actor, Date.now()),
      ),
    { validator: (c, _actor) => refuse(state.refusalToDelegate(c.to)) },
  );
  setHandler(
    endDelegationUpdate,
    (c, actor) =>
      command(
        () => state.refusalToEndDelegation(),
        () => state.endDelegation(c.reason, actor, Date.now()),
      ),
    { validator: (_c, _actor) => refuse(state.refusalToEndDelegation()) },
  );
  setHandler(
    closeUpdate,
    (c, actor) =>
      command(
        () => state.refusalToClose(),
        () => state.closeBySupervisor(c.reason, actor, Date.now()),
      ),
    {
      validator: (_c, _actor) => refuse(state.refusalToClose()),
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
      validator: (_c, _actor) => refuse(state.refusalToSetTier()),
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
      validator: (_c, _actor) => refuse(state.refusalToAssign()),
    },
  );
  setHandler(
    extendTaskUpdate,
    (c, actor) =>
      command(
        () => state.refusalToExtend(c.taskId, c.until, Date.now()),
        () => state.extendTask(c.taskId, Date.parse(c.until), c.reason, actor, Date.now()),
      ),
    { validator: (c, _actor) => refuse(state.refusalToExtend(c.taskId, c.until, Date.now())) },
  );
  setHandler(
    approveEndOfControlUpdate,
    (c, actor) =>
      command(
        () => state.refusalToApproveEndOfControl(),
        () => state.approveEndOfControl(c.note, actor, Date.now()),
      ),
    { validator: (_c, _actor) => refuse(state.refusalToApproveEndOfControl()) },
  );

  if (!input.snapshot) {
    const recorded = await recordCase(input);
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
    const wakeAt = state.nextWakeAt();
    if (wakeAt === null) await condition(() => state.version !== seen);
    else if (wakeAt > Date.now()) await condition(() => state.version !== seen, wakeAt - Date.now());
    state.advance(Date.now());
    await journal.flush();

    turns += 1;
    if (
      workflowInfo().continueAsNewSuggested ||
      (input.continueAsNewAfter && turns >= input.continueAsNewAfter)
    ) {
      await condition(allHandlersFinished);
      await journal.settled();
      return continueAsNew<typeof caseFollowUp>({ ...input, snapshot: state.snapshot() });
    }
  }
  await condition(allHandlersFinished);
  await journal.settled();
  return { outcome: 'closed' };
}

/**
 * Keeps the read model in step: every change goes out in order as one idempotent batch
 * (syncCase), then its notifications are delivered in the background. A command's reply waits
 * for its batch, so a read right after it sees the change.
 */
class Journal {
  private chain: Promise<void> = Promise.resolve();
  private deliveries = 0;

  constructor(private readonly state: CaseState) {}

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

  /**
   * Sends the pending batch, if any; the promise is that batch's own outcome. Once patched, a
   * batch that fails for good (syncCase's DataException, recorded as engine_failing) fails only
   * the command that made it: later batches and their notifications go on (issue 13).
   */
  private send(): Promise<void> | null {
    const batch = this.state.drain(Date.now());
    if (!batch) return null;
    const synced = this.chain.then(() => syncCase(batch));
    const isolated = patched(FAILED_SYNC_DOES_NOT_BLOCK);
    this.chain = isolated ? synced.catch(() => undefined) : synced;
    const p = batch.projection;
    upsertSearchAttributes([
      { key: CasePhase, value: p.phase },
      { key: CaseTier, value: p.tier },
      { key: CaseJurisdiction, value: p.jurisdiction },
      { key: CaseAssignee, value: p.assignee },
      { key: CaseNextDueAt, value: p.nextDueAt === null ? null : new Date(p.nextDueAt) },
    ]);
    for (const notification of batch.notifications) {
      this.deliveries += 1;
      const delivered = isolated
        ? synced.then(() => deliverNotification(notification.id)).catch(() => undefined)
        : this.chain.then(() => deliverNotification(notification.id));
      void delivered.finally(() => (this.deliveries -= 1));
    }
    return synced;
  }

  /** Everything written and delivered: before continue-as-new or the end. */
  async settled(): Promise<void> {
    await this.chain;
    await condition(() => this.deliveries === 0);
  }
}
