// `npm run api`: the HTTP API as its own process (production). Needs DATABASE_URL,
// TEMPORAL_ADDRESS, TOKEN_SECRET, AUDIT_KEY and PAYLOAD_KEYS; see .env.example. The schema must be current
// (`npm run migrate` first): this process connects with a role that cannot change it.
import { tracing } from './tracing';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { encryptedDataConverter } from '../codec/data-converter';
import { EncryptionCodec } from '../codec/encryption-codec';
import { loadConfig } from '../config/config';
import { loadPolicy } from '../config/policy';
import { openDatabase } from '../db/client';
import { runMain } from '../config/run-main';
import { buildApp, loggerOptions } from './app';
import { COMMAND_TIMEOUT_MS } from './engine';

/** Long enough for every command in flight to get its answer (or its 503) before the exit. */
const SHUTDOWN_GRACE_MS = COMMAND_TIMEOUT_MS + 5_000;

runMain(async () => {
  const config = loadConfig('api');
  const { policy, document } = loadPolicy(config.policyPath);
  const database = await openDatabase({ ...config, migrate: false });
  const connection = await Connection.connect({ address: config.temporalAddress });
  const payloadCodec = new EncryptionCodec(config.payloadKeys);
  const temporal = new Client({
    connection,
    namespace: config.temporalNamespace,
    dataConverter: encryptedDataConverter(payloadCodec),
    // Carries the request's trace into the workflow's update handler (headers, not payloads).
    interceptors: tracing.enabled ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined,
  });
  const app = await buildApp(
    {
      db: database,
      temporal,
      taskQueue: config.taskQueue,
      policy,
      policyDocument: document,
      tokenSecret: config.tokenSecret,
      tokenTtlSeconds: config.tokenTtlSeconds,
      offlineKeepSeconds: config.offlineKeepSeconds,
      auditKey: config.auditKey,
      importConcurrency: config.importConcurrency,
      importMaxBytes: config.importMaxBytes,
      payloadCodec,
      codecCorsOrigins: config.codecCorsOrigins,
      trustProxy: config.trustProxy,
    },
    loggerOptions(config.logLevel),
  );
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    { trustProxy: config.trustProxy ?? 'none' },
    config.trustProxy === undefined
      ? 'no reverse proxy trusted (TRUST_PROXY unset): X-Forwarded-For is ignored'
      : 'client addresses from X-Forwarded-For through the proxies TRUST_PROXY names',
  );

  const stop = async () => {
    // Stop accepting, finish in-flight requests, then release the connections. A keep-alive
    // connection whose request ends during the close is closed at once (not after the 72 s
    // keep-alive timeout: found by the fault suite); past the grace period, every connection is.
    const closing = app.close();
    const idle = setInterval(() => app.server.closeIdleConnections(), 100);
    const grace = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    await closing;
    clearInterval(idle);
    clearTimeout(grace);
    await connection.close();
    await database.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
});
