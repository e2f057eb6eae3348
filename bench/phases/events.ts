import { nextHandover, pool } from '../lib/cases';
import { failures, load } from '../lib/load';
import { row, say } from '../lib/report';
import type { WorkflowHandle } from '@temporalio/client';
import { BenchSystem } from '../lib/system';
import { cpuMeter } from '../lib/cpu';
import {
  readyAfterActivityUpdate,
  readyAfterLocalActivityUpdate,
  readyUpdate,
  stopSignal,
} from '../trivial-workflow';
import { closedLoop } from './start';

// Event round trip: POST /v1/cases/:id/events to its 201 (the update reaches the workflow, the
// read model is synced, the case is read back), at 1, 10 and 50 concurrent clients. Each client
// records `contact` events on a community-phase case that no other client is using at that
// moment, so every reply should be a 201 and none waits behind another on the same workflow.
// Beside it at each level, the raw engine: an update to a workflow that answers at once, and one
// that answers after an activity that does nothing (a command waits for its read-model sync), and
// one that answers after the same activity run as a local activity (the engine's choice since
// issue 16: the sync inside the command's workflow task).

const STREET = 'suzhou.gusu.canglang';
const CONTACT = { type: 'contact', channel: 'phone', reached: true };

/** Cases in the community phase: opened, released, picked up at the gate, reported in. */
export async function communityCases(sys: BenchSystem, count: number): Promise<string[]> {
  const ids: string[] = [];
  await pool(count, 8, async () => {
    const opened = await sys.http('POST', '/v1/cases', 'liaison', nextHandover(STREET));
    const id = (opened.body as { id: string }).id;
    await sys.http('POST', `/v1/cases/${id}/events`, 'liaison', { type: 'released' });
    await sys.http('POST', `/v1/cases/${id}/events`, 'worker.canglang', {
      type: 'picked_up',
      by: '沧浪街道禁毒社工',
    });
    await sys.http('POST', `/v1/cases/${id}/events`, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: STREET,
    });
    ids.push(id);
  });
  return ids;
}

/** Events at `connections` concurrent clients, each on a case of its own while its request runs. */
export async function eventLoad(
  sys: BenchSystem,
  opts: {
    cases: string[];
    connections: number;
    seconds?: number;
    amount?: number;
    username: string;
    event: unknown;
    /** The APIs to spread the clients over (default: the first). */
    urls?: string[];
  },
) {
  const free = [...opts.cases];
  return load({
    url: opts.urls ?? sys.apiUrl,
    connections: opts.connections,
    duration: opts.seconds,
    amount: opts.amount,
    method: 'POST',
    path: '/v1/cases',
    token: await sys.token(opts.username),
    setup: (context) => {
      const id = free.shift()!;
      context.caseId = id;
      return { path: `/v1/cases/${id}/events`, body: opts.event };
    },
    onResponse: (_status, context) => free.push(context.caseId as string),
  });
}

/**
 * The raw updates' workflows, one per lane, each replaced after 500 updates: the server refuses
 * more than 2,000 updates to one execution (the case workflow continues as new long before).
 */
function rawLanes(sys: BenchSystem) {
  const lanes: { handle: WorkflowHandle; used: number }[] = [];
  const start = () =>
    sys.client.workflow.start('waiting', { taskQueue: sys.rawTaskQueue, workflowId: BenchSystem.rawId() });
  return {
    async update(lane: number, update: typeof readyUpdate): Promise<boolean> {
      let current = lanes[lane];
      if (!current || current.used >= 500) {
        if (current) await current.handle.signal(stopSignal);
        current = lanes[lane] = { handle: await start(), used: 0 };
      }
      current.used += 1;
      return current.handle.executeUpdate(update);
    },
    stop: () => Promise.all(lanes.map((lane) => lane.handle.signal(stopSignal))),
  };
}

export async function eventRoundTrip(
  sys: BenchSystem,
  { seconds, levels }: { seconds: number; levels: number[] },
) {
  const started = performance.now();
  const lanes = Math.max(...levels);
  const cases = await communityCases(sys, lanes + 10);
  row('community cases prepared', cases.length, '', `${((performance.now() - started) / 1000).toFixed(1)} s`);
  const raw = rawLanes(sys);
  await eventLoad(sys, { cases, connections: 10, seconds: 3, username: 'worker.canglang', event: CONTACT });
  const byLevel: Record<string, unknown> = {};
  let eventP99Ms = NaN;
  let eventRatio = NaN;
  for (const connections of levels) {
    const rawUpdate = await closedLoop(connections, seconds, (lane) => raw.update(lane, readyUpdate));
    const rawActivity = await closedLoop(connections, seconds, (lane) =>
      raw.update(lane, readyAfterActivityUpdate),
    );
    const rawLocal = await closedLoop(connections, seconds, (lane) =>
      raw.update(lane, readyAfterLocalActivityUpdate),
    );
    const meter = cpuMeter(sys.processes());
    const result = await eventLoad(sys, {
      cases,
      connections,
      seconds,
      username: 'worker.canglang',
      event: CONTACT,
    });
    const cores = meter();
    const non201 = failures(result, 201);
    byLevel[connections] = {
      api: { ...result.latency, perSecond: Math.round(result.rate * 10) / 10, non201, cores },
      rawUpdate: {
        ...rawUpdate.latency,
        perSecond: Math.round(rawUpdate.rate * 10) / 10,
        failed: rawUpdate.failed,
      },
      rawUpdateWithActivity: {
        ...rawActivity.latency,
        perSecond: Math.round(rawActivity.rate * 10) / 10,
        failed: rawActivity.failed,
      },
      rawUpdateWithLocalActivity: {
        ...rawLocal.latency,
        perSecond: Math.round(rawLocal.rate * 10) / 10,
        failed: rawLocal.failed,
      },
    };
    if (connections === 1) eventRatio = Math.round((result.latency.p50 / rawUpdate.latency.p50) * 100) / 100;
    const triple = (l: { p50: number; p95: number; p99: number }) => `${l.p50} / ${l.p95} / ${l.p99}`;
    row(
      `${connections} clients, raw update: p50/p95/p99`,
      triple(rawUpdate.latency),
      'ms',
      `${rawUpdate.rate.toFixed(1)}/s, failed ${rawUpdate.failed}`,
    );
    row(
      `${connections} clients, raw update + activity`,
      triple(rawActivity.latency),
      'ms',
      `${rawActivity.rate.toFixed(1)}/s, failed ${rawActivity.failed}`,
    );
    row(
      `${connections} clients, raw update + local activity`,
      triple(rawLocal.latency),
      'ms',
      `${rawLocal.rate.toFixed(1)}/s, failed ${rawLocal.failed}`,
    );
    row(
      `${connections} clients, API event`,
      triple(result.latency),
      'ms',
      `${result.rate.toFixed(1)}/s, ${result.latency.count} events, non-201: ${non201}; cores ${JSON.stringify(cores)}`,
    );
    eventP99Ms = result.latency.p99;
  }
  await raw.stop();
  say();
  row(`eventP99Ms at ${levels.at(-1)} clients`, eventP99Ms, 'ms', 'goal < 50 ms');
  row('eventRatio (API event p50 / raw update p50, 1 client)', eventRatio, '', 'goal ≤ 1.5');
  return { seconds, cases: cases.length, byConcurrency: byLevel, eventP99Ms, eventRatio };
}
