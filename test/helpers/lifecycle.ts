import { handover } from './fixtures';
import type { TestSystem } from './system';

// Steps a person would take through the API, for lifecycle tests on a time-skipping server.

const DAY = 86_400_000;
export const days = (n: number) => n * DAY;
export const hours = (n: number) => n * 3_600_000;

export function lifecycle(system: TestSystem) {
  const now = async () => system.env.currentTimeMs();
  const iso = (ms: number) => new Date(ms).toISOString();

  async function open(overrides: Parameters<typeof handover>[0] = {}): Promise<string> {
    const expectedReleaseAt = iso((await now()) + days(30));
    const reply = await system.as('liaison', {
      method: 'POST',
      url: '/v1/cases',
      payload: handover({ expectedReleaseAt, ...overrides }),
    });
    if (reply.statusCode !== 201) throw new Error(`open failed: ${reply.body}`);
    return reply.json().id;
  }

  async function record(id: string, username: string, event: Record<string, unknown>) {
    return system.as(username, { method: 'POST', url: `/v1/cases/${id}/events`, payload: event });
  }

  async function expectRecorded(id: string, username: string, event: Record<string, unknown>) {
    const reply = await record(id, username, event);
    if (reply.statusCode !== 201) throw new Error(`${String(event.type)} refused: ${reply.body}`);
    return reply.json();
  }

  /** Released today, met at the gate, reported in at Canglang: the term has begun. */
  async function inCommunity(overrides: Parameters<typeof handover>[0] = {}): Promise<string> {
    const id = await open(overrides);
    await expectRecorded(id, 'liaison', { type: 'released' });
    await expectRecorded(id, 'worker.canglang', { type: 'picked_up', by: '沧浪街道禁毒社工' });
    await expectRecorded(id, 'worker.canglang', {
      type: 'reported_in',
      jurisdiction: overrides.destination ?? 'suzhou.gusu.canglang',
    });
    return id;
  }

  async function view(id: string, username = 'supervisor.city') {
    const reply = await system.as(username, { method: 'GET', url: `/v1/cases/${id}` });
    return { status: reply.statusCode, body: reply.json() };
  }

  async function notifications(id: string) {
    const reply = await system.as('supervisor.city', {
      method: 'GET',
      url: `/v1/notifications?caseId=${id}`,
    });
    return (
      reply.json().items as { recipient: string; reason: string; rule: string; status: string }[]
    ).reverse();
  }

  async function timeline(id: string) {
    const reply = await system.as('supervisor.city', { method: 'GET', url: `/v1/cases/${id}/timeline` });
    return reply.json().items as { type: string; kind: string; data: Record<string, unknown>; at: string }[];
  }

  async function openTasks(id: string) {
    return (await view(id)).body.openTasks as { id: string; kind: string; dueAt: string; status: string }[];
  }

  /** Skips workflow time, then waits until the engine has caught up with it. */
  async function skip(ms: number) {
    await system.env.sleep(ms);
  }

  return {
    now,
    iso,
    open,
    record,
    expectRecorded,
    inCommunity,
    view,
    notifications,
    timeline,
    openTasks,
    skip,
  };
}

/** Retries an assertion until it passes (the engine reacts to skipped time asynchronously). */
export async function eventually<T>(assertion: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
