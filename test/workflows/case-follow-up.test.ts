import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { encryptedDataConverter } from '../../codec/data-converter';
import { loadPolicy } from '../../config/policy';
import { cases, timeline } from '../../db/schema';
import { createWorker } from '../../worker/worker';
import {
  caseStatusQuery,
  caseWorkflowId,
  openCaseUpdate,
  recordEventUpdate,
  type CaseInput,
} from '../../workflows/case/messages';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { handover } from '../helpers/fixtures';
import { eventually } from '../helpers/lifecycle';
import { createTimeSkippingEnv, POLICIES, TEST_PAYLOAD_CODEC } from '../helpers/system';
import { saveFixture } from '../helpers/activity-inputs';

const { policy } = loadPolicy(POLICIES.standard);
// The fixed test key, so the histories kept for the replay gate (RECORD_HISTORIES=1) replay.
const payloadCodec = TEST_PAYLOAD_CODEC;
const dataConverter = encryptedDataConverter(payloadCodec);

function caseInput(body = handover()): CaseInput {
  return {
    caseId: randomUUID(),
    opening: body,
    openedBy: 'liaison',
    openedAt: new Date().toISOString(),
    policy,
  };
}

const liaison = { username: 'liaison', role: 'liaison' as const };
const caseworker = { username: 'worker.canglang', role: 'caseworker' as const };

function openCase(client: Client, taskQueue: string, input: CaseInput) {
  return client.workflow.executeUpdateWithStart(openCaseUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation('caseFollowUp', {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
    }),
  });
}

let db: TestDatabase;

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The events an update's acceptance and completion enclose, in order (both included). */
function eventsOfUpdate(events: HistoryEvent[], updateId: string): HistoryEvent[] {
  const from = events.findIndex(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId,
  );
  const to = events.findIndex(
    (e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId,
  );
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThan(from);
  return events.slice(from, to + 1);
}

/** The JSON of a run's input, decrypted: what Temporal stores of it. */
async function storedInput(events: HistoryEvent[]): Promise<string> {
  const payloads = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
  const [plain] = await payloadCodec.decode(payloads);
  return Buffer.from(plain!.data!).toString('utf8');
}

/** A worker of the real wiring for `taskQueue` on `env`. */
function testWorker(env: TestWorkflowEnvironment, taskQueue: string): Promise<Worker> {
  return createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    db: db.database.db,
    channels: [],
    payloadCodec,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
  });
}

/** Runs `fn` while such a worker serves `taskQueue`. */
async function withWorker(env: TestWorkflowEnvironment, taskQueue: string, fn: () => Promise<void>) {
  await (await testWorker(env, taskQueue)).runUntil(fn);
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('the case workflow on the real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  const taskQueue = `wf-${randomUUID()}`;
  let stopWorker: () => Promise<void>;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: process.env.TEST_TEMPORAL_ADDRESS,
      client: { dataConverter },
    });
    const worker = await testWorker(env, taskQueue);
    const running = worker.run();
    stopWorker = async () => {
      worker.shutdown();
      await running;
    };
  });
  afterAll(async () => {
    await stopWorker?.();
    await env?.teardown();
  });

  it('records the handover in the read model before the open update completes', async () => {
    const input = caseInput();
    const status = await openCase(env.client, taskQueue, input);
    expect(status).toMatchObject({
      caseId: input.caseId,
      phase: 'pre_release',
      tier: 'stable',
      recorded: true,
      policyVersion: 'standard-2026.4',
      // R1: the facility must confirm the release date three days before the expected release.
      openTasks: [{ kind: 'confirm_release_date', dueAt: '2026-12-17T01:00:00.000Z', status: 'open' }],
    });
    const [row] = await db.database.db.select().from(cases).where(eq(cases.id, input.caseId));
    expect(row).toMatchObject({
      idNumber: input.opening.person.idNumber,
      jurisdiction: input.opening.destination,
      phase: 'pre_release',
      status: 'open',
      openedBy: 'liaison',
      createdAt: new Date(input.openedAt),
    });
  });

  it('keeps running and answers its status query after opening', async () => {
    const input = caseInput();
    await openCase(env.client, taskQueue, input);
    const handle = env.client.workflow.getHandle(caseWorkflowId(input.caseId));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await handle.query(caseStatusQuery)).toMatchObject({ phase: 'pre_release', recorded: true });
  });

  it('refuses a second open case for the same person and ends that workflow, naming the first case', async () => {
    const body = handover();
    const first = caseInput(body);
    await openCase(env.client, taskQueue, first);
    const second = caseInput(body);
    const error = await openCase(env.client, taskQueue, second).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((error as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'DuplicateOpenCase',
      details: [first.caseId],
    });
    const result = await env.client.workflow.getHandle(caseWorkflowId(second.caseId)).result();
    expect(result).toEqual({ outcome: 'rejected_duplicate', existingCaseId: first.caseId });
    const rows = await db.database.db.select().from(cases).where(eq(cases.idNumber, body.person.idNumber));
    expect(rows.map((row) => row.id)).toEqual([first.caseId]);
  });
});

