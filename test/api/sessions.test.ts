import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { hashPassword } from '../../api/passwords';
import { LOGIN_THROTTLE } from '../../api/routes/auth';
import { loadPolicy } from '../../config/policy';
import { loginAttempts } from '../../db/schema';
import { upsertUser } from '../../db/users';
import { POLICIES, startTestSystem, TEST_AUDIT_KEY, type TestSystem } from '../helpers/system';

// api.md v1.2 "Sessions and accounts": logout, password change and login throttling that counts
// parallel guesses and cannot be turned against a user (R32: sessions that end; R21: the records
// behind them are extremely sensitive). Each test has users of its own, so no lock spills over.

const PASSWORD = 'a long enough passphrase 7';
let system: TestSystem;
let second: FastifyInstance;
beforeAll(async () => {
  system = await startTestSystem();
  const loaded = loadPolicy(POLICIES.standard);
  // A second API process on the same database, as behind a load balancer.
  second = await buildApp({
    db: system.db.database,
    temporal: system.env.client,
    taskQueue: system.taskQueue,
    policy: loaded.policy,
    policyDocument: loaded.document,
    tokenSecret: system.tokenSecret,
    tokenTtlSeconds: 3_600,
    auditKey: TEST_AUDIT_KEY,
    payloadCodec: system.payloadCodec,
    codecCorsOrigins: [],
  });
});
afterAll(async () => {
  await second?.close();
  await system?.close();
});

/** A caseworker of Canglang of this test's own, with PASSWORD. */
async function newUser(): Promise<string> {
  const username = `sessions.${randomUUID().slice(0, 8)}`;
  await upsertUser(system.db.database.db, {
    username,
    displayName: '测试社工',
    role: 'caseworker',
    passwordHash: await hashPassword(PASSWORD),
    jurisdictions: ['suzhou.gusu.canglang'],
  });
  return username;
}

const login = (username: string, password: string, remoteAddress = '127.0.0.1', app = system.app) =>
  app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password }, remoteAddress });

async function tokenOf(username: string, password = PASSWORD, remoteAddress = '127.0.0.1'): Promise<string> {
  const reply = await login(username, password, remoteAddress);
  expect(reply.statusCode).toBe(200);
  return (reply.json() as { token: string }).token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const casesWith = (token: string, app = system.app) =>
  app.inject({ method: 'GET', url: '/v1/cases', headers: bearer(token) });
const changePassword = (token: string, body: object, remoteAddress = '127.0.0.1') =>
  system.app.inject({
    method: 'POST',
    url: '/v1/auth/password',
    headers: bearer(token),
    payload: body,
    remoteAddress,
  });

describe('logging out (POST /v1/auth/logout)', () => {
  it('R32: a logged-out token is refused with 401 at once, by this and by a second API process; the same user’s other session goes on', async () => {
    const username = await newUser();
    const phone = await tokenOf(username);
    const desk = await tokenOf(username);
    expect((await casesWith(phone)).statusCode).toBe(200);
    expect((await casesWith(phone, second)).statusCode).toBe(200);

    const out = await system.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(phone) });
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');

    for (const app of [system.app, second]) {
      const refused = await casesWith(phone, app);
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
    }
    // Logging out again with the same token is itself refused: it is no longer a session.
    expect(
      (await second.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(phone) })).statusCode,
    ).toBe(401);
    expect((await casesWith(desk)).statusCode).toBe(200);
    expect((await casesWith(await tokenOf(username))).statusCode).toBe(200);
  });

  it('refuses logging out without a token (401), and a token issued before tokens had ids', async () => {
    expect((await system.app.inject({ method: 'POST', url: '/v1/auth/logout' })).statusCode).toBe(401);
    const username = await newUser();
    const token = await tokenOf(username);
    const claims = system.app.jwt.decode<Record<string, unknown>>(token)!;
    const { jti: _jti, ep: _ep, iat: _iat, exp: _exp, ...old } = claims;
    const idless = system.app.jwt.sign(old as never);
    expect((await casesWith(idless)).statusCode).toBe(401);
    expect((await casesWith(token)).statusCode).toBe(200);
  });
});

