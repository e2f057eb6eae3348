import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

const open = (body: unknown, username = 'liaison') =>
  system.as(username, { method: 'POST', url: '/v1/cases', payload: body as object });
const get = (id: string, username: string) => system.as(username, { method: 'GET', url: `/v1/cases/${id}` });
const list = (query: string, username: string) =>
  system.as(username, { method: 'GET', url: `/v1/cases?${query}` });

describe('opening a handover (POST /v1/cases)', () => {
  it('opens a pre-release case that reads back at once with the same data', async () => {
    const body = handover({ note: '本人同意接受帮教' });
    const created = await open(body);
    expect(created.statusCode).toBe(201);
    const view = created.json();
    expect(view).toMatchObject({
      person: {
        name: body.person.name,
        idNumber: body.person.idNumber,
        residenceAddress: body.person.residenceAddress,
      },
      facility: body.facility,
      measure: body.measure,
      phase: 'pre_release',
      tier: 'stable',
      status: 'open',
      jurisdiction: 'suzhou.gusu.canglang',
      expectedReleaseAt: new Date(body.expectedReleaseAt).toISOString(),
      policyVersion: 'standard-2026.4',
      openedBy: 'liaison',
      note: '本人同意接受帮教',
    });
    expect(created.headers.location).toBe(`/v1/cases/${view.id}`);

    const read = await get(view.id, 'liaison');
    expect(read.statusCode).toBe(200);
    // The full view adds the help half (R24): the four-party group and the service plan.
    expect(read.json()).toEqual({ ...view, parties: [], services: [] });
  });

  it('runs every case as workflow case-<id>, tagged with phase and jurisdiction but no personal data', async () => {
    const body = handover();
    const { id } = (await open(body)).json();
    const description = await system.env.client.workflow.getHandle(`case-${id}`).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(system.taskQueue);
    const attributes = JSON.stringify(description.searchAttributes);
    expect(description.searchAttributes).toMatchObject({
      CasePhase: ['pre_release'],
      CaseJurisdiction: ['suzhou.gusu.canglang'],
    });
    expect(attributes).not.toContain(body.person.idNumber);
    expect(attributes).not.toContain(body.person.name);
  });

  it('refuses a second open case for the same person with 409 naming the first', async () => {
    const body = handover();
    const first = (await open(body)).json();
    const second = await open({ ...body, facility: { name: '另一所' } });
    expect(second.statusCode).toBe(409);
    expect(second.headers['content-type']).toContain('application/problem+json');
    expect(second.json().detail).toContain(first.id);
  });

  it('lets exactly one of two racing handovers for the same person through', async () => {
    const body = handover();
    const replies = await Promise.all([open(body), open(body), open(body)]);
    const codes = replies.map((reply) => reply.statusCode).sort();
    expect(codes).toEqual([201, 409, 409]);
    const winner = replies.find((reply) => reply.statusCode === 201)!.json();
    for (const loser of replies.filter((reply) => reply.statusCode === 409)) {
      expect(loser.json().detail).toContain(winner.id);
    }
    const found = await list(`q=${body.person.idNumber}`, 'liaison');
    expect(found.json().items).toHaveLength(1);
  });

  it('validates the ID number check digit and names the field', async () => {
    const body = handover();
    const wrong = body.person.idNumber.slice(0, 17) + (body.person.idNumber[17] === '0' ? '1' : '0');
    const reply = await open({ ...body, person: { ...body.person, idNumber: wrong } });
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors).toContainEqual({
      path: 'body.person.idNumber',
      message: 'idNumber check digit does not match',
    });
  });

  it('refuses a birth date that contradicts the ID number', async () => {
    const body = handover();
    const reply = await open({ ...body, person: { ...body.person, birthDate: '2001-01-01' } });
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors).toContainEqual(expect.objectContaining({ path: 'body.person.birthDate' }));
  });

  it.each([
    ['an unknown field', { extra: true }, 'body'],
    ['an unknown measure', { measure: 'prison' }, 'body.measure'],
    [
      'a release time without an offset',
      { expectedReleaseAt: '2026-12-20T09:00:00' },
      'body.expectedReleaseAt',
    ],
    ['a malformed jurisdiction', { destination: 'Suzhou Gusu' }, 'body.destination'],
  ])('refuses %s with 422 naming where', async (_, override, path) => {
    const reply = await open({ ...handover(), ...override });
    expect(reply.statusCode).toBe(422);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses a destination that is not a known jurisdiction', async () => {
    const reply = await open(handover({ destination: 'suzhou.gusu.nowhere' }));
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors[0].path).toBe('body.destination');
  });

  it('answers malformed JSON with 400, a wrong media type with 415 and an oversized body with 413', async () => {
    const token = await system.tokenFor('liaison');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const malformed = await system.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers,
      payload: '{"person":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ status: 400, title: 'Bad request', code: 'malformed_json' });

    const text = await system.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { ...headers, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported_media_type');

    const array = await system.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: '[]' });
    expect(array.statusCode).toBe(400);
    expect(array.json()).toMatchObject({
      code: 'body_not_object',
      detail: 'the request body must be a JSON object',
    });

    const huge = await system.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers,
      payload: JSON.stringify({ ...handover(), note: 'x'.repeat(100_000) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.headers['content-type']).toContain('application/problem+json');
    expect(huge.json().code).toBe('payload_too_large');
  });

  it('is for liaisons and the destination’s caseworkers (api.md v1.2): a supervisor or police officer gets 403', async () => {
    expect((await open(handover(), 'worker.canglang')).statusCode).toBe(201);
    for (const username of ['supervisor.gusu', 'police.gusu']) {
      const reply = await open(handover(), username);
      expect(reply.statusCode).toBe(403);
      expect(reply.json().code).toBe('origin_not_for_role');
    }
  });
});

