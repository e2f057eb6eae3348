import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SQLITE_PRAGMAS, startDevServer } from '../../scripts/temporal-dev-server';
import { freePort } from '../../test/helpers/net';
import { row } from '../lib/report';
import { BenchSystem } from '../lib/system';
import { closedLoop } from './start';

// The embedded server's SQLite journal, the bottleneck of every write: a fresh dev server for
// each setting and round, and the rate at which it accepts workflow starts (no worker polls).

const SETTINGS: Record<string, string[]> = {
  'rollback journal (SQLite default)': [],
  [`write-ahead log (${SQLITE_PRAGMAS.join(', ')})`]: SQLITE_PRAGMAS,
};

export async function serverJournal({
  seconds,
  rounds,
  concurrency,
}: {
  seconds: number;
  rounds: number;
  concurrency: number;
}) {
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, sqlitePragmas] of Object.entries(SETTINGS)) {
      const dir = mkdtempSync(join(tmpdir(), 'rehab-bench-journal-'));
      const server = await startDevServer({
        dbFilename: join(dir, 'temporal.sqlite'),
        logFile: join(dir, 'temporal.log'),
        port: await freePort(),
        uiPort: await freePort(),
        namespace: 'default',
        sqlitePragmas,
      });
      const connection = await Connection.connect({ address: server.address });
      try {
        const client = new Client({ connection });
        const result = await closedLoop(concurrency, seconds, () =>
          client.workflow.start('trivial', { taskQueue: 'nobody-polls', workflowId: BenchSystem.rawId() }),
        );
        (rates[name] ??= []).push(Math.round(result.rate * 10) / 10);
        row(`raw starts/s, ${name}`, result.rate, '/s', `p50 ${result.latency.p50} ms`);
      } finally {
        await connection.close();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return { concurrency, seconds, startsPerSecond: rates };
}
