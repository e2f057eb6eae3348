import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
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

/**
 * Runs scripts/start.ts. `direct`: in one node process (tsx as a loader) rather than under the
 * tsx command, which runs it in a child of its own: so that a kill reaches the start process itself.
 */
function launch(env: NodeJS.ProcessEnv, direct = false): Started {
  const child = direct
    ? spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function start(env: NodeJS.ProcessEnv, direct = false): Promise<Started> {
  const started = launch(env, direct);
  const { child, output } = started;
  const deadline = Date.now() + 120_000;
  while (!output().includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`npm start was not ready in 120 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return started;
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

/** The live processes (zombies aside) whose command line names `text`: what a start left running. */
function processesNaming(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // it ended while we looked
      }
    })
    .map(Number);
}

/** True when something accepts connections on the port. */
const listening = (port: string | undefined) =>
  fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );

describe('npm start never leaves half a system', () => {
  const dirs: string[] = [];
  const runs: Started[] = [];
  const freshEnv = async (): Promise<NodeJS.ProcessEnv> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rehab-start-'));
    dirs.push(dataDir);
    return {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_METRICS_ADDRESS: 'off',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    };
  };
  afterAll(async () => {
    for (const run of runs)
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    for (const dir of dirs) {
      for (const pid of processesNaming(dir)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after npm start is killed with -9, the next start stops the Temporal server it left behind and comes up; nothing is left once it stops', async () => {
    const env = await freshEnv();
    const first = await start(env, true);
    runs.push(first);
    const pidFile = join(env.DATA_DIR!, 'temporal.pid');
    const orphan = (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid;

    first.child.kill('SIGKILL');
    await first.exit;
    // The crash as users met it: the server outlives the start that ran it, holding its port.
    expect(processesNaming(env.DATA_DIR!)).toEqual([orphan]);
    expect(await listening(env.TEMPORAL_UI_PORT)).toBe(true);

    const second = await start(env, true);
    runs.push(second);
    expect(second.output()).toContain(
      `stopped the Temporal server an earlier npm start left running (pid ${orphan})`,
    );
    expect(processesNaming(env.DATA_DIR!)).not.toContain(orphan);
    const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
    expect(ready.status).toBe(200);
    await ready.text();

    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
    expect(processesNaming(env.DATA_DIR!)).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
    expect(await listening(env.TEMPORAL_UI_PORT)).toBe(false);
  }, 360_000);

  it('a second npm start on the same data while the first runs is refused and leaves the first running', async () => {
    const env = await freshEnv();
    const first = await start(env, true);
    runs.push(first);
    const second = launch(env, true);
    runs.push(second);
    expect(await second.exit).toBe(1);
    expect(second.output()).toContain(
      `could not start the Temporal server: another npm start (pid ${first.child.pid})`,
    );
    expect(second.output()).toContain('Nothing was left running.');
    const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
    expect(ready.status).toBe(200);
    await ready.text();
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(0);
    expect(processesNaming(env.DATA_DIR!)).toEqual([]);
  }, 360_000);

  it('when a part cannot start (the API’s port is taken), everything already started is stopped and it exits non-zero saying which part and what to do', async () => {
    const env = await freshEnv();
    const squatter = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => squatter.listen(Number(env.PORT), '127.0.0.1', resolve));
    try {
      const run = launch(env, true);
      runs.push(run);
      const code = await Promise.race([
        run.exit,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 150_000)),
      ]);
      expect(code).toBe(1);
      expect(run.output()).toContain('npm start could not start the API');
      expect(run.output()).toContain(
        `Port ${env.PORT} on 127.0.0.1 is in use by another program: stop it, or set PORT.`,
      );
      expect(run.output()).toContain('Nothing was left running.');
      // The Temporal server, the database and the worker had started: none of them is left.
      expect(run.output()).toContain('starting the worker');
      expect(processesNaming(env.DATA_DIR!)).toEqual([]);
      expect(existsSync(join(env.DATA_DIR!, 'temporal.pid'))).toBe(false);
      expect(await listening(env.TEMPORAL_UI_PORT)).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }

    // With the port free again, the same data starts as a whole.
    const again = await start(env, true);
    runs.push(again);
    const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
    expect(ready.status).toBe(200);
    await ready.text();
    again.child.kill('SIGINT');
    expect(await again.exit).toBe(0);
    expect(processesNaming(env.DATA_DIR!)).toEqual([]);
  }, 360_000);
});
