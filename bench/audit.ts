// The audit trail's append rate at 16 clients, side by side in one run (issue 19): plain INSERTs of
// the same row shape into a table with the same partitions and indexes and no chain; chained
// appends through appendAudit (16 chains, one pool of 16 connections, as one API process); and
// the single chain from before migration 0009 (a global advisory lock, the head read, the INSERT,
// the head trigger). Rounds alternate the three so a busy machine weighs on each alike; the median
// of the rounds is reported. Usage: npm run bench:audit [-- --seconds 10 --rounds 3 --clients 16]
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Client as PgClient, Pool } from 'pg';
import { appendAudit, GENESIS_HASH, legacyChainHash, type AuditEntry } from '../db/audit/chain';
import { verifyAuditTrail } from '../db/audit/verify';
import type { Db } from '../db/client';
import * as schema from '../db/schema';
import { createTestDatabase } from '../test/helpers/database';
import { formatted } from './lib/report';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 10);
const ROUNDS = arg('rounds', 3);
const CLIENTS = arg('clients', 16);
const KEY = randomBytes(32).toString('base64');
const say = (line: string) => process.stdout.write(`${line}\n`);

const entry = (n: number): AuditEntry => ({
  at: new Date(),
  actorId: '5f0c8f9e-6d3a-4c1e-9d7a-3b2f1e0a9c8d',
  actorUsername: 'worker.canglang',
  actorRole: 'caseworker',
  action: 'case.read',
  cases: [{ id: `c${n % 5000}`, jurisdiction: 'suzhou.gusu.canglang' }],
  scope: ['suzhou.gusu.canglang'],
  route: 'GET /v1/cases/:id',
  reason: 'GET /v1/cases/:id',
  requestId: `req-${n}`,
});

const COLUMNS = `at, actor_id, actor_username, actor_role, action, case_ids, case_jurisdictions, scope, route, reason, request_id`;
const values = (e: AuditEntry) => [
  e.at,
  e.actorId,
  e.actorUsername,
  e.actorRole,
  e.action,
  e.cases.map((c) => c.id),
  e.cases.map((c) => c.jurisdiction),
  e.scope,
  e.route,
  e.reason,
  e.requestId,
];

// The trail as it was up to migration 0008, beside the real one: one head, one lock.
const SINGLE_CHAIN = `
  create table audit_single (id bigserial primary key, at timestamptz not null, actor_id text not null,
    actor_username text not null, actor_role text not null, action text not null, case_ids text[] not null,
    case_jurisdictions text[] not null, scope text[] not null default '{}', route text not null,
    reason text not null, request_id text not null, prev_hash text not null, hash text not null);
  create index on audit_single (at);
  create index on audit_single using gin (case_ids);
  create table audit_single_head (id int primary key, last_id bigint not null, last_hash text not null);
  insert into audit_single_head values (1, 0, '${GENESIS_HASH}');
  create function audit_single_advance() returns trigger language plpgsql as $$
  begin
    update audit_single_head set last_id = new.id, last_hash = new.hash
      where id = 1 and last_hash = new.prev_hash and last_id < new.id;
    if not found then raise exception 'not chained'; end if;
    return new;
  end $$;
  create trigger audit_single_advance after insert on audit_single for each row execute function audit_single_advance();
  -- The same shape as audit_log (partitioned by month, the same indexes), without a chain.
  create table audit_plain (like audit_log including defaults) partition by range (at);
  create table audit_plain_all partition of audit_plain for values from (minvalue) to (maxvalue);
  alter table audit_plain add primary key (id, at);
  create index on audit_plain (at);
  create index on audit_plain using gin (case_ids);
  create index on audit_plain (shard, seq);`;

async function run(label: string, op: (n: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let done = 0;
  const until = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        await op(next++);
        done += 1;
      }
    }),
  );
  const perSec = done / ((Date.now() - started) / 1000);
  say(`  ${label.padEnd(28)} ${perSec.toFixed(0).padStart(6)} appends/s (${done} in ${SECONDS} s)`);
  return perSec;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const test = await createTestDatabase({ appRole: true });
  const owner = new PgClient({ connectionString: test.url });
  await owner.connect();
  const pool = new Pool({ connectionString: test.appUrl, max: CLIENTS });
  try {
    await owner.query(SINGLE_CHAIN);
    const appRole = decodeURIComponent(new URL(test.appUrl).username);
    await owner.query(
      `grant select, insert, update on audit_single, audit_single_head, audit_plain to ${appRole}`,
    );
    await owner.query(`grant usage on all sequences in schema public to ${appRole}`);
    const db = drizzle(pool, { schema }) as unknown as Db;

    // Through the same client library as appendAudit, so the difference is the chain alone.
    const plain = (n: number) => {
      const row = [...values(entry(n)), n % 16, n, GENESIS_HASH, GENESIS_HASH].map((value) =>
        sql.param(value),
      );
      return db.execute(sql`insert into audit_plain (${sql.raw(COLUMNS)}, shard, seq, prev_hash, hash)
        values (${sql.join(row, sql`, `)}) returning *`);
    };
    const chained = (n: number) => appendAudit(db, KEY, entry(n));
    const single = async (n: number) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('select pg_advisory_xact_lock(1635083369)');
        const { rows } = await client.query<{ last_hash: string }>(
          'select last_hash from audit_single_head where id = 1',
        );
        const e = entry(n);
        const content = {
          ...e,
          caseIds: e.cases.map((c) => c.id),
          caseJurisdictions: e.cases.map((c) => c.jurisdiction),
        };
        const hash = legacyChainHash(KEY, rows[0]!.last_hash, content);
        await client.query(
          `insert into audit_single (${COLUMNS}, prev_hash, hash) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
          [...values(e), rows[0]!.last_hash, hash],
        );
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    };

    say(`audit appends, ${CLIENTS} clients, ${ROUNDS} rounds of ${SECONDS} s each (median reported)`);
    const figures = { plain: [] as number[], chained: [] as number[], single: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      say(`round ${round}`);
      figures.plain.push(await run('plain INSERT', plain));
      figures.chained.push(await run('chained, 16 shards', chained));
      figures.single.push(await run('chained, single (≤0008)', single));
    }
    const verified = await verifyAuditTrail(db, KEY);
    if (verified.problem) throw new Error(`the trail does not verify: ${JSON.stringify(verified.problem)}`);
    const result = {
      at: new Date().toISOString(),
      clients: CLIENTS,
      rounds: ROUNDS,
      secondsPerRound: SECONDS,
      plainPerSec: Math.round(median(figures.plain)),
      chainedPerSec: Math.round(median(figures.chained)),
      // Each round's plain and chained runs share the machine's load of the moment: the ratio is the
      // median of the rounds' ratios.
      ratio: Number(median(figures.chained.map((c, i) => c / figures.plain[i]!)).toFixed(2)),
      singleChainPerSec: Math.round(median(figures.single)),
      rowsVerified: verified.rows,
      perRound: figures,
      note: 'one PostgreSQL 15 and the bench on a 2-core machine shared with other work; figures are noisy',
    };
    say(
      `median: plain ${result.plainPerSec}/s, chained ${result.chainedPerSec}/s (ratio ${result.ratio}), single chain ${result.singleChainPerSec}/s; ${verified.rows} rows verified`,
    );
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'audit.json'), await formatted(result));
  } finally {
    await pool.end();
    await owner.end();
    await test.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