describe('reading cases within jurisdictions', () => {
  let caseId: string;
  let idNumber: string;
  let birthDate: string;
  beforeAll(async () => {
    const body = handover();
    idNumber = body.person.idNumber;
    birthDate = `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
    caseId = (await open({ ...body, person: { ...body.person, birthDate } })).json().id;
  });

  it.each(['liaison', 'worker.canglang', 'supervisor.gusu', 'supervisor.city', 'police.gusu'])(
    'a case in suzhou.gusu.canglang is visible to %s',
    async (username) => {
      const reply = await get(caseId, username);
      expect(reply.statusCode).toBe(200);
      expect(reply.json().id).toBe(caseId);
    },
  );

  it('is a 404 for another street’s caseworker, exactly as a case that does not exist', async () => {
    const outside = await get(caseId, 'worker.changqiao');
    const missing = await get('00000000-0000-4000-8000-000000000000', 'worker.changqiao');
    expect(outside.statusCode).toBe(404);
    expect(outside.body).toBe(missing.body);
  });

  it('leaves it out of another street’s list and search', async () => {
    const reply = await list(`q=${idNumber}`, 'worker.changqiao');
    expect(reply.statusCode).toBe(200);
    expect(reply.json().items).toEqual([]);
  });

  it('masks the ID number for supervisors and shows it to the caseworker', async () => {
    expect((await get(caseId, 'supervisor.gusu')).json().person.idNumber).toBe(
      `${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`,
    );
    expect((await get(caseId, 'worker.canglang')).json().person.idNumber).toBe(idNumber);
  });

  it('R21: hides the birth date (which the ID number holds) from supervisors, as it masks the ID number', async () => {
    const supervisor = (await get(caseId, 'supervisor.gusu')).body;
    expect(JSON.parse(supervisor).person.birthDate).toBe('****-**-**');
    expect(supervisor).not.toContain(birthDate);
    expect((await get(caseId, 'worker.canglang')).json().person.birthDate).toBe(birthDate);
  });

  it('R21: only roles that see ID numbers in full may search by one (403 otherwise), and the search is audited', async () => {
    const refused = await list(`q=${idNumber}`, 'supervisor.gusu');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'id_number_search_forbidden' });
    expect(refused.body).not.toContain(idNumber);
    const byPost = await system.as('supervisor.gusu', {
      method: 'POST',
      url: '/v1/cases/search',
      payload: { q: idNumber },
    });
    expect(byPost.statusCode).toBe(403);
    const found = await list(`q=${idNumber.toLowerCase()}`, 'worker.canglang');
    expect(found.json().items.map((c: { id: string }) => c.id)).toEqual([caseId]);
    const trail = await system.as('supervisor.gusu', { method: 'GET', url: `/v1/audit?caseId=${caseId}` });
    expect(trail.json().items).toContainEqual(
      expect.objectContaining({
        action: 'case.search.idNumber',
        actor: expect.objectContaining({ username: 'worker.canglang' }),
      }),
    );
  });

  it('answers a malformed case id with 400 naming the id', async () => {
    const reply = await get('not-a-case', 'liaison');
    expect(reply.statusCode).toBe(400);
    expect(reply.json().errors[0].path).toBe('params.id');
  });
});

describe('listing cases (GET /v1/cases)', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = [];
    for (const destination of ['suzhou.gusu.shuangta', 'suzhou.gusu.shuangta', 'suzhou.wuzhong.changqiao']) {
      ids.push((await open(handover({ destination }))).json().id);
    }
  });

  it('pages newest first with a cursor until every case is seen once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'supervisor.city');
      expect(page.statusCode).toBe(200);
      const { items, nextCursor } = page.json() as { items: { id: string }[]; nextCursor: string | null };
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((item) => item.id));
      cursor = nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
  });

  it('filters by jurisdiction subtree and by phase', async () => {
    const shuangta = await list('jurisdiction=suzhou.gusu.shuangta', 'supervisor.city');
    expect(
      shuangta
        .json()
        .items.map((item: { id: string }) => item.id)
        .sort(),
    ).toEqual([ids[0], ids[1]].sort());
    const wuzhong = await list('jurisdiction=suzhou.wuzhong&phase=pre_release', 'supervisor.city');
    expect(wuzhong.json().items.map((item: { id: string }) => item.id)).toEqual([ids[2]]);
    const community = await list('phase=community', 'supervisor.city');
    expect(community.json().items).toEqual([]);
  });

  it('shows a district supervisor only the district', async () => {
    const reply = await list('limit=200', 'supervisor.gusu');
    const jurisdictions = reply.json().items.map((item: { jurisdiction: string }) => item.jurisdiction);
    expect(jurisdictions).toContain('suzhou.gusu.shuangta');
    expect(jurisdictions.every((code: string) => code.startsWith('suzhou.gusu.'))).toBe(true);
  });

  it.each([
    ['an unknown phase', 'phase=finished', 'querystring.phase'],
    ['a limit out of range', 'limit=1000', 'querystring.limit'],
    ['an unknown parameter', 'sort=name', 'querystring'],
    ['a cursor it never returned', 'cursor=bm90LWEtY3Vyc29y', 'querystring.cursor'],
  ])('answers %s with 400', async (_, query, path) => {
    const reply = await list(query, 'supervisor.city');
    expect(reply.statusCode).toBe(400);
    expect(reply.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});
