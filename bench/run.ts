// `npm run bench [-- --quick] [-- --cases N] [-- --topology 2x2] [-- --load import]`: how fast and
// how big, each headline figure a ratio or a latency measured side by side with the raw engine in
// the same run (docs/performance.md). `--topology AxW` adds the production topology (A APIs, W
// workers on the same database and server) beside one API and one worker, and loads the caseload
// over it; `--load import` loads the caseload through the API's import instead of one POST a case.
// Prints a table as it goes; writes bench/results/latest.json and a dated copy (a quick run:
// quick-latest.json and its dated copy, which git ignores).
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { runMain } from '../config/run-main';
import { machine, row, say, writeResults } from './lib/report';
import { BenchSystem, parseTopology, type Topology } from './lib/system';
import { eventRoundTrip } from './phases/events';
import { wholeCase } from './phases/lifecycle';
import { scale, type Loader } from './phases/scale';
import { startThroughput } from './phases/start';
import { serverJournal } from './phases/server';
import { label, topologyPhase } from './phases/topology';
import { cacheSize, concurrency, replayCost, workerStartup } from './phases/tuning';

const quick = process.argv.includes('--quick');
const casesArg = process.argv.indexOf('--cases');
const option = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const topology: Topology | undefined = option('topology') ? parseTopology(option('topology')!) : undefined;
const loader = (option('load') ?? 'api') as Loader;
if (loader !== 'api' && loader !== 'import') throw new Error(`--load takes api or import, not ${loader}`);

const SIZE = quick
  ? {
      cases: 400,
      startSeconds: 4,
      startRounds: 2,
      eventSeconds: 5,
      queryRuns: 20,
      startupTimes: 1,
      cacheCases: 150,
      cacheSmall: 50,
      tuningSeconds: 4,
      tuningRounds: 1,
      topologySeconds: 10,
      topologyRounds: 2,
    }
  : {
      cases: 25_000,
      startSeconds: 15,
      startRounds: 3,
      eventSeconds: 30,
      queryRuns: 40,
      startupTimes: 3,
      cacheCases: 2_000,
      cacheSmall: 500,
      tuningSeconds: 15,
      tuningRounds: 2,
      topologySeconds: 20,
      topologyRounds: 3,
    };
if (casesArg > 0) SIZE.cases = Number(process.argv[casesArg + 1]);
const CONCURRENCY = 16;

const heading = (title: string) => {
  say();
  say(`${title}`);
};

// The in-process workers (replay, lifecycle) say only what goes wrong.
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});

