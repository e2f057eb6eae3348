// `npm run migrate`: applies pending database migrations as the owner (DATABASE_OWNER_URL, else
// DATABASE_URL), once per deployment and before the API and the worker start; they never change
// the schema themselves. Safe to run twice at once (an advisory lock serialises it).
import { loadConfig } from '../config/config';
import { runMain } from '../config/run-main';
import { migrateDatabase } from '../db/client';

runMain(async () => {
  const config = loadConfig('migrate');
  await migrateDatabase(config.databaseOwnerUrl ?? config.databaseUrl, config.databaseUrl);
  process.stdout.write('migrations applied\n');
});
