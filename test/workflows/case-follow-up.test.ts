import { randomBytes, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { encryptedDataConverter } from '../../codec/data-converter';
import { EncryptionCodec } from '../../codec/encryption-codec';
import { loadPolicy } from '../../config/policy';
import { cases } from '../../db/schema';
import { createWorker } from '../../worker/worker';
import {
  caseStatusQuery,
  caseWorkflowId,
  openCaseUpdate,
  recordEventUpdate,
  type CaseInput,
} from '../../workflows/case-follow-up.messages';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { handover } from '../helpers/fixtures';
import { createTimeSkippingEnv, POLICIES } from '../helpers/system';

const { policy } = loadPolicy(POLICIES.standard);
const payloadCodec = new EncryptionCodec([{ id: 'wf-test', key: randomBytes(32) }]);
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
      policyVersion: 'standard-2026.3',
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
