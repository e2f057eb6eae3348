// `npm run seed`: loads the demo data into DATABASE_URL (or the embedded database in DATA_DIR).
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/client';
import { seedDemoData } from './demo-data';
import { runMain } from '../config/run-main';

runMain(async () => {
  const config = loadConfig('embedded');
  const database = await openDatabase(config);
  try {
    await seedDemoData(database.db);
    process.stdout.write(`demo data loaded into the ${database.kind} database\n`);
  } finally {
    await database.close();
  }
});
