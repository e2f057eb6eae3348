import { importCaseload, openCases } from '../lib/cases';
import { failureKinds, failures, load } from '../lib/load';
import { progressBar, row, say } from '../lib/report';
import { latencies } from '../lib/stats';
import { BenchSystem } from '../lib/system';
import { cpuMeter } from '../lib/cpu';

// A city's caseload: cases until N are active (each a running workflow with its timers, and its
// rows in PostgreSQL), then the memory of each worker and API process, the size of the database
// and of the Temporal store, and the supervisors' and caseworkers' queries. Loaded one of two
// ways, over every running API (connection i to API i mod n):
//   api     POST /v1/cases, `concurrency` clients: handovers, cases before release;
//   import  POST /v1/imports of generated rows, one file per API, run by the API's import runner
//           `concurrency / APIs` rows at a time each: cases under way, mostly mid-term in the
//           community (the same engine work per case as an open, plus the first tests and
//           contacts falling due), without an HTTP request per case.

const QUERIES: [name: string, path: string, username: string][] = [
  ['inbox (liaison, mine)', '/v1/tasks?mine=true', 'liaison'],
  ['inbox (caseworker, mine)', '/v1/tasks?mine=true', 'worker.canglang'],
  ['stalled (city)', '/v1/supervisor/stalled', 'supervisor.city'],
  ['kpis (city, one year)', '/v1/supervisor/kpis', 'supervisor.city'],
  ['monthly report (city, JSON)', '/v1/reports/monthly', 'supervisor.city'],
  ['case list (city, 50)', '/v1/cases?limit=50', 'supervisor.city'],
];

export async function activeCases(sys: BenchSystem): Promise<number> {
  return Number(
    (await sys.sql<{ n: string }>(`select count(*) as n from cases where status = 'open'`))[0]!.n,
  );
}

export type Loader = 'api' | 'import';

/** Opens `count` cases through every running API; the rate, latencies and failures. */
async function openThroughApi(sys: BenchSystem, count: number, concurrency: number) {
  const bar = progressBar('opening cases', count);
  const opened = await openCases({
    url: sys.apiUrls,
    connections: Math.min(concurrency, Math.max(1, count)),
    amount: count,
    token: await sys.token('liaison'),
    onProgress: (done) => bar.tick(done),
  });
  bar.end();
  return {
    seconds: opened.seconds,
    created: count - failures(opened, 201),
    failed: failures(opened, 201),
    how: `p50 ${opened.latency.p50} ms, p99 ${opened.latency.p99} ms${failures(opened, 201) ? ` (${failureKinds(opened, 201)})` : ''}`,
  };
}

/**
 * Both loaders side by side on a sample, before the caseload: `size` cases each way per round,
 * in alternating order, over every running API. Seconds per 1,000 cases of each; the cases count
 * towards the caseload. Measured, not chosen from: the run loads with `--load`.
 */
async function loaderProbe(
  sys: BenchSystem,
  { size, rounds, concurrency }: { size: number; rounds: number; concurrency: number },
) {
  const seconds: Record<Loader, number[]> = { api: [], import: [] };
  for (let round = 1; round <= rounds; round += 1) {
    const order: Loader[] = round % 2 ? ['api', 'import'] : ['import', 'api'];
    for (const way of order) {
      const done =
        way === 'import'
          ? await importCaseload(sys, size, { concurrency })
          : await openThroughApi(sys, size, concurrency);
      seconds[way].push((done.seconds / Math.max(1, done.created)) * 1000);
      row(
        `loader probe, round ${round}: ${way}`,
        (done.seconds / Math.max(1, done.created)) * 1000,
        's/1000',
        `${done.created} of ${size} cases, ${done.how}`,
      );
    }
  }
  const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;
  const figures = {
    size,
    rounds,
    apiSecondsPer1000: mean(seconds.api),
    importSecondsPer1000: mean(seconds.import),
  };
  row(
    'loader probe: seconds per 1,000, API / import',
    `${figures.apiSecondsPer1000} / ${figures.importSecondsPer1000}`,
    's',
  );
  return figures;
}

