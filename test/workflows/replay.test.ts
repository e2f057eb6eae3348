import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { encryptedDataConverter } from '../../codec/data-converter';
import { historyFromFixture } from '../helpers/histories';
import { TEST_PAYLOAD_CODEC } from '../helpers/system';

// The replay gate: histories of representative cases, recorded from real runs
// (RECORD_HISTORIES=1 npx jest test/lifecycle/whole-case.test.ts), must replay with the current
// workflow code. A change that would break the years-long cases already running fails here;
// make it with patched() instead (workflows/README.md).

const dir = join(__dirname, '..', 'fixtures', 'histories');
const files = readdirSync(dir).filter((file) => file.endsWith('.json'));

it('has histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(2);
});

it.each(files)('replays %s with the current workflow code', async (file) => {
  const history = historyFromFixture(readFileSync(join(dir, file), 'utf8'));
  await Worker.runReplayHistory(
    // Histories recorded by the tests carry payloads encrypted with the tests' key.
    {
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
      dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC),
    },
    history,
    `replay-${file}`,
  );
});
