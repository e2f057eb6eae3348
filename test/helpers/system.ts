import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ConnectionPlugin } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, loggerOptions } from '../../api/app';
import { encryptedDataConverter } from '../../codec/data-converter';
import { EncryptionCodec } from '../../codec/encryption-codec';
import { loadPolicy } from '../../config/policy';
import { DEMO_PASSWORD, seedDemoData } from '../../scripts/demo-data';
import { createWorker, startDailyRounds } from '../../worker/worker';
import { dailyRoundsWorkflowId } from '../../workflows/daily-rounds.messages';
import { temporalBinaries } from '../../scripts/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from './database';
import { recordingChannel } from './notifications';
import type { NotificationChannel } from '../../activities/notifier';

/**
 * The tests' payload key: fixed, so that a history recorded by a test (test/fixtures/histories)
 * replays later with the same codec. A test key protects nothing and is not used elsewhere.
 */
export const TEST_PAYLOAD_KEY = {
  id: 'test-1',
  key: createHash('sha256').update('rehab-followup test payload key').digest(),
};
export const TEST_PAYLOAD_CODEC = new EncryptionCodec([TEST_PAYLOAD_KEY]);
/** The tests' audit chain key (`AUDIT_KEY`): a test key protects nothing. */
export const TEST_AUDIT_KEY = 'rehab-followup test audit key, not a secret';

export const POLICIES = {
  standard: join(__dirname, '..', '..', 'policies', 'standard.json'),
  accelerated: join(__dirname, '..', '..', 'policies', 'accelerated.json'),
};

/**
 * The client's keepalive for the time-skipping server. The SDK's client pings every 30 s, with or
 * without calls; the test server (grpc-java's defaults) allows one ping in 5 minutes and, after
 * the third early one, closes the connection with "too many pings". `env.sleep` is one call that
 * lasts as long as the skip takes in real time (over 90 s on a loaded machine), so it was cut
 * off and the SDK's retry sent it again: the server, already days into the first sleep, then
 * skipped the whole duration once more, past deadlines the test relied on not having reached.
 * Pings no more often than the server allows (a loopback connection needs none).
 */
export const TEST_SERVER_KEEPALIVE: ConnectionPlugin = {
  name: 'test-server-keepalive',
  configureConnection: (options) => ({
    ...options,
    channelArgs: {
      ...options.channelArgs,
      'grpc.keepalive_time_ms': 10 * 60_000,
      'grpc.keepalive_permit_without_calls': 0,
    },
  }),
};

/** The pinned time-skipping test server, with the project's search attributes registered. */
export async function createTimeSkippingEnv(dataConverter?: DataConverter): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalBinaries().testServer } },
    client: { dataConverter },
    plugins: [TEST_SERVER_KEEPALIVE],
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((key) => [
        key.name,
        temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`],
      ]),
    ),
  });
  return env;
}

export interface TestSystem {
  app: FastifyInstance;
  /** What the outside recipients (SMS, police systems) were sent. */
  outbox: ReturnType<typeof recordingChannel>['sent'];
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  taskQueue: string;
  /** The API's token secret (a second API process on the same database shares it). */
  tokenSecret: string;
  /** The codec the worker and the client share (a fresh key per test file). */
  payloadCodec: EncryptionCodec;
  /** A bearer token for a demo user (api.md "Identity and demo data"). */
  tokenFor(username: string): Promise<string>;
  /** `app.inject` as the given demo user. */
  as(username: string, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * The real parts, wired as in production: the run's Temporal dev server (test/global-setup.ts),
 * a fresh PostgreSQL database with the demo data, a worker on a task queue of this file's own,
 * and the API in-process (`app.inject`).
 */
export async function startTestSystem(
  options: {
    policy?: keyof typeof POLICIES;
    /** A time-skipping test server of this file's own, for deadlines, instead of the run's dev server. */
    timeSkipping?: boolean;
    /** Notification channels besides the recording one (e.g. a failing gateway). */
    channels?: NotificationChannel[];
    /** Receives the API's log lines (JSON), as production writes them. */
    logStream?: { write(line: string): void };
    /** The API and the worker connect as a least-privilege role, as in production (test/helpers/database). */
    appRole?: boolean;
    /** Start the worker's daily rounds (reminders, summaries), as `npm start` and `npm run worker` do. */
    dailyRounds?: boolean;
    /** The API's audit checkpoint interval (api/audit.ts); 0: none. */
    auditCheckpointEveryMs?: number;
  } = {},
): Promise<TestSystem> {
  const payloadCodec = TEST_PAYLOAD_CODEC;
  const dataConverter = encryptedDataConverter(payloadCodec);
  const env = options.timeSkipping
    ? await createTimeSkippingEnv(dataConverter)
    : await TestWorkflowEnvironment.createFromExistingServer({
        address: process.env.TEST_TEMPORAL_ADDRESS,
        client: { dataConverter },
      });
  const channel = recordingChannel();
  const db = await createTestDatabase({ appRole: options.appRole });
  await seedDemoData(db.database.db);
  const taskQueue = `test-${randomUUID()}`;
  const worker: Worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    db: db.database.db,
    channels: [...(options.channels ?? []), channel],
    payloadCodec,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
  });
  const workerRun = worker.run();
  const { policy, document } = loadPolicy(POLICIES[options.policy ?? 'standard']);
  const tokenSecret = randomUUID() + randomUUID();
  const app = await buildApp(
    {
      db: db.database,
      temporal: env.client,
      taskQueue,
      policy,
      policyDocument: document,
      tokenSecret,
      tokenTtlSeconds: 3_600,
      auditKey: TEST_AUDIT_KEY,
      auditCheckpointEveryMs: options.auditCheckpointEveryMs,
      payloadCodec,
      codecCorsOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
      clock: () => env.currentTimeMs(),
    },
    options.logStream ? { ...(loggerOptions('info') as object), stream: options.logStream } : false,
  );

  if (options.dailyRounds) await startDailyRounds(env.client, taskQueue, policy);

  const tokens = new Map<string, string>();
  const tokenFor = async (username: string) => {
    const cached = tokens.get(username);
    if (cached) return cached;
    const reply = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username, password: DEMO_PASSWORD },
    });
    if (reply.statusCode !== 200) throw new Error(`login as ${username} failed: ${reply.body}`);
    const token = (reply.json() as { token: string }).token;
    tokens.set(username, token);
    return token;
  };

  return {
    app,
    outbox: channel.sent,
    env,
    db,
    taskQueue,
    payloadCodec,
    tokenSecret,
    tokenFor,
    async as(username, injectOptions) {
      const token = await tokenFor(username);
      return app.inject({
        ...injectOptions,
        headers: { ...injectOptions.headers, authorization: `Bearer ${token}` },
      });
    },
    async close() {
      await app.close();
      if (options.dailyRounds)
        await env.client.workflow.getHandle(dailyRoundsWorkflowId(taskQueue)).terminate('test over');
      worker.shutdown();
      await workerRun;
      await env.teardown();
      await db.drop();
    },
  };
}
