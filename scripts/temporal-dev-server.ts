import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BINARIES, binaryPath } = require('./ensure.js') as {
  BINARIES: { pkg: string; version: string; bin: string }[];
  binaryPath(spec: { pkg: string; version: string; bin: string }): string;
};

/** Paths of the pinned Temporal binaries that scripts/ensure.js installs into .tools/. */
export function temporalBinaries(): { cli: string; testServer: string } {
  const [cli, testServer] = BINARIES.map(binaryPath);
  return { cli: cli!, testServer: testServer! };
}

const CLI_TYPES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export function searchAttributeArgs(
  keys: { name: string; type: SearchAttributeType }[] = SEARCH_ATTRIBUTES,
): string[] {
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPES[key.type]}`]);
}

/**
 * A write-ahead log instead of SQLite's default rollback journal: every commit is still synced
 * to disk before it is acknowledged (synchronous=full), but with one sync instead of several,
 * which doubles the server's start rate on this project's machine (docs/performance.md).
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=full'];

export interface DevServer {
  address: string;
  /** The server process's id (the benchmarks read its CPU time). */
  pid: number;
  /** Resolves with the exit code when the server process ends, for whatever reason. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
  /** Sends a signal to the server process (the fault suite kills it with SIGKILL). */
  kill(signal: NodeJS.Signals): void;
}

/** What `npm start` writes beside its data so that the next start finds a server it left behind. */
interface PidRecord {
  pid: number;
  port: number;
  dbFilename: string;
  /** The `npm start` process that started the server. */
  owner?: number;
}

/** Another `npm start` is running on the same data: its server is in use, not left behind. */
export class AnotherStartRunning extends Error {}

/** The command line of a running process, or null when there is none (or only a zombie). */
function commandLine(pid: number): string[] | null {
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    // No /proc (macOS): ask ps.
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
        .trim()
        .split(/\s+/);
    } catch {
      return null;
    }
  }
}

/** True while `pid` is a Temporal dev server of this binary on this database file. */
function isOurServer(pid: number, binary: string, dbFilename: string): boolean {
  const argv = commandLine(pid);
  return !!argv && argv[0] === binary && argv.includes('start-dev') && argv.includes(dbFilename);
}

/**
 * Stops the dev server an earlier `npm start` left running (it was killed before it could stop
 * it: `kill -9`, a crash, a closed terminal), found by the pid file and checked by its command
 * line, so an unrelated process that reused the pid is never touched. Returns its pid, or null.
 * While the start that owns it still runs, the server is in use: AnotherStartRunning.
 */
export async function stopLeftBehind(pidFile: string, dbFilename: string): Promise<number | null> {
  if (!existsSync(pidFile)) return null;
  let recorded: PidRecord;
  try {
    recorded = JSON.parse(readFileSync(pidFile, 'utf8')) as PidRecord;
  } catch {
    rmSync(pidFile, { force: true });
    return null;
  }
  const binary = temporalBinaries().cli;
  const ours = () => isOurServer(recorded.pid, binary, dbFilename);
  if (!ours()) {
    rmSync(pidFile, { force: true });
    return null;
  }
  const owner = recorded.owner ? commandLine(recorded.owner) : null;
  if (owner?.some((arg) => /start\.[jt]s$/.test(arg))) {
    throw new AnotherStartRunning(
      `another npm start (pid ${recorded.owner}) is running on this data, with its Temporal server (pid ${recorded.pid})`,
    );
  }
  process.kill(recorded.pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (ours()) {
    if (Date.now() > deadline) {
      process.kill(recorded.pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(pidFile, { force: true });
  return recorded.pid;
}

/**
 * Starts `temporal server start-dev` with SQLite persistence (a restart loses nothing), the
 * project's search attributes and the Web UI, and waits until it answers.
 */
export async function startDevServer(options: {
  dbFilename: string;
  logFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** The codec server the Web UI calls to show encrypted payloads. */
  codecEndpoint?: string;
  /** SQLite pragmas; the default is SQLITE_PRAGMAS (the benchmarks compare it with none). */
  sqlitePragmas?: string[];
  /** Where the server's pid is kept while it runs (`npm start`: `data/temporal.pid`), see stopLeftBehind. */
  pidFile?: string;
  /**
   * Runs the server in a process group of its own, so that Ctrl-C in a terminal (SIGINT to the
   * whole foreground group) does not reach it: only stop() does, after the worker has drained.
   */
  ownGroup?: boolean;
}): Promise<DevServer> {
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFilename,
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--ui-disable-news-fetch',
    ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
    '--log-level',
    'warn',
    ...(options.sqlitePragmas ?? SQLITE_PRAGMAS).flatMap((pragma) => ['--sqlite-pragma', pragma]),
    ...(options.namespace === 'default' ? [] : ['--namespace', options.namespace]),
    ...searchAttributeArgs(),
  ];
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(temporalBinaries().cli, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup ?? false,
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    // The binary could not be run at all (missing, not executable): ended as well.
    child.once('error', () => resolve(null));
  });
  let ended = false;
  void exited.then(() => (ended = true));
  const { pidFile } = options;
  if (pidFile && child.pid) {
    const record: PidRecord = {
      pid: child.pid,
      port: options.port,
      dbFilename: options.dbFilename,
      owner: process.pid,
    };
    writeFileSync(pidFile, `${JSON.stringify(record)}\n`);
    void exited.then(() => rmSync(pidFile, { force: true }));
  }

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ended) {
      const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(
        `the Temporal dev server exited during start (is port ${options.port} taken?):\n${tail}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace: options.namespace });
      } finally {
        await connection.close();
      }
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the Temporal dev server did not answer on ${address} within 60 s: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  return {
    address,
    pid: child.pid!,
    exited,
    async stop() {
      if (ended) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    kill(signal) {
      if (!ended) child.kill(signal);
    },
  };
}
