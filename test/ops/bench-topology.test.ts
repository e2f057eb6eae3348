import { temporal } from '@temporalio/proto';
import { nextHandover } from '../../bench/lib/cases';
import { BenchSystem, parseTopology } from '../../bench/lib/system';
import { DEMO_PASSWORD } from '../../scripts/demo-data';

// The benchmark's production topology (`npm run bench -- --topology 2x2`, bench/lib/system.ts):
// two API processes and two workers on one PostgreSQL database and one dev server. What the
// figures rest on: both APIs answer from the same cases, both workers poll the task queue, and
// going back to one of each leaves one of each.

const sys = new BenchSystem();

/** Identities of the workers that polled the case task queue for workflow tasks. */
async function pollers(): Promise<string[]> {
  const reply = await sys.client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: sys.taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (reply.pollers ?? []).map((p) => p.identity ?? '');
}

beforeAll(async () => {
  await sys.start();
  await sys.startWorker({ prebuilt: true });
  await sys.startApi();
}, 300_000);
afterAll(() => sys.close(), 120_000);

describe('the bench topology helper', () => {
  it('reads 2x2 as two APIs and two workers, and refuses what is not a topology', () => {
    expect(parseTopology('2x2')).toEqual({ apis: 2, workers: 2 });
    expect(parseTopology('3x1')).toEqual({ apis: 3, workers: 1 });
    expect(() => parseTopology('2')).toThrow(/APIsxWORKERS/);
    expect(() => parseTopology('0x2')).toThrow(/APIsxWORKERS/);
  });

  it('2x2: a case opened through one API is read through the other, and both workers poll', async () => {
    await sys.topology({ apis: 2, workers: 2 });
    expect(sys.apis).toHaveLength(2);
    expect(sys.workers).toHaveLength(2);
    const [first, second] = sys.apiUrls as [string, string];
    expect(first).not.toBe(second);

    const opened = await sys.http('POST', '/v1/cases', 'liaison', nextHandover(), second);
    expect(opened.status).toBe(201);
    const { id } = opened.body as { id: string };
    const read = await sys.http('GET', `/v1/cases/${id}`, 'liaison', undefined, first);
    expect((read.body as { id: string; phase: string }).phase).toBe('pre_release');

    // Each worker process polls under its own identity (`<pid>@<host>`).
    const identities = await pollers();
    for (const worker of sys.workers) {
      expect(identities.some((identity) => identity.startsWith(`${worker.pid}@`))).toBe(true);
    }
  }, 300_000);

  it('a login at the bench outlives a 100,000-case run: its token is good for 24 hours', async () => {
    // The first such run logged in once and lost its last 2,860 opens to 401 after an hour.
    const login = await sys.http('POST', '/v1/auth/login', undefined, {
      username: 'liaison',
      password: DEMO_PASSWORD,
    });
    const lifetime = Date.parse((login.body as { expiresAt: string }).expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(23 * 3_600_000);
  });

  it('1x1 again: the extra API and worker are stopped, and the one left still opens cases', async () => {
    const [, second] = sys.apiUrls as [string, string];
    const extraWorker = sys.workers[1]!;
    await sys.topology({ apis: 1, workers: 1 });
    expect(sys.apis).toHaveLength(1);
    expect(sys.workers).toHaveLength(1);
    expect(extraWorker.running()).toBe(false);
    await expect(fetch(`${second}/readyz`)).rejects.toThrow();
    const opened = await sys.http('POST', '/v1/cases', 'liaison', nextHandover());
    expect(opened.status).toBe(201);
  }, 120_000);
});
