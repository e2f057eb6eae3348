import { WithStartWorkflowOperation } from '@temporalio/client';
import { openCases } from '../lib/cases';
import { failures } from '../lib/load';
import { row, say } from '../lib/report';
import { latencies, meanOf } from '../lib/stats';
import { cpuMeter } from '../lib/cpu';
import { BenchSystem } from '../lib/system';
import { readyUpdate, recordedUpdate } from '../trivial-workflow';

// Start throughput, side by side on one server at one concurrency, in alternating rounds so that
// drift on a shared machine falls on both sides alike:
//   raw start   client.workflow.start of the trivial workflow (returns once the server has it);
//   raw ready   executeUpdateWithStart of the trivial workflow (returns once the worker has run
//               its first task: the least "start and wait for the record" can cost);
//   raw open    the same, answered after two activities that do nothing: the Temporal work of
//               opening a case (record the case, then sync its first batch) without our code;
//   API         POST /v1/cases through autocannon (auth, checks, update-with-start that waits
//               for the case to be recorded in PostgreSQL, audit, read back).

type Side = 'rawStart' | 'rawReady' | 'rawOpen' | 'api';

/**
 * `concurrency` lanes, each calling `fn(lane)` again as soon as it returns, for `seconds`:
 * completions per second and their latencies. `drain`, if given, runs after the time is up and
 * before the clock stops (what the calls left behind for the server and the worker to finish).
 */
export async function closedLoop<T>(
  concurrency: number,
  seconds: number,
  fn: (lane: number) => Promise<T>,
  drain?: (last: T[]) => Promise<unknown>,
) {
  const times: number[] = [];
  const last: T[] = [];
  let failed = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          last[lane] = await fn(lane);
          times.push(performance.now() - t);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await drain?.(last.filter(Boolean));
  const drained = (performance.now() - started) / 1000;
  return {
    rate: times.length / elapsed,
    rateDrained: times.length / drained,
    latency: latencies(times),
    failed,
  };
}

export async function startThroughput(
  sys: BenchSystem,
  { concurrency, seconds, rounds }: { concurrency: number; seconds: number; rounds: number },
) {
  const token = await sys.token('liaison');
  const workflow = { taskQueue: sys.rawTaskQueue };
  const updateWithStart = (update: typeof readyUpdate) =>
    sys.client.workflow.executeUpdateWithStart(update, {
      startWorkflowOperation: new WithStartWorkflowOperation('trivial', {
        ...workflow,
        workflowId: BenchSystem.rawId(),
        workflowIdConflictPolicy: 'FAIL',
      }),
    });
  const run: Record<
    Side,
    () => Promise<{
      rate: number;
      rateDrained: number;
      latency: { p50: number; p99: number };
      failed: number;
    }>
  > = {
    // The server accepts starts faster than the worker runs them: the backlog is worked off
    // (the last workflow of each lane completed) before the next side is measured.
    rawStart: () =>
      closedLoop(
        concurrency,
        seconds,
        () => sys.client.workflow.start('trivial', { ...workflow, workflowId: BenchSystem.rawId() }),
        (handles) => Promise.all(handles.map((h) => h.result())),
      ),
    rawReady: () => closedLoop(concurrency, seconds, () => updateWithStart(readyUpdate)),
    rawOpen: () => closedLoop(concurrency, seconds, () => updateWithStart(recordedUpdate)),
    api: async () => {
      const result = await openCases({
        url: sys.apiUrl,
        connections: concurrency,
        duration: seconds,
        token,
      });
      return {
        rate: result.rate,
        rateDrained: result.rate,
        latency: result.latency,
        failed: failures(result, 201),
      };
    },
  };
  const rates: Record<Side, number[]> = { rawStart: [], rawReady: [], rawOpen: [], api: [] };
  const p50s: Record<Side, number[]> = { rawStart: [], rawReady: [], rawOpen: [], api: [] };
  const cpu: Record<Side, Record<string, number>[]> = { rawStart: [], rawReady: [], rawOpen: [], api: [] };
  let rawStartDrained: number[] = [];
  let failed = 0;
  for (let round = 1; round <= rounds; round += 1) {
    const order: Side[] =
      round % 2 ? ['rawStart', 'rawReady', 'rawOpen', 'api'] : ['api', 'rawOpen', 'rawReady', 'rawStart'];
    for (const side of order) {
      const meter = cpuMeter(sys.processes());
      const result = await run[side]();
      cpu[side].push(meter());
      rates[side].push(result.rate);
      p50s[side].push(result.latency.p50);
      if (side === 'rawStart') rawStartDrained = [...rawStartDrained, result.rateDrained];
      failed += result.failed;
      row(
        `round ${round}: ${side}`,
        result.rate,
        '/s',
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; cores ${JSON.stringify(cpu[side].at(-1))}`,
      );
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const figures = {
    concurrency,
    seconds,
    rounds,
    rawStartPerSecond: round1(mean(rates.rawStart)),
    rawReadyPerSecond: round1(mean(rates.rawReady)),
    rawOpenPerSecond: round1(mean(rates.rawOpen)),
    apiPerSecond: round1(mean(rates.api)),
    rawStartP50Ms: round1(mean(p50s.rawStart)),
    rawReadyP50Ms: round1(mean(p50s.rawReady)),
    rawOpenP50Ms: round1(mean(p50s.rawOpen)),
    apiP50Ms: round1(mean(p50s.api)),
    rawStartRunPerSecond: round1(mean(rawStartDrained)),
    startRatio: round3(mean(rates.api) / mean(rates.rawStart)),
    // Issue 16's openRatio: API opens/s over raw update-with-start answered at once.
    openRatio: round3(mean(rates.api) / mean(rates.rawReady)),
    sameWorkRatio: round3(mean(rates.api) / mean(rates.rawOpen)),
    perRound: rates,
    coresUsed: Object.fromEntries(Object.entries(cpu).map(([side, samples]) => [side, meanOf(samples)])),
    failed,
  };
  say();
  row('startRatio (API / raw start)', figures.startRatio, '', 'goal ≥ 0.8');
  row('openRatio (API / raw update-with-start answered at once)', figures.openRatio, '', 'goal ≥ 0.8');
  row('API / raw open (two activities: the pre-issue-16 Temporal work)', figures.sameWorkRatio, '');
  if (failed) row('failed starts (any side)', failed, '');
  return figures;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
