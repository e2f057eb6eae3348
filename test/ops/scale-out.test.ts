import { randomUUID } from 'node:crypto';
import { handover } from '../helpers/fixtures';
import { freePort } from '../helpers/net';
import { checkSideEffects, notesRecorded, percentile, type Step } from '../faults/cases';
import { FaultSystem, kill9, progress, publishFigures, sleep, spawnTsx, type Proc } from '../faults/harness';

// Two API processes and two workers (api/main.ts and the production worker) on one PostgreSQL
// database and one Temporal server, under load from clients that fail over between the APIs
// with the same Idempotency-Key, as the console does. Mid-load one worker and one API are
// SIGKILLed and the other worker is stopped with SIGTERM (replacements start, as an orchestrator
// would start them). Every acknowledged command must be recorded once, every notification
// delivered. `npm run test:scale` runs the long version (docs/operations.md has its figures).

const CASES = Number(process.env.SCALE_CASES ?? 10);
const W = 'worker.canglang';
const SCRIPT: Step[] = [
  { user: 'liaison', event: { type: 'released' } },
  { user: W, event: { type: 'picked_up', by: '沧浪街道禁毒社工' } },
  { user: W, event: { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' } },
  // A positive test notifies the police at once (R13): a delivery per case.
  { user: W, event: { type: 'test', method: 'urine', result: 'positive', unannounced: true } },
];

const system = new FaultSystem({ policy: 'standard' });
const apis: { proc: Proc; base: string }[] = [];
const workers: Proc[] = [];
const tokens = new Map<string, string>();
const stats = {
  acknowledged: 0,
  failovers: 0,
  unavailable: 0,
  inProgress: 0,
  recordedBeforeRetry: 0,
  latencies: [] as number[],
};

async function startApi(): Promise<void> {
  const port = await freePort();
  const proc = await spawnTsx(
    'api/main.ts',
    system.processEnv({ PORT: String(port), LOG_LEVEL: 'info' }),
    'Server listening',
  );
  apis.push({ proc, base: `http://127.0.0.1:${port}` });
}
async function startWorker(): Promise<void> {
  workers.push(
    await spawnTsx('test/faults/worker-with-faults.ts', system.processEnv(), 'fault-worker: running'),
  );
}

/**
 * A POST that fails over to another running API on a lost connection or a 503, same key each
 * time. A key whose first request died with its API process stays claimed until it is stale
 * (api/idempotency.ts, 120 s): the 409 "still in progress" says to retry later, and it does.
 */
async function post(
  username: string,
  path: string,
  body: object,
  n: number,
): Promise<{ status: number; json: unknown }> {
  const key = randomUUID();
  const started = Date.now();
  for (let attempt = 0; Date.now() - started < 180_000; attempt += 1) {
    const alive = apis.filter((api) => api.proc.running());
    const api = alive[(n + attempt) % alive.length]!;
    try {
      const reply = await fetch(`${api.base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${tokens.get(username)}`,
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      });
      if (reply.status === 503) {
        stats.unavailable += 1;
        await sleep(500);
        continue;
      }
      const json = (await reply.json()) as { detail?: string };
      if (reply.status === 409 && json.detail?.includes('still in progress')) {
        stats.inProgress += 1;
        await sleep(1_000);
        continue;
      }
      stats.latencies.push(Date.now() - started);
      return { status: reply.status, json };
    } catch {
      stats.failovers += 1;
      await sleep(200);
    }
  }
  throw new Error(`${path}: no answer in 180 s`);
}

async function driveCase(n: number): Promise<{ id: string; steps: number }> {
  const opened = await post('liaison', '/v1/cases', handover(), n);
  expect(opened.status).toBe(201);
  stats.acknowledged += 1;
  const id = (opened.json as { id: string }).id;
  let step = 0;
  for (const { user, event } of SCRIPT) {
    step += 1;
    const note = `step-${step}`;
    const reply = await post(user, `/v1/cases/${id}/events`, { ...event, note }, n + step);
    // A 409 after a 503 or a failover: the first attempt's update was applied once a worker took
    // it up, after its reply was lost; it reaches the read model a moment later.
    if (reply.status === 409) {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await notesRecorded(system, id, note)) === 0) await sleep(250);
      if ((await notesRecorded(system, id, note)) === 1) {
        stats.acknowledged += 1;
        stats.recordedBeforeRetry += 1;
        continue;
      }
    }
    if (reply.status !== 201)
      throw new Error(`step ${step} of ${id}: ${reply.status} ${JSON.stringify(reply.json)}`);
    stats.acknowledged += 1;
  }
  return { id, steps: SCRIPT.length };
}

