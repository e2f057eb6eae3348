import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parsePayloadKeys, type PayloadKey } from '../codec/encryption-codec';

// Parsed once at start. Three processes read it: `npm start` (embedded defaults for everything),
// and the production `npm run api` / `npm run worker`, which must be told where PostgreSQL and
// Temporal are. A missing or bad value stops the process with a message that names the key.

export type Mode = 'embedded' | 'api' | 'worker' | 'migrate';

const Port = z.coerce.number().int().min(1).max(65_535);

/** How long the console keeps a caseworker's inbox and cases offline unless OFFLINE_KEEP_HOURS says otherwise. */
export const DEFAULT_OFFLINE_KEEP_HOURS = 12;

/**
 * `TRUST_PROXY`: which reverse proxies may tell the API the client's address (X-Forwarded-For), as
 * Fastify's `trustProxy`: a hop count, or addresses/CIDRs of the proxies (and proxy-addr's names
 * loopback, linklocal, uniquelocal). Unset: none, and the header is ignored.
 */
const TrustProxy = z.string().transform((text, ctx): number | string[] => {
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  const bad = entries.filter((entry) => {
    if (named.includes(entry)) return false;
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    return (
      family === 0 || rest.length > 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))
    );
  });
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a hop count (e.g. 1) or addresses/CIDRs of the proxies (e.g. 172.18.0.0/16,10.0.0.5); not ${bad.join(', ') || 'empty'}`,
    });
    return z.NEVER;
  }
  return entries;
});

const Env = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: Port.default(3000),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** The owner's connection, used only to apply migrations (`npm run migrate`); DATABASE_URL otherwise. */
  DATABASE_OWNER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('case-follow-up'),
  /** Worker Versioning (workflows/README.md, "Versioning path"): both set, or neither (off). */
  TEMPORAL_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be letters, digits, - or _ (e.g. case-follow-up)')
    .optional(),
  TEMPORAL_BUILD_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,200}$/, 'must be letters, digits, ., - or _ (e.g. 2026.12.1 or a commit)')
    .optional(),
  TEMPORAL_PORT: Port.default(7233),
  TEMPORAL_UI_PORT: Port.default(8233),
  POLICY: z.string().min(1).default('policies/standard.json'),
  TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3_600),
  OFFLINE_KEEP_HOURS: z.coerce.number().min(0).max(72).default(DEFAULT_OFFLINE_KEEP_HOURS),
  AUDIT_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  IMPORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(20 * 1024 * 1024),
  NOTIFY_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  PAYLOAD_KEYS: z
    .string()
    .transform((text, ctx) => {
      try {
        return parsePayloadKeys(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  CODEC_CORS_ORIGINS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be origins such as http://127.0.0.1:8233' })))
    .optional(),
  TEMPORAL_METRICS_ADDRESS: z
    .string()
    .regex(/^(off|[^\s:/]+:\d+)$/, 'must be host:port, e.g. 127.0.0.1:9464, or off')
    .default('127.0.0.1:9464'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: TrustProxy.optional(),
});

/** Every environment variable the schema reads: README's "Configuration" table and .env.example list each. */
export const CONFIG_KEYS = Object.keys(Env.shape) as (keyof z.infer<typeof Env>)[];

export interface Config {
  mode: Mode;
  host: string;
  port: number;
  dataDir: string;
  /** Unset: embedded PGlite in `dataDir` (only `npm start`). */
  databaseUrl?: string;
  /** Used only to apply migrations; unset: DATABASE_URL. */
  databaseOwnerUrl?: string;
  /** Unset: `npm start` runs the embedded Temporal dev server here. */
  temporalAddress?: string;
  temporalNamespace: string;
  taskQueue: string;
  /**
   * The worker's deployment version (Worker Versioning): each case is pinned to the build it
   * started on and moves to the current build at its next continue-as-new. Unset: unversioned.
   */
  deployment?: { name: string; buildId: string };
  /** Ports of the embedded Temporal dev server (gRPC and Web UI), when `npm start` runs it. */
  temporalPort: number;
  temporalUiPort: number;
  policyPath: string;
  /** Unset: `npm start` keeps a generated secret in `dataDir`. */
  tokenSecret?: string;
  tokenTtlSeconds: number;
  /** How long the console keeps a caseworker's inbox and cases readable offline; 0: not at all. */
  offlineKeepSeconds: number;
  /** The audit chain's HMAC key, never stored in the database; unset: `npm start` keeps one in `dataDir`. */
  auditKey?: string;
  /** Import rows started at once (R25): bounded, so an import leaves the engine room for live work. */
  importConcurrency: number;
  /** The largest import file accepted (api.md v1.2): larger → 413 import_too_large. */
  importMaxBytes: number;
  /** Notifications are also POSTed here (an SMS gateway or police system adapter) when set. */
  notifyWebhookUrl?: string;
  /** Payload encryption keys, the first encrypts; unset: `npm start` keeps a generated key in `dataDir`. */
  payloadKeys?: PayloadKey[];
  /** Browser origins allowed to call the codec endpoint (the Temporal Web UI). */
  codecCorsOrigins: string[];
  /** Where the worker's Temporal SDK serves its Prometheus metrics; undefined: off. */
  temporalMetricsAddress?: string;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  /** The reverse proxies whose X-Forwarded-For gives the client's address; undefined: none. */
  trustProxy?: number | string[];
}

/** What each production process is guaranteed to have, so its wiring needs no assertions. */
export type ApiConfig = Config &
  Settled<'databaseUrl' | 'temporalAddress' | 'tokenSecret' | 'auditKey' | 'payloadKeys'>;
export type WorkerConfig = Config & Settled<'databaseUrl' | 'temporalAddress' | 'payloadKeys'>;
export type MigrateConfig = Config & Settled<'databaseUrl'>;
type Settled<K extends keyof Config> = { [P in K]-?: NonNullable<Config[P]> };
interface ConfigOf {
  embedded: Config;
  api: ApiConfig;
  worker: WorkerConfig;
  migrate: MigrateConfig;
}

const REQUIRED: Record<Mode, (keyof z.infer<typeof Env>)[]> = {
  embedded: [],
  api: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TOKEN_SECRET', 'AUDIT_KEY', 'PAYLOAD_KEYS'],
  worker: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PAYLOAD_KEYS'],
  migrate: ['DATABASE_URL'],
};

/** Secrets may come from files (Docker/Kubernetes secrets): `TOKEN_SECRET_FILE=/run/secrets/…`. */
export const FILE_KEYS = [
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'TOKEN_SECRET',
  'AUDIT_KEY',
  'PAYLOAD_KEYS',
] as const;

function readSecretFiles(
  env: Record<string, string | undefined>,
  readFile: (path: string) => string,
  problems: string[],
): Record<string, string | undefined> {
  const out = { ...env };
  for (const key of FILE_KEYS) {
    const path = env[`${key}_FILE`];
    if (path === undefined) continue;
    delete out[`${key}_FILE`];
    if (env[key] !== undefined) {
      problems.push(`  ${key}_FILE: set ${key} or ${key}_FILE, not both`);
      continue;
    }
    try {
      out[key] = readFile(path).trim();
    } catch {
      problems.push(`  ${key}_FILE: cannot read ${path}`);
    }
  }
  return out;
}

export class ConfigError extends Error {}

export function loadConfig<M extends Mode>(
  mode: M,
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ConfigOf[M] {
  const problems: string[] = [];
  // An empty variable counts as unset, as in most shells' `FOO= npm start`.
  const present = readSecretFiles(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
    readFile,
    problems,
  );
  const result = Env.safeParse(present);
  if (!result.success) {
    problems.push(...result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`));
  }
  for (const key of REQUIRED[mode]) {
    if (present[key] === undefined) problems.push(`  ${key}: required for \`npm run ${mode}\``);
  }
  if (
    result.success &&
    (result.data.TEMPORAL_DEPLOYMENT_NAME === undefined) !== (result.data.TEMPORAL_BUILD_ID === undefined)
  ) {
    problems.push(
      '  TEMPORAL_BUILD_ID: set TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_BUILD_ID together, or neither',
    );
  }
  if (!result.success || problems.length > 0) {
    throw new ConfigError(`configuration is invalid (see .env.example):\n${problems.join('\n')}`);
  }
  const e = result.data;
  const config: Config = {
    mode,
    host: e.HOST,
    port: e.PORT,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    deployment:
      e.TEMPORAL_DEPLOYMENT_NAME && e.TEMPORAL_BUILD_ID
        ? { name: e.TEMPORAL_DEPLOYMENT_NAME, buildId: e.TEMPORAL_BUILD_ID }
        : undefined,
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    policyPath: resolve(e.POLICY),
    tokenSecret: e.TOKEN_SECRET,
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    offlineKeepSeconds: Math.round(e.OFFLINE_KEEP_HOURS * 3_600),
    auditKey: e.AUDIT_KEY,
    importConcurrency: e.IMPORT_CONCURRENCY,
    importMaxBytes: e.IMPORT_MAX_BYTES,
    notifyWebhookUrl: e.NOTIFY_WEBHOOK_URL,
    payloadKeys: e.PAYLOAD_KEYS,
    codecCorsOrigins: e.CODEC_CORS_ORIGINS ?? [
      `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
      `http://localhost:${e.TEMPORAL_UI_PORT}`,
    ],
    temporalMetricsAddress: e.TEMPORAL_METRICS_ADDRESS === 'off' ? undefined : e.TEMPORAL_METRICS_ADDRESS,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
  };
  // Every key REQUIRED[mode] names was checked above, so the narrowed type holds.
  return config as ConfigOf[M];
}
