// `npm run bench:province -- --cases N [--days D] [--concurrency C]`: a province in miniature
// (issue 19 item 3, docs/scale.md). N cases run on the accelerated policy (a day lasts a second)
// through D days of their term (default 1,100: the whole three years and the close) with the
// behaviour mix of bench/: most caseworkers diligent (a test and a contact each week, a home visit
// each month), some positive tests, some persons lost to contact, some transfers (R15) and
// delegations (R23). Then it reads every workflow history of the run from Temporal (all runs,
// continue-as-new included) and counts, per case-year: Temporal actions by kind, history events
// and bytes, and read-model rows (timeline, audit, notifications, tasks). It extrapolates to
// 60,000 and 487,000 active persons with the assumptions printed beside the figures, and writes
// bench/results/province-latest.json (and a dated copy). Worker, API and database in this
// process and on this machine, as the tests run them; a dev server of its own.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { runMain } from '../config/run-main';
import { scaleOut, type Measured } from './lib/province';
import { temporalBinaries } from '../scripts/temporal-dev-server';
import { handover } from '../test/helpers/fixtures';
import { startTestSystem, type TestSystem } from '../test/helpers/system';
import { bundleWorkflows } from '../worker/worker';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CASES = arg('cases', 100);
const DAYS = arg('days', 1_100);
const say = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EventType = temporal.api.enums.v1.EventType;

Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});

type Behaviour = 'diligent' | 'lost' | 'positive' | 'transfer' | 'delegated';
/** The mix (out of 20): one lost to contact, one positive test, one transfer, one delegation. */
const behaviourOf = (i: number): Behaviour =>
  (['lost', 'positive', 'transfer', 'delegated'] as const)[i % 20] ?? 'diligent';

/** One simulated person: opened, released, met, reported in, then the weeks of the term. */
async function person(system: TestSystem, i: number, until: number, answers: Map<number, number>) {
  // A command answered 503 (the server busy) is sent again with its Idempotency-Key, as the console does.
  const as = async (username: string, method: 'POST', url: string, payload: object) => {
    const headers = { 'idempotency-key': randomUUID() };
    for (let attempt = 1; ; attempt += 1) {
      const reply = await system.as(username, { method, url, payload, headers });
      answers.set(reply.statusCode, (answers.get(reply.statusCode) ?? 0) + 1);
      if (reply.statusCode !== 503 || attempt === 5) return reply;
      await sleep(1_000 * attempt);
    }
  };
  const behaviour = behaviourOf(i);
  const opened = await as('liaison', 'POST', '/v1/cases', handover({}));
  if (opened.statusCode !== 201) throw new Error(`open refused: ${opened.statusCode}`);
  const id = opened.json().id as string;
  const event = (username: string, body: object) => as(username, 'POST', `/v1/cases/${id}/events`, body);
  await event('liaison', { type: 'released' });
  await event('worker.canglang', { type: 'picked_up', by: '沧浪街道禁毒社工' });
  await event('worker.canglang', { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' });
  await event('worker.canglang', { type: 'agreement_signed', kind: 'community' });
  await event('worker.canglang', { type: 'home_visit', reached: true });
  let worker = 'worker.canglang';
  for (let week = 1; Date.now() < until; week += 1) {
    await sleep(7_000); // a week on the accelerated policy
    if (Date.now() >= until) break;
    if (behaviour === 'lost') continue; // nobody reaches them: the ladder escalates (R11)
    if (behaviour === 'transfer' && week === 4) {
      await as('supervisor.city', 'POST', `/v1/cases/${id}/transfer`, {
        to: 'suzhou.wuzhong.changqiao',
        reason: '迁居',
      });
      await event('worker.changqiao', { type: 'reported_in', jurisdiction: 'suzhou.wuzhong.changqiao' });
      worker = 'worker.changqiao';
      continue;
    }
    if (behaviour === 'delegated' && week === 2) {
      await as('supervisor.gusu', 'POST', `/v1/cases/${id}/delegate`, {
        to: 'suzhou.gusu.shuangta',
        reason: '人户分离',
      });
    }
    const result = behaviour === 'positive' && week === 3 ? 'positive' : 'negative';
    await event(worker, { type: 'test', method: 'urine', result, unannounced: false });
    await event(worker, { type: 'contact', channel: 'phone', reached: true });
    if (week % 4 === 0) await event(worker, { type: 'home_visit', reached: true });
  }
  return id;
}

/** Actions as Temporal counts them for billing and capacity, from one history. */
function countHistory(events: temporal.api.history.v1.IHistoryEvent[], into: Record<string, number>) {
  const add = (kind: string, n = 1) => (into[kind] = (into[kind] ?? 0) + n);
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        add('workflow starts (incl. continue-as-new)');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        add('activities');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        add('activity retries (failed attempts recorded)');
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        add('local activities / markers');
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timers');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        add('signals');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('updates');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      case EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
        add('search attribute upserts');
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('child workflows');
        break;
      default:
    }
  }
}

