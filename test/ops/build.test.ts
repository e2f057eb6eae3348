import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { formatPayloadKey } from '../../codec/encryption-codec';
import { adminDatabaseUrl } from '../helpers/database';
import { handover } from '../helpers/fixtures';
import { freePort } from '../helpers/net';
import { TEST_AUDIT_KEY, TEST_PAYLOAD_KEY } from '../helpers/system';
import { spawnNode, type Proc } from '../faults/harness';

// The production build from a clean checkout, as the Dockerfile makes it but without Docker:
// a clone of the committed HEAD, its dependencies (hard-linked from this checkout's, to stay
// offline and fast; `npm ci` in the image), `npm run build`, `npm prune --omit=dev`, then the
// built migrate step, worker and API on `node` alone against PostgreSQL and Temporal.

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rehab-build-'));
const app = join(dir, 'app');
const dbName = `rehab_build_${randomUUID().slice(0, 8)}`;
const processes: Proc[] = [];

const admin = async (text: string) => {
  const pg = new PgClient({ connectionString: adminDatabaseUrl() });
  await pg.connect();
  try {
    await pg.query(text);
  } finally {
    await pg.end();
  }
};
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  execFileSync(command, args, { cwd: app, env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' });

afterAll(async () => {
  for (const proc of processes) if (proc.running()) proc.child.kill('SIGKILL');
  await Promise.all(processes.map((proc) => proc.exited));
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

describe('the production build', () => {
  it('builds from a clean checkout and runs on node with production dependencies only: a case opens', async () => {
    execFileSync('git', ['clone', '--quiet', root, app]);
    execFileSync('cp', ['-al', join(root, 'node_modules'), join(app, 'node_modules')]);
    // npm rewrites this file in place; remove the hard link so this checkout's stays untouched.
    rmSync(join(app, 'node_modules', '.package-lock.json'), { force: true });

    run('npm', ['run', 'build']);
    expect(existsSync(join(app, 'dist', 'api', 'main.js'))).toBe(true);
    expect(existsSync(join(app, 'dist', 'workflow-bundle.js'))).toBe(true);
    run('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund']);
    for (const devTool of ['tsx', 'typescript', 'jest', 'eslint']) {
      expect(readdirSync(join(app, 'node_modules'))).not.toContain(devTool);
    }

    await admin(`CREATE DATABASE ${dbName}`);
    const url = new URL(adminDatabaseUrl());
    url.pathname = `/${dbName}`;
    const port = await freePort();
    const env = {
      DATABASE_URL: url.toString(),
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `build-${randomUUID()}`,
      TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      TOKEN_SECRET: randomUUID() + randomUUID(),
      AUDIT_KEY: TEST_AUDIT_KEY,
      PAYLOAD_KEYS: formatPayloadKey(TEST_PAYLOAD_KEY),
      PORT: String(port),
      LOG_LEVEL: 'info',
    };
    expect(run('npm', ['run', '--silent', 'migrate'], env)).toContain('migrations applied');
    // The operator's tools run from the build too, with tsx gone (scripts/tool.js).
    expect(run('npm', ['run', '--silent', 'seed'], env)).toContain('demo data loaded');

    const worker = await spawnNode(['dist/worker/main.js'], env, 'worker: running', app);
    processes.push(worker);
    const api = await spawnNode(['dist/api/main.js'], env, 'Server listening', app);
    processes.push(api);
    expect(api.running() && worker.running()).toBe(true);
    // The prebuilt bundle is used: the worker does not bundle at start.
    expect(worker.output()).not.toMatch(/webpack|Workflow bundle created/);

    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'liaison', password: 'demo-password' }),
    });
    const { token } = (await login.json()) as { token: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const created = await fetch(`${base}/v1/cases`, {
      method: 'POST',
      headers,
      body: JSON.stringify(handover()),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${base}/v1/cases/${id}`, { headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id, phase: 'pre_release' });
    // The console is bundled by the built API from the sources copied into dist/.
    expect((await fetch(`${base}/`)).status).toBe(200);

    // The audit trail of what just happened verifies with the built tool.
    expect(run('npm', ['run', '--silent', 'audit:verify'], env)).toMatch(/^ok: /m);

    for (const proc of [api, worker]) proc.child.kill('SIGTERM');
    expect((await api.exited).code).toBe(0);
    expect((await worker.exited).code).toBe(0);
  }, 420_000);
});
