import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { handover } from '../helpers/fixtures';
import { freePort } from '../helpers/net';

// `npm start` as a user runs it: one process group on embedded defaults (its own Temporal dev
// server with SQLite, PGlite), stopped with Ctrl-C (SIGINT) and started again on the same data.

const root = join(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

async function start(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!output.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start was not ready in 120 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output: () => output, exit };
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGINT');
  return started.exit;
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rehab-start-'));
  let env: NodeJS.ProcessEnv;
  let running: Started | undefined;

  beforeAll(async () => {
    env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    };
  });
  afterAll(async () => {
    if (running && running.child.exitCode === null) await stop(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${env.PORT}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
  const token = async () => {
    const reply = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'liaison', password: 'demo-password' }),
    });
    return ((await reply.json()) as { token: string }).token;
  };

  it('runs the whole system with demo data, stops cleanly on Ctrl-C and keeps every case across a restart', async () => {
    running = await start(env);
    expect(running.output()).toContain(`Swagger UI   http://127.0.0.1:${env.PORT}/docs`);
    expect(running.output()).toContain(`Temporal UI  http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
    expect((await api('/readyz')).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);
    // The worker's Temporal SDK metrics, at the address printed (issue 17).
    const sdkMetrics = `http://${env.TEMPORAL_METRICS_ADDRESS}/metrics`;
    expect(running.output()).toContain(`SDK metrics  ${sdkMetrics}`);
    expect(await (await fetch(sdkMetrics)).text()).toContain('temporal_worker_task_slots_available');
    // The web console is served by the same process (issue: "npm start serves it").
    expect(running.output()).toContain(`Console      http://127.0.0.1:${env.PORT}/`);
    const page = await api('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('社区戒毒康复随访');

    const bearer = { authorization: `Bearer ${await token()}` };
    const created = await api('/v1/cases', {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify(handover()),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    expect(await stop(running)).toBe(0);
    expect(running.output()).toContain('stopped.');
    // R21: the generated payload key is kept, private to the user, so histories stay readable.
    const keyFile = join(dataDir, 'payload-keys');
    const key = readFileSync(keyFile, 'utf8');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    await expect(api('/healthz')).rejects.toThrow();

    running = await start(env);
    const again = await api(`/v1/cases/${id}`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { phase: string }).phase).toBe('pre_release');
    expect(readFileSync(keyFile, 'utf8')).toBe(key);

    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    try {
      const description = await new Client({ connection }).workflow.getHandle(`case-${id}`).describe();
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }
    expect(await stop(running)).toBe(0);
  }, 240_000);
});
