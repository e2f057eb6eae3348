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

// Re-exported for the benchmarks that import it from here.
export { progressBar } from './progress';

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

/** A result as JSON the repository's Prettier check accepts. */
export async function formatted(result: unknown): Promise<string> {
  const options = await resolveConfig(join(__dirname, '..', 'results', 'latest.json'));
  return format(JSON.stringify(result, null, 2), { ...options, parser: 'json' });
}

/**
 * Writes `<name>-latest.json` (or `latest.json`) and a copy dated with the run's start, formatted
 * as the repository's Prettier check wants them.
 */
export async function writeResults(report: { startedAt: string }, name?: string): Promise<string> {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const text = await formatted(report);
  const stamp = report.startedAt.slice(0, 16).replace(':', '');
  const prefix = name ? `${name}-` : '';
  writeFileSync(join(dir, `${prefix}latest.json`), text);
  const dated = join(dir, `${prefix}${stamp}.json`);
  writeFileSync(dated, text);
  return dated;
}