export async function scale(
  sys: BenchSystem,
  {
    cases,
    concurrency,
    queryRuns,
    loader = 'api',
  }: { cases: number; concurrency: number; queryRuns: number; loader?: Loader },
) {
  // A caseload large enough to be worth the choice first measures both ways of loading it.
  const probe =
    cases - (await activeCases(sys)) >= 1_000
      ? await loaderProbe(sys, { size: 150, rounds: 2, concurrency })
      : undefined;
  const before = await activeCases(sys);
  const toOpen = Math.max(0, cases - before);
  const meter = cpuMeter(sys.processes());
  const opened =
    toOpen === 0
      ? { seconds: 0, created: 0, failed: 0, how: '' }
      : loader === 'import'
        ? await importCaseload(sys, toOpen, { concurrency })
        : await openThroughApi(sys, toOpen, concurrency);
  const cores = meter();
  const active = await activeCases(sys);
  const rate = opened.seconds > 0 ? opened.created / opened.seconds : NaN;
  const secondsPer1000 = Math.round((1000 / rate) * 10) / 10;
  row(
    `${loader === 'import' ? 'imported' : 'opened'} ${toOpen.toLocaleString('en-US')} cases (${before} open before)`,
    rate,
    '/s',
    `${(opened.seconds / 60).toFixed(1)} min over ${sys.apis.length} API(s), ${opened.how}, failed ${opened.failed}; cores ${JSON.stringify(cores)}`,
  );
  row(
    'seconds per 1,000 cases',
    secondsPer1000,
    's',
    `100,000 cases at this rate: ${(100_000 / rate / 3600).toFixed(1)} h`,
  );
  // The workers settle (their last activities and timers), then their memory is read.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const workers = sys.workers.map((w) => BenchSystem.memory(w.pid));
  const apis = sys.apis.map((a) => BenchSystem.memory(a.proc.pid));
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
    loader,
    apis: sys.apis.length,
    workers: sys.workers.length,
    openedThroughApi: loader === 'api' ? toOpen : 0,
    importedThroughApi: loader === 'import' ? toOpen : 0,
    openPerSecond: Math.round(rate * 10) / 10,
    openSecondsPer1000: secondsPer1000,
    loaderProbe: probe,
    openMinutes: Math.round((opened.seconds / 60) * 10) / 10,
    openFailed: opened.failed,
    openCores: cores,
    workerRssMiB: Math.max(...workers.map((w) => w.rssMiB)),
    workerPeakRssMiB: Math.max(...workers.map((w) => w.peakMiB)),
    workerRssMiBEach: workers.map((w) => w.rssMiB),
    workerPeakRssMiBEach: workers.map((w) => w.peakMiB),
    apiRssMiB: Math.max(...apis.map((a) => a.rssMiB)),
    apiRssMiBEach: apis.map((a) => a.rssMiB),
    databaseMiB: Math.round(Number(bytes) / 2 ** 20),
    temporalStoreMiB: sys.temporalStoreMiB(),
    rows,
    queriesBeforeAnalyze: {} as Record<string, unknown>,
    queries: {} as Record<string, unknown>,
  };
  row('active cases (open workflows)', active, '');
  workers.forEach((w, i) =>
    row(`worker ${i + 1} RSS (VmRSS of its process)`, w.rssMiB, 'MiB', `peak ${w.peakMiB} MiB`),
  );
  apis.forEach((a, i) => row(`API ${i + 1} RSS`, a.rssMiB, 'MiB', `peak ${a.peakMiB} MiB`));

  row('PostgreSQL database size', figures.databaseMiB, 'MiB', JSON.stringify(rows));
  row('Temporal SQLite store', figures.temporalStoreMiB, 'MiB');
  // First with the planner statistics as the run left them (this machine's PostgreSQL runs with
  // autovacuum off, and PGlite never runs it), then after ANALYZE, as autovacuum would have done.
  for (const statistics of ['stale', 'analyzed'] as const) {
    if (statistics === 'analyzed') await sys.sql('analyze');
    const measured: Record<string, unknown> = {};
    for (const [name, path, username] of QUERIES) {
      const token = await sys.token(username);
      // One at a time, an equal share of the runs through each API in turn.
      const times: number[] = [];
      let non200 = 0;
      const kinds: string[] = [];
      for (const url of sys.apiUrls) {
        await load({ url, connections: 1, amount: 3, method: 'GET', path, token });
        const result = await load({
          url,
          connections: 1,
          amount: Math.ceil(queryRuns / sys.apis.length),
          method: 'GET',
          path,
          token,
        });
        times.push(...result.times);
        non200 += failures(result, 200);
        if (failures(result, 200)) kinds.push(failureKinds(result, 200));
      }
      const latency = latencies(times);
      measured[name] = { ...latency, non200 };
      row(
        `${name}: p50 / p95`,
        `${latency.p50} / ${latency.p95}`,
        'ms',
        `${latency.count} runs, one at a time over ${sys.apis.length} API(s), statistics ${statistics}${non200 ? `, non-200: ${non200} (${kinds.join('; ')})` : ''}`,
      );
    }
    if (statistics === 'stale') figures.queriesBeforeAnalyze = measured;
    else figures.queries = measured;
  }
  say();
  return figures;
}