runMain(async () => {
  say(`npm run bench:province -- --cases ${CASES} --days ${DAYS}: accelerated policy, a day lasts a second`);
  const dir = mkdtempSync(join(tmpdir(), 'rehab-province-'));
  const server = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinaries().cli },
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_WORKFLOW_BUNDLE = join(dir, 'workflow-bundle.js');
  writeFileSync(process.env.TEST_WORKFLOW_BUNDLE, await bundleWorkflows());
  const system = await startTestSystem({ policy: 'accelerated' });
  try {
    const answers = new Map<number, number>();
    const cpu0 = process.cpuUsage();
    const started = Date.now();
    const until = started + DAYS * 1_000;
    // Openings spread over the first tenth of the run, as releases spread over a month.
    const ids = await Promise.all(
      Array.from({ length: CASES }, async (_, i) => {
        await sleep(Math.floor((i / CASES) * Math.min(DAYS * 100, 30_000)));
        return person(system, i, until, answers);
      }),
    );
    const wallSeconds = (Date.now() - started) / 1_000;
    await sleep(3_000); // the last syncs and deliveries
    const cpu = process.cpuUsage(cpu0);
    say(
      `  driven: ${wallSeconds.toFixed(0)} s (simulated days), answers ${JSON.stringify(Object.fromEntries(answers))}`,
    );

    // Every run on the task queue: the case workflows, their continued-as-new runs, anything else.
    const actions: Record<string, number> = {};
    let events = 0;
    let bytes = 0;
    let runs = 0;
    const client = system.env.client;
    for await (const run of client.workflow.list({ query: `TaskQueue = "${system.taskQueue}"` })) {
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const list = history.events ?? [];
      events += list.length;
      bytes += temporal.api.history.v1.History.encode(history).finish().length;
      countHistory(list, actions);
      runs += 1;
    }
    const count = async (table: string) => {
      const result = (await system.db.database.db.execute(
        sql.raw(
          table === 'audit_log'
            ? 'select count(*)::int as n from audit_log'
            : `select count(*)::int as n from ${table} where case_id = any(array[${ids.map((id) => `'${id}'`).join(',')}]::uuid[])`,
        ),
      )) as unknown as { rows: { n: number }[] };
      return result.rows[0]!.n;
    };
    const tables = ['timeline', 'audit_log', 'notifications', 'tasks'];
    const rows = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)));
    const width = async (table: string) => {
      const result = (await system.db.database.db.execute(
        sql.raw(`select coalesce(avg(pg_column_size(t.*)), 0)::float as b from ${table} t`),
      )) as unknown as { rows: { b: number }[] };
      return Number(result.rows[0]!.b);
    };
    const rowBytes = Object.fromEntries(
      await Promise.all(tables.map(async (t) => [t, await width(t)] as const)),
    );
    // Case-years: each case ran from its opening to the end of the drive (a day a second).
    const caseYears = (CASES * (wallSeconds - Math.min(DAYS * 0.1, 30) / 2)) / 365;
    const measured: Measured = {
      cases: CASES,
      days: DAYS,
      caseYears,
      runs,
      actions,
      historyEvents: events,
      historyBytes: bytes,
      rows,
      rowBytes,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    const result = scaleOut(measured);
    say();
    say(`measured over ${caseYears.toFixed(2)} case-years (${runs} workflow runs):`);
    for (const [k, v] of Object.entries(result.perCaseYear))
      say(`  ${k.padEnd(48)} ${v.toLocaleString('en-US')} per case-year`);
    for (const target of result.targets) {
      say();
      say(`${target.persons.toLocaleString('en-US')} active persons:`);
      for (const [k, v] of Object.entries(target.figures)) say(`  ${k.padEnd(48)} ${v}`);
    }
    const out = join(__dirname, 'results');
    mkdirSync(out, { recursive: true });
    const report = {
      at: new Date().toISOString(),
      measured,
      ...result,
      answers: Object.fromEntries(answers),
    };
    const text = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(join(out, 'province-latest.json'), text);
    writeFileSync(join(out, `province-${report.at.slice(0, 10)}.json`), text);
  } finally {
    await system.close();
    await server.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
});