describe('recordCase, the activity', () => {
  it('is idempotent by case id: a retry after a lost reply records one row', async () => {
    const { recordCase } = createActivities({ db: db.database.db, channels: [] });
    const input = caseInput();
    expect(await recordCase(input)).toEqual({ status: 'recorded' });
    expect(await recordCase(input)).toEqual({ status: 'recorded' });
    const rows = await db.database.db.select().from(cases).where(eq(cases.id, input.caseId));
    expect(rows).toHaveLength(1);
  });
});

describe('the case workflow under time skipping: long-lived cases', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTimeSkippingEnv(dataConverter);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('R1: a case with no news from the facility climbs the whole ladder in 90 days, then waits', async () => {
    const taskQueue = `ts-${randomUUID()}`;
    await withWorker(env, taskQueue, async () => {
      const input = caseInput();
      await openCase(env.client, taskQueue, input);
      const before = await env.currentTimeMs();
      await env.sleep('90 days');
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(90 * 86_400_000);
      const handle = env.client.workflow.getHandle(caseWorkflowId(input.caseId));
      expect(await handle.query(caseStatusQuery)).toMatchObject({
        phase: 'pre_release',
        recorded: true,
        openTasks: [{ kind: 'confirm_release_date', status: 'overdue' }],
        nextWakeAt: null,
      });
      expect((await handle.describe()).status.name).toBe('RUNNING');
    });
  });

  it('answers a command in the workflow task that applied it: the read model is written there, no extra round trip', async () => {
    const taskQueue = `wt-${randomUUID()}`;
    await withWorker(env, taskQueue, async () => {
      const input = caseInput();
      await openCase(env.client, taskQueue, input);
      const handle = env.client.workflow.getHandle(caseWorkflowId(input.caseId));
      const note = { type: 'intervention', kind: 'interview', note: 'first talk' } as const;
      await handle.executeUpdate(recordEventUpdate, { args: [note, liaison], updateId: 'first-talk' });
      await handle.executeUpdate(recordEventUpdate, { args: [note, liaison], updateId: 'second-talk' });
      const { events } = await handle.fetchHistory();

      for (const id of ['first-talk', 'second-talk']) {
        const span = eventsOfUpdate(events!, id).map((e) => e.eventType);
        // No workflow task between acceptance and reply: the sync ran inside the task (a marker).
        expect(span).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
        expect(span).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
        expect(span).toContain(EventType.EVENT_TYPE_MARKER_RECORDED);
        // A note changes none of the search attributes, so none is upserted again.
        expect(span).not.toContain(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
      }
      const rows = await db.database.db.select().from(timeline).where(eq(timeline.caseId, input.caseId));
      expect(rows.filter((e) => e.type === 'intervention')).toHaveLength(2);
      // Its timers would hold the shared time-skipping clock for the tests after it.
      await handle.terminate();
    });
  });

  it('continues as new at a phase change, carrying the typed state and no name, ID number or address (R21)', async () => {
    const taskQueue = `wt-${randomUUID()}`;
    await withWorker(env, taskQueue, async () => {
      const input = caseInput();
      await openCase(env.client, taskQueue, input);
      const handle = env.client.workflow.getHandle(caseWorkflowId(input.caseId));
      const firstRun = (await handle.describe()).runId;
      await handle.executeUpdate(recordEventUpdate, { args: [{ type: 'released' }, liaison] });
      await eventually(async () => expect((await handle.describe()).runId).not.toBe(firstRun));

      const carried = await storedInput((await handle.fetchHistory()).events!);
      const person = input.opening.person;
      for (const value of [person.name, person.idNumber, person.residenceAddress])
        expect(carried).not.toContain(value);
      expect(JSON.parse(carried)).toMatchObject({
        caseId: input.caseId,
        opening: { destination: input.opening.destination, measure: input.opening.measure },
        snapshot: { v: 1, data: { phase: 'released_awaiting_report', opening: 'recorded' } },
      });
      // The new run goes on: the person reports in and the term starts.
      await handle.executeUpdate(recordEventUpdate, {
        args: [{ type: 'reported_in', jurisdiction: input.opening.destination }, caseworker],
      });
      expect(await handle.query(caseStatusQuery)).toMatchObject({ phase: 'community', recorded: true });
      await handle.terminate();
    });
  });

  it('item 7: a command resent with the same update id after a continue-as-new is answered once, not applied again', async () => {
    const taskQueue = `rep-${randomUUID()}`;
    await withWorker(env, taskQueue, async () => {
      const input = caseInput();
      await openCase(env.client, taskQueue, input);
      const handle = env.client.workflow.getHandle(caseWorkflowId(input.caseId));
      const firstRun = (await handle.describe()).runId;
      const note = { type: 'intervention', kind: 'interview', note: 'talk before release' } as const;
      const first = await handle.executeUpdate(recordEventUpdate, {
        args: [note, liaison],
        updateId: 'talk-1',
      });
      // The release changes the phase: the run continues as new, and Temporal's own dedupe by
      // update id ends with it.
      await handle.executeUpdate(recordEventUpdate, {
        args: [{ type: 'released' }, liaison],
        updateId: 'rel-1',
      });
      await eventually(async () => expect((await handle.describe()).runId).not.toBe(firstRun));

      // The same two commands again, as after a 503 that released their Idempotency-Keys.
      const again = await handle.executeUpdate(recordEventUpdate, {
        args: [note, liaison],
        updateId: 'talk-1',
      });
      const releasedAgain = await handle.executeUpdate(recordEventUpdate, {
        args: [{ type: 'released' }, liaison],
        updateId: 'rel-1',
      });
      expect(again).toEqual(first);
      expect(releasedAgain).toMatchObject({ type: 'released' });
      const rows = await db.database.db.select().from(timeline).where(eq(timeline.caseId, input.caseId));
      expect(rows.filter((e) => e.type === 'intervention')).toHaveLength(1);
      expect(rows.filter((e) => e.type === 'released')).toHaveLength(1);
      // A new update id is a new command: the release is refused as before.
      await expect(
        handle.executeUpdate(recordEventUpdate, { args: [{ type: 'released' }, liaison], updateId: 'rel-2' }),
      ).rejects.toThrow(WorkflowUpdateFailedError);
      // And the new run goes on: the pickup is recorded.
      await handle.executeUpdate(recordEventUpdate, {
        args: [{ type: 'picked_up', by: 'family' }, caseworker],
        updateId: 'up-1',
      });
      const after = await db.database.db.select().from(timeline).where(eq(timeline.caseId, input.caseId));
      expect(after.filter((e) => e.type === 'picked_up')).toHaveLength(1);
      await handle.terminate();
      if (process.env.RECORD_HISTORIES) {
        const runs = [firstRun, (await handle.describe()).runId];
        for (const [n, runId] of runs.entries()) {
          const history = await env.client.workflow
            .getHandle(caseWorkflowId(input.caseId), runId)
            .fetchHistory();
          const dir = join(__dirname, '..', 'fixtures', 'histories');
          await saveFixture(join(dir, `repeated-command-after-continue-as-new.run-${n + 1}.json`), history);
        }
      }
    });
  });

  it('continues as new with its whole state when the history grows (forced early here)', async () => {
    const taskQueue = `can-${randomUUID()}`;
    await withWorker(env, taskQueue, async () => {
      const input = { ...caseInput(), continueAsNewAfter: 2 };
      await openCase(env.client, taskQueue, input);
      const handle = env.client.workflow.getHandle(caseWorkflowId(input.caseId));
      const firstRun = (await handle.describe()).runId;
      await handle.executeUpdate(recordEventUpdate, { args: [{ type: 'released' }, liaison] });
      await handle.executeUpdate(recordEventUpdate, {
        args: [{ type: 'test', method: 'urine', result: 'refused', unannounced: false }, caseworker],
      });
      await env.sleep('5 days');

      const description = await handle.describe();
      expect(description.runId).not.toBe(firstRun);
      expect(description.status.name).toBe('RUNNING');
      const status = await handle.query(caseStatusQuery);
      expect(status.phase).toBe('released_awaiting_report');
      expect(status.openTasks.map((t) => t.kind)).toEqual(expect.arrayContaining(['report_in', 'pickup']));

      // Counters and clocks carried over: the new run goes on where the old one stopped.
      await handle.executeUpdate(recordEventUpdate, {
        args: [{ type: 'reported_in', jurisdiction: input.opening.destination }, caseworker],
      });
      const [row] = await db.database.db.select().from(cases).where(eq(cases.id, input.caseId));
      expect(row).toMatchObject({ phase: 'community', testsRefused: 1, tier: 'abnormal' });
    });
  });
});
