// Writes `<name>.inputs.json` beside each stored history that has none, by replaying it with the
// input recorder (test/helpers/activity-inputs.ts): for histories recorded before the recorder
// existed. `npx tsx test/helpers/record-missing-inputs.ts`
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputsPath, saveInputs } from './activity-inputs';
import { historyFromFixture } from './histories';

async function main(): Promise<void> {
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.inputs.json'))) {
    const path = join(dir, file);
    if (existsSync(inputsPath(path))) continue;
    const count = await saveInputs(path, historyFromFixture(readFileSync(path, 'utf8')));
    process.stdout.write(`${file}: ${count} activity inputs\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
