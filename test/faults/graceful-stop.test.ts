import { freePort } from '../helpers/net';
import { caseWorkflowId } from '../../workflows/case/messages';
import { checkSideEffects, driveCase, newStats, notesRecorded, openCase, WHOLE_CASE } from './cases';
import {
  eventually,
  FaultSystem,
  progress,
  publishFigures,
  SIZE,
  sleep,
  spawnTsx,
  type Proc,
} from './harness';

// Scenario 2 of docs/reliability.md: SIGTERM to the worker and to the API while work is in
// flight. The worker finishes its running activities and hands the rest back to Temporal; the
// API stops taking requests and answers the ones it has. Nothing is lost; the time it took is
// reported.

const system = new FaultSystem({ policy: 'standard' });

beforeAll(async () => {
  await system.start();
}, 120_000);
afterAll(async () => {
  await system.close();
}, 60_000);

async function sigterm(proc: Proc): Promise<{ ms: number; code: number | null }> {
  const sent = Date.now();
  process.kill(proc.pid, 'SIGTERM');
  const { code, at } = await proc.exited;
  return { ms: at - sent, code };
}

it('SIGTERM to the worker while activities run finishes or hands back its work, and no step is lost', async () => {
  await system.startWorker();
  const stats = newStats();
  const ids: string[] = [];
  const drivers = Array.from({ length: 4 }, () => driveCase(system, WHOLE_CASE, stats, (id) => ids.push(id)));
  const drains: number[] = [];
  for (let stop = 0; stop < (SIZE.full ? 5 : 1); stop += 1) {
    await sleep(1_500);
    const { ms, code } = await sigterm(system.worker!);
    expect(code).toBe(0);
    expect(system.worker!.output()).toContain('fault-worker: drained');
    drains.push(ms);
    await system.startWorker();
  }
  await Promise.all(drivers);
  await eventually(
    'every case has ended',
    async () => {
      for (const id of ids) {
        const description = await system.client.workflow.getHandle(caseWorkflowId(id)).describe();
        if (description.status.name !== 'COMPLETED')
          throw new Error(`case-${id} is ${description.status.name}`);
      }
    },
    180_000,
  );
  const report = await checkSideEffects(system, ids, new Map(ids.map((id) => [id, WHOLE_CASE.length])));
  publishFigures('graceful-stop-worker', {
    sigterms: drains.length,
    drainMs: drains,
    casesChecked: ids.length,
    lost: report.lost,
    duplicated: report.duplicated,
  });
  expect(stats.wrong).toEqual([]);
  expect(report.problems).toEqual([]);
}, 400_000);

it('SIGTERM to the API while requests are in flight answers them or refuses cleanly, and every 201 is recorded once', async () => {
  if (!system.worker?.running()) await system.startWorker();
  const stats = newStats();
  const ids = [await openCase(system, stats), await openCase(system, stats)];
  const port = await freePort();
  const startApi = () =>
    spawnTsx('api/main.ts', system.processEnv({ PORT: String(port), LOG_LEVEL: 'info' }), 'Server listening');
  const base = `http://127.0.0.1:${port}`;
  let api = await startApi();
  const login = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'liaison', password: 'demo-password' }),
  });
  const { token } = (await login.json()) as { token: string };

  const answered = new Map<string, number>();
  const cutOff: string[] = [];
  let stopping = false;
  const senders = ids.map(async (id) => {
    for (let n = 1; !stopping || n < 3; n += 1) {
      const note = `api-${n}`;
      try {
        const reply = await fetch(`${base}/v1/cases/${id}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ type: 'intervention', kind: 'interview', note }),
        });
        answered.set(`${id}/${note}`, reply.status);
        if (reply.status !== 201) return;
      } catch {
        cutOff.push(`${id}/${note}`);
        return;
      }
    }
  });
  await sleep(2_000);
  stopping = true;
  const { ms, code } = await sigterm(api);
  await Promise.all(senders);
  expect(code).toBe(0);

  api = await startApi();
  const figures = {
    created: 0,
    recordedOnce: 0,
    refusedOrCutOff: 0,
    recordedAfterCutOff: 0,
    twice: 0,
    lost: 0,
  };
  for (const [key, status] of answered) {
    const [id, note] = key.split('/') as [string, string];
    const n = await notesRecorded(system, id, note);
    if (n > 1) figures.twice += 1;
    if (status === 201) {
      figures.created += 1;
      if (n === 1) figures.recordedOnce += 1;
      else figures.lost += 1;
    } else figures.refusedOrCutOff += 1;
  }
  for (const key of cutOff) {
    const [id, note] = key.split('/') as [string, string];
    const n = await notesRecorded(system, id, note);
    figures.refusedOrCutOff += 1;
    if (n === 1) figures.recordedAfterCutOff += 1;
    if (n > 1) figures.twice += 1;
  }
  const again = await fetch(`${base}/v1/cases/${ids[0]}/timeline`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(again.status).toBe(200);
  process.kill(api.pid, 'SIGTERM');
  await api.exited;

  progress(`API drained in ${ms} ms`);
  publishFigures('graceful-stop-api', { drainMs: ms, ...figures });
  expect(figures.created).toBeGreaterThan(0);
  expect(figures.lost).toBe(0);
  expect(figures.twice).toBe(0);
}, 300_000);
