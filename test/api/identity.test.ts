import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import { handover } from '../helpers/fixtures';
import { buildApp } from '../../api/app';
import { loadPolicy } from '../../config/policy';
import { POLICIES, startTestSystem, TEST_AUDIT_KEY, type TestSystem } from '../helpers/system';

let system: TestSystem;
let logs = '';
beforeAll(async () => {
  system = await startTestSystem({ logStream: { write: (line: string) => void (logs += line) } });
});
afterAll(async () => {
  await system?.close();
});

const login = (username: string, password: string, remoteAddress = '127.0.0.1', app = system.app) =>
  app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password }, remoteAddress });

describe('failed logins are logged without names', () => {
  it('R21: logs a failed login with a tag, never the username or the password', async () => {
    await login('someone.unknown', 'the-password-typed');
    const failures = logs.split('\n').filter((line) => line.includes('login_failed'));
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.parse(failures.at(-1)!)).toMatchObject({
      event: 'login_failed',
      userTag: expect.any(String),
    });
    expect(logs).not.toContain('someone.unknown');
    expect(logs).not.toContain('the-password-typed');
  });

  it('R21: the logs of opening, reading and searching a case carry no personal data', async () => {
    const body = handover();
    const created = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
    const { id } = created.json();
    await system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` });
    await system.as('worker.canglang', {
      method: 'GET',
      url: `/v1/cases?q=${encodeURIComponent(body.person.name)}`,
    });
    await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body }); // 409
    await system.as('liaison', {
      method: 'POST',
      url: '/v1/cases',
      payload: { ...body, person: { ...body.person, birthDate: '1900-01-01' } },
    }); // 422
    // The requests were logged (by route pattern), so the absence below means something.
    expect(logs).toContain('"route":"/v1/cases/:id"');
    expect(logs).not.toContain(body.person.name);
    expect(logs).not.toContain(body.person.idNumber);
    expect(logs).not.toContain(body.person.residenceAddress);
  });
});

describe('the admin command line (npm run admin) sets up a production deployment', () => {
  const root = join(__dirname, '..', '..');
  const admin = (args: string[], input = '') =>
    spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/admin.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: system.db.url },
      input,
      encoding: 'utf8',
    });

  it('adds a street under its district and a caseworker of it whose password came from stdin', async () => {
    const street = admin(['jurisdiction', 'add', 'suzhou.gusu.pingjiang', '平江街道']);
    expect(street.stderr).toBe('');
    expect(street.stdout).toContain('jurisdiction suzhou.gusu.pingjiang (平江街道) added under suzhou.gusu');
    const user = admin(
      [
        'user',
        'add',
        'worker.pingjiang',
        '--role',
        'caseworker',
        '--jurisdiction',
        'suzhou.gusu.pingjiang',
        '--display-name',
        '平江街道禁毒社工',
      ],
      'a-long-enough-password\n',
    );
    expect(user.status).toBe(0);
    expect(user.stdout).toContain('user worker.pingjiang added: caseworker of suzhou.gusu.pingjiang');
    const reply = await login('worker.pingjiang', 'a-long-enough-password');
    expect(reply.statusCode).toBe(200);
    expect(reply.json().user).toMatchObject({ role: 'caseworker', jurisdictions: ['suzhou.gusu.pingjiang'] });
  });

  it('refuses a jurisdiction whose parent does not exist, naming the parent', () => {
    const run = admin(['jurisdiction', 'add', 'nanjing.gulou', '鼓楼区']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('unknown parent jurisdiction nanjing: add it first');
  });

  it.each([
    [
      ['--role', 'admin', '--jurisdiction', 'suzhou', '--display-name', 'x'],
      'a-long-enough-password',
      '--role must be one of',
    ],
    [
      ['--role', 'police', '--jurisdiction', 'suzhou.nowhere', '--display-name', 'x'],
      'a-long-enough-password',
      'unknown jurisdiction suzhou.nowhere',
    ],
    [
      ['--role', 'police', '--jurisdiction', 'suzhou', '--display-name', 'x'],
      'short',
      'at least 12 characters',
    ],
  ])('refuses a user with %j: says why', (options, password, message) => {
    const run = admin(['user', 'add', 'police.new', ...options], `${password}\n`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(message);
  });

  it('never takes the password from the command line', () => {
    const run = admin(['user', 'add', 'x', '--password', 'secret']);
    expect(run.status).toBe(64);
    expect(run.stderr).toContain("Unknown option '--password'");
  });

  it('refuses an existing username, and disables a user: no new login, and their token stops at once', async () => {
    const again = admin(
      [
        'user',
        'add',
        'worker.canglang',
        '--role',
        'caseworker',
        '--jurisdiction',
        'suzhou',
        '--display-name',
        'x',
      ],
      'a-long-enough-password\n',
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('user worker.canglang already exists');
    const token = await system.tokenFor('worker.changqiao');
    const read = () =>
      system.app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${token}` } });
    expect((await read()).statusCode).toBe(200);
    expect(admin(['user', 'disable', 'worker.changqiao']).status).toBe(0);
    expect((await login('worker.changqiao', 'demo-password')).statusCode).toBe(401);
    expect((await read()).statusCode).toBe(401);
  });
});

