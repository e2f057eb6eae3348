// `npm start`: the whole system on embedded defaults in one supervised group — the Temporal dev
// server (a child process, SQLite in DATA_DIR), the database (PGlite in DATA_DIR unless
// DATABASE_URL is set), the worker and the API (in this process, sharing the database).
// Ctrl-C stops everything in order; if any part dies, the rest is stopped too.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { buildApp, loggerOptions } from '../api/app';
import { configuredChannels } from '../activities/notifier';
import { encryptedDataConverter } from '../codec/data-converter';
import { EncryptionCodec } from '../codec/encryption-codec';
import { loadConfig } from '../config/config';
import { loadPolicy } from '../config/policy';
import { openDatabase } from '../db/client';
import { startPartitionJob } from '../db/partitions';
import { createWorker, installRuntime, startDailyRounds } from '../worker/worker';
import { DEMO_PASSWORD, seedDemoData } from './demo-data';
import { embeddedAuditKey, embeddedPayloadKeys } from './embedded-keys';
import { runMain } from '../config/run-main';
import { startDevServer } from './temporal-dev-server';

function say(message: string) {
  process.stdout.write(`${message}\n`);
}

/** The embedded default keeps its token secret in the data folder, so logins survive a restart. */
function embeddedTokenSecret(dataDir: string): string {
  const file = join(dataDir, 'token-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

runMain(async () => {
  const config = loadConfig('embedded');
  const { policy, document } = loadPolicy(config.policyPath);
  mkdirSync(config.dataDir, { recursive: true });

  say(
    config.temporalAddress ? `Temporal: ${config.temporalAddress}` : 'starting the embedded Temporal server…',
  );
  const server = config.temporalAddress
    ? undefined
    : await startDevServer({
        dbFilename: join(config.dataDir, 'temporal.sqlite'),
        logFile: join(config.dataDir, 'temporal.log'),
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        namespace: config.temporalNamespace,
        // The Web UI asks the API to decode payloads (an authorised supervisor's token is needed).
        codecEndpoint: `http://${config.host}:${config.port}/codec`,
      });
  const address = config.temporalAddress ?? server!.address;
  const payloadCodec = new EncryptionCodec(
    config.payloadKeys ?? embeddedPayloadKeys(config.dataDir, { create: true }),
  );

  say(config.databaseUrl ? 'opening PostgreSQL…' : `opening the embedded database in ${config.dataDir}…`);
  const database = await openDatabase(config);
  if (!config.databaseUrl) await seedDemoData(database.db);

  say('starting the worker (bundling the workflows)…');
  installRuntime(config.temporalMetricsAddress);
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection: workerConnection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    db: database.db,
    channels: configuredChannels(config.notifyWebhookUrl),
    payloadCodec,
  });
  const workerRun = worker.run();
  const stopPartitions = startPartitionJob(database.db, say);

  const connection = await Connection.connect({ address });
  const temporal = new Client({
    connection,
    namespace: config.temporalNamespace,
    dataConverter: encryptedDataConverter(payloadCodec),
  });
  await startDailyRounds(temporal, config.taskQueue, policy);
  const app = await buildApp(
    {
      db: database,
      temporal,
      taskQueue: config.taskQueue,
      policy,
      policyDocument: document,
      tokenSecret: config.tokenSecret ?? embeddedTokenSecret(config.dataDir),
      tokenTtlSeconds: config.tokenTtlSeconds,
      offlineKeepSeconds: config.offlineKeepSeconds,
      auditKey: config.auditKey ?? embeddedAuditKey(config.dataDir, { create: true }),
      importConcurrency: config.importConcurrency,
      importMaxBytes: config.importMaxBytes,
      payloadCodec,
      codecCorsOrigins: config.codecCorsOrigins,
    },
    loggerOptions(config.logLevel),
  );
  await app.listen({ host: config.host, port: config.port });

  const base = `http://${config.host}:${config.port}`;
  say('');
  say(`  Console      ${base}/`);
  say(`  API          ${base}/v1`);
  say(`  Swagger UI   ${base}/docs`);
  say(`  Metrics      ${base}/metrics`);
  if (config.temporalMetricsAddress) say(`  SDK metrics  http://${config.temporalMetricsAddress}/metrics`);
  if (server) say(`  Temporal UI  http://127.0.0.1:${config.temporalUiPort}`);
  say(`  policy       ${policy.version}`);
  if (!config.databaseUrl)
    say(`  demo users   liaison, worker.canglang, supervisor.gusu … (password ${DEMO_PASSWORD})`);
  say('  Ctrl-C stops everything.');
  say('');

  const signal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const reason = await Promise.race([
    signal,
    workerRun.then(
      () => 'the worker stopped',
      (error: unknown) => `the worker failed: ${String(error)}`,
    ),
    ...(server ? [server.exited.then((code) => `the Temporal server exited (code ${code})`)] : []),
  ]);
  say(`stopping (${reason})…`);
  await app.close();
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await workerRun.catch(() => undefined);
  stopPartitions();
  await connection.close();
  await workerConnection.close();
  await database.close();
  await server?.stop();
  say('stopped.');
  process.exitCode = reason.startsWith('SIG') ? 0 : 1;
});
