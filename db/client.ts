import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { Pool } from 'pg';
import { ensurePartitions } from './partitions';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Throws when the database cannot answer (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = join(__dirname, 'migrations');

/** Any fixed number: every process that migrates takes this lock, so two starting together queue. */
const MIGRATION_LOCK = 7_401_113;

/**
 * What the application's role may do (R21): read and write its tables, but on the audit trail only
 * read and append: no UPDATE, DELETE or TRUNCATE (on the checkpoints neither), nothing on the chain
 * heads but SELECT (a trigger moves them), nothing at all on the trail's partitions directly, and, not owning the tables, it cannot alter or disable their triggers.
 */
export async function grantApplicationRole(db: Db, role: string): Promise<void> {
  const who = sql.identifier(role);
  await db.execute(sql`grant usage on schema public to ${who}`);
  await db.execute(sql`grant select, insert, update, delete on all tables in schema public to ${who}`);
  await db.execute(sql`grant usage, select on all sequences in schema public to ${who}`);
  await db.execute(sql`revoke insert, update, delete, truncate on audit_head from ${who}`);
  await db.execute(sql`revoke update, delete, truncate on audit_log, audit_checkpoints from ${who}`);
  // The trail's partitions are reached through audit_log only; directly, the role may do nothing.
  const partitions = await db.execute<{ name: string }>(
    sql`select inhrelid::regclass::text as name from pg_inherits where inhparent = 'audit_log'::regclass`,
  );
  for (const { name } of (partitions as unknown as { rows: { name: string }[] }).rows) {
    await db.execute(sql`revoke all on ${sql.identifier(name)} from ${who}`);
  }
}

/**
 * Applies pending migrations as the given role (the owner's, in production) under a PostgreSQL
 * advisory lock, so concurrent runs apply each migration once; then grants the application's role
 * (`appUrl`'s user, when it is another role) its rights. Then creates the months ahead of the
 * partitioned tables (db/partitions.ts), so a deployment always leaves them in place.
 */
export async function migrateDatabase(url: string, appUrl?: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 });
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const db = drizzlePg(client, { schema });
      await migratePg(db, { migrationsFolder });
      await ensurePartitions(db);
      const role = appUrl ? decodeURIComponent(new URL(appUrl).username) : '';
      const [owner] = (await db.execute<{ name: string }>(sql`select current_user as name`)).rows;
      if (role && role !== owner?.name) await grantApplicationRole(db as unknown as Db, role);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
    await pool.end();
  }
}

/**
 * PostgreSQL through `pg` when a URL is given; otherwise embedded PGlite in `<dataDir>/pglite`
 * (one process only: `npm start` runs the worker and the API in the same process for that).
 * Pending migrations are applied before anything else touches the database (as the owner when
 * `databaseOwnerUrl` is given, which then grants the application's role its rights), unless
 * `migrate` is false: the production processes connect with a role that cannot change the schema,
 * and `npm run migrate` applies migrations as the owner before them.
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  /** Migrations run as this role when given (the schema's owner). */
  databaseOwnerUrl?: string;
  dataDir: string;
  migrate?: boolean;
}): Promise<Database> {
  if (options.databaseUrl) {
    // A database that stops answering must fail a request (503) instead of hanging it.
    const pool = new Pool({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const db = drizzlePg(pool, { schema });
    if (options.migrate !== false)
      await migrateDatabase(options.databaseOwnerUrl ?? options.databaseUrl, options.databaseUrl);
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      ping: async () => void (await db.execute(sql`select 1`)),
      close: () => pool.end(),
    };
  }
  const dir = join(options.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  await ensurePartitions(db);
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    ping: async () => void (await db.execute(sql`select 1`)),
    close: () => client.close(),
  };
}
