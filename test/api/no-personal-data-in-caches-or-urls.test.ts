import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Issue 13 item 6 (R21): an answer carrying personal data is never kept by a browser or a proxy
// cache, and a search for a person need not put their name in a URL (URLs end up in access
// logs, proxies and browser histories).

let system: TestSystem;
let caseId: string;
const NAME = '缓存测试某';

beforeAll(async () => {
  system = await startTestSystem();
  const opened = await system.as('liaison', {
    method: 'POST',
    url: '/v1/cases',
    payload: handover({ person: { ...handover().person, name: NAME } }),
  });
  expect(opened.statusCode).toBe(201);
  caseId = opened.json().id;
});
afterAll(() => system?.close());

describe('R21: no personal data in caches or URLs', () => {
  it('every /v1 answer, success or refusal, says Cache-Control: no-store', async () => {
    const replies = [
      await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${caseId}` }),
      await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${caseId}/timeline` }),
      await system.as('supervisor.gusu', { method: 'GET', url: '/v1/cases?limit=5' }),
      await system.as('worker.canglang', { method: 'GET', url: '/v1/tasks?mine=true' }),
      await system.as('worker.changqiao', { method: 'GET', url: `/v1/cases/${caseId}` }),
      await system.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'liaison', password: 'demo-password' },
      }),
      await system.app.inject({ method: 'GET', url: '/v1/cases' }),
      await system.app.inject({ method: 'GET', url: '/v1/no-such-route' }),
    ];
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 404, 200, 401, 404]);
    for (const reply of replies) expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('POST /v1/cases/search finds a person by name with the name in the body, not the URL', async () => {
    const reply = await system.as('supervisor.gusu', {
      method: 'POST',
      url: '/v1/cases/search',
      payload: { q: NAME, limit: 10 },
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.json().items.map((c: { id: string }) => c.id)).toEqual([caseId]);

    const elsewhere = await system.as('worker.changqiao', {
      method: 'POST',
      url: '/v1/cases/search',
      payload: { q: NAME },
    });
    expect(elsewhere.json().items).toEqual([]);

    const unknown = await system.as('supervisor.gusu', {
      method: 'POST',
      url: '/v1/cases/search',
      payload: { q: NAME, name: NAME },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().code).toBe('validation_failed');
  });
});
