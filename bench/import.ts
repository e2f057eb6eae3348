// R25 at scale: how long an import of N rows takes through the API process, and what it does to a
// caseworker's event round trip meanwhile. The system is the production one (bench/lib/system.ts:
// dev server, PostgreSQL, worker and API processes); the rows are a mixed caseload, most mid-term.
// Usage: npm run bench:import [-- --rows 5000 --concurrency 4]
import { loadavg } from 'node:os';
import { importCsv } from '../test/helpers/imports';
import { importRows } from './lib/cases';
import { communityCases } from './phases/events';
import { machine, progressBar, row, say, writeResults } from './lib/report';
import { latencies } from './lib/stats';
import { BenchSystem } from './lib/system';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 5_000);
const CONCURRENCY = arg('concurrency', 4);

async function eventRoundTrips(sys: BenchSystem, ids: string[], until: () => boolean): Promise<number[]> {
  const token = await sys.token('worker.canglang');
  const times: number[] = [];
  for (let i = 0; !until(); i += 1) {
    const started = performance.now();
    const reply = await fetch(`${sys.apiUrl}/v1/cases/${ids[i % ids.length]}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'contact', channel: 'phone', reached: true }),
    });
    await reply.arrayBuffer();
    if (reply.status !== 201) throw new Error(`an event answered ${reply.status}`);
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return times;
}

async function main() {
  const sys = new BenchSystem();
  const startedAt = new Date().toISOString();
  try {
    await sys.start();
    const [{ version }] = (await sys.sql<{ version: string }>('select version() as version')) as [
      { version: string },
    ];
    process.env.IMPORT_CONCURRENCY = String(CONCURRENCY);
    await sys.startWorker({ prebuilt: true });
    await sys.startApi();
    say(`import of ${ROWS.toLocaleString()} rows, ${CONCURRENCY} at a time`);
    const cases = await communityCases(sys, 10);
    const quietUntil = Date.now() + 15_000;
    const quiet = latencies(await eventRoundTrips(sys, cases, () => Date.now() > quietUntil));

    const csv = importCsv(importRows(ROWS, Date.now()));
    const token = await sys.token('supervisor.city');
    const sent = performance.now();
    const accepted = await fetch(`${sys.apiUrl}/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: csv,
    });
    if (accepted.status !== 202)
      throw new Error(`the import answered ${accepted.status}: ${await accepted.text()}`);
    const acceptedMs = performance.now() - sent;
    const { id } = (await accepted.json()) as { id: string };
    let view = { status: 'running', created: 0, skipped: 0, pending: ROWS, invalid: [] as unknown[] };
    const bar = progressBar('rows', ROWS);
    const during = eventRoundTrips(sys, cases, () => view.status !== 'running');
    while (view.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      view = (await (
        await fetch(`${sys.apiUrl}/v1/imports/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as typeof view;
      bar.tick(ROWS - view.pending);
    }
    bar.end();
    const totalMs = performance.now() - sent;
    const load = loadavg().map((l) => Math.round(l * 10) / 10);
    const busy = latencies(await during);
    const rate = view.created / (totalMs / 1000);

    say();
    row('rows created', view.created, 'rows', `of ${ROWS}, status ${view.status}`);
    row('file accepted (parse, check, job stored)', acceptedMs / 1000, 's', 'POST /v1/imports to its 202');
    row('import, end to end', totalMs / 1000, 's', 'POST to status done');
    row('throughput', rate, 'rows/s');
    row('25,000 rows at that rate', 25_000 / rate / 60, 'min', 'extrapolated');
    row('event round trip, quiet: p50 / p95', `${quiet.p50} / ${quiet.p95}`, 'ms', `${quiet.count} events`);
    row(
      'event round trip, importing: p50 / p95',
      `${busy.p50} / ${busy.p95}`,
      'ms',
      `${busy.count} events, max ${busy.max}`,
    );

    const file = await writeResults(
      {
        startedAt,
        headline: `${ROWS} rows imported in ${(totalMs / 1000).toFixed(0)} s (${rate.toFixed(1)} rows/s, ${CONCURRENCY} at a time; 25,000 rows ≈ ${(25_000 / rate / 60).toFixed(0)} min); a caseworker's event round trip p95 ${quiet.p95} ms quiet, ${busy.p95} ms during the import`,
        rows: ROWS,
        concurrency: CONCURRENCY,
        status: view.status,
        created: view.created,
        acceptedSeconds: Math.round(acceptedMs) / 1000,
        totalSeconds: Math.round(totalMs) / 1000,
        rowsPerSecond: Math.round(rate * 10) / 10,
        extrapolated25000Minutes: Math.round((25_000 / rate / 60) * 10) / 10,
        eventRoundTripMs: { quiet, duringImport: busy },
        // The machine is shared: its load average (1, 5, 15 min) at the end says how busy it was.
        loadAverage: load,
        machine: machine(version),
      } as { startedAt: string },
      'import',
    );
    say(`\nwritten: bench/results/import-latest.json and ${file.slice(file.indexOf('bench/'))}`);
  } finally {
    await sys.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
