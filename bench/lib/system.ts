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
// memory is its own), and a plain Temporal client for the raw baseline.

export interface WorkerSettings {
  /** A workflow bundle built before the worker starts, or (false) bundled by the worker at start. */
  prebuilt: boolean;
  tuning?: WorkerDeps['tuning'];
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
  worker?: Proc;
  api?: Proc;
  apiUrl = '';
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
      AUDIT_KEY: this.auditKey,
      PAYLOAD_KEYS: this.payloadKeys,
      // Per-request log lines would go through this process's pipe; production writes them to stdout.
      LOG_LEVEL: 'warn',
      ...extra,
    };
  }

  /** Starts the worker process; returns how long creating the worker took inside it. */
  async startWorker(settings: WorkerSettings): Promise<{ createMs: number }> {
    const spec = {
      tuning: settings.tuning,
      workflowBundle: settings.prebuilt ? this.bundles.cases : undefined,
      rawTaskQueue: this.rawTaskQueue,
      rawBundle: this.bundles.raw,
    };
    const ready = 'bench-worker: running ';
    this.worker = await spawnTsx(
      'bench/worker-process.ts',
      this.env({ BENCH_WORKER: JSON.stringify(spec) }),
      ready,
    );
    const output = this.worker.output();
    if (!this.worker.running()) throw new Error(`the worker exited:\n${output.slice(-3000)}`);
    const line = output.slice(output.indexOf(ready) + ready.length).split('\n')[0]!;
    return JSON.parse(line) as { createMs: number };
  }

  /** SIGTERM: the worker drains and exits. */
  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    if (this.worker.running()) process.kill(this.worker.pid, 'SIGTERM');
    await this.worker.exited;
    this.worker = undefined;
  }

  /** The production API process (`api/main.ts`) on a free port; resolves once /readyz answers. */
  async startApi(): Promise<void> {
    const port = await freePort();
    this.apiUrl = `http://127.0.0.1:${port}`;
    this.api = await spawnTsx('api/main.ts', this.env({ HOST: '127.0.0.1', PORT: String(port) }), '');
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!this.api.running()) throw new Error(`the API exited:\n${this.api.output().slice(-3000)}`);
      const ok = await fetch(`${this.apiUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`the API was not ready in 60 s:\n${this.api.output()}`);
      await sleep(200);
    }
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
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (username) headers.authorization = `Bearer ${await this.token(username)}`;
    const reply = await fetch(`${this.apiUrl}${path}`, {
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
      worker: () => (this.worker ? [this.worker.pid] : []),
      api: () => (this.api ? [this.api.pid] : []),
      postgres: postgresPids,
      'bench (load)': () => [process.pid],
    };
  }

  /** A workflow id no other run uses. */
  static rawId(): string {
    return `raw-${randomUUID()}`;
  }

  async close(): Promise<void> {
    if (this.api?.running()) process.kill(this.api.pid, 'SIGTERM');
    await this.api?.exited;
    await this.stopWorker();
    await this.connection?.close();
    await this.temporal.close();
    await this.db?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
