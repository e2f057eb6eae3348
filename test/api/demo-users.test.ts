import { DEMO_PASSWORD, DEMO_USERS } from '../../scripts/demo-data';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

// api.md v1.2 "Operators": the demo users grow so every side of every rule can be tried. After
// the demo data is seeded (as `npm start` and `npm run seed` do), each new user logs in with the
// demo password and sees what their jurisdiction gives.

let system: TestSystem;
let gusu: string;
let wuzhong: string;

async function caseIds(username: string): Promise<string[]> {
  const reply = await system.as(username, { method: 'GET', url: '/v1/cases?limit=200' });
  expect(reply.statusCode).toBe(200);
  return (reply.json() as { items: { id: string }[] }).items.map((item) => item.id);
}

beforeAll(async () => {
  system = await startTestSystem();
  const open = async (destination: string) => {
    const reply = await system.as('liaison', {
      method: 'POST',
      url: '/v1/cases',
      payload: handover({ destination }),
    });
    expect(reply.statusCode).toBe(201);
    return reply.json().id as string;
  };
  gusu = await open('suzhou.gusu.canglang');
  wuzhong = await open('suzhou.wuzhong.changqiao');
});

afterAll(async () => {
  await system?.close();
});

describe('the v1.2 demo users', () => {
  it.each(['supervisor.wuzhong', 'police.wuzhong', 'worker2.canglang'])(
    '%s logs in with demo-password and has a Chinese display name',
    async (username) => {
      const user = DEMO_USERS.find((demo) => demo.username === username);
      expect(user?.displayName).toMatch(/^\p{Script=Han}+$/u);
      const reply = await system.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username, password: DEMO_PASSWORD },
      });
      expect(reply.statusCode).toBe(200);
    },
  );

  it("supervisor.wuzhong's case list has the Wuzhong case and not the Gusu case", async () => {
    const ids = await caseIds('supervisor.wuzhong');
    expect(ids).toContain(wuzhong);
    expect(ids).not.toContain(gusu);
    expect(
      (await system.as('supervisor.wuzhong', { method: 'GET', url: `/v1/cases/${gusu}` })).statusCode,
    ).toBe(404);
  });

  it('police.wuzhong reads the Wuzhong case and not the Gusu case', async () => {
    const ids = await caseIds('police.wuzhong');
    expect(ids).toContain(wuzhong);
    expect(ids).not.toContain(gusu);
    expect(
      (await system.as('police.wuzhong', { method: 'GET', url: `/v1/cases/${wuzhong}` })).statusCode,
    ).toBe(200);
    expect((await system.as('police.wuzhong', { method: 'GET', url: `/v1/cases/${gusu}` })).statusCode).toBe(
      404,
    );
  });

  it('worker2.canglang can be assigned a Canglang case, and sees it; the Wuzhong case is not theirs', async () => {
    const assigned = await system.as('supervisor.gusu', {
      method: 'POST',
      url: `/v1/cases/${gusu}/assign`,
      payload: { caseworker: 'worker2.canglang' },
    });
    expect(assigned.statusCode).toBe(200);
    const mine = await system.as('worker2.canglang', {
      method: 'GET',
      url: '/v1/cases?assignee=worker2.canglang',
    });
    expect(mine.statusCode).toBe(200);
    expect((mine.json() as { items: { id: string }[] }).items.map((item) => item.id)).toContain(gusu);
    expect(await caseIds('worker2.canglang')).not.toContain(wuzhong);
  });

  it('supervisor.wuzhong cannot assign worker2.canglang a Wuzhong case: another street', async () => {
    const refused = await system.as('supervisor.wuzhong', {
      method: 'POST',
      url: `/v1/cases/${wuzhong}/assign`,
      payload: { caseworker: 'worker2.canglang' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'not_caseworker_here' });
  });
});
