import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { appendAudit, chainHash, GENESIS_HASH } from '../../db/audit/chain';
import { writeCheckpoint } from '../../db/audit/checkpoints';
import { verifyAuditTrail } from '../../db/audit/verify';
import { asc, eq } from 'drizzle-orm';
import { auditHead, auditLog } from '../../db/schema';
import { handover } from '../helpers/fixtures';
import { startTestSystem, TEST_AUDIT_KEY, type TestSystem } from '../helpers/system';

let system: TestSystem;
beforeAll(async () => {
  // The API and the worker as in production: a role that may append to the trail and nothing more.
  // No timed checkpoints: the tamper scenarios sign theirs when they mean to.
  system = await startTestSystem({ appRole: true, auditCheckpointEveryMs: 0 });
});
const verifyChain = () => verifyAuditTrail(system.db.database.db, TEST_AUDIT_KEY);
afterAll(async () => {
  await system?.close();
});

const open = async (destination = 'suzhou.gusu.canglang') => {
  const reply = await system.as('liaison', {
    method: 'POST',
    url: '/v1/cases',
    payload: handover({ destination }),
  });
  expect(reply.statusCode).toBe(201);
  return reply.json() as { id: string; person: { name: string; idNumber: string; residenceAddress: string } };
};
const trail = async (username: string, query: string) => {
  const reply = await system.as(username, { method: 'GET', url: `/v1/audit?${query}` });
  expect(reply.statusCode).toBe(200);
  return reply.json().items as {
    id: number;
    action: string;
    caseIds: string[];
    actor: { username: string; role: string };
    reason: string;
    route: string;
    at: string;
  }[];
};

