// `npm run api`: the HTTP API as its own process (production). Needs DATABASE_URL,
// TEMPORAL_ADDRESS and TOKEN_SECRET; see .env.example.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/config';
import { loadPolicy } from '../config/policy';
import { openDatabase } from '../db/client';
import { runMain } from '../scripts/run-main';
import { buildApp, loggerOptions } from './app';

runMain(async () => {
  const config = loadConfig('api');
  const { policy, document } = loadPolicy(config.policyPath);
  const database = await openDatabase(config);
  const connection = await Connection.connect({ address: config.temporalAddress! });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = await buildApp(
    {
      db: database,
      temporal,
      taskQueue: config.taskQueue,
      policy,
      policyDocument: document,
      tokenSecret: config.tokenSecret!,
      tokenTtlSeconds: config.tokenTtlSeconds,
    },
    loggerOptions(config.logLevel),
  );
  await app.listen({ host: config.host, port: config.port });

  const stop = async () => {
    // Stop accepting, finish in-flight requests, then release the connections.
    await app.close();
    await connection.close();
    await database.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
});
