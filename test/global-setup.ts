import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client as PgClient } from 'pg';
import { temporalBinaries } from '../scripts/temporal-dev-server';
import { bundleWorkflows } from '../worker/worker';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { adminDatabaseUrl } from './helpers/database';

// One real Temporal dev server for the whole run (each test file uses its own task queue and
// workflow ids), one workflow bundle built once, and a check that PostgreSQL answers.
export default async function globalSetup(): Promise<void> {
  const pg = new PgClient({ connectionString: adminDatabaseUrl() });
  try {
    await pg.connect();
    await pg.query('select 1');
  } catch (error) {
    throw new Error(
      `tests need PostgreSQL at ${adminDatabaseUrl()} (set TEST_DATABASE_URL): ${String(error)}`,
    );
  } finally {
    await pg.end().catch(() => undefined);
  }

  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinaries().cli },
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
  (globalThis as { temporalTestEnv?: TestWorkflowEnvironment }).temporalTestEnv = env;
  process.env.TEST_TEMPORAL_ADDRESS = env.address;

  const file = join(mkdtempSync(join(tmpdir(), 'rehab-test-')), 'workflow-bundle.js');
  writeFileSync(file, await bundleWorkflows());
  process.env.TEST_WORKFLOW_BUNDLE = file;
}
