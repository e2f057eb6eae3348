import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Client as PgClient, Pool } from 'pg';
import { appendAudit, GENESIS_HASH, legacyChainHash, type AuditEntry } from '../../db/audit/chain';
import { writeCheckpoint } from '../../db/audit/checkpoints';
import { verifyAuditTrail } from '../../db/audit/verify';
import { migrateDatabase, openDatabase, type Database, type Db } from '../../db/client';
import * as schema from '../../db/schema';
import { auditLog } from '../../db/schema';
import { adminDatabaseUrl, createTestDatabase } from '../helpers/database';
import { TEST_AUDIT_KEY } from '../helpers/system';

const entry = (requestId: string, at = new Date()): AuditEntry => ({
  at,
  actorId: 'user-1',
  actorUsername: 'worker.canglang',
  actorRole: 'caseworker',
  action: 'case.read',
  cases: [{ id: 'case-1', jurisdiction: 'suzhou.gusu.canglang' }],
  scope: ['suzhou.gusu.canglang'],
  route: 'GET /v1/cases/:id',
  reason: 'GET /v1/cases/:id',
  requestId,
});

describe('R21: the audit trail is many chains, so appends from many processes do not queue on one lock', () => {
  it('16 clients appending at once (each its own connection, as 16 API processes) lose no entry and the trail verifies', async () => {
    const test = await createTestDatabase({ appRole: true });
    // One connection each, as pgbench's clients: 16 connections in all.
    const pools = Array.from({ length: 16 }, () => new Pool({ connectionString: test.appUrl, max: 1 }));
    // The database is dropped at the end with its connections forced closed: a pool that has not
    // yet let go of its idle connection hears of it as an error, which ends nothing here.
    for (const pool of pools) pool.on('error', () => undefined);
    const clients = pools.map((pool) => ({ db: drizzle(pool, { schema }) as unknown as Db }));
    try {
      const perClient = 10;
      await Promise.all(
        clients.map((client, c) =>
          Promise.all(
            Array.from({ length: perClient }, (_, i) =>
              appendAudit(client.db, TEST_AUDIT_KEY, entry(`client-${c}-${i}`)),
            ),
          ),
        ),
      );
      await writeCheckpoint(test.database.db, TEST_AUDIT_KEY);
      const rows = await test.database.db
        .select({ requestId: auditLog.requestId, shard: auditLog.shard })
        .from(auditLog);
      expect(new Set(rows.map((row) => row.requestId)).size).toBe(16 * perClient);
      expect(rows).toHaveLength(16 * perClient);
      // The appends were spread over the chains, not queued on one.
      expect(new Set(rows.map((row) => row.shard)).size).toBeGreaterThan(8);
      const verified = await verifyAuditTrail(test.database.db, TEST_AUDIT_KEY);
      expect(verified).toMatchObject({ rows: 16 * perClient, shards: 16, checkpoints: 1, problem: null });
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await test.drop();
    }
  }, 180_000);
});

