import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { bundleWorkflowCode } from '@temporalio/worker';
import { formatPayloadKey } from '../../codec/encryption-codec';
import { DEMO_PASSWORD, seedDemoData } from '../../scripts/demo-data';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database';
import { freePort } from '../../test/helpers/net';
import { FaultTemporal, spawnTsx, sleep, type Proc } from '../../test/faults/harness';
import { bundleWorkflows, type WorkerDeps } from '../../worker/worker';
import { postgresPids, type Processes } from './cpu';

// The system under benchmark, each part real and on its own: the Temporal dev server as
// `npm start` runs it (SQLite file, Web UI, the project's search attributes) on free ports, a
// PostgreSQL database of its own, the worker and the API as separate processes (so each one's
// memory is its own), and a plain Temporal client for the raw baseline. The production topology
// (`--topology 2x2`) runs more of each on the same database and server: `topology()`.

export interface WorkerSettings {
  /** A workflow bundle built before the worker starts, or (false) bundled by the worker at start. */
  prebuilt: boolean;
  tuning?: WorkerDeps['tuning'];
}

/** How many API and worker processes run (the bench's default: one of each). */
export interface Topology {
  apis: number;
  workers: number;
}

/** `--topology 2x2`: two APIs and two workers. */
export function parseTopology(text: string): Topology {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1)
    throw new Error(`--topology takes APIsxWORKERS, such as 2x2, not ${text}`);
  return { apis: Number(match[1]), workers: Number(match[2]) };
}

export class BenchSystem {
  readonly temporal = new FaultTemporal();
  readonly dir = mkdtempSync(join(tmpdir(), 'rehab-bench-'));
  readonly taskQueue = 'case-follow-up';
  readonly rawTaskQueue = 'bench-raw';
  private readonly tokenSecret = randomBytes(32).toString('base64url');
  private readonly auditKey = randomBytes(32).toString('base64url');
  private readonly payloadKeys = formatPayloadKey({ id: 'bench-1', key: randomBytes(32) });
  db!: TestDatabase;
  /** Worker processes, each polling the same task queues; the first is `worker`. */
  readonly workers: Proc[] = [];
  /** API processes on the same database and server; the first is `api` at `apiUrl`. */
  readonly apis: { proc: Proc; url: string }[] = [];
  /** Settings every API process starts with (IMPORT_CONCURRENCY for the import loader). */
  apiEnv: NodeJS.ProcessEnv = {};
  /** The settings the last worker was started with: `topology()` starts more like it. */
  private workerSettings: WorkerSettings = { prebuilt: true };
  /** The raw baseline's client: no codec, the trivial workflow has no payloads. */
  client!: Client;
  private connection!: Connection;
  readonly bundles = { cases: join(this.dir, 'cases-bundle.js'), raw: join(this.dir, 'raw-bundle.js') };
  /** How long building the case workflows' bundle took in this process. */
  bundleMs = 0;
  private tokens = new Map<string, string>();

