import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Client as PgClient } from 'pg';
import { queryApp } from '../../bench/lib/caseload';
import { migrateDatabase, openDatabase, type Db } from '../../db/client';
import { ensurePartitions, listPartitions, MONTHS_AHEAD } from '../../db/partitions';
import { analyzeReadModel } from '../../db/imports';
import * as schema from '../../db/schema';
import { upsertJurisdiction } from '../../db/jurisdictions';
import { DEMO_JURISDICTIONS, seedDemoData } from '../../scripts/demo-data';
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from '../helpers/database';

// Issue 19 item 2: the timeline partitioned by China Standard Time month (migration 0010,
// db/partitions.ts, docs/operations.md "Partitions, retention and archive").

const rowsOf = async <T>(db: Db, query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows;
const MIGRATIONS = join(__dirname, '..', '..', 'db', 'migrations');
const CASE = '0b9e6a52-8f3e-4c59-9d6b-000000000001';
const OTHER = '0b9e6a52-8f3e-4c59-9d6b-000000000002';

/** `YYYY-MM` of a month `offset` months from this one, in China Standard Time. */
function cstMonth(offset: number): string {
  const now = new Date(Date.now() + 8 * 3_600_000);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 7);
}
const partitionOf = (month: string) => `timeline_y${month.slice(0, 4)}m${month.slice(5, 7)}`;

