import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { openDatabase, type Database } from '../../db/client';

/** The real PostgreSQL the tests use; each test file creates (and drops) its own database in it. */
export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

async function admin<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** The owner's connection (the server's user). */
  url: string;
  /** The application's connection: the same as `url` unless created with `appRole`. */
  appUrl: string;
  database: Database;
  drop(): Promise<void>;
}

/**
 * A fresh database with every migration applied. With `appRole`, as in production: the tables
 * belong to the server's user (`url`), and `database` connects as a new least-privilege role of
 * its own (`appUrl`) that the migrations granted its rights to.
 */
export async function createTestDatabase(options: { appRole?: boolean } = {}): Promise<TestDatabase> {
  const name = `rehab_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  const appUrl = new URL(url);
  if (options.appRole) {
    appUrl.username = `${name}_app`;
    appUrl.password = '';
    await admin((client) => client.query(`CREATE ROLE ${appUrl.username} LOGIN`));
  }
  const database = await openDatabase({
    databaseUrl: appUrl.toString(),
    databaseOwnerUrl: options.appRole ? url.toString() : undefined,
    dataDir: '/nonexistent',
  });
  return {
    url: url.toString(),
    appUrl: appUrl.toString(),
    database,
    async drop() {
      await database.close();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      if (options.appRole) await admin((client) => client.query(`DROP ROLE IF EXISTS ${appUrl.username}`));
    },
  };
}
