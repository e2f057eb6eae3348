import { openCases } from '../lib/cases';
import { cpuMeter } from '../lib/cpu';
import { failures, type LoadResult } from '../lib/load';
import { row, say } from '../lib/report';
import { latencies, meanOf } from '../lib/stats';
import type { BenchSystem, Topology } from '../lib/system';
import { communityCases, eventLoad } from './events';

// The production topology (`--topology 2x2`: two API processes and two workers on the same
// PostgreSQL database and the same dev server) beside one API and one worker, in the same run,
// in alternating rounds (1x1 then 2x2, then 2x2 then 1x1…) so that a shared machine's drift
// falls on both alike. Before each side the system is brought to that topology: in the 1x1
// rounds the extra worker and API are stopped (a worker left running would take tasks). The
// load is spread over the running APIs, connection i to API i mod n:
//   opens   POST /v1/cases → 201, `concurrency` clients, `seconds` per round;
//   events  POST /v1/cases/:id/events `contact` → 201 on community-phase cases, each client on a
//           case of its own while its request runs, `concurrency` clients.
// Scaling efficiency: the topology's rate over k times the 1x1 rate, k = the larger of its
// process counts (2 for 2x2); 1.0 is perfect scaling, 1/k no gain at all.

const CONTACT = { type: 'contact', channel: 'phone', reached: true };

export const label = (t: Topology) => `${t.apis}x${t.workers}`;

interface Side {
  opens: LoadResult[];
  events: LoadResult[];
  opensCores: Record<string, number>[];
  eventsCores: Record<string, number>[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function summary(side: Side) {
  const opens = latencies(side.opens.flatMap((r) => r.times));
  const events = latencies(side.events.flatMap((r) => r.times));
  return {
    opensPerSecond: round1(mean(side.opens.map((r) => r.rate))),
    openP50Ms: opens.p50,
    openP95Ms: opens.p95,
    opens: opens.count,
    openFailed: side.opens.reduce((n, r) => n + failures(r, 201), 0),
    eventsPerSecond: round1(mean(side.events.map((r) => r.rate))),
    eventP50Ms: events.p50,
    eventP95Ms: events.p95,
    eventP99Ms: events.p99,
    events: events.count,
    eventNon201: side.events.reduce((n, r) => n + failures(r, 201), 0),
    opensPerRound: side.opens.map((r) => round1(r.rate)),
    eventsPerRound: side.events.map((r) => round1(r.rate)),
    opensCores: meanOf(side.opensCores),
    eventsCores: meanOf(side.eventsCores),
  };
}

export async function topologyPhase(
  sys: BenchSystem,
  {
    topology,
    seconds,
    rounds,
    concurrency,
  }: { topology: Topology; seconds: number; rounds: number; concurrency: number },
) {
  const single: Topology = { apis: 1, workers: 1 };
  const scaled = label(topology);
  const k = Math.max(topology.apis, topology.workers);
  const started = performance.now();
  const cases = await communityCases(sys, concurrency + 10);
  row('community cases prepared', cases.length, '', `${((performance.now() - started) / 1000).toFixed(1)} s`);
  const token = await sys.token('liaison');
  const sides: Record<string, Side> = {
    '1x1': { opens: [], events: [], opensCores: [], eventsCores: [] },
    [scaled]: { opens: [], events: [], opensCores: [], eventsCores: [] },
  };
  for (let round = 1; round <= rounds; round += 1) {
    const order = round % 2 ? ['1x1', scaled] : [scaled, '1x1'];
    for (const name of order) {
      const t0 = performance.now();
      await sys.topology(name === '1x1' ? single : topology);
      const urls = sys.apiUrls;
      // A worker just started has nothing cached, and the cases a stopped worker had cached
      // move to the others: one event on each case first, not measured.
      await eventLoad(sys, {
        cases,
        connections: concurrency,
        amount: cases.length,
        username: 'worker.canglang',
        event: CONTACT,
        urls,
      });
      const switchSeconds = (performance.now() - t0) / 1000;
      let meter = cpuMeter(sys.processes());
      const opens = await openCases({
        url: urls,
        connections: concurrency,
        duration: seconds,
        token,
      });
      sides[name]!.opensCores.push(meter());
      meter = cpuMeter(sys.processes());
      const events = await eventLoad(sys, {
        cases,
        connections: concurrency,
        seconds,
        username: 'worker.canglang',
        event: CONTACT,
        urls,
      });
      sides[name]!.eventsCores.push(meter());
      sides[name]!.opens.push(opens);
      sides[name]!.events.push(events);
      row(
        `round ${round}: ${name} opens`,
        opens.rate,
        '/s',
        `p50 ${opens.latency.p50} ms, p95 ${opens.latency.p95} ms, failed ${failures(opens, 201)}; cores ${JSON.stringify(sides[name]!.opensCores.at(-1))}`,
      );
      row(
        `round ${round}: ${name} events`,
        events.rate,
        '/s',
        `p50 ${events.latency.p50} ms, p95 ${events.latency.p95} ms, non-201 ${failures(events, 201)}; cores ${JSON.stringify(sides[name]!.eventsCores.at(-1))}`,
      );
      row(`round ${round}: ${name} started and warmed in`, switchSeconds, 's');
    }
  }
  const one = summary(sides['1x1']!);
  const many = summary(sides[scaled]!);
  const figures = {
    topology: scaled,
    k,
    concurrency,
    seconds,
    rounds,
    '1x1': one,
    [scaled]: many,
    openScalingEfficiency: round3(many.opensPerSecond / (k * one.opensPerSecond)),
    eventScalingEfficiency: round3(many.eventsPerSecond / (k * one.eventsPerSecond)),
  };
  say();
  for (const [name, s] of [
    ['1x1', one],
    [scaled, many],
  ] as const) {
    row(`${name}: opens/s, p50 / p95`, s.opensPerSecond, '/s', `${s.openP50Ms} / ${s.openP95Ms} ms`);
    row(`${name}: events/s, p50 / p95`, s.eventsPerSecond, '/s', `${s.eventP50Ms} / ${s.eventP95Ms} ms`);
  }
  row(`open scaling efficiency (${scaled} / ${k} × 1x1)`, figures.openScalingEfficiency, '', '1.0 = perfect');
  row(
    `event scaling efficiency (${scaled} / ${k} × 1x1)`,
    figures.eventScalingEfficiency,
    '',
    '1.0 = perfect',
  );
  await sys.topology(topology);
  return figures;
}
