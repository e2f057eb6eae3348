// `npm run worker`: the Temporal worker as its own process (production). Needs DATABASE_URL,
// TEMPORAL_ADDRESS and PAYLOAD_KEYS; see .env.example. The schema must be current (`npm run
// migrate` first). SIGINT/SIGTERM drain it (the SDK's default signals).
import { tracing } from './tracing';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { loadPolicy } from '../config/policy';
import { runMain } from '../config/run-main';
import { openDatabase } from '../db/client';
import { configuredWorkerDeps, createWorker, installRuntime } from './worker';

runMain(async () => {
  const config = loadConfig('worker');
  // Validated here too, so a bad policy stops a deployment at its first process.
  loadPolicy(config.policyPath);
  installRuntime(config.temporalMetricsAddress);
  const database = await openDatabase({ ...config, migrate: false });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  try {
    const worker = await createWorker({ ...configuredWorkerDeps(config, connection, database.db), tracing });
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
    await connection.close();
    await database.close();
  }
});