describe('tokens follow the user record', () => {
  it('a supervisor moved to another district loses the old one’s cases with the token they already hold', async () => {
    const body = handover({ destination: 'suzhou.gusu.shuangta' });
    const { id } = (await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body })).json();
    expect((await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${id}` })).statusCode).toBe(
      200,
    );
    await system.db.database.db
      .update(users)
      .set({ jurisdictions: ['suzhou.wuzhong'] })
      .where(eq(users.username, 'supervisor.gusu'));
    expect((await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${id}` })).statusCode).toBe(
      404,
    );
  });
});

// Last in the file: these lock users out of some addresses for the rest of the window.
describe('login throttling in the database: brute force and password spraying, without lock-outs for everyone', () => {
  it('5 failures for one user from one address lock that pair only (429, Retry-After), in every API process', async () => {
    for (let i = 0; i < 5; i++)
      expect((await login('police.gusu', `guess-${i}`, '10.0.0.1')).statusCode).toBe(401);
    const blocked = await login('police.gusu', 'demo-password', '10.0.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
    expect(blocked.json()).toMatchObject({ status: 429, detail: 'too many failed logins; try again later' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // A second API process on the same database counts the same failures.
    const loaded = loadPolicy(POLICIES.standard);
    const other = await buildApp({
      db: system.db.database,
      temporal: system.env.client,
      taskQueue: system.taskQueue,
      policy: loaded.policy,
      policyDocument: loaded.document,
      tokenSecret: system.tokenSecret,
      tokenTtlSeconds: 600,
      auditKey: TEST_AUDIT_KEY,
      payloadCodec: system.payloadCodec,
      codecCorsOrigins: [],
    });
    try {
      expect((await login('police.gusu', 'demo-password', '10.0.0.1', other)).statusCode).toBe(429);
    } finally {
      await other.close();
    }
    expect((await login('police.gusu', 'demo-password', '10.0.0.2')).statusCode).toBe(200);
    expect((await login('supervisor.gusu', 'demo-password', '10.0.0.1')).statusCode).toBe(200);
  });

  it('20 failures from one address over many usernames (spraying) lock that address', async () => {
    for (let i = 0; i < 20; i++)
      expect((await login(`user.${i}`, 'Summer2026!', '10.0.1.1')).statusCode).toBe(401);
    expect((await login('supervisor.city', 'demo-password', '10.0.1.1')).statusCode).toBe(429);
    expect((await login('supervisor.city', 'demo-password', '10.0.1.2')).statusCode).toBe(200);
  });

  it('20 failures for one user from many addresses lock new addresses, but the user still logs in from a known one', async () => {
    expect((await login('liaison', 'demo-password', '10.0.2.99')).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) {
      expect((await login('liaison', `guess-${i}`, `10.0.2.${i}`)).statusCode).toBe(401);
    }
    expect((await login('liaison', 'demo-password', '10.0.2.50')).statusCode).toBe(429);
    expect((await login('liaison', 'demo-password', '10.0.2.99')).statusCode).toBe(200);
    expect((await login('liaison', 'a-guess', '10.0.2.99')).statusCode).toBe(401);
  });
});
