// Writes `<name>.inputs.json` beside each stored history that has none, by replaying it with the
// input recorder (test/helpers/activity-inputs.ts): for histories recorded before the recorder
// existed. `npx tsx test/helpers/record-missing-inputs.ts`
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputsByReplay, inputsPath, replayBundle } from './activity-inputs';
import { historyFromFixture } from './histories';

async function main(): Promise<void> {
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  const bundle = await replayBundle();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.inputs.json'))) {
    const path = join(dir, file);
    if (existsSync(inputsPath(path))) continue;
    const inputs = await inputsByReplay(historyFromFixture(readFileSync(path, 'utf8')), bundle);
    writeFileSync(inputsPath(path), JSON.stringify(inputs, null, 1) + '\n');
    process.stdout.write(`${file}: ${inputs.length} activity inputs\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
