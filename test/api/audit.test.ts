import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { Client as PgClient } from 'pg';
import { verifyAuditChain } from '../../db/audit';
import { auditLog } from '../../db/schema';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
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

  it('keeps the chain whole under concurrent reads', async () => {
    const { id } = await open();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` }),
      ),
    );
    expect(replies.every((reply) => reply.statusCode === 200)).toBe(true);
    expect((await verifyAuditChain(system.db.database.db)).problem).toBeNull();
    expect(await trail('supervisor.gusu', `caseId=${id}`)).toHaveLength(21);
  });
});

describe('R21: the trail is tamper-evident (npm run audit:verify)', () => {
  const root = join(__dirname, '..', '..');
  const verify = () =>
    spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/audit-verify.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: system.db.url },
      encoding: 'utf8',
    });

  // Tampering as someone with the table owner's rights would: around the append-only trigger.
  async function tamper(statement: string): Promise<void> {
    const client = new PgClient({ connectionString: system.db.url });
    await client.connect();
    try {
      await client.query('alter table audit_log disable trigger user');
      await client.query(statement);
    } finally {
      await client.query('alter table audit_log enable trigger user');
      await client.end();
    }
  }

  let ids: number[];
  beforeEach(async () => {
    const { id } = await open();
    for (let i = 0; i < 3; i++) await system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` });
    const rows = await system.db.database.db.select({ id: auditLog.id }).from(auditLog).orderBy(auditLog.id);
    ids = rows.map((row) => row.id);
    expect((await verifyAuditChain(system.db.database.db)).problem).toBeNull();
  });
  afterEach(async () => {
    // Each scenario starts from an intact trail.
    await tamper('delete from audit_log');
    await system.db.database.db.execute(sql`delete from audit_head`);
  });

  it('the application cannot change or delete a row', async () => {
    await expect(system.db.database.db.execute(sql`update audit_log set reason = 'x'`)).rejects.toThrow();
    await expect(system.db.database.db.execute(sql`delete from audit_log`)).rejects.toThrow();
  });

  it('an intact trail verifies, with progress and the head hash', () => {
    const run = verify();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/rows verified/);
    expect(run.stdout).toMatch(/ok: \d+ rows, chain intact; head hash [0-9a-f]{64}/);
  });

  it('an edited row is found and named', async () => {
    const target = ids.at(-2)!;
    await tamper(`update audit_log set actor_username = 'someone.else' where id = ${target}`);
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`TAMPERED: row ${target} edited`);
  });

  it('a deleted row is found and named by the row that follows it', async () => {
    const target = ids.at(-3)!;
    await tamper(`delete from audit_log where id = ${target}`);
    expect((await verifyAuditChain(system.db.database.db)).problem).toMatchObject({
      rowId: ids.at(-2),
      kind: 'deleted',
    });
  });

  it('a deleted last row is found against the chain head', async () => {
    await tamper(`delete from audit_log where id = ${ids.at(-1)}`);
    expect((await verifyAuditChain(system.db.database.db)).problem).toMatchObject({
      rowId: ids.at(-1),
      kind: 'deleted',
    });
  });

  it('two swapped rows are found as reordered', async () => {
    const [a, b] = [ids.at(-3)!, ids.at(-2)!];
    await tamper(
      `update audit_log set id = -1 where id = ${a}; update audit_log set id = ${a} where id = ${b}; update audit_log set id = ${b} where id = -1`,
    );
    const run = verify();
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`TAMPERED: row ${a} reordered`);
  });
});
