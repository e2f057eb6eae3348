import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/net';

// Ctrl-C as a terminal sends it: SIGINT to every process of the foreground group at once (npm,
// the shell it runs, tsx, the node app), not to the app alone as start.test.ts does (issue 29).

const root = join(__dirname, '..', '..');

/** The live processes (zombies aside) in process group `group`, or whose command line names `text`. */
function processes(group: number, text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[0] === 'Z') return false;
        return Number(fields[2]) === group || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // it ended while we looked
      }
    })
    .map(Number);
}

describe('Ctrl-C in the terminal running npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rehab-ctrl-c-'));
  let group: number | undefined;
  afterAll(() => {
    if (group) for (const pid of processes(group, dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `npm start` leading a process group of its own, as a shell runs a foreground job. */
  async function npmStart() {
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_METRICS_ADDRESS: 'off',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    };
    const child = spawn('npm', ['start'], {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    group = child.pid!;
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 60_000;
      while (!output.includes(text)) {
        if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
        if (Date.now() > deadline) throw new Error(`npm start did not print "${text}" in 60 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    return { group, exit, output: () => output, waitFor };
  }

  it('Ctrl-C stops the API, drains the worker, closes the database and stops the Temporal server, in that order, prints "stopped." and leaves nothing running', async () => {
    const run = await npmStart();
    await run.waitFor('Ctrl-C stops everything.');

    process.kill(-run.group, 'SIGINT');
    expect(await run.exit).toBe(0);

    const output = run.output();
    const shutdown = output.slice(output.indexOf('stopping (SIGINT)…'));
    expect(shutdown.trimEnd().endsWith('stopped.')).toBe(true);
    const order = ['the API', 'the worker', 'the database', 'the Temporal server'].map((part) =>
      shutdown.indexOf(`  ${part}: stopped\n`),
    );
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(shutdown).not.toContain('(stopping');
    // The worker starts draining only once the API has stopped (not on the signal itself).
    expect(output.indexOf("state: 'DRAINING'")).toBeGreaterThan(output.indexOf('  the API: stopped\n'));

    // No process of the group is left, nor the Temporal server (its own group, on this data).
    expect(processes(run.group, dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'temporal.pid'))).toBe(false);
  }, 90_000);

  it('Ctrl-C while npm start is still starting stops what has started, starts nothing more and prints "stopped."', async () => {
    const run = await npmStart();
    await run.waitFor('starting the worker');

    process.kill(-run.group, 'SIGINT');
    const code = await run.exit;
    const output = run.output();
    if (code !== 0) console.log(output);
    expect(code).toBe(0);
    expect(output).toContain('stopping (SIGINT) once the part now starting is up…');
    expect(output.trimEnd().endsWith('stopped.')).toBe(true);
    expect(output).toContain('  the database: stopped\n');
    expect(output).toContain('  the Temporal server: stopped\n');
    expect(output).not.toContain('Ctrl-C stops everything.');
    expect(output).not.toContain('the API: stopped');
    expect(processes(run.group, dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'temporal.pid'))).toBe(false);
  }, 90_000);
});
