import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { temporalBinaries } from '../../scripts/temporal-dev-server';

// What every benchmark prints as it goes and writes to bench/results/.

const root = join(__dirname, '..', '..');

export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** One line of the results table: the figure, its value and unit, and how it was measured. */
export function row(figure: string, value: number | string, unit: string, how = ''): void {
  const shown =
    typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : value;
  say(`  ${figure.padEnd(44)} ${shown.padStart(10)} ${unit.padEnd(6)} ${how}`);
}

/** A progress bar on one terminal line: done / total, rate, ETA. */
export function progressBar(label: string, total: number): { tick(done: number): void; end(): void } {
  const started = Date.now();
  const tty = process.stdout.isTTY;
  let lastPrinted = 0;
  const line = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const width = 30;
    const filled = Math.round((done / total) * width);
    return `  ${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${rate.toFixed(1)}/s  ETA ${Math.round(eta)} s`;
  };
  return {
    tick(done) {
      // Every half second on a terminal, every 10 s in a log file.
      const now = Date.now();
      if (now - lastPrinted < (tty ? 500 : 10_000) && done < total) return;
      lastPrinted = now;
      process.stdout.write(tty ? `\r${line(done)}` : `${line(done)}\n`);
    },
    end() {
      if (tty) process.stdout.write('\n');
    },
  };
}

const run = (file: string, args: string[]) => execFileSync(file, args, { cwd: root }).toString().trim();

/** The machine and the versions a figure was measured on. */
export function machine(postgresVersion: string): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    temporalCli: run(temporalBinaries().cli, ['--version']),
    temporalSdk: (
      JSON.parse(readFileSync(join(root, 'node_modules/@temporalio/worker/package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
    postgres: postgresVersion,
    commit: run('git', ['rev-parse', 'HEAD']),
    uncommittedChanges: run('git', ['status', '--porcelain']).length > 0,
  };
}

/**
 * Writes `<name>-latest.json` (or `latest.json`) and a copy dated with the run's start, formatted
 * as the repository's Prettier check wants them.
 */
export async function writeResults(report: { startedAt: string }, name?: string): Promise<string> {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const options = await resolveConfig(join(dir, 'latest.json'));
  const text = await format(JSON.stringify(report, null, 2), { ...options, parser: 'json' });
  const stamp = report.startedAt.slice(0, 16).replace(':', '');
  const prefix = name ? `${name}-` : '';
  writeFileSync(join(dir, `${prefix}latest.json`), text);
  const dated = join(dir, `${prefix}${stamp}.json`);
  writeFileSync(dated, text);
  return dated;
}
