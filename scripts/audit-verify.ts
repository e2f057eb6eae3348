// `npm run audit:verify`: walks every chain of the audit trail and every signed checkpoint in
// DATABASE_URL (or the embedded database in DATA_DIR) in one consistent snapshot, with the HMAC key
// AUDIT_KEY (or the one npm start keeps in DATA_DIR), and names the first edited, forged, deleted
// or reordered row (shard, seq, id), a tail cut off behind its head or behind a checkpoint, or a
// checkpoint edited, deleted or moved. Exit code 0 when the trail is whole (it then signs a new
// checkpoint over the heads), 2 when it is broken. Keep the printed checkpoint signature somewhere
// else (a ticket, a signed mail): a later run whose checkpoints do not contain it shows the trail
// was rewritten wholesale.
import { loadConfig } from '../config/config';
import { writeCheckpoint } from '../db/audit/checkpoints';
import { verifyAuditTrail } from '../db/audit/verify';
import { openDatabase } from '../db/client';
import { runMain } from '../config/run-main';
import { embeddedAuditKey } from './embedded-keys';

runMain(async () => {
  const config = loadConfig('embedded');
  const database = await openDatabase(config);
  try {
    process.stdout.write(`verifying the audit trail in the ${database.kind} database…\n`);
    const key = config.auditKey ?? embeddedAuditKey(config.dataDir, { create: false });
    const result = await verifyAuditTrail(database.db, key, (shard, checked) =>
      process.stdout.write(`  shard ${shard}: ${checked} rows verified\n`),
    );
    if (result.problem) {
      const { kind, shard, seq, rowId, checkpointId, detail } = result.problem;
      const where = [
        shard === null ? null : `shard ${shard}`,
        seq === null ? null : `seq ${seq}`,
        rowId === null ? null : `row ${rowId}`,
        checkpointId === null ? null : `checkpoint ${checkpointId}`,
      ].filter(Boolean);
      process.stdout.write(`TAMPERED: ${where.join(' ')} ${kind}: ${detail}\n`);
      process.exitCode = 2;
      return;
    }
    const checkpoint = await writeCheckpoint(database.db, key);
    const mac = checkpoint?.mac ?? result.lastCheckpointMac;
    process.stdout.write(
      `ok: ${result.rows} rows in ${result.shards} chains and ${result.checkpoints} checkpoints intact` +
        (mac ? `; checkpoint ${checkpoint ? `${checkpoint.id} signed` : 'unchanged'}: ${mac}\n` : '\n'),
    );
  } finally {
    await database.close();
  }
});
