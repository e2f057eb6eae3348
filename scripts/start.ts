// `npm start`: the whole system on embedded defaults in one supervised group — the Temporal dev
// server (a child process, SQLite in DATA_DIR), the database (PGlite in DATA_DIR unless
// DATABASE_URL is set), the worker and the API (in this process, sharing the database).
// Ctrl-C stops everything in order; if any part dies, the rest is stopped too. If a part cannot
// start, those already started are stopped and the process exits 1 saying which part and what to
// do. A Temporal server an earlier start left running (killed with -9, crashed) is found by its
// pid file (data/temporal.pid) and stopped before a new one starts.
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
import { AnotherStartRunning, startDevServer, stopLeftBehind } from './temporal-dev-server';

function say(message: string) {
  process.stdout.write(`${message}\n`);
}

/** The embedded default keeps its token secret in the data folder, so logins survive a restart. */
function embeddedTokenSecret(dataDir: string): string {
  const file = join(dataDir, 'token-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** A part of the system that could not start: which, why, and what the user can do. */
class PartFailed extends Error {
  constructor(
    readonly part: string,
    readonly hint: string,
    readonly reason: unknown,
  ) {
    super(`${part}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

/** Ctrl-C came while starting: the parts not yet started are not started. */
class StoppedWhileStarting extends Error {}

const inUse = (error: unknown) => (error as { code?: unknown } | null)?.code === 'EADDRINUSE';

runMain(async () => {
  const config = loadConfig('embedded');
  const { policy, document } = loadPolicy(config.policyPath);
  mkdirSync(config.dataDir, { recursive: true });

  // Never half a system: each part that has started is stopped again, last first, if a later
  // part cannot start.
  const started: { name: string; stop: () => Promise<unknown> }[] = [];
  const stopStarted = async (tell = false) => {
    for (const part of started.splice(0).reverse()) {
      await part.stop().then(
        () => tell && say(`  ${part.name}: stopped`),
        (error: unknown) => say(`  (stopping ${part.name}: ${String(error)})`),
      );
    }
  };

  // Ctrl-C in a terminal sends SIGINT to every process of the group, and npm passes it on again:
  // one Ctrl-C arrives here twice. The handlers stay for the whole run, so a repeat never finds
  // none. (`npm start` runs this file with tsx as a loader, not under the tsx command, which kills
  // its child when it does not answer a signal within 60 ms, as when bundling or closing.)
  let signalled: (signal: string) => void = () => undefined;
  const signal = new Promise<string>((resolve) => (signalled = resolve));
  let stopping = false;
  let ready = false;
  const onSignal = (name: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // While starting, the part starting now finishes, then everything stops in the same order.
    if (!ready) say(`stopping (${name}) once the part now starting is up…`);
    signalled(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  async function startPart<T>(
    name: string,
    hint: (error: unknown) => string,
    start: () => Promise<T>,
  ): Promise<T> {
    if (stopping) throw new StoppedWhileStarting();
    try {
      return await start();
    } catch (error) {
      throw new PartFailed(name, hint(error), error);
    }
  }

  try {
    await run();
  } catch (error) {
    if (error instanceof StoppedWhileStarting) {
      await stopStarted(true);
      say('stopped.');
      return;
    }
    await stopStarted();
    if (!(error instanceof PartFailed)) throw error;
    process.stderr.write(
      `\nnpm start could not start ${error.message}\n${error.hint}\nNothing was left running.\n`,
    );
    process.exit(1);
  }

  async function run() {
    const temporalDb = join(config.dataDir, 'temporal.sqlite');
    const temporalLog = join(config.dataDir, 'temporal.log');
    const server = config.temporalAddress
      ? undefined
      : await startPart(
          'the Temporal server',
          (error) =>
            error instanceof AnotherStartRunning
              ? `Use that one, or stop it first (Ctrl-C in its terminal); a second system needs its own DATA_DIR and ports.`
              : `Is port ${config.temporalPort} or ${config.temporalUiPort} taken by another program? Set TEMPORAL_PORT ` +
                `and TEMPORAL_UI_PORT, or stop it; the server's own log is ${temporalLog}.`,
          async () => {
            // A server an earlier `npm start` left running (it was killed, or crashed) holds the
            // database file and the ports: stop it first (a fresh one gets this start's settings).
            const pidFile = join(config.dataDir, 'temporal.pid');
            const leftBehind = await stopLeftBehind(pidFile, temporalDb);
            if (leftBehind)
              say(`stopped the Temporal server an earlier npm start left running (pid ${leftBehind})`);
            say('starting the embedded Temporal server…');
            return startDevServer({
              dbFilename: temporalDb,
              logFile: temporalLog,
              port: config.temporalPort,
              uiPort: config.temporalUiPort,
              namespace: config.temporalNamespace,
              // The Web UI asks the API to decode payloads (an authorised supervisor's token is needed).
              codecEndpoint: `http://${config.host}:${config.port}/codec`,
              pidFile,
              // Ctrl-C reaches the whole foreground group: the server must wait for the worker.
              ownGroup: true,
            });
          },
        );
    if (server) started.push({ name: 'the Temporal server', stop: () => server.stop() });
    else say(`Temporal: ${config.temporalAddress}`);
    const address = config.temporalAddress ?? server!.address;
    const payloadCodec = new EncryptionCodec(
      config.payloadKeys ?? embeddedPayloadKeys(config.dataDir, { create: true }),
    );

    say(config.databaseUrl ? 'opening PostgreSQL…' : `opening the embedded database in ${config.dataDir}…`);
    const database = await startPart(
      'the database',
      () =>
        config.databaseUrl
          ? 'Check that PostgreSQL answers at DATABASE_URL and that its user may connect.'
          : `Check that ${config.dataDir} is writable and has room; to start over, delete it.`,
      async () => {
        const opened = await openDatabase(config);
        started.push({ name: 'the database', stop: () => opened.close() });
        if (!config.databaseUrl) await seedDemoData(opened.db);
        return opened;
      },
    );

    say('starting the worker (bundling the workflows)…');
    const { workerRun } = await startPart(
      'the worker',
      () => `Check that the Temporal server answers at ${address}; the message above says what failed.`,
      async () => {
        // Not the SDK's own signal handling: on Ctrl-C the worker drains after the API has stopped.
        installRuntime(config.temporalMetricsAddress, { shutdownSignals: [] });
        const workerConnection = await NativeConnection.connect({ address });
        started.push({ name: 'the worker connection', stop: () => workerConnection.close() });
        const worker = await createWorker({
          connection: workerConnection,
          namespace: config.temporalNamespace,
          taskQueue: config.taskQueue,
          db: database.db,
          channels: configuredChannels(config.notifyWebhookUrl),
          payloadCodec,
        });
        const workerRun = worker.run();
        started.push({
          name: 'the worker',
          stop: async () => {
            if (worker.getState() === 'RUNNING') worker.shutdown();
            await workerRun.catch(() => undefined);
          },
        });
        const stopPartitions = startPartitionJob(database.db, say);
        started.push({ name: 'the partition job', stop: async () => stopPartitions() });
        return { workerRun };
      },
    );

    await startPart(
      'the API',
      (error) =>
        inUse(error)
          ? `Port ${config.port} on ${config.host} is in use by another program: stop it, or set PORT.`
          : 'The message above says what failed.',
      async () => {
        const connection = await Connection.connect({ address });
        started.push({ name: 'the API’s Temporal connection', stop: () => connection.close() });
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
            payloadCodec,
            codecCorsOrigins: config.codecCorsOrigins,
            importMaxBytes: config.importMaxBytes,
            trustProxy: config.trustProxy,
          },
          loggerOptions(config.logLevel),
        );
        started.push({ name: 'the API', stop: () => app.close() });
        await app.listen({ host: config.host, port: config.port });
      },
    );

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
    ready = true;

    const reason = await Promise.race([
      signal,
      workerRun.then(
        () => 'the worker stopped',
        (error: unknown) => `the worker failed: ${String(error)}`,
      ),
      ...(server ? [server.exited.then((code) => `the Temporal server exited (code ${code})`)] : []),
    ]);
    stopping = true;
    say(`stopping (${reason})…`);
    // Last started, first stopped: the API, then the worker drains, the database, the server.
    await stopStarted(true);
    say('stopped.');
    process.exitCode = reason.startsWith('SIG') ? 0 : 1;
  }
});
