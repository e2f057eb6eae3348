// `npm run api`: the HTTP API as its own process (production). Needs DATABASE_URL,
// TEMPORAL_ADDRESS, TOKEN_SECRET and PAYLOAD_KEYS; see .env.example.
import { Client, Connection } from '@temporalio/client';
import { encryptedDataConverter } from '../codec/data-converter';
import { EncryptionCodec } from '../codec/encryption-codec';
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
  const payloadCodec = new EncryptionCodec(config.payloadKeys!);
  const temporal = new Client({
    connection,
    namespace: config.temporalNamespace,
    dataConverter: encryptedDataConverter(payloadCodec),
  });
  const app = await buildApp(
    {
      db: database,
      temporal,
      taskQueue: config.taskQueue,
      policy,
      policyDocument: document,
      tokenSecret: config.tokenSecret!,
      tokenTtlSeconds: config.tokenTtlSeconds,
      payloadCodec,
      codecCorsOrigins: config.codecCorsOrigins,
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
