// `npm run audit:verify`: walks the audit trail's hash chain in DATABASE_URL (or the embedded
// database in DATA_DIR) in one consistent snapshot, with the HMAC key AUDIT_KEY (or the one
// npm start keeps in DATA_DIR), and names the first edited, forged, deleted or reordered row, or
// a tail cut off behind the chain head. Exit code 0 when
// the chain is whole, 2 when it is broken. Keep the printed head hash somewhere else (a ticket,
// a signed mail): a later run that ends on another hash shows the trail was rewritten wholesale.
import { loadConfig } from '../config/config';
import { verifyAuditChain } from '../db/audit';
import { openDatabase } from '../db/client';
import { runMain } from '../config/run-main';
import { embeddedAuditKey } from './embedded-keys';

runMain(async () => {
  const config = loadConfig('embedded');
  const database = await openDatabase(config);
  try {
    process.stdout.write(`verifying the audit trail in the ${database.kind} database…\n`);
    const key = config.auditKey ?? embeddedAuditKey(config.dataDir, { create: false });
    const result = await verifyAuditChain(database.db, key, (checked) =>
      process.stdout.write(`  ${checked} rows verified\n`),
    );
    if (result.problem) {
      const { rowId, kind, detail } = result.problem;
      process.stdout.write(`TAMPERED: row ${rowId} ${kind}: ${detail}\n`);
      process.exitCode = 2;
    } else {
      process.stdout.write(`ok: ${result.rows} rows, chain intact; head hash ${result.headHash}\n`);
    }
  } finally {
    await database.close();
  }
});
