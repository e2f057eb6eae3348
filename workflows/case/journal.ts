import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import type { CaseActivities } from '../../activities';
import { FAILED_SYNC_DOES_NOT_BLOCK } from '../patches';
import { CaseAssignee, CaseJurisdiction, CaseNextDueAt, CasePhase, CaseTier } from '../search-attributes';
import type { CaseCore } from './core';
import type { CaseInput, CaseProjection, CaseSync } from './messages';
import { drain, projection } from './outbox';

type InsertCaseResult = Awaited<ReturnType<CaseActivities['recordCase']>>;

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
export class Journal {
  private chain: Promise<void> = Promise.resolve();
  /** Batches and deliveries started and not yet finished. */
  private inFlight = 0;
  /** The search attributes as last upserted (or carried into this run), by name. */
  private readonly upserted = new Map<string, string | null>();

  constructor(
    private readonly state: CaseCore,
    private readonly fast: boolean,
  ) {
    if (!fast) return;
    const carried: TypedSearchAttributes = workflowInfo().typedSearchAttributes;
    for (const { key } of shown(projection(state))) this.upserted.set(key.name, comparable(carried.get(key)));
  }

  /** The case's first write: its row, or the open case that makes it a duplicate. */
  record(input: CaseInput): Promise<InsertCaseResult> {
    return this.fast ? written(local.recordCase, recordCase, input) : recordCase(input);
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
    const batch = drain(this.state, Date.now());
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
