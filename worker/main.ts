// `npm run worker`: the Temporal worker as its own process (production). Needs DATABASE_URL,
// TEMPORAL_ADDRESS and PAYLOAD_KEYS; see .env.example. SIGINT/SIGTERM drain it (the SDK's default signals).
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { loadPolicy } from '../config/policy';
import { openDatabase } from '../db/client';
import { runMain } from '../scripts/run-main';
import { configuredWorkerDeps, createWorker } from './worker';

runMain(async () => {
  const config = loadConfig('worker');
  // Validated here too, so a bad policy stops a deployment at its first process.
  loadPolicy(config.policyPath);
  const database = await openDatabase(config);
  const connection = await NativeConnection.connect({ address: config.temporalAddress! });
  try {
    const worker = await createWorker(configuredWorkerDeps(config, connection, database.db));
    await worker.run();
  } finally {
    await connection.close();
    await database.close();
  }
});