  async start(): Promise<void> {
    await this.temporal.start();
    this.db = await createTestDatabase();
    await seedDemoData(this.db.database.db);
    const started = performance.now();
    writeFileSync(this.bundles.cases, await bundleWorkflows());
    this.bundleMs = performance.now() - started;
    const raw = await bundleWorkflowCode({
      workflowsPath: require.resolve('../trivial-workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
    writeFileSync(this.bundles.raw, raw.code);
    this.connection = await Connection.connect({ address: this.temporal.address });
    this.client = new Client({ connection: this.connection });
  }

  private env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return {
      DATABASE_URL: this.db.url,
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      TOKEN_SECRET: this.tokenSecret,
      // `token()` logs each user in once per run, and a 100,000-case run lasts hours: with the
      // default hour, every request after it was a 401 (the first such run lost its last 2,860
      // opens so). The longest a token may live, since a run measures the engine, not sessions.
      TOKEN_TTL_SECONDS: '86400',
      AUDIT_KEY: this.auditKey,
      PAYLOAD_KEYS: this.payloadKeys,
      // Per-request log lines would go through this process's pipe; production writes them to stdout.
      LOG_LEVEL: 'warn',
      ...extra,
    };
  }

  get worker(): Proc | undefined {
    return this.workers[0];
  }

  get api(): Proc | undefined {
    return this.apis[0]?.proc;
  }

  get apiUrl(): string {
    return this.apis[0]?.url ?? '';
  }

  /** Every API's base URL, for load spread over them (autocannon gives connection i URL i mod n). */
  get apiUrls(): string[] {
    return this.apis.map((api) => api.url);
  }

  /** Starts one more worker process; returns how long creating the worker took inside it. */
  async startWorker(settings: WorkerSettings): Promise<{ createMs: number }> {
    this.workerSettings = settings;
    const spec = {
      tuning: settings.tuning,
      workflowBundle: settings.prebuilt ? this.bundles.cases : undefined,
      rawTaskQueue: this.rawTaskQueue,
      rawBundle: this.bundles.raw,
    };
    const ready = 'bench-worker: running ';
    const worker = await spawnTsx(
      'bench/worker-process.ts',
      this.env({ BENCH_WORKER: JSON.stringify(spec) }),
      ready,
    );
    const output = worker.output();
    if (!worker.running()) throw new Error(`the worker exited:\n${output.slice(-3000)}`);
    this.workers.push(worker);
    const line = output.slice(output.indexOf(ready) + ready.length).split('\n')[0]!;
    return JSON.parse(line) as { createMs: number };
  }

  /** SIGTERM: the workers beyond the first `keep` drain and exit (by default, all of them). */
  async stopWorker(keep = 0): Promise<void> {
    for (const worker of this.workers.splice(keep)) {
      if (worker.running()) process.kill(worker.pid, 'SIGTERM');
      await worker.exited;
    }
  }

  /**
   * One more production API process (`api/main.ts`) on a free port, with `apiEnv`; resolves once
   * /readyz answers.
   */
  async startApi(): Promise<void> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await spawnTsx(
      'api/main.ts',
      this.env({ HOST: '127.0.0.1', PORT: String(port), ...this.apiEnv }),
      '',
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!proc.running()) throw new Error(`the API exited:\n${proc.output().slice(-3000)}`);
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the API was not ready in 60 s:\n${proc.output()}`);
      await sleep(200);
    }
    this.apis.push({ proc, url });
  }

  /** SIGTERM: the APIs beyond the first `keep` finish their requests and exit. */
  async stopApi(keep = 0): Promise<void> {
    for (const { proc } of this.apis.splice(keep)) {
      if (proc.running()) process.kill(proc.pid, 'SIGTERM');
      await proc.exited;
    }
  }

  /**
   * Exactly `apis` API processes and `workers` worker processes on this database and server:
   * the missing ones started (workers with the last worker's settings), the extra ones stopped.
   */
  async topology({ apis, workers }: Topology): Promise<void> {
    await Promise.all([this.stopApi(apis), this.stopWorker(workers)]);
    const starting: Promise<unknown>[] = [];
    for (let i = this.apis.length; i < apis; i += 1) starting.push(this.startApi());
    for (let i = this.workers.length; i < workers; i += 1)
      starting.push(this.startWorker(this.workerSettings));
    await Promise.all(starting);
  }

  async token(username: string): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const body = (await this.http('POST', '/v1/auth/login', undefined, { username, password: DEMO_PASSWORD }))
      .body as { token: string };
    this.tokens.set(username, body.token);
    return body.token;
  }

  /** One request to the API process as `username` (or none); throws unless 2xx. */
  async http(
    method: string,
    path: string,
    username?: string,
    payload?: unknown,
    /** Another API process's base URL (default: the first). */
    base?: string,
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (username) headers.authorization = `Bearer ${await this.token(username)}`;
    const reply = await fetch(`${base ?? this.apiUrl}${path}`, {
      method,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const body: unknown = await reply.json();
    if (!reply.ok) throw new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(body)}`);
    return { status: reply.status, body };
  }

  async sql<T>(text: string): Promise<T[]> {
    const pg = this.db.database;
    return ((await pg.db.execute(sql.raw(text))) as unknown as { rows: T[] }).rows;
  }

  /** Resident memory of a process, from /proc/<pid>/status (VmRSS now, VmHWM its peak), in MiB. */
  static memory(pid: number): { rssMiB: number; peakMiB: number } {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) };
  }

  /** Size of the dev server's SQLite file (with its write-ahead log), in MiB. */
  temporalStoreMiB(): number {
    const file = join(this.temporal.dir, 'temporal.sqlite');
    const size = (path: string) => {
      try {
        return statSync(path).size;
      } catch {
        return 0;
      }
    };
    return Math.round((size(file) + size(`${file}-wal`)) / 2 ** 20);
  }

  /** The processes whose CPU time is measured, by name. */
  processes(): Processes {
    return {
      temporal: () => [this.temporal.server.pid],
      worker: () => this.workers.map((worker) => worker.pid),
      api: () => this.apis.map((api) => api.proc.pid),
      postgres: postgresPids,
      'bench (load)': () => [process.pid],
    };
  }

  /** A workflow id no other run uses. */
  static rawId(): string {
    return `raw-${randomUUID()}`;
  }

  async close(): Promise<void> {
    await this.stopApi();
    await this.stopWorker();
    await this.connection?.close();
    await this.temporal.close();
    await this.db?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
