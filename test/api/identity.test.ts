import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

let system: TestSystem;
let logs = '';
beforeAll(async () => {
  system = await startTestSystem({ logStream: { write: (line: string) => void (logs += line) } });
});
afterAll(async () => {
  await system?.close();
});

const login = (username: string, password: string) =>
  system.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } });

describe('logging in is rate-limited and failures are logged without names', () => {
  it('refuses the 11th attempt in a minute for one username with 429, and other users still log in', async () => {
    for (let i = 0; i < 10; i++) expect((await login('police.gusu', `guess-${i}`)).statusCode).toBe(401);
    const blocked = await login('police.gusu', 'demo-password');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
    expect(blocked.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('supervisor.gusu', 'demo-password')).statusCode).toBe(200);
  });

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
