// `npm run resync -- CASE_ID|--all [--reason TEXT]`: rebuilds the read model (the case row and
// its tasks) of one case or of every case from its workflow, for recovery and after a bug fix
// (docs/operations.md). Idempotent: a second run changes nothing. Each case is audited
// (`case.resync`, the operator's login as the actor). Needs the worker running (it answers the
// workflows' queries) and the API's settings: DATABASE_URL, TEMPORAL_ADDRESS, PAYLOAD_KEYS,
// AUDIT_KEY (or the embedded defaults in DATA_DIR). In production: `node dist/scripts/resync.js`.
import { userInfo } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { encryptedDataConverter } from '../codec/data-converter';
import { EncryptionCodec } from '../codec/encryption-codec';
import { loadConfig } from '../config/config';
import { runMain } from '../config/run-main';
import { openDatabase } from '../db/client';
import { embeddedAuditKey, embeddedPayloadKeys } from './embedded-keys';
import { resyncAll, resyncCase, type ResyncDeps } from './resync-cases';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run resync -- CASE_ID|--all [--reason TEXT]\n`);
  process.exit(2);
}

runMain(async () => {
  const args = process.argv.slice(2);
  const all = args.includes('--all');
  const reasonAt = args.indexOf('--reason');
  const reason =
    reasonAt >= 0
      ? (args[reasonAt + 1] ?? usage('--reason needs a text'))
      : 'read model rebuilt from the workflow';
  const caseId = args.find((arg, i) => !arg.startsWith('--') && i !== reasonAt + 1);
  if (all === Boolean(caseId)) usage('name one case id, or --all');
  if (caseId && !UUID.test(caseId)) usage(`not a case id: ${caseId}`);

  const config = loadConfig('embedded');
  const database = await openDatabase({ ...config, migrate: false });
  const connection = await Connection.connect({
    address: config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`,
  });
  try {
    const deps: ResyncDeps = {
      db: database.db,
      temporal: new Client({
        connection,
        namespace: config.temporalNamespace,
        dataConverter: encryptedDataConverter(
          new EncryptionCodec(config.payloadKeys ?? embeddedPayloadKeys(config.dataDir, { create: false })),
        ),
      }),
      auditKey: config.auditKey ?? embeddedAuditKey(config.dataDir, { create: false }),
      operator: process.env.RESYNC_OPERATOR ?? userInfo().username,
      reason,
    };
    if (caseId) {
      const result = await resyncCase(deps, caseId);
      process.stdout.write(`${caseId}: ${result === 'resynced' ? 'resynced' : 'no workflow found'}\n`);
      process.exitCode = result === 'resynced' ? 0 : 1;
      return;
    }
    const started = Date.now();
    const counts = await resyncAll(deps, (done, total, id, result) => {
      if (result === 'no_workflow' || done % 100 === 0 || done === total)
        process.stdout.write(
          `  ${done}/${total} (${Math.round((done / Math.max(total, 1)) * 100)} %)` +
            (result === 'no_workflow' ? `  ${id}: no workflow found` : '') +
            '\n',
        );
    });
    process.stdout.write(
      `resynced ${counts.resynced} cases in ${Math.round((Date.now() - started) / 1000)} s` +
        (counts.no_workflow ? `; ${counts.no_workflow} without a workflow (left as they were)` : '') +
        '\n',
    );
    process.exitCode = counts.no_workflow ? 1 : 0;
  } finally {
    await connection.close();
    await database.close();
  }
});
