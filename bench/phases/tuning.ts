import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { encryptedDataConverter } from '../../codec/data-converter';
import { historyFromFixture } from '../../test/helpers/histories';
import { TEST_PAYLOAD_CODEC } from '../../test/helpers/system';
import { failures } from '../lib/load';
import { row, say } from '../lib/report';
import { BenchSystem, type WorkerSettings } from '../lib/system';
import { openCases } from '../lib/cases';
import { eventLoad } from './events';

// The worker's settings, each measured against the alternative on the same system:
//   bundle       creating the worker with the workflows bundled at start vs a prebuilt bundle;
//   cache        maxCachedWorkflows: memory, and the latency of an event on a case that is
//                cached (warm) vs one that must be replayed from its history first (cold);
//   concurrency  the SDK's slots (40 workflow tasks, 100 activities) vs fewer, by start rate.

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'histories');
const INTERVIEW = { type: 'intervention', kind: 'interview' };

export async function workerStartup(sys: BenchSystem, { times }: { times: number }) {
  const createMs: Record<'bundledAtStart' | 'prebuilt', number[]> = { bundledAtStart: [], prebuilt: [] };
  await sys.stopWorker();
  for (let i = 0; i < times; i += 1) {
    for (const prebuilt of [false, true]) {
      const { createMs: ms } = await sys.startWorker({ prebuilt });
      await sys.stopWorker();
      createMs[prebuilt ? 'prebuilt' : 'bundledAtStart'].push(Math.round(ms));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const figures = {
    bundledAtStartMs: median(createMs.bundledAtStart),
    prebuiltMs: median(createMs.prebuilt),
    runs: createMs,
    bundleInThisProcessMs: Math.round(sys.bundleMs),
  };
  row(
    'worker create, bundling at start',
    figures.bundledAtStartMs,
    'ms',
    `median of ${times}: ${createMs.bundledAtStart.join(', ')}`,
  );
  row(
    'worker create, prebuilt bundle',
    figures.prebuiltMs,
    'ms',
    `median of ${times}: ${createMs.prebuilt.join(', ')}`,
  );
  return figures;
}

/**
 * For each cache size: a fresh worker, then two passes of one event on each of `cases` cases
 * (pre-release, from the scale phase). The first pass finds nothing cached (cold: every case is
 * replayed); the second finds the cases the cache kept (warm, if it holds them all).
 */
export async function cacheSize(
  sys: BenchSystem,
  { cases, sizes }: { cases: string[]; sizes: (number | 'default')[] },
) {
  const figures: Record<string, unknown> = {};
  for (const size of sizes) {
    const settings: WorkerSettings = {
      prebuilt: true,
      tuning: size === 'default' ? undefined : { maxCachedWorkflows: size },
    };
    await sys.stopWorker();
    await sys.startWorker(settings);
    const idle = BenchSystem.memory(sys.worker!.pid).rssMiB;
    const pass = () =>
      eventLoad(sys, { cases, connections: 10, amount: cases.length, username: 'liaison', event: INTERVIEW });
    const first = await pass();
    const second = await pass();
    const memory = BenchSystem.memory(sys.worker!.pid);
    figures[String(size)] = {
      idleRssMiB: idle,
      rssMiB: memory.rssMiB,
      firstPass: { ...first.latency, non201: failures(first, 201) },
      secondPass: { ...second.latency, non201: failures(second, 201) },
    };
    row(
      `cache ${size}: 1st / 2nd pass p50`,
      `${first.latency.p50} / ${second.latency.p50}`,
      'ms',
      `p99 ${first.latency.p99} / ${second.latency.p99} ms; RSS ${idle} → ${memory.rssMiB} MiB`,
    );
  }
  return { casesTouched: cases.length, bySize: figures };
}

/**
 * What a cache miss costs at worst: replaying the recorded history of a whole three-year case
 * (test/fixtures/histories/), as the worker must before it can apply an event to a case that
 * is not in its cache. The best of three runs, each with a fresh replay worker.
 */
export async function replayCost(bundle: string) {
  const figures: Record<string, unknown> = {};
  // A cold event replays the case's current run: before issue 16 the whole case in one run, now
  // at most one bounded run (the largest run of the recorded v2 case).
  const largestRun = readdirSync(FIXTURES)
    .filter((file) => file.startsWith('v2-whole-three-year-case.run-'))
    .map((file) => ({ file, size: statSync(join(FIXTURES, file)).size }))
    .sort((a, b) => b.size - a.size)[0]!
    .file.replace(/\.json$/, '');
  for (const name of ['whole-three-year-case', 'positive-test-and-late-end-of-control', largestRun]) {
    const history = historyFromFixture(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
    const times: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      await Worker.runReplayHistory(
        { workflowBundle: { codePath: bundle }, dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC) },
        history,
      );
      times.push(performance.now() - started);
    }
    const best = Math.round(Math.min(...times));
    figures[name] = { events: history.events.length, replayMs: best };
    row(`replay ${name}`, best, 'ms', `${history.events.length} history events, best of 3`);
  }
  return figures;
}

export async function concurrency(
  sys: BenchSystem,
  {
    seconds,
    rounds,
    clients,
    settings,
  }: { seconds: number; rounds: number; clients: number; settings: Record<string, WorkerSettings> },
) {
  const token = await sys.token('liaison');
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, setting] of Object.entries(settings)) {
      await sys.stopWorker();
      await sys.startWorker(setting);
      const result = await openCases({
        url: sys.apiUrl,
        connections: clients,
        duration: seconds,
        token,
      });
      (rates[name] ??= []).push(Math.round(result.rate * 10) / 10);
      row(
        `cases opened/s, worker ${name}`,
        result.rate,
        '/s',
        `p99 ${result.latency.p99} ms, failed ${failures(result, 201)}`,
      );
    }
  }
  say();
  return { clients, seconds, settings, openedPerSecond: rates };
}