runMain(async () => {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const sys = new BenchSystem();
  // Interrupted: the processes, the Temporal server and the database go too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // Said first: the phase under way fails as its processes go, and its error follows.
      say(`\n${signal}: stopping the bench's processes`);
      void sys.close().finally(() => process.exit(130));
    });
  }
  const report: Record<string, unknown> = {
    startedAt,
    quick,
    size: SIZE,
    concurrency: CONCURRENCY,
    topology: topology ? label(topology) : '1x1',
    loader,
  };
  // The import's rows at a time, shared among the APIs as the open loader's clients are.
  sys.apiEnv = { IMPORT_CONCURRENCY: String(Math.ceil(CONCURRENCY / (topology?.apis ?? 1))) };
  try {
    say(
      `npm run bench -- ${process.argv.slice(2).join(' ')}: ${SIZE.cases.toLocaleString('en-US')} active cases at the end` +
        `${topology ? `, loaded over ${label(topology)}` : ''}${loader === 'import' ? ' through the import' : ''}`,
    );
    await sys.start();
    const [{ version }] = (await sys.sql<{ version: string }>('select version() as version')) as [
      { version: string },
    ];
    report.machine = machine(version);
    say(JSON.stringify(report.machine));

    heading('embedded server: SQLite journal (fresh server per round, no worker)');
    const journal = await serverJournal({
      seconds: SIZE.startSeconds,
      rounds: SIZE.startRounds,
      concurrency: CONCURRENCY,
    });

    heading('worker startup (tuning: prebuilt bundle)');
    const startup = await workerStartup(sys, { times: SIZE.startupTimes });
    const replay = await replayCost(sys.bundles.cases);

    await sys.startWorker({ prebuilt: true });
    await sys.startApi();

    heading(
      `1. start throughput, ${CONCURRENCY} concurrent, ${SIZE.startRounds} rounds of ${SIZE.startSeconds} s per side`,
    );
    report.start = await startThroughput(sys, {
      concurrency: CONCURRENCY,
      seconds: SIZE.startSeconds,
      rounds: SIZE.startRounds,
    });

    heading(`2. event round trip, ${SIZE.eventSeconds} s per level`);
    report.events = await eventRoundTrip(sys, { seconds: SIZE.eventSeconds, levels: [1, 10, 50] });

    if (topology) {
      heading(
        `topology: 1x1 against ${label(topology)}, ${CONCURRENCY} clients over the APIs, ${SIZE.topologyRounds} rounds of ${SIZE.topologySeconds} s per side`,
      );
      report.topologyPhase = await topologyPhase(sys, {
        topology,
        seconds: SIZE.topologySeconds,
        rounds: SIZE.topologyRounds,
        concurrency: CONCURRENCY,
      });
    }

    heading(
      `3. scale: ${SIZE.cases.toLocaleString('en-US')} active cases (${sys.apis.length} API, ${sys.workers.length} worker processes)`,
    );
    report.scale = await scale(sys, {
      cases: SIZE.cases,
      concurrency: CONCURRENCY,
      queryRuns: SIZE.queryRuns,
      loader,
    });
    // The tuning phase compares worker settings on one API and one worker, as without --topology.
    await sys.topology({ apis: 1, workers: 1 });

    heading('worker tuning: cache and concurrency');
    const sample = await sys.sql<{ id: string }>(
      `select id from cases where phase = 'pre_release' order by random() limit ${SIZE.cacheCases}`,
    );
    const cache = await cacheSize(sys, {
      cases: sample.map((r) => r.id),
      sizes: [SIZE.cacheSmall, 'default'],
    });
    const slots = await concurrency(sys, {
      seconds: SIZE.tuningSeconds,
      rounds: SIZE.tuningRounds,
      clients: CONCURRENCY,
      settings: {
        'SDK defaults (40 workflow tasks, 100 activities)': { prebuilt: true },
        'fewer slots (8 workflow tasks, 8 activities)': {
          prebuilt: true,
          tuning: { maxConcurrentWorkflowTaskExecutions: 8, maxConcurrentActivityTaskExecutions: 8 },
        },
      },
    });
    report.tuning = { journal, startup, replay, cache, concurrency: slots };
  } finally {
    await sys.close();
  }

  heading('4. lifecycle');
  report.lifecycle = await wholeCase();

  report.durationSeconds = Math.round((performance.now() - t0) / 1000);
  const start = report.start as { startRatio: number; openRatio: number };
  const events = report.events as {
    eventP99Ms: number;
    eventRatio: number;
    byConcurrency: Record<string, { api: { p50: number } }>;
  };
  const scaled = report.scale as {
    activeCases: number;
    workerRssMiB: number;
    workerRssMiBEach: number[];
    databaseMiB: number;
    openSecondsPer1000: number;
    queries: Record<string, { p95: number; non200: number }>;
  };
  const sideBySide = report.topologyPhase as
    | (Record<
        string,
        { opensPerSecond: number; eventsPerSecond: number; eventP50Ms: number; eventP95Ms: number }
      > & {
        topology: string;
        openScalingEfficiency: number;
        eventScalingEfficiency: number;
      })
    | undefined;
  const both = <K extends 'opensPerSecond' | 'eventsPerSecond' | 'eventP50Ms' | 'eventP95Ms'>(key: K) =>
    sideBySide
      ? { '1x1': sideBySide['1x1']![key], [sideBySide.topology]: sideBySide[sideBySide.topology]![key] }
      : undefined;
  const lifecycle = report.lifecycle as { wallSeconds: number; historyEventsMaxRun: number };
  // A cold event costs the warm event plus the replay of the case's current run (measured above
  // on the largest run of a recorded three-year case); derived, since a bench cannot age a case
  // three years on the real server.
  const replays = (report.tuning as { replay: Record<string, { replayMs: number }> }).replay;
  const largestRun = Object.entries(replays).find(([name]) => name.startsWith('v2-'))?.[1];
  const warmP50 = events.byConcurrency['1']!.api.p50;
  const coldEventRatio = largestRun
    ? Math.round(((warmP50 + largestRun.replayMs) / warmP50) * 100) / 100
    : NaN;
  // A query's p95 is a figure only if every run was answered 200 (a refused run is fast).
  const answered = (name: string) => {
    const query = scaled.queries[name];
    return query && query.non200 === 0 ? query.p95 : null;
  };
  report.headline = {
    startRatio: start.startRatio,
    openRatio: start.openRatio,
    eventP99Ms: events.eventP99Ms,
    eventRatio: events.eventRatio,
    coldEventRatio,
    historyEventsMaxRun: lifecycle.historyEventsMaxRun,
    activeCases: scaled.activeCases,
    topology: report.topology,
    loader,
    openSecondsPer1000: scaled.openSecondsPer1000,
    workerRssMiB: scaled.workerRssMiB,
    workerRssMiBEach: scaled.workerRssMiBEach,
    databaseMiB: scaled.databaseMiB,
    inboxP95Ms: answered('inbox (caseworker, mine)'),
    stalledP95Ms: answered('stalled (city)'),
    kpisP95Ms: answered('kpis (city, one year)'),
    reportP95Ms: answered('monthly report (city, JSON)'),
    ...(sideBySide
      ? {
          opensPerSecond: both('opensPerSecond'),
          eventsPerSecond: both('eventsPerSecond'),
          eventP50Ms: both('eventP50Ms'),
          eventP95Ms: both('eventP95Ms'),
          openScalingEfficiency: sideBySide.openScalingEfficiency,
          eventScalingEfficiency: sideBySide.eventScalingEfficiency,
        }
      : {}),
    lifecycleWallSeconds: lifecycle.wallSeconds,
  };
  // A quick run never overwrites the full run's committed figures.
  const file = await writeResults(report as { startedAt: string }, quick ? 'quick' : undefined);
  heading('headline');
  for (const [key, value] of Object.entries(report.headline as Record<string, unknown>))
    row(key, typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value), '');
  row('run time', report.durationSeconds as number, 's');
  say(
    `\nwritten: bench/results/${quick ? 'quick-' : ''}latest.json and ${file.slice(file.indexOf('bench/'))}`,
  );
});
