import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Client as PgClient } from 'pg';
import { buildApp, loggerOptions } from '../../api/app';
import { encryptedDataConverter } from '../../codec/data-converter';
import { formatPayloadKey } from '../../codec/encryption-codec';
import { loadPolicy } from '../../config/policy';
import { openDatabase, type Database } from '../../db/client';
import { DEMO_PASSWORD, seedDemoData } from '../../scripts/demo-data';
import { startDevServer, type DevServer } from '../../scripts/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/net';
import { POLICIES, TEST_AUDIT_KEY, TEST_PAYLOAD_CODEC, TEST_PAYLOAD_KEY } from '../helpers/system';

// The fault suite's harness: the real parts as separate processes it can kill — a Temporal dev
// server on a SQLite file of its own, the worker (`tsx test/faults/worker-with-faults.ts`), the
// API (in-process, or `tsx api/main.ts`) — PostgreSQL behind a proxy it can cut, and a webhook
// receiver standing in for the SMS gateway and police systems.

const root = join(__dirname, '..', '..');

/** The size of the run: `npm test` runs the short version, `npm run test:faults` the full one. */
export const SIZE = {
  kills: Number(process.env.FAULT_KILLS ?? 3),
  outageMs: Number(process.env.FAULT_DB_OUTAGE_SECONDS ?? 5) * 1_000,
  serverRestarts: Number(process.env.FAULT_SERVER_RESTARTS ?? 1),
  full: process.env.FAULT_KILLS !== undefined && Number(process.env.FAULT_KILLS) >= 100,
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function progress(message: string): void {
  process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Figures of the run, printed and kept in FAULT_FIGURES_DIR for docs/reliability.md. */
export function publishFigures(scenario: string, figures: Record<string, unknown>): void {
  const dir = process.env.FAULT_FIGURES_DIR ?? join(tmpdir(), 'rehab-fault-figures');
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify({ scenario, at: new Date().toISOString(), size: SIZE, ...figures }, null, 2);
  writeFileSync(join(dir, `${scenario}.json`), text);
  progress(`${scenario} figures: ${JSON.stringify(figures)}`);
}

export async function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs / 1000} s: ${String(error)}`);
      await sleep(250);
    }
  }
}

// ── processes ────────────────────────────────────────────────────────────────

export interface Proc {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  running(): boolean;
}

/**
 * Starts `node --import tsx <entry>` and waits for a line of its output saying it is ready. One
 * process, not the `tsx` command's two: a signal sent to its pid reaches the worker or the API
 * itself, and a SIGKILL leaves no orphan behind.
 */
export async function spawnTsx(entry: string, env: NodeJS.ProcessEnv, ready: string): Promise<Proc> {
  return spawnNode(['--import', 'tsx', entry], env, ready);
}

/** `node <args>` in `cwd` (the repository by default), ready when its output says `ready`. */
export async function spawnNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
  cwd = root,
): Promise<Proc> {
  const entry = args.at(-1);
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal, at: Date.now() });
    }),
  );
  const deadline = Date.now() + 120_000;
  while (!output.includes(ready)) {
    if (done) return { child, pid: child.pid!, output: () => output, exited, running: () => false };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} was not ready in 120 s:\n${output.slice(-3000)}`);
    }
    await sleep(50);
  }
  return { child, pid: child.pid!, output: () => output, exited, running: () => !done };
}

/** SIGKILL by the process's own pid, and wait until it is gone. */
export async function kill9(proc: Proc): Promise<void> {
  if (proc.running()) process.kill(proc.pid, 'SIGKILL');
  await proc.exited;
}

// ── Temporal ─────────────────────────────────────────────────────────────────