describe('R21: every read and change of a case leaves a trace (GET /v1/audit)', () => {
  it('records who opened and who read a case, when, and why', async () => {
    const before = Date.now();
    const { id } = await open();
    await system.as('worker.canglang', {
      method: 'GET',
      url: `/v1/cases/${id}`,
      headers: { 'x-audit-reason': encodeURIComponent('家访前核对住址') },
    });
    await system.as('police.gusu', { method: 'GET', url: `/v1/cases/${id}` });

    const entries = await trail('supervisor.gusu', `caseId=${id}`);
    expect(entries.map((e) => [e.action, e.actor.username, e.reason])).toEqual([
      ['case.read', 'police.gusu', 'GET /v1/cases/:id'],
      ['case.read', 'worker.canglang', '家访前核对住址'],
      ['case.create', 'liaison', 'POST /v1/cases'],
    ]);
    for (const entry of entries) {
      expect(entry.caseIds).toEqual([id]);
      expect(new Date(entry.at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    }
  });

  it('records an attempt on a case outside the caller’s jurisdictions for that jurisdiction’s supervisors', async () => {
    const { id } = await open();
    const reply = await system.as('worker.changqiao', { method: 'GET', url: `/v1/cases/${id}` });
    expect(reply.statusCode).toBe(404);
    const [entry] = await trail('supervisor.gusu', `caseId=${id}&actor=worker.changqiao`);
    expect(entry).toMatchObject({ action: 'case.read.denied', caseIds: [id] });
  });

  it('records a list read once, naming the cases it returned', async () => {
    const { id } = await open();
    const listed = await system.as('worker.canglang', { method: 'GET', url: '/v1/cases?limit=5' });
    const returned = listed.json().items.map((item: { id: string }) => item.id);
    expect(returned).toContain(id);
    const entries = await trail('supervisor.gusu', `caseId=${id}&actor=worker.canglang`);
    expect(entries[0]).toMatchObject({ action: 'case.list', caseIds: returned });
  });

  it('keeps personal data out of the trail: ids and actions only', async () => {
    const body = await open();
    await system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${body.id}` });
    const rows = await system.db.database.db.select().from(auditLog);
    const text = JSON.stringify(rows);
    expect(text).toContain(body.id);
    expect(text).not.toContain(body.person.name);
    expect(text).not.toContain(body.person.idNumber);
    expect(text).not.toContain(body.person.residenceAddress);
  });

  it('shows a supervisor only entries about cases in their jurisdictions', async () => {
    const gusu = await open('suzhou.gusu.shuangta');
    const wuzhong = await open('suzhou.wuzhong.changqiao');
    expect(await trail('supervisor.gusu', `caseId=${wuzhong.id}`)).toEqual([]);
    expect(await trail('supervisor.city', `caseId=${wuzhong.id}`)).toHaveLength(1);
    const all = await trail('supervisor.gusu', 'limit=500');
    expect(all.some((e) => e.caseIds.includes(gusu.id))).toBe(true);
    expect(all.some((e) => e.caseIds.includes(wuzhong.id))).toBe(false);
  });

  it('trims a list entry to the cases the supervisor may see', async () => {
    const gusu = await open('suzhou.gusu.shuangta');
    const wuzhong = await open('suzhou.wuzhong.changqiao');
    const listed = await system.as('liaison', { method: 'GET', url: '/v1/cases?limit=2' });
    expect(listed.json().items.map((item: { id: string }) => item.id)).toEqual([wuzhong.id, gusu.id]);
    const [forGusu] = await trail('supervisor.gusu', 'actor=liaison');
    expect(forGusu).toMatchObject({ action: 'case.list', caseIds: [gusu.id] });
    const [forCity] = await trail('supervisor.city', 'actor=liaison');
    expect(forCity).toMatchObject({ action: 'case.list', caseIds: [wuzhong.id, gusu.id] });
  });

  it('filters by time window', async () => {
    const { id } = await open();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await trail('supervisor.gusu', `caseId=${id}&from=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await trail('supervisor.gusu', `caseId=${id}&to=${encodeURIComponent(future)}`)).toHaveLength(1);
  });

  it('is for supervisors only', async () => {
    for (const username of ['liaison', 'worker.canglang', 'police.gusu']) {
      expect((await system.as(username, { method: 'GET', url: '/v1/audit' })).statusCode).toBe(403);
    }
  });

  it.each([
    ['too long', 'x'.repeat(201)],
    ['not UTF-8', '%E4%B8'],
    ['a control character', 'a%0Ab'],
  ])('refuses an X-Audit-Reason that is %s with 400, and reads nothing', async (_, reason) => {
    const { id } = await open();
    const reply = await system.as('worker.canglang', {
      method: 'GET',
      url: `/v1/cases/${id}`,
      headers: { 'x-audit-reason': reason },
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json().errors[0].path).toBe('headers.x-audit-reason');
    expect((await trail('supervisor.gusu', `caseId=${id}`)).map((e) => e.action)).toEqual(['case.create']);
  });

  it('R21: reads that return no case (KPIs, caseloads, an empty search) and reads of the trail are audited, for the jurisdictions they covered', async () => {
    const as = (username: string, url: string) => system.as(username, { method: 'GET', url });
    expect((await as('supervisor.gusu', '/v1/supervisor/kpis?jurisdiction=suzhou.gusu')).statusCode).toBe(
      200,
    );
    expect((await as('supervisor.gusu', '/v1/supervisor/caseloads')).statusCode).toBe(200);
    const empty = await as('worker.canglang', `/v1/cases?q=${encodeURIComponent('无此人某某')}`);
    expect(empty.json().items).toEqual([]);
    await trail('supervisor.gusu', 'actor=supervisor.gusu');

    const gusu = await trail('supervisor.gusu', 'limit=50');
    const seen = (items: typeof gusu, actor: string, action: string) =>
      items.some((e) => e.actor.username === actor && e.action === action && e.caseIds.length === 0);
    expect(seen(gusu, 'supervisor.gusu', 'supervisor.kpis')).toBe(true);
    expect(seen(gusu, 'supervisor.gusu', 'supervisor.caseloads')).toBe(true);
    expect(seen(gusu, 'worker.canglang', 'case.list')).toBe(true);
    expect(seen(gusu, 'supervisor.gusu', 'audit.read')).toBe(true);
    // The city's supervisor sees what was read in Gusu; another district's reads are not Gusu's.
    expect(
      seen(await trail('supervisor.city', 'actor=supervisor.gusu'), 'supervisor.gusu', 'supervisor.kpis'),
    ).toBe(true);
    await as('worker.changqiao', `/v1/cases?q=${encodeURIComponent('无此人某某')}`);
    expect(
      seen(await trail('supervisor.gusu', 'actor=worker.changqiao'), 'worker.changqiao', 'case.list'),
    ).toBe(false);
  });

  it('keeps the chain whole under concurrent reads', async () => {
    const { id } = await open();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` }),
      ),
    );
    expect(replies.every((reply) => reply.statusCode === 200)).toBe(true);
    expect((await verifyChain()).problem).toBeNull();
    expect(await trail('supervisor.gusu', `caseId=${id}`)).toHaveLength(21);
  });
});

describe('R21: the trail is tamper-evident (npm run audit:verify)', () => {
  const root = join(__dirname, '..', '..');
  const verify = (env: NodeJS.ProcessEnv = {}) =>
    spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/audit-verify.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: system.db.appUrl,
        DATABASE_OWNER_URL: system.db.url,
        AUDIT_KEY: TEST_AUDIT_KEY,
        ...env,
      },
      encoding: 'utf8',
    });
  async function as<T>(url: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
    const client = new PgClient({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }
  // Tampering as someone with the table owner's rights would: around the triggers.
  const tables = ['audit_log', 'audit_head', 'audit_checkpoints'];
  const tamper = (statement: string) =>
    as(system.db.url, async (client) => {
      for (const table of tables) await client.query(`alter table ${table} disable trigger user`);
      try {
        await client.query(statement);
      } finally {
        for (const table of tables) await client.query(`alter table ${table} enable trigger user`);
      }
    });
  const entry = (requestId: string) => ({
    at: new Date(),
    actorId: 'user-1',
    actorUsername: 'worker.canglang',
    actorRole: 'caseworker',
    action: 'case.read',
    cases: [],
    scope: ['suzhou.gusu.canglang'],
    route: 'GET /v1/cases/:id',
    reason: 'GET /v1/cases/:id',
    requestId,
  });

  /** The rows of the one shard this process appended five entries to, in chain order. */
  let chain: { id: number; seq: number }[];
  let shard: number;
  beforeEach(async () => {
    const db = system.db.database.db;
    // One after another: each takes the same free shard, so one chain gets all five.
    for (let i = 0; i < 5; i++) await appendAudit(db, TEST_AUDIT_KEY, entry(`tamper-${i}`));
    const [last] = await db.select().from(auditLog).where(eq(auditLog.requestId, 'tamper-4'));
    shard = last!.shard;
    chain = await db
      .select({ id: auditLog.id, seq: auditLog.seq })
      .from(auditLog)
      .where(eq(auditLog.shard, shard))
      .orderBy(asc(auditLog.seq));
    expect(chain.length).toBeGreaterThanOrEqual(5);
    expect((await verifyChain()).problem).toBeNull();
  });
  afterEach(async () => {
    // Each scenario starts from an intact trail.
    await tamper(
      `delete from audit_log; delete from audit_checkpoints;
       update audit_head set last_seq = 0, last_id = 0, last_at = null, last_hash = '${GENESIS_HASH}'`,
    );
  });

  it('the application’s role cannot change, delete or truncate a row, a partition or a checkpoint, move a head, or switch the triggers off', async () => {
    await writeCheckpoint(system.db.database.db, TEST_AUDIT_KEY);
    const [partition] = (
      await as(system.db.url, (client) =>
        client.query<{ name: string }>(
          `select inhrelid::regclass::text as name from pg_inherits where inhparent = 'audit_log'::regclass limit 1`,
        ),
      )
    ).rows;
    for (const statement of [
      `update audit_log set reason = 'x'`,
      'delete from audit_log',
      'truncate audit_log',
      `delete from ${partition!.name}`,
      `truncate ${partition!.name}`,
      'truncate audit_log_default',
      `update audit_head set last_seq = 0, last_hash = '${GENESIS_HASH}'`,
      'delete from audit_head',
      `update audit_checkpoints set mac = 'x'`,
      'delete from audit_checkpoints',
      'truncate audit_checkpoints',
      'alter table audit_log disable trigger user',
      'alter table audit_log disable trigger audit_log_append_only',
      'drop trigger audit_log_append_only on audit_log',
      'alter table audit_head disable trigger user',
    ]) {
      await expect(as(system.db.appUrl, (client) => client.query(statement))).rejects.toThrow(
        /permission denied|must be owner/,
      );
    }
    expect((await verifyChain()).problem).toBeNull();
  });

  it('the triggers hold on every monthly partition, and a head cannot be moved back, even with the owner’s rights', async () => {
    const owner = (statement: string) => as(system.db.url, (client) => client.query(statement));
    await expect(owner(`update audit_log set reason = 'x' where id = ${chain[1]!.id}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(owner(`delete from audit_log where id = ${chain[1]!.id}`)).rejects.toThrow(/append-only/);
    await expect(owner('truncate audit_log')).rejects.toThrow(/append-only/);
    const { rows } = await owner(
      `select tableoid::regclass::text as name from audit_log where id = ${chain[1]!.id}`,
    );
    expect(rows[0].name).toMatch(/^audit_log_y\d{4}m\d{2}$/);
    await expect(owner(`delete from ${rows[0].name}`)).rejects.toThrow(/append-only/);
    await expect(owner(`truncate ${rows[0].name}`)).rejects.toThrow(/append-only/);
    await expect(
      owner(`update audit_head set last_seq = last_seq - 1 where shard = ${shard}`),
    ).rejects.toThrow(/moves only forward/);
    await expect(owner('delete from audit_head')).rejects.toThrow(/never deleted/);
    await writeCheckpoint(system.db.database.db, TEST_AUDIT_KEY);
    await expect(owner('delete from audit_checkpoints')).rejects.toThrow(/append-only/);
  });

  it('an intact trail verifies, shard by shard, and signs a checkpoint to keep elsewhere', () => {
    const run = verify();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/shard 15: \d+ rows verified/);
    expect(run.stdout).toMatch(
      /ok: \d+ rows in 16 chains and \d+ checkpoints intact; checkpoint (\d+ signed|unchanged): [0-9a-f]{64}/,
    );
    const again = verify();
    expect(again.stdout).toMatch(
      /ok: \d+ rows in 16 chains and \d+ checkpoints intact; checkpoint unchanged: [0-9a-f]{64}/,
    );
  });

  it('verifies one snapshot: reads appended during the walk are not taken for a cut-off tail', async () => {
    const { id } = await open();
    const reads = Promise.all(
      Array.from({ length: 30 }, () =>
        system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` }),
      ),
    );
    const results = await Promise.all(Array.from({ length: 10 }, () => verifyChain()));
    await reads;
    expect(results.map((result) => result.problem)).toEqual(results.map(() => null));
  });

  it('an edited row is found and named by shard, place and id', async () => {
    const target = chain[2]!;
    await tamper(`update audit_log set actor_username = 'someone.else' where id = ${target.id}`);
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`TAMPERED: shard ${shard} seq ${target.seq} row ${target.id} edited`);
  });

  it('a row forged without the key is found, though the database accepted its link', async () => {
    const [head] = await system.db.database.db.select().from(auditHead).where(eq(auditHead.shard, shard));
    const content = {
      at: new Date(),
      actorId: 'x',
      actorUsername: 'supervisor.gusu',
      actorRole: 'supervisor',
      action: 'case.read',
      caseIds: [],
      caseJurisdictions: [],
      scope: [],
      route: 'GET /v1/cases/:id',
      reason: 'routine',
      requestId: 'forged',
      shard,
      seq: head!.lastSeq + 1,
    };
    // Chained to the head as the database demands, hashed as well as one can without the key.
    const hash = chainHash('a guessed key', head!.lastHash, content);
    const [row] = await system.db.database.db
      .insert(auditLog)
      .values({ ...content, prevHash: head!.lastHash, hash })
      .returning();
    expect((await verifyChain()).problem).toMatchObject({
      shard,
      seq: row!.seq,
      rowId: row!.id,
      kind: 'edited',
    });
    expect(verify({ AUDIT_KEY: 'another key, the one an attacker would try' }).status).toBe(2);
  });

  it('a row not chained to its shard’s head is refused by the database', async () => {
    const content = {
      at: new Date(),
      actorId: 'x',
      actorUsername: 'x',
      actorRole: 'supervisor',
      action: 'case.read',
      caseIds: [],
      caseJurisdictions: [],
      scope: [],
      route: 'x',
      reason: 'x',
      requestId: 'x',
      shard,
      seq: 1,
    };
    await expect(
      system.db.database.db.insert(auditLog).values({
        ...content,
        prevHash: GENESIS_HASH,
        hash: chainHash(TEST_AUDIT_KEY, GENESIS_HASH, content),
      }),
    ).rejects.toThrow();
  });

  it('a deleted row is found and named by the row that follows it', async () => {
    await tamper(`delete from audit_log where id = ${chain[1]!.id}`);
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`TAMPERED: shard ${shard} seq ${chain[2]!.seq} row ${chain[2]!.id} deleted`);
  });

  it('two swapped rows are found as reordered', async () => {
    const [a, b] = [chain[1]!, chain[2]!];
    await tamper(
      `update audit_log set seq = -1 where id = ${a.id}; update audit_log set seq = ${a.seq} where id = ${b.id}; update audit_log set seq = ${b.seq} where id = ${a.id}`,
    );
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`TAMPERED: shard ${shard} seq ${a.seq} row ${b.id} reordered`);
  });

  it('a tail cut off behind its head is found against the head', async () => {
    await tamper(`delete from audit_log where id = ${chain.at(-1)!.id}`);
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(
      `TAMPERED: shard ${shard} seq ${chain.at(-1)!.seq} row ${chain.at(-1)!.id} truncated`,
    );
  });

  it('a tail cut off with the head moved back, as a database owner could, is found against the last checkpoint', async () => {
    await writeCheckpoint(system.db.database.db, TEST_AUDIT_KEY);
    const keep = chain[2]!;
    await tamper(
      `delete from audit_log where shard = ${shard} and seq > ${keep.seq};
       update audit_head set last_seq = ${keep.seq}, last_id = ${keep.id},
         last_hash = (select hash from audit_log where id = ${keep.id}) where shard = ${shard}`,
    );
    const result = await verifyChain();
    expect(result.problem).toMatchObject({
      kind: 'truncated',
      shard,
      seq: keep.seq + 1,
      checkpointId: expect.any(Number),
    });
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(
      `TAMPERED: shard ${shard} seq ${keep.seq + 1} checkpoint ${result.problem!.checkpointId} truncated`,
    );
  });

  it('a deleted or edited checkpoint is found and named', async () => {
    const db = system.db.database.db;
    const first = await writeCheckpoint(db, TEST_AUDIT_KEY);
    await appendAudit(db, TEST_AUDIT_KEY, entry('between'));
    const second = await writeCheckpoint(db, TEST_AUDIT_KEY);
    await appendAudit(db, TEST_AUDIT_KEY, entry('after'));
    const third = await writeCheckpoint(db, TEST_AUDIT_KEY);
    expect([first, second, third].every(Boolean)).toBe(true);
    expect((await verifyChain()).problem).toBeNull();

    await tamper(
      `update audit_checkpoints set heads = jsonb_set(heads, '{0,hash}', '"0"') where id = ${second!.id}`,
    );
    expect((await verifyChain()).problem).toMatchObject({ kind: 'edited', checkpointId: second!.id });
    await tamper(`delete from audit_checkpoints where id = ${second!.id}`);
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`TAMPERED: checkpoint ${third!.id} deleted`);
  });
});