describe('changing one’s password (POST /v1/auth/password)', () => {
  it('R32: after a change the user’s other tokens are refused in every API process, the one used goes on, the new password works and the old does not', async () => {
    const username = await newUser();
    const used = await tokenOf(username);
    const other = await tokenOf(username);
    const next = 'correct horse battery staple 苏州';
    const changed = await changePassword(used, { current: PASSWORD, next });
    expect(changed.statusCode).toBe(204);

    expect((await casesWith(other)).statusCode).toBe(401);
    expect((await casesWith(other, second)).statusCode).toBe(401);
    expect((await casesWith(used)).statusCode).toBe(200);
    expect((await casesWith(used, second)).statusCode).toBe(200);
    expect((await login(username, PASSWORD)).statusCode).toBe(401);
    const fresh = await tokenOf(username, next);
    expect((await casesWith(fresh, second)).statusCode).toBe(200);

    // A second change from the fresh token ends the first token used too.
    expect(
      (await changePassword(fresh, { current: next, next: 'yet another long passphrase' })).statusCode,
    ).toBe(204);
    expect((await casesWith(used)).statusCode).toBe(401);
    expect((await casesWith(fresh)).statusCode).toBe(200);
  });

  it.each([
    ['shorter than 12 characters', 'short-pw-11'],
    ['the username itself', null],
    ['a common password', 'woaini1314520'],
    ['a common password in other case', 'QWERTYUIOP123'],
    ['the demo users’ password', 'demo-password'],
  ])(
    'refuses a new password that is %s with 422 password_too_weak, and the old one still works',
    async (_what, weak) => {
      const username = await newUser();
      const token = await tokenOf(username);
      const reply = await changePassword(token, { current: PASSWORD, next: weak ?? username });
      expect(reply.statusCode).toBe(422);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.json()).toMatchObject({ status: 422, code: 'password_too_weak' });
      expect((await casesWith(token)).statusCode).toBe(200);
      expect((await login(username, PASSWORD)).statusCode).toBe(200);
    },
  );

  it('refuses a wrong current password with 422 current_password_wrong, counted as a failed login: after 5 the 6th is 429 from that address', async () => {
    const username = await newUser();
    const token = await tokenOf(username, PASSWORD, '10.9.0.1');
    for (let i = 0; i < LOGIN_THROTTLE.pair; i++) {
      const wrong = await changePassword(
        token,
        { current: `guess ${i}`, next: 'a brand new passphrase' },
        '10.9.0.1',
      );
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json()).toMatchObject({ code: 'current_password_wrong' });
    }
    const held = await changePassword(
      token,
      { current: PASSWORD, next: 'a brand new passphrase' },
      '10.9.0.1',
    );
    expect(held.statusCode).toBe(429);
    expect(held.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    // The password did not change, and the session still works.
    expect((await login(username, PASSWORD, '10.9.0.2')).statusCode).toBe(200);
    expect((await casesWith(token)).statusCode).toBe(200);
  });

  it('/openapi.json documents logout and password change with every status they send', async () => {
    const document = (await system.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const statuses = (path: string) => Object.keys(document.paths[path].post.responses);
    expect(statuses('/v1/auth/logout')).toEqual(expect.arrayContaining(['204', '401']));
    expect(statuses('/v1/auth/password')).toEqual(expect.arrayContaining(['204', '401', '422', '429']));
    expect(document.paths['/v1/auth/logout'].post.responses['204'].content).toBeUndefined();
  });
});

describe('login throttling that counts every guess and cannot be turned against users', () => {
  it('R32: 30 parallel guesses at one name, over two API processes, have at most 5 passwords checked; the rest are 429', async () => {
    const username = await newUser();
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        login(username, `parallel guess ${i}`, '10.8.0.66', i % 2 ? second : system.app),
      ),
    );
    const statuses = replies.map((reply) => reply.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LOGIN_THROTTLE.pair);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - LOGIN_THROTTLE.pair);
    const [checked] = await system.db.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(loginAttempts)
      .where(and(eq(loginAttempts.address, '10.8.0.66'), eq(loginAttempts.ok, false)));
    expect(checked!.n).toBe(LOGIN_THROTTLE.pair);
    // The user, from elsewhere, is not held by it.
    expect((await login(username, PASSWORD, '10.8.0.5')).statusCode).toBe(200);
  });

  it('R32: failures from elsewhere never refuse the right password from the address the user works at', async () => {
    const username = await newUser();
    expect((await login(username, PASSWORD, '10.7.0.5')).statusCode).toBe(200);
    // An attacker at many addresses fails past the per-user limit, and sprays others' names.
    for (let i = 0; i < LOGIN_THROTTLE.user + 5; i++) {
      await login(username, `guess ${i}`, `10.7.1.${i % 10}`);
    }
    expect((await login(username, PASSWORD, '10.7.1.200')).statusCode).toBe(429);
    const token = await tokenOf(username, PASSWORD, '10.7.0.5');
    expect((await casesWith(token)).statusCode).toBe(200);
  });

  it('R32: behind one NAT, a colleague’s spraying holds new names at that address but not a user who works there', async () => {
    const known = await newUser();
    const stranger = await newUser();
    expect((await login(known, PASSWORD, '10.6.0.1')).statusCode).toBe(200);
    for (let i = 0; i < LOGIN_THROTTLE.address; i++) {
      expect((await login(`nobody.${i}`, 'Summer2026!', '10.6.0.1')).statusCode).toBe(401);
    }
    expect((await login(stranger, PASSWORD, '10.6.0.1')).statusCode).toBe(429);
    expect((await login(known, PASSWORD, '10.6.0.1')).statusCode).toBe(200);
    expect((await login(stranger, PASSWORD, '10.6.0.2')).statusCode).toBe(200);
  });

  it('limits successful logins per address too: past 60 in 15 minutes a 429 with Retry-After, other addresses unaffected', async () => {
    const username = await newUser();
    for (let i = 0; i < LOGIN_THROTTLE.logins; i++) {
      expect((await login(username, PASSWORD, '10.5.0.1')).statusCode).toBe(200);
    }
    const held = await login(username, PASSWORD, '10.5.0.1');
    expect(held.statusCode).toBe(429);
    expect(held.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(username, PASSWORD, '10.5.0.2')).statusCode).toBe(200);
    expect((await system.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  }, 120_000);
});
