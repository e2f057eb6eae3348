import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import { encryptedDataConverter } from '../../codec/data-converter';
import { loadPolicy } from '../../config/policy';
import { timeline } from '../../db/schema';
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
import { POLICIES, TEST_PAYLOAD_CODEC } from '../helpers/system';

// Worker Versioning on the pinned dev server (workflows/README.md, "Versioning path"): build A
// runs cases, build B is deployed beside it and made current; A's cases stay on A until their
// next continue-as-new, then run on B, and nothing recorded in between is lost.

const { policy } = loadPolicy(POLICIES.standard);
const liaison = { username: 'liaison', role: 'liaison' as const };
const caseworker = { username: 'worker.canglang', role: 'caseworker' as const };
const taskQueue = `deploy-${randomUUID()}`;
const deploymentName = `case-follow-up-${randomUUID().slice(0, 8)}`;
/** Each case continues as new after this many turns of its loop (the engine's cadence, forced early). */
const TURNS_PER_RUN = 3;

let db: TestDatabase;
let env: TestWorkflowEnvironment;
const running: { worker: Worker; run: Promise<void> }[] = [];

async function startBuild(buildId: string): Promise<void> {
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    db: db.database.db,
    channels: [],
    payloadCodec: TEST_PAYLOAD_CODEC,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    deployment: { name: deploymentName, buildId },
  });
  running.push({ worker, run: worker.run() });
}

/** As `temporal worker deployment set-current-version` does; the version exists once its worker polls. */
async function setCurrent(buildId: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await env.connection.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: 'default',
        deploymentName,
        buildId,
        identity: 'deployment.test',
      });
      return;
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The build the case's current run is pinned to, as the server reports it. */
async function buildOf(handle: WorkflowHandle): Promise<string | null | undefined> {
  const { raw } = await handle.describe();
  return raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId;
}

async function openCase(): Promise<{ input: CaseInput; handle: WorkflowHandle }> {
  const input: CaseInput = {
    caseId: randomUUID(),
    opening: handover(),
    openedBy: 'liaison',
    openedAt: new Date().toISOString(),
    policy,
    continueAsNewAfter: TURNS_PER_RUN,
  };
  await env.client.workflow.executeUpdateWithStart(openCaseUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation('caseFollowUp', {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
    }),
  });
  return { input, handle: env.client.workflow.getHandle(caseWorkflowId(input.caseId)) };
}

const released = { type: 'released' as const };
const refusedTest = {
  type: 'test' as const,
  method: 'urine' as const,
  result: 'refused' as const,
  unannounced: false,
};

async function timelineTypes(caseId: string): Promise<string[]> {
  const rows = await db.database.db
    .select({ type: timeline.type })
    .from(timeline)
    .where(eq(timeline.caseId, caseId))
    .orderBy(asc(timeline.seq));
  return rows.map((row) => row.type);
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = await TestWorkflowEnvironment.createFromExistingServer({
    address: process.env.TEST_TEMPORAL_ADDRESS,
    client: { dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC) },
  });
});
afterAll(async () => {
  for (const { worker } of running) worker.shutdown();
  await Promise.all(running.map(({ run }) => run));
  await env?.teardown();
  await db?.drop();
});

it('a new build deployed beside the old one takes each running case over at its next continue-as-new, with nothing lost', async () => {
  await startBuild('A');
  await setCurrent('A');
  const cases = [await openCase(), await openCase()];
  for (const { handle } of cases) {
    await handle.executeUpdate(recordEventUpdate, { args: [released, liaison] });
    expect(await buildOf(handle)).toBe('A');
  }
  const firstRuns = await Promise.all(cases.map(async ({ handle }) => (await handle.describe()).runId));

  // Build B beside A, made current: both run; A keeps the runs pinned to it.
  await startBuild('B');
  await setCurrent('B');
  const late = await openCase();
  expect(await buildOf(late.handle)).toBe('B');
  for (const { input, handle } of cases) {
    await handle.executeUpdate(recordEventUpdate, { args: [refusedTest, caseworker] });
    // Applied, whichever build took it: the run pinned to A may continue as new onto B right
    // after it, as soon as its next workflow task learns that B is current, or at the next one.
    expect(await timelineTypes(input.caseId)).toContain('test');
  }

  // The next command ends each run's turns: continue-as-new, and the new run is on B.
  for (const [i, { input, handle }] of cases.entries()) {
    await handle.executeUpdate(recordEventUpdate, {
      args: [{ type: 'reported_in', jurisdiction: input.opening.destination }, caseworker],
    });
    for (let wait = 0; (await handle.describe()).runId === firstRuns[i] && wait < 100; wait += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await handle.describe()).runId).not.toBe(firstRuns[i]);

    // The case goes on, on B: it answers commands and its state came across whole (a refused
    // test the same day would be the same fact, R28: this one the person took).
    await handle.executeUpdate(recordEventUpdate, {
      args: [{ ...refusedTest, result: 'negative' as const }, caseworker],
    });
    const status = await handle.query(caseStatusQuery);
    expect(status.phase).toBe('community');
    expect(await buildOf(handle)).toBe('B');
    expect(await timelineTypes(input.caseId)).toEqual(
      expect.arrayContaining(['case_opened', 'released', 'test', 'reported_in', 'term_started']),
    );
    expect((await timelineTypes(input.caseId)).filter((type) => type === 'test')).toHaveLength(2);
  }
});