beforeAll(async () => {
  await system.start();
  await Promise.all([startWorker(), startWorker(), startApi(), startApi()]);
  for (const username of ['liaison', W]) tokens.set(username, await system.tokenFor(username));
}, 180_000);
afterAll(async () => {
  for (const proc of [...workers, ...apis.map((api) => api.proc)]) await kill9(proc);
  await system.close();
}, 60_000);

describe('two APIs and two workers on one database and one Temporal server', () => {
  it('R21: an Idempotency-Key holds across API processes: the same handover sent to both opens one case', async () => {
    const body = handover();
    const key = randomUUID();
    const send = (api: (typeof apis)[number]) =>
      fetch(`${api.base}/v1/cases`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${tokens.get('liaison')}`,
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      }).then(async (reply) => ({ status: reply.status, json: (await reply.json()) as { id?: string } }));
    const replies = await Promise.all([send(apis[0]!), send(apis[1]!)]);
    const retried = await send(apis[1]!);
    const ids = [...replies, retried].filter((r) => r.status === 201).map((r) => r.json.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(1);
    const rows = await system.sql('select id from cases where id_number = $1', [body.person.idNumber]);
    expect(rows).toHaveLength(1);
  }, 60_000);

  it('R2, R13: under load, a worker and an API killed and a worker stopped lose and repeat nothing', async () => {
    const started = Date.now();
    const driving = Promise.all(Array.from({ length: CASES }, (_, n) => driveCase(n)));
    const until = async (acknowledged: number) => {
      while (stats.acknowledged < acknowledged) await sleep(100);
    };
    const total = CASES * (SCRIPT.length + 1);
    await until(Math.floor(total / 5));
    progress(`scale-out: SIGKILL worker 1 at ${stats.acknowledged}/${total} commands`);
    await kill9(workers[0]!);
    await startWorker();
    await until(Math.floor((total * 2) / 5));
    progress(`scale-out: SIGKILL API 1 at ${stats.acknowledged}/${total}`);
    await kill9(apis[0]!.proc);
    await startApi();
    await until(Math.floor((total * 3) / 5));
    progress(`scale-out: SIGTERM worker 2 at ${stats.acknowledged}/${total}`);
    workers[1]!.child.kill('SIGTERM');
    const drained = await workers[1]!.exited;
    expect(drained.code).toBe(0);
    await startWorker();

    const cases = await driving;
    const seconds = (Date.now() - started) / 1000;
    // Deliveries run in the background after each command's reply.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const [row] = await system.sql<{ n: string }>(
        `select count(*) as n from notifications where status <> 'delivered'`,
      );
      if (row?.n === '0') break;
      await sleep(250);
    }
    const report = await checkSideEffects(
      system,
      cases.map((c) => c.id),
      new Map(cases.map((c) => [c.id, c.steps])),
    );
    publishFigures('scale-out', {
      commands: stats.acknowledged,
      seconds,
      commandsPerSecond: stats.acknowledged / seconds,
      p50ms: percentile(stats.latencies, 50),
      p99ms: percentile(stats.latencies, 99),
      failovers: stats.failovers,
      unavailable: stats.unavailable,
      inProgressRetries: stats.inProgress,
      recordedBeforeRetry: stats.recordedBeforeRetry,
      ...report,
    });
    expect(stats.acknowledged).toBe(total);
    expect(report.problems).toEqual([]);
    expect(report.notifications).toBeGreaterThanOrEqual(CASES);
  }, 600_000);
});
