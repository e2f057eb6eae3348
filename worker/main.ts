// `npm run worker`: the Temporal worker as its own process (production). Needs DATABASE_URL,
// TEMPORAL_ADDRESS and PAYLOAD_KEYS; see .env.example. The schema must be current (`npm run
// migrate` first). SIGINT/SIGTERM drain it (the SDK's default signals).
import { tracing } from './tracing';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { loadPolicy } from '../config/policy';
import { runMain } from '../config/run-main';
import { encryptedDataConverter } from '../codec/data-converter';
import { openDatabase } from '../db/client';
import { startPartitionJob } from '../db/partitions';
import { configuredWorkerDeps, createWorker, installRuntime, startDailyRounds } from './worker';

runMain(async () => {
  const config = loadConfig('worker');
  // Validated here too, so a bad policy stops a deployment at its first process; the daily
  // rounds take their lead time and day from it.
  const { policy } = loadPolicy(config.policyPath);
  installRuntime(config.temporalMetricsAddress);
  const database = await openDatabase({ ...config, migrate: false });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const clientConnection = await Connection.connect({ address: config.temporalAddress });
  // The worker keeps the months ahead of the partitioned tables (docs/operations.md).
  const stopPartitions = startPartitionJob(database.db, (line) => process.stdout.write(`worker: ${line}\n`));
  try {
    const deps = configuredWorkerDeps(config, connection, database.db);
    const worker = await createWorker({ ...deps, tracing });
    await startDailyRounds(
      new Client({
        connection: clientConnection,
        namespace: config.temporalNamespace,
        dataConverter: encryptedDataConverter(deps.payloadCodec),
      }),
      config.taskQueue,
      policy,
    );
    process.stdout.write(
      `worker: running on task queue ${config.taskQueue}` +
        (config.deployment
          ? `, deployment ${config.deployment.name} build ${config.deployment.buildId}`
          : '') +
        (config.temporalMetricsAddress
          ? `, metrics at http://${config.temporalMetricsAddress}/metrics`
          : '') +
        '\n',
    );
    await worker.run();
  } finally {
    await clientConnection.close();
    stopPartitions();
    await connection.close();
    await database.close();
  }
});