/** A dev server of the scenario's own, on a SQLite file, that can be killed and started again. */
export class FaultTemporal {
  readonly dir = mkdtempSync(join(tmpdir(), 'rehab-faults-temporal-'));
  server!: DevServer;
  port = 0;

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.server = await startDevServer({
      dbFilename: join(this.dir, 'temporal.sqlite'),
      logFile: join(this.dir, 'temporal.log'),
      port: this.port,
      uiPort: await freePort(),
      namespace: 'default',
    });
  }

  /** kill -9 the server; its state is only what it had written to its SQLite file. */
  async kill9(): Promise<void> {
    this.server.kill('SIGKILL');
    await this.server.exited;
  }

  async close(): Promise<void> {
    await this.server?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ── PostgreSQL behind a proxy ────────────────────────────────────────────────

/**
 * A TCP proxy in front of PostgreSQL (a few lines of `net`: toxiproxy needs its server binary,
 * not available here, and no small well-kept npm proxy drops and holds connections on demand). `cut()` drops every open connection and,
 * until `restore()`, holds each new one for a while before dropping it too, as a dead network does.
 */
export class PgProxy {
  private server = createServer((client) => this.accept(client));
  private sockets = new Set<Socket>();
  private down = false;
  port = 0;
  dropped = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly holdMs = 3_000,
  ) {}

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  private track(socket: Socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private accept(client: Socket) {
    this.track(client);
    if (this.down) {
      this.dropped += 1;
      setTimeout(() => client.destroy(), this.holdMs);
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The URL of `db` through a proxy on `port`. */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  u.hostname = '127.0.0.1';
  return u.toString();
}

// ── the outside recipients ───────────────────────────────────────────────────

/** A webhook receiver: counts every delivery by its Idempotency-Key (the notification id). */
export class Receiver {
  readonly deliveries = new Map<string, number>();
  private server: Server = createHttpServer((request, response) => {
    const key = String(request.headers['idempotency-key'] ?? '');
    request.resume();
    request.on('end', () => {
      this.deliveries.set(key, (this.deliveries.get(key) ?? 0) + 1);
      response.statusCode = 204;
      response.end();
    });
  });
  url = '';

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/notify`;
  }

  /** Deliveries of an id after its first: a retry after a crash, which the receiver dedupes by key. */
  redeliveries(): number {
    return [...this.deliveries.values()].reduce((sum, n) => sum + n - 1, 0);
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// ── the system under faults ──────────────────────────────────────────────────

export interface FaultSystemOptions {
  policy: keyof typeof POLICIES;
  /** Route the worker's and the API's database connections through a proxy. */
  proxy?: boolean;
}

/**
 * A scenario's system: its own Temporal dev server, a fresh database with the demo users, a
 * webhook receiver, the worker as a child process (started and killed by the scenario) and the
 * API in-process, on the same task queue.
 */
export class FaultSystem {
  temporal = new FaultTemporal();
  receiver = new Receiver();
  db!: TestDatabase;
  proxy?: PgProxy;
  /** What the worker and the API use: the database directly, or through the proxy. */
  appDatabaseUrl = '';
  worker?: Proc;
  app!: FastifyInstance;
  client!: Client;
  apiDatabase!: Database;
  private connection!: Connection;
  readonly taskQueue = `faults-${randomUUID()}`;
  readonly tokenSecret = randomUUID() + randomUUID();
  private tokens = new Map<string, string>();
  workerStarts = 0;

  constructor(private readonly options: FaultSystemOptions) {}

  async start(): Promise<void> {
    await this.temporal.start();
    await this.receiver.listen();
    this.db = await createTestDatabase();
    await seedDemoData(this.db.database.db);
    this.appDatabaseUrl = this.db.url;
    if (this.options.proxy) {
      const u = new URL(this.db.url);
      this.proxy = new PgProxy({ host: u.hostname, port: Number(u.port || 5432) });
      await this.proxy.listen();
      this.appDatabaseUrl = viaPort(this.db.url, this.proxy.port);
    }
    this.connection = await Connection.connect({ address: this.temporal.address });
    this.client = new Client({
      connection: this.connection,
      dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC),
    });
    this.apiDatabase = await openDatabase({ databaseUrl: this.appDatabaseUrl, dataDir: '/nonexistent' });
    const { policy, document } = loadPolicy(POLICIES[this.options.policy]);
    this.app = await buildApp(
      {
        db: this.apiDatabase,
        temporal: this.client,
        taskQueue: this.taskQueue,
        policy,
        policyDocument: document,
        tokenSecret: this.tokenSecret,
        tokenTtlSeconds: 3_600,
        auditKey: TEST_AUDIT_KEY,
        payloadCodec: TEST_PAYLOAD_CODEC,
        codecCorsOrigins: [],
      },
      // FAULT_API_LOG=error shows the in-process API's own log (redacted, as in production).
      process.env.FAULT_API_LOG ? loggerOptions(process.env.FAULT_API_LOG) : false,
    );
  }

  /** The environment of the worker and API processes. */
  processEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      DATABASE_URL: this.appDatabaseUrl,
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      POLICY: POLICIES[this.options.policy],
      NOTIFY_WEBHOOK_URL: this.receiver.url,
      TOKEN_SECRET: this.tokenSecret,
      AUDIT_KEY: TEST_AUDIT_KEY,
      PAYLOAD_KEYS: formatPayloadKey(TEST_PAYLOAD_KEY),
      LOG_LEVEL: 'warn',
      ...extra,
    };
  }

  /** Starts the worker process; `killAfterCommit` arms its self-kill after that many activities. */
  async startWorker(killAfterCommit = 0): Promise<Proc> {
    this.workerStarts += 1;
    this.worker = await spawnTsx(
      'test/faults/worker-with-faults.ts',
      this.processEnv({ FAULT_KILL_AFTER_COMMIT: String(killAfterCommit) }),
      'fault-worker: running',
    );
    return this.worker;
  }

  async tokenFor(username: string): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const reply = await this.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username, password: DEMO_PASSWORD },
    });
    if (reply.statusCode !== 200) throw new Error(`login as ${username} failed: ${reply.body}`);
    const token = (reply.json() as { token: string }).token;
    this.tokens.set(username, token);
    return token;
  }

  async as(username: string, options: InjectOptions): Promise<LightMyRequestResponse> {
    const token = await this.tokenFor(username);
    return this.app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } });
  }

  /** Direct SQL on the test database, never through the proxy. */
  async sql<T extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    const pg = new PgClient({ connectionString: this.db.url });
    await pg.connect();
    try {
      return (await pg.query(text, values)).rows as T[];
    } finally {
      await pg.end();
    }
  }

  async close(): Promise<void> {
    if (this.worker) await kill9(this.worker);
    await this.app?.close();
    await this.apiDatabase?.close().catch(() => undefined);
    await this.connection?.close();
    await this.proxy?.close();
    await this.receiver.close();
    await this.temporal.close();
    await this.db?.drop();
  }
}