describe('migration 0010 on a database with history (issue 19, R21, R25)', () => {
  let name: string;
  let url: string;
  let folder: string;

  beforeAll(() => {
    name = `rehab_test_parts_${process.pid}`;
    const u = new URL(adminDatabaseUrl());
    u.pathname = `/${name}`;
    url = u.toString();
    // The migrations as a release before 0010 shipped them: every one up to 0009.
    folder = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS, folder, { recursive: true });
    const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8'));
    journal.entries = journal.entries.filter((e: { idx: number }) => e.idx < 10);
    writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    const admin = new PgClient({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('moves every row into its month’s partition, old and backdated ones included, and the case’s timeline reads the same', async () => {
    const admin = new PgClient({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const client = new PgClient({ connectionString: url });
    await client.connect();
    await migrate(drizzle(client, { schema }), { migrationsFolder: folder });
    await client.end();

    const before = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent', migrate: false });
    const db = before.db;
    // The jurisdictions only: the users table of a release before 0010 lacks later columns.
    for (const jurisdiction of DEMO_JURISDICTIONS) await upsertJurisdiction(db, jurisdiction);
    for (const id of [CASE, OTHER])
      await db.execute(sql`
        insert into cases (id, person_name, id_number, residence_address, facility_name, measure, jurisdiction,
          phase, tier, status, policy_version, opened_by, created_at, updated_at)
        values (${id}, '某某', ${id.slice(-18)}, '地址', '所', 'community_detox', 'suzhou.gusu.canglang',
          'community', 'stable', 'open', 'standard-2026.1', 'liaison', now(), now())`);
    // History over years: an imported case's backdated entries (R25), the instants either side of
    // a CST month boundary (16:00 UTC), and ordinary ones up to now.
    await db.execute(sql`
      insert into timeline (case_id, seq, at, kind, type, actor, data)
      select ${CASE}::uuid, n, t, case when n % 2 = 0 then 'event' else 'engine' end, 'contact', 'worker.canglang',
             jsonb_build_object('n', n, 'reached', n % 3 = 0)
        from unnest(array[
          '1998-07-14 02:00:00+00', '2019-05-31 15:59:59.999+00', '2019-05-31 16:00:00+00',
          '2024-02-29 12:00:00+00', '2025-12-31 16:00:00+00'
        ]::timestamptz[]) with ordinality as x(t, n)`);
    await db.execute(sql`
      insert into timeline (case_id, seq, at, kind, type, actor, data)
      select ${OTHER}::uuid, n, now() - n * interval '9 days', 'event', 'test', null, '{"result":"negative"}'::jsonb
        from generate_series(1, 150) as n`);
    const dump = async (d: Db) =>
      rowsOf<Record<string, unknown>>(
        d,
        sql`select case_id, seq, at, kind, type, actor, data from timeline order by case_id, seq`,
      );
    const rowsBefore = await dump(db);
    // The read path of today's API needs today's schema (users, revoked tokens), so the case's
    // timeline is read through it after the migration and held against the rows written before.
    await before.close();

    await migrateDatabase(url);

    const after = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent', migrate: false });
    try {
      expect(await dump(after.db)).toEqual(rowsBefore);
      await seedDemoData(after.db);
      const { app, token } = await queryApp(after);
      const bearer = await token('supervisor.city');
      const view = (
        await app.inject({
          method: 'GET',
          url: `/v1/cases/${CASE}/timeline`,
          headers: { authorization: `Bearer ${bearer}` },
        })
      ).json();
      const instants = (ats: unknown[]) => ats.map((at) => new Date(at as string).getTime()).sort();
      expect(instants(view.items.map((item: { at: string }) => item.at))).toEqual(
        instants(rowsBefore.filter((row) => row.case_id === CASE).map((row) => row.at)),
      );
      await app.close();
      // Each row in its CST month's partition; DEFAULT empty; the months ahead made.
      const placed = await rowsOf<{ p: string; at: string }>(
        after.db,
        sql`select tableoid::regclass::text as p, at from timeline where case_id = ${CASE} order by seq`,
      );
      expect(placed.map((r) => r.p)).toEqual([
        'timeline_y1998m07',
        'timeline_y2019m05',
        'timeline_y2019m06',
        'timeline_y2024m02',
        'timeline_y2026m01',
      ]);
      const [inDefault] = await rowsOf<{ n: number }>(
        after.db,
        sql`select count(*)::int as n from timeline_default`,
      );
      expect(inDefault?.n).toBe(0);
      const names = (await listPartitions(after.db)).map((p) => p.partition);
      for (let i = 0; i <= MONTHS_AHEAD; i += 1) expect(names).toContain(partitionOf(cstMonth(i)));
      // No month in between that nobody wrote in: 1998 and 2019 stand alone.
      expect(names).not.toContain('timeline_y1998m08');
      // The engine keeps writing, idempotently: a retried entry carries the instant the workflow
      // gave it, so the key (case, seq, at) still makes it one row (db/case-sync.ts).
      const at = new Date();
      const again = sql`insert into timeline (case_id, seq, at, kind, type, actor, data)
        values (${CASE}, 6, ${at}, 'event', 'contact', 'worker.canglang', '{}') on conflict do nothing`;
      await after.db.execute(again);
      await after.db.execute(again);
      const [count] = await rowsOf<{ n: number }>(
        after.db,
        sql`select count(*)::int as n from timeline where case_id = ${CASE}`,
      );
      expect(count?.n).toBe(6);
    } finally {
      await after.close();
    }
  }, 120_000);
});

describe('the partition job (db/partitions.ts ensurePartitions)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    // As in production: the job runs as the application's role, which owns no table.
    t = await createTestDatabase({ appRole: true });
    await t.database.db.execute(sql`
      insert into cases (id, person_name, id_number, residence_address, facility_name, measure, jurisdiction,
        phase, tier, status, policy_version, opened_by, created_at, updated_at)
      values (${CASE}, '某某', '000000000000000001', '地址', '所', 'community_detox', 'suzhou.gusu.canglang',
        'community', 'stable', 'open', 'standard-2026.1', 'liaison', now(), now())`);
  }, 60_000);
  afterAll(async () => {
    await t?.drop();
  });

  it('creates the months ahead once: a second run, or two at once, creates nothing more', async () => {
    const db = t.database.db;
    expect(await ensurePartitions(db)).toEqual({ timeline: 0, audit_log: 0 });
    const timelineOnly = { tables: ['timeline'] as const };
    expect(await ensurePartitions(db, { ...timelineOnly, monthsAhead: MONTHS_AHEAD + 3 })).toEqual({
      timeline: 3,
    });
    expect(await ensurePartitions(db, { ...timelineOnly, monthsAhead: MONTHS_AHEAD + 3 })).toEqual({
      timeline: 0,
    });
    // Two processes at once (two workers starting): they queue on the advisory lock.
    const other = await openDatabase({ databaseUrl: t.appUrl, dataDir: '/nonexistent', migrate: false });
    try {
      const runs = await Promise.all([
        ensurePartitions(db, { tables: ['timeline'], monthsAhead: MONTHS_AHEAD + 5 }),
        ensurePartitions(other.db, { tables: ['timeline'], monthsAhead: MONTHS_AHEAD + 5 }),
      ]);
      expect(runs.map((r) => r.timeline).sort()).toEqual([0, 2]);
    } finally {
      await other.close();
    }
    const names = (await listPartitions(db)).map((p) => p.partition);
    for (let i = 0; i <= MONTHS_AHEAD + 5; i += 1) expect(names).toContain(partitionOf(cstMonth(i)));
    expect(names.at(-1)).toBe('timeline_default');
  });

  it('the application role, which owns no table, has the tables an import fills analyzed (migration 0013)', async () => {
    const analyzed = async () =>
      (
        (await t.database.db.execute(
          sql`select count(*)::int as n from pg_stat_user_tables
              where relname in ('cases', 'tasks', 'notifications') and last_analyze is not null`,
        )) as unknown as { rows: { n: number }[] }
      ).rows[0]!.n;
    expect(await analyzed()).toBe(0);
    await analyzeReadModel(t.database.db);
    expect(await analyzed()).toBe(3);
  });

  it('moves rows that waited in DEFAULT (a backdated entry, a month the job had not made) into their own month', async () => {
    const db = t.database.db;
    const far = cstMonth(MONTHS_AHEAD + 12);
    await db.execute(sql`
      insert into timeline (case_id, seq, at, kind, type, actor, data) values
        (${CASE}, 1, '2019-05-10 08:00:00+08', 'event', 'contact', 'worker.canglang', '{"reached":true}'),
        (${CASE}, 2, ${`${far}-15T12:00:00+08:00`}, 'engine', 'task_created', null, '{}')`);
    const where = () =>
      rowsOf<{ p: string; seq: number; data: unknown }>(
        db,
        sql`select tableoid::regclass::text as p, seq, data from timeline where case_id = ${CASE} order by seq`,
      );
    expect((await where()).map((r) => r.p)).toEqual(['timeline_default', 'timeline_default']);
    expect(await ensurePartitions(db)).toEqual({ timeline: 2, audit_log: 0 });
    expect(await where()).toEqual([
      { p: 'timeline_y2019m05', seq: 1, data: { reached: true } },
      { p: partitionOf(far), seq: 2, data: {} },
    ]);
  });

  it('R21: keeps the audit trail’s months ahead too, each new month refusing TRUNCATE like the rest of the trail', async () => {
    const db = t.database.db;
    expect(await ensurePartitions(db, { tables: ['audit_log'], monthsAhead: MONTHS_AHEAD + 1 })).toEqual({
      audit_log: 1,
    });
    const month = cstMonth(MONTHS_AHEAD + 1);
    const name = `audit_log_y${month.slice(0, 4)}m${month.slice(5, 7)}`;
    // Even the owner, who may truncate any table it owns, is refused by the trail's guard.
    const owner = new PgClient({ connectionString: t.url });
    await owner.connect();
    try {
      await expect(owner.query(`TRUNCATE ${name}`)).rejects.toThrow(/append-only|refuse|not allowed/i);
    } finally {
      await owner.end();
    }
  });

  it('archives a month by detaching it: its rows leave the live table whole, and the dump holds them (R21)', async () => {
    const db = t.database.db;
    // The archive procedure of docs/operations.md, run as the schema's owner.
    const owner = new PgClient({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query('ALTER TABLE timeline DETACH PARTITION timeline_y2019m05');
      await owner.query('ALTER TABLE timeline_y2019m05 RENAME TO timeline_y2019m05_archived');
    } finally {
      await owner.end();
    }
    const dumped = execFileSync('pg_dump', ['--data-only', '--table=timeline_y2019m05_archived', t.url], {
      encoding: 'utf8',
    });
    expect(dumped).toContain('COPY public.timeline_y2019m05_archived');
    expect(dumped).toContain(CASE);
    const live = await rowsOf<{ seq: number }>(
      db,
      sql`select seq from timeline where case_id = ${CASE} order by seq`,
    );
    expect(live.map((r) => r.seq)).toEqual([2]);
    // The job does not bring the archived month back, and carries on.
    expect(await ensurePartitions(db)).toEqual({ timeline: 0, audit_log: 0 });
  });
});