describe('R21: migration 0009 moves an existing trail into the monthly partitions without loss', () => {
  const migrations = join(__dirname, '..', '..', 'db', 'migrations');
  /** The migrations folder as it was when the last migration was `tag`. */
  const migrationsUpTo = (tag: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(migrations, dir, { recursive: true });
    const journalFile = join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as {
      entries: { idx: number; tag: string }[];
    };
    const last = journal.entries.findIndex((e) => e.tag === tag);
    expect(last).toBeGreaterThanOrEqual(0);
    journal.entries = journal.entries.slice(0, last + 1);
    writeFileSync(journalFile, JSON.stringify(journal));
    return dir;
  };

  it('rows written by the single chain before it (unkeyed, then keyed) verify after it, and new rows chain on', async () => {
    const name = `rehab_test_${randomBytes(6).toString('hex')}`;
    const admin = new PgClient({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminDatabaseUrl());
    url.pathname = `/${name}`;
    const owner = new PgClient({ connectionString: url.toString() });
    await owner.connect();
    const folders: string[] = [];
    const migrateTo = async (tag: string) => {
      const folder = migrationsUpTo(tag);
      folders.push(folder);
      await migrate(drizzle(owner), { migrationsFolder: folder });
    };
    let database: Database | undefined;
    try {
      // The trail as the single chain wrote it: plain sha256 before the key (0004), HMAC after (0005).
      const old: { id: number; hash: string }[] = [];
      const append = async (keyed: boolean, at: Date, requestId: string) => {
        const prevHash = old.at(-1)?.hash ?? GENESIS_HASH;
        const content = {
          at,
          actorId: 'user-1',
          actorUsername: 'worker.canglang',
          actorRole: 'caseworker',
          action: 'case.read',
          caseIds: ['case-1'],
          caseJurisdictions: ['suzhou.gusu.canglang'],
          scope: keyed ? ['suzhou.gusu.canglang'] : [],
          route: 'GET /v1/cases/:id',
          reason: 'GET /v1/cases/:id',
          requestId,
        };
        const hash = legacyChainHash(keyed ? TEST_AUDIT_KEY : null, prevHash, content);
        const columns = `at, actor_id, actor_username, actor_role, action, case_ids, case_jurisdictions, route, reason, request_id, prev_hash, hash`;
        const values = [
          at,
          'user-1',
          'worker.canglang',
          'caseworker',
          'case.read',
          ['case-1'],
          ['suzhou.gusu.canglang'],
        ];
        const rest = ['GET /v1/cases/:id', 'GET /v1/cases/:id', requestId, prevHash, hash];
        const { rows } = keyed
          ? await owner.query<{ id: string }>(
              `insert into audit_log (${columns}, scope) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) returning id`,
              [...values, ...rest, content.scope],
            )
          : await owner.query<{ id: string }>(
              `insert into audit_log (${columns}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) returning id`,
              [...values, ...rest],
            );
        old.push({ id: Number(rows[0]!.id), hash });
        if (!keyed) {
          await owner.query(
            `insert into audit_head (id, last_id, last_hash) values (1, $1, $2)
             on conflict (id) do update set last_id = excluded.last_id, last_hash = excluded.last_hash`,
            [old.at(-1)!.id, hash],
          );
        }
      };
      const monthsAgo = (n: number) => new Date(Date.now() - n * 31 * 86_400_000);
      await migrateTo('0004_trust');
      for (let i = 0; i < 4; i++) await append(false, monthsAgo(4), `before-key-${i}`);
      await migrateTo('0008_imports');
      for (let i = 0; i < 6; i++) await append(true, monthsAgo(2 - (i % 3)), `keyed-${i}`);

      await migrateDatabase(url.toString());

      const moved = await owner.query<{ id: string; shard: number; seq: string; partition: string }>(
        'select id, shard, seq, tableoid::regclass::text as partition from audit_log order by id',
      );
      expect(moved.rows.map((row) => Number(row.id))).toEqual(old.map((row) => row.id));
      expect(moved.rows.map((row) => [row.shard, Number(row.seq)])).toEqual(old.map((_, i) => [0, i + 1]));
      // Each row in its month's partition; the table itself holds none.
      expect(new Set(moved.rows.map((row) => row.partition)).size).toBe(4);
      expect(moved.rows.every((row) => /^audit_log_y\d{4}m\d{2}$/.test(row.partition))).toBe(true);
      expect((await owner.query('select count(*)::int as n from only audit_log')).rows[0].n).toBe(0);

      database = await openDatabase({ databaseUrl: url.toString(), dataDir: '/nonexistent', migrate: false });
      expect(await verifyAuditTrail(database.db, TEST_AUDIT_KEY)).toMatchObject({ rows: 10, problem: null });
      // New rows, in every shard, shard 0 continuing the old chain from its head.
      for (let i = 0; i < 40; i++) await appendAudit(database.db, TEST_AUDIT_KEY, entry(`after-${i}`));
      const [shardZero] = (
        await owner.query<{ prev_hash: string }>(
          'select prev_hash from audit_log where shard = 0 and seq = 11',
        )
      ).rows;
      if (shardZero) expect(shardZero.prev_hash).toBe(old.at(-1)!.hash);
      await writeCheckpoint(database.db, TEST_AUDIT_KEY);
      expect(await verifyAuditTrail(database.db, TEST_AUDIT_KEY)).toMatchObject({ rows: 50, problem: null });

      // An old row edited after the move is still found, by the old method.
      await owner.query('alter table audit_log disable trigger user');
      await owner.query(`update audit_log set reason = 'x' where id = $1`, [old[2]!.id]);
      expect((await verifyAuditTrail(database.db, TEST_AUDIT_KEY)).problem).toMatchObject({
        kind: 'edited',
        shard: 0,
        seq: 3,
        rowId: old[2]!.id,
      });
    } finally {
      await database?.close();
      await owner.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    }
  });
});
