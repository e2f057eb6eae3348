import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { adminDatabaseUrl } from '../helpers/database';
import { handover } from '../helpers/fixtures';
import { eventually, FaultSystem, kill9, sleep } from '../faults/harness';

// The backup and restore procedure of docs/operations.md, step by step, on the real parts: the
// application database (pg_dump / pg_restore) and the embedded Temporal store (the dev server's
// SQLite file, through SQLite's online backup). Back up, destroy both, restore, and the cases go
// on: their timers fire and a command is accepted, recorded once.

const system = new FaultSystem({ policy: 'accelerated' });
const backups = mkdtempSync(join(tmpdir(), 'rehab-backup-'));
const W = 'worker.canglang';

beforeAll(async () => {
  await system.start();
  await system.startWorker();
}, 120_000);
afterAll(async () => {
  await system.close();
  rmSync(backups, { recursive: true, force: true });
}, 60_000);

const event = (id: string, user: string, body: object) =>
  system.as(user, { method: 'POST', url: `/v1/cases/${id}/events`, payload: body });
const engineEntries = async (id: string) =>
  Number(
    (
      await system.sql<{ n: string }>(
        `select count(*) as n from timeline where case_id = $1 and kind = 'engine'`,
        [id],
      )
    )[0]!.n,
  );

it('R7, R8: a case backed up, destroyed and restored goes on: its timers fire and a command is accepted once', async () => {
  // A case in its community term (a day lasts a second): tests and contacts fall due by timer.
  const opened = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: handover() });
  expect(opened.statusCode).toBe(201);
  const id = (opened.json() as { id: string }).id;
  for (const [user, body] of [
    ['liaison', { type: 'released' }],
    [W, { type: 'picked_up', by: '沧浪街道禁毒社工' }],
    [W, { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' }],
  ] as const) {
    expect((await event(id, user, body)).statusCode).toBe(201);
  }

  // 1. Quiesce: stop the worker (SIGTERM drains it), so neither store moves during the backup.
  system.worker!.child.kill('SIGTERM');
  await system.worker!.exited;
  const before = await engineEntries(id);

  // 2. Back up: the database with pg_dump, Temporal's SQLite file with SQLite's online backup.
  const dump = join(backups, 'rehab.dump');
  execFileSync('pg_dump', ['--format=custom', `--file=${dump}`, system.db.url]);
  const sqlite = join(system.temporal.dir, 'temporal.sqlite');
  execFileSync('sqlite3', [sqlite, `.backup '${join(backups, 'temporal.sqlite')}'`]);

  // 3. Disaster: the Temporal server and its files, and the database, gone.
  await system.temporal.server.stop();
  for (const file of readdirSync(system.temporal.dir)) {
    if (file.startsWith('temporal.sqlite')) rmSync(join(system.temporal.dir, file));
  }
  const name = new URL(system.db.url).pathname.slice(1);
  const admin = new PgClient({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  expect(existsSync(sqlite)).toBe(false);

  // 4. Restore: an empty database and pg_restore; the SQLite file back; start Temporal, the worker.
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  execFileSync('pg_restore', ['--no-owner', `--dbname=${system.db.url}`, dump]);
  copyFileSync(join(backups, 'temporal.sqlite'), sqlite);
  await system.temporal.start();
  await system.startWorker();

  // The case is there as it was, and its clock goes on: what fell due meanwhile is applied.
  const read = await eventually(
    'the API reconnected',
    async () => {
      const reply = await system.as(W, { method: 'GET', url: `/v1/cases/${id}` });
      if (reply.statusCode !== 200) throw new Error(reply.body);
      return reply.json() as { phase: string };
    },
    30_000,
  );
  expect(read.phase).toBe('community');
  await eventually(
    'a timer fired after the restore',
    async () => {
      if ((await engineEntries(id)) <= before) throw new Error('no new engine entry');
    },
    30_000,
  );
  const recorded = await eventually(
    'the home visit accepted',
    async () => {
      const reply = await event(id, W, { type: 'home_visit', reached: true, note: 'after-restore' });
      if (reply.statusCode !== 201) throw new Error(`${reply.statusCode} ${reply.body}`);
      return reply;
    },
    30_000,
  );
  expect(recorded.statusCode).toBe(201);
  await sleep(500);
  const notes = await system.sql(
    `select seq from timeline where case_id = $1 and data->>'note' = 'after-restore'`,
    [id],
  );
  expect(notes).toHaveLength(1);
  await kill9(system.worker!);
}, 240_000);
