import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Policy } from '../config/policy';
import type { Database } from '../db/client';
import type { ParseLimits } from './imports/parse';

// What the API's wiring (api/app.ts) hands the route plugins. Routes import their deps from here,
// never from app.ts: app.ts imports the routes, and the arrow runs one way.

export interface AppDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  policyDocument: Record<string, unknown>;
  tokenSecret: string;
  tokenTtlSeconds: number;
  /** How long the console keeps the caseworker's inbox and cases readable offline (default 12 h; 0: never). */
  offlineKeepSeconds?: number;
  /** The audit chain's HMAC key (`AUDIT_KEY`). */
  auditKey: string;
  /** How often this process signs an audit checkpoint; default a minute, 0 never (tests that tamper). */
  auditCheckpointEveryMs?: number;
  /**
   * The engine's clock, for what is due or overdue. Real time in production; tests on the
   * time-skipping server pass that server's clock, so the API and the workflows agree on "now".
   */
  clock?: () => Promise<number>;
  /** The payload codec the Temporal client uses, served at /codec for the Temporal Web UI. */
  payloadCodec: PayloadCodec;
  /** Browser origins allowed to call /codec (the Temporal Web UI). */
  codecCorsOrigins: string[];
  /** Import rows started at once (R25); default 4. */
  importConcurrency?: number;
  /** Fastify's `trustProxy` from `TRUST_PROXY`: whose X-Forwarded-For names the client. Unset: nobody's. */
  trustProxy?: number | string[];
  /** The largest import file (`IMPORT_MAX_BYTES`, default 20 MiB); larger → 413 import_too_large. */
  importMaxBytes?: number;
  /** The memory and time an import file may cost to read (api/imports/parse.ts); tests lower them. */
  importParseLimits?: ParseLimits;
}

/** What the route plugins receive: the dependencies with the clock filled in. */
export type RouteDeps = AppDeps & { clock: () => Promise<number> };
