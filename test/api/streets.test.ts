import type { LightMyRequestResponse } from 'fastify';
import { handover, policeOrder } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// api.md v1.2 "Jurisdictions where people live": a case is held by a street (a leaf of the tree),
// where its caseworkers are; a district or city holds nobody's case (R30).

let system: TestSystem;
let life: ReturnType<typeof lifecycle>;

beforeAll(async () => {
  system = await startTestSystem();
  life = lifecycle(system);
});
afterAll(async () => {
  await system?.close();
});

const post = (username: string, url: string, payload: object) =>
  system.as(username, { method: 'POST', url, payload });

function expectNotAStreet(reply: LightMyRequestResponse, path: string) {
  expect(reply.statusCode).toBe(422);
  expect(reply.json()).toMatchObject({ code: 'destination_not_a_street', errors: [{ path }] });
}

describe('R30: a case is held by a street', () => {
  it('R30: a handover or a police order to a district or the city is refused with 422 destination_not_a_street, and nothing is opened', async () => {
    for (const destination of ['suzhou.gusu', 'suzhou']) {
      const body = handover({ destination });
      expectNotAStreet(await post('liaison', '/v1/cases', body), 'body.destination');
      expectNotAStreet(
        await post('supervisor.city', '/v1/cases', policeOrder({ destination })),
        'body.destination',
      );
      // The person can still be handed over to their street.
      const search = await post('liaison', '/v1/cases/search', { q: body.person.idNumber });
      expect(search.json().items).toEqual([]);
    }
    const unknown = await post('liaison', '/v1/cases', handover({ destination: 'suzhou.gusu.nowhere' }));
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().code).toBe('destination_not_yours');
    expect((await post('liaison', '/v1/cases', handover())).statusCode).toBe(201);
  });

  it('R30: a transfer or a delegation to a district is refused with 422 destination_not_a_street; an unknown one keeps its code; the case still works', async () => {
    const id = await life.inCommunity();
    expectNotAStreet(
      await post('supervisor.gusu', `/v1/cases/${id}/transfer`, { to: 'suzhou.wuzhong', reason: '迁居' }),
      'body.to',
    );
    expectNotAStreet(
      await post('supervisor.gusu', `/v1/cases/${id}/delegate`, { to: 'suzhou.wuzhong', reason: '人户分离' }),
      'body.to',
    );
    const unknown = await post('supervisor.gusu', `/v1/cases/${id}/transfer`, {
      to: 'suzhou.nowhere',
      reason: '迁居',
    });
    expect(unknown.json().code).toBe('receiving_jurisdiction_unknown');
    const view = (await life.view(id)).body;
    expect(view).toMatchObject({ phase: 'community', transferTo: null, delegatedTo: null });
    await life.expectRecorded(id, 'worker.canglang', { type: 'contact', channel: 'phone', reached: true });
  });
});

describe('a caseworker in the facility (api.md v1.2, Suzhou)', () => {
  it('a caseworker opens a facility handover for their own street, not for another', async () => {
    const mine = await post('worker.canglang', '/v1/cases', handover());
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ phase: 'pre_release', jurisdiction: 'suzhou.gusu.canglang' });
    expect((await life.view(mine.json().id, 'worker.canglang')).status).toBe(200);
    const elsewhere = await post(
      'worker.canglang',
      '/v1/cases',
      handover({ destination: 'suzhou.wuzhong.changqiao' }),
    );
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json().code).toBe('destination_not_yours');
  });
});
