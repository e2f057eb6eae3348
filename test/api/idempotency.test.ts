import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../api/passwords';
import { inArray, sql } from 'drizzle-orm';
import { purgeIdempotencyKeys } from '../../db/idempotency';
import { idempotencyKeys } from '../../db/schema';
import { upsertUser } from '../../db/users';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

const open = (body: object, key?: string, username = 'liaison') =>
  system.as(username, {
    method: 'POST',
    url: '/v1/cases',
    payload: body,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });
const casesOf = async (idNumber: string) =>
  (await system.as('police.gusu', { method: 'GET', url: `/v1/cases?q=${idNumber}` })).json().items;

describe('Idempotency-Key on POST /v1/cases (api.md)', () => {
  it('a retried handover with the same key returns the first result and opens one case', async () => {
    const body = handover();
    const key = randomUUID();
    const first = await open(body, key);
    const again = await open(body, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await casesOf(body.person.idNumber)).toHaveLength(1);
    // R21: the replay shows the case again, so it is audited like the first time.
    const trail = await system.as('supervisor.gusu', {
      method: 'GET',
      url: `/v1/audit?caseId=${first.json().id}&actor=liaison`,
    });
    expect(trail.json().items.map((e: { action: string }) => e.action)).toEqual([
      'case.create.replay',
      'case.create',
    ]);
  });

  it('a handover retried after the API died before storing its reply opens the same case once (201, not a duplicate person)', async () => {
    const body = handover();
    const key = randomUUID();
    const first = await open(body, key);
    expect(first.statusCode).toBe(201);
    // As if the process had died after the case opened but before the reply was stored: the key
    // is claimed again by the retry (after the stale claim, or on another API process).
    await system.db.database.db.delete(idempotencyKeys).where(sql`key = ${key}`);
    const retried = await open(body, key);
    expect(retried.statusCode).toBe(201);
    expect(retried.json().id).toBe(first.json().id);
    expect(await casesOf(body.person.idNumber)).toHaveLength(1);
  });

  it('the same body in another key order is the same request', async () => {
    const body = handover();
    const key = randomUUID();
    const first = await open(body, key);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await open(reordered, key);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
  });

  it('the same key with a different body is refused with 422 and opens nothing', async () => {
    const key = randomUUID();
    await open(handover(), key);
    const other = handover();
    const reply = await open(other, key);
    expect(reply.statusCode).toBe(422);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.json().errors[0].path).toBe('headers.idempotency-key');
    expect(await casesOf(other.person.idNumber)).toHaveLength(0);
  });

  it('concurrent duplicates run once: every reply is the first result', async () => {
    const body = handover();
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 6 }, () => open(body, key)));
    expect(replies.map((reply) => reply.statusCode)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(replies.map((reply) => reply.json().id)).size).toBe(1);
    expect(replies.filter((reply) => reply.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
    expect(await casesOf(body.person.idNumber)).toHaveLength(1);
  });

  it('replays a refusal as well: the 409 of a duplicate person stays the answer for that key', async () => {
    const body = handover();
    await open(body);
    const key = randomUUID();
    const first = await open(body, key);
    const again = await open(body, key);
    expect(first.statusCode).toBe(409);
    expect(again.statusCode).toBe(409);
    expect(again.body).toBe(first.body);
  });

  it('keys are per caller: another liaison with the same key is a different request', async () => {
    // A second liaison, as an operator would add one.
    await upsertUser(system.db.database.db, {
      username: 'liaison.two',
      displayName: '第二联络员',
      role: 'liaison',
      jurisdictions: ['suzhou'],
      passwordHash: await hashPassword('demo-password'),
    });
    const key = randomUUID();
    const mine = await open(handover(), key);
    const theirs = await open(handover(), key, 'liaison.two');
    expect(mine.statusCode).toBe(201);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(mine.json().id);
  });

  it('R21: a replay re-checks the caller’s access now: a case that left their jurisdictions is a 404', async () => {
    const user = {
      username: 'liaison.moved',
      displayName: '调岗联络员',
      role: 'liaison' as const,
      jurisdictions: ['suzhou'],
      passwordHash: await hashPassword('demo-password'),
    };
    await upsertUser(system.db.database.db, user);
    const body = handover();
    const key = randomUUID();
    expect((await open(body, key, 'liaison.moved')).statusCode).toBe(201);
    await upsertUser(system.db.database.db, { ...user, jurisdictions: ['suzhou.wuzhong'] });
    const again = await open(body, key, 'liaison.moved');
    expect(again.statusCode).toBe(404);
    expect(again.body).not.toContain(body.person.idNumber);
  });

  it('R21: a reply stored for one role is not replayed to the same user under another', async () => {
    const user = {
      username: 'liaison.to.police',
      displayName: '转岗人员',
      role: 'liaison' as const,
      jurisdictions: ['suzhou'],
      passwordHash: await hashPassword('demo-password'),
    };
    await upsertUser(system.db.database.db, user);
    const created = await open(handover(), undefined, 'liaison.to.police');
    const record = () =>
      system.as('liaison.to.police', {
        method: 'POST',
        url: `/v1/cases/${created.json().id}/events`,
        payload: { type: 'intervention', kind: 'intake', occurredAt: new Date().toISOString() },
        headers: { 'idempotency-key': 'intake-1' },
      });
    expect((await record()).statusCode).toBe(201);
    await upsertUser(system.db.database.db, { ...user, role: 'police' });
    const again = await record();
    expect(again.statusCode).toBe(403);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('stored replies expire after 24 hours: the key runs again, and expired replies are deleted', async () => {
    const body = handover();
    const key = randomUUID();
    const first = await open(body, key);
    expect(first.statusCode).toBe(201);
    const db = system.db.database.db;
    await db.execute(
      sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`,
    );
    const again = await open(body, key);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    // Run again, not replayed; the key still names the same case, so nothing opens twice.
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(await casesOf(body.person.idNumber)).toHaveLength(1);
    const fresh = randomUUID();
    expect((await open(handover(), fresh)).statusCode).toBe(201);
    await db.execute(
      sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`,
    );
    await purgeIdempotencyKeys(db, { ttlSeconds: 86_400, staleSeconds: 120 });
    const left = await db
      .select({ key: idempotencyKeys.key })
      .from(idempotencyKeys)
      .where(inArray(idempotencyKeys.key, [key, fresh]));
    expect(left.map((row) => row.key)).toEqual([fresh]);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(201)],
    ['not visible ASCII', 'key with spaces'],
  ])('refuses a key that is %s with 400', async (_, key) => {
    const reply = await open(handover(), key);
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ status: 400, errors: [{ path: 'headers.idempotency-key' }] });
  });

  it('is documented in the OpenAPI document as a header of POST /v1/cases', async () => {
    const document = (await system.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const parameters = document.paths['/v1/cases'].post.parameters as { in: string; name: string }[];
    expect(parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key' }));
  });

  it('without a key, each request is its own (the duplicate-person guard still answers 409)', async () => {
    const body = handover();
    expect((await open(body)).statusCode).toBe(201);
    expect((await open(body)).statusCode).toBe(409);
  });
});
