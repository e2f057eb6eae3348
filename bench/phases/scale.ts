import { nextHandover } from '../lib/cases';
import { failures, load } from '../lib/load';
import { progressBar, row, say } from '../lib/report';
import { BenchSystem } from '../lib/system';
import { cpuMeter } from '../lib/cpu';

// A city's caseload: open cases through the API until N are active (each a running workflow with
// its timers, and its rows in PostgreSQL), then the memory of the worker and the API, the size
// of the database and of the Temporal store, and the supervisors' and caseworkers' queries.

const QUERIES: [name: string, path: string, username: string][] = [
  ['inbox (liaison, mine)', '/v1/tasks?mine=true', 'liaison'],
  ['inbox (caseworker, mine)', '/v1/tasks?mine=true', 'worker.canglang'],
  ['stalled (city)', '/v1/supervisor/stalled', 'supervisor.city'],
  ['kpis (city, one year)', '/v1/supervisor/kpis', 'supervisor.city'],
  ['case list (city, 50)', '/v1/cases?limit=50', 'supervisor.city'],
];

export async function activeCases(sys: BenchSystem): Promise<number> {
  return Number(
    (await sys.sql<{ n: string }>(`select count(*) as n from cases where status = 'open'`))[0]!.n,
  );
}

export async function scale(
  sys: BenchSystem,
  { cases, concurrency, queryRuns }: { cases: number; concurrency: number; queryRuns: number },
) {
  const before = await activeCases(sys);
  const toOpen = Math.max(0, cases - before);
  const bar = progressBar('opening cases', toOpen);
  const meter = cpuMeter(sys.processes());
  const opened = await load({
    url: sys.apiUrl,
    connections: concurrency,
    amount: toOpen,
    method: 'POST',
    path: '/v1/cases',
    token: await sys.token('liaison'),
    setup: () => ({ body: nextHandover() }),
    onProgress: (done) => bar.tick(done),
  });
  bar.end();
  const cores = meter();
  const active = await activeCases(sys);
  row(
    `opened ${toOpen.toLocaleString('en-US')} cases (${before} open before)`,
    opened.rate,
    '/s',
    `${(opened.seconds / 60).toFixed(1)} min, p50 ${opened.latency.p50} ms, p99 ${opened.latency.p99} ms, failed ${failures(opened, 201)}; cores ${JSON.stringify(cores)}`,
  );
  // The worker settles (its last activities and timers), then its memory is read.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const worker = BenchSystem.memory(sys.worker!.pid);
  const api = BenchSystem.memory(sys.api!.pid);
  const [{ bytes }] = (await sys.sql<{ bytes: string }>(
    `select pg_database_size(current_database()) as bytes`,
  )) as [{ bytes: string }];
  const rows = (
    await sys.sql<Record<string, string>>(
      `select (select count(*) from cases) as cases, (select count(*) from tasks) as tasks,
              (select count(*) from timeline) as timeline, (select count(*) from audit_log) as audit`,
    )
  )[0];
  const figures = {
    activeCases: active,
    openedThroughApi: toOpen,
    openPerSecond: Math.round(opened.rate * 10) / 10,
    openMinutes: Math.round((opened.seconds / 60) * 10) / 10,
    openFailed: failures(opened, 201),
    openCores: cores,
    workerRssMiB: worker.rssMiB,
    workerPeakRssMiB: worker.peakMiB,
    apiRssMiB: api.rssMiB,
    databaseMiB: Math.round(Number(bytes) / 2 ** 20),
    temporalStoreMiB: sys.temporalStoreMiB(),
    rows,
    queriesBeforeAnalyze: {} as Record<string, unknown>,
    queries: {} as Record<string, unknown>,
  };
  row('active cases (open workflows)', active, '');
  row('worker RSS (VmRSS of its process)', worker.rssMiB, 'MiB', `peak ${worker.peakMiB} MiB`);
  row('API RSS', api.rssMiB, 'MiB', `peak ${api.peakMiB} MiB`);
  row('PostgreSQL database size', figures.databaseMiB, 'MiB', JSON.stringify(rows));
  row('Temporal SQLite store', figures.temporalStoreMiB, 'MiB');
  // First with the planner statistics as the run left them (this machine's PostgreSQL runs with
  // autovacuum off, and PGlite never runs it), then after ANALYZE, as autovacuum would have done.
  for (const statistics of ['stale', 'analyzed'] as const) {
    if (statistics === 'analyzed') await sys.sql('analyze');
    const measured: Record<string, unknown> = {};
    for (const [name, path, username] of QUERIES) {
      const token = await sys.token(username);
      await load({ url: sys.apiUrl, connections: 1, amount: 3, method: 'GET', path, token });
      const result = await load({
        url: sys.apiUrl,
        connections: 1,
        amount: queryRuns,
        method: 'GET',
        path,
        token,
      });
      measured[name] = { ...result.latency, non200: failures(result, 200) };
      row(
        `${name}: p50 / p95`,
        `${result.latency.p50} / ${result.latency.p95}`,
        'ms',
        `${queryRuns} runs, one at a time, statistics ${statistics}`,
      );
    }
    if (statistics === 'stale') figures.queriesBeforeAnalyze = measured;
    else figures.queries = measured;
  }
  say();
  return figures;
}
