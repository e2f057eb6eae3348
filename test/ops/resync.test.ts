import { asc, eq } from 'drizzle-orm';
import { auditLog, cases, tasks } from '../../db/schema';
import { resyncAll, resyncCase, type ResyncDeps } from '../../scripts/resync-cases';
import { handover } from '../helpers/fixtures';
import { startTestSystem, TEST_AUDIT_KEY, type TestSystem } from '../helpers/system';

// `npm run resync` (docs/operations.md, recovery): a case's read model rebuilt from its workflow,
// audited, and idempotent.

let system: TestSystem;
let deps: ResyncDeps;
beforeAll(async () => {
  system = await startTestSystem();
  deps = {
    db: system.db.database.db,
    temporal: system.env.client,
    auditKey: TEST_AUDIT_KEY,
    operator: 'ops.on-call',
    reason: 'restored database behind the engine',
  };
});
afterAll(async () => {
  await system?.close();
});

async function openReleasedCase(): Promise<string> {
  const opened = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: handover() });
  const id = (opened.json() as { id: string }).id;
  const events = [
    ['liaison', { type: 'released' }],
    ['worker.canglang', { type: 'test', method: 'urine', result: 'refused', unannounced: false }],
  ] as const;
  for (const [username, payload] of events) {
    const reply = await system.as(username, { method: 'POST', url: `/v1/cases/${id}/events`, payload });
    expect(reply.statusCode).toBe(201);
  }
  return id;
}

async function readModel(id: string) {
  const db = system.db.database.db;
  const [row] = await db.select().from(cases).where(eq(cases.id, id));
  const taskRows = await db.select().from(tasks).where(eq(tasks.caseId, id)).orderBy(asc(tasks.id));
  return { row: row!, tasks: taskRows };
}

const withoutRevisions = (model: Awaited<ReturnType<typeof readModel>>) => ({
  row: model.row,
  tasks: model.tasks.map(({ revision: _revision, ...task }) => task),
});

async function resyncAudits(id: string) {
  const rows = await system.db.database.db.select().from(auditLog).where(eq(auditLog.action, 'case.resync'));
  return rows.filter((row) => row.caseIds.includes(id));
}

it('rebuilds a damaged case (its tasks deleted, its row reset) from its workflow, audited, and a second run changes nothing', async () => {
  const id = await openReleasedCase();
  const healthy = await readModel(id);
  expect(healthy.row).toMatchObject({ phase: 'released_awaiting_report', testsRefused: 1 });
  expect(healthy.tasks.length).toBeGreaterThan(0);

  // Damage: as after a restore from an older backup, or a bug that wrote wrong values.
  const db = system.db.database.db;
  await db.delete(tasks).where(eq(tasks.caseId, id));
  await db
    .update(cases)
    .set({ phase: 'pre_release', tier: 'stable', testsRefused: 0, nextDueAt: null, assignee: null })
    .where(eq(cases.id, id));
  expect((await readModel(id)).tasks).toHaveLength(0);

  expect(await resyncCase(deps, id)).toBe('resynced');
  const rebuilt = await readModel(id);
  expect(withoutRevisions(rebuilt)).toEqual(withoutRevisions(healthy));

  // Twice: nothing moves, not even a revision or a timestamp; each run is in the audit trail.
  expect(await resyncCase(deps, id)).toBe('resynced');
  expect(await readModel(id)).toEqual(rebuilt);
  const audits = await resyncAudits(id);
  expect(audits).toHaveLength(2);
  expect(audits[0]).toMatchObject({
    actorUsername: 'ops.on-call',
    actorRole: 'operator',
    route: 'npm run resync',
    reason: 'restored database behind the engine',
  });

  // The case goes on afterwards: the next command's batch is written over the rebuilt rows.
  const reply = await system.as('worker.canglang', {
    method: 'POST',
    url: `/v1/cases/${id}/events`,
    // Refused the day before: a second refusal the same day is the same fact (R28).
    payload: {
      type: 'test',
      method: 'urine',
      result: 'refused',
      unannounced: false,
      occurredAt: new Date(Date.now() - 86_400_000).toISOString(),
    },
  });
  expect(reply.statusCode).toBe(201);
  expect((await readModel(id)).row.testsRefused).toBe(2);
});

it('--all resyncs every case with progress, and a case whose workflow is gone is reported, not changed', async () => {
  const ids = [await openReleasedCase(), await openReleasedCase()];
  const before = await Promise.all(ids.map(readModel));
  const seen: string[] = [];
  const counts = await resyncAll(deps, (done, total, caseId) => {
    expect(done).toBeLessThanOrEqual(total);
    seen.push(caseId);
  });
  expect(seen).toEqual(expect.arrayContaining(ids));
  expect(counts.resynced).toBe(seen.length);
  // Healthy cases come out as they went in.
  const after = await Promise.all(ids.map(readModel));
  expect(after.map(withoutRevisions)).toEqual(before.map(withoutRevisions));
  expect(await resyncCase(deps, '00000000-0000-4000-8000-000000000000')).toBe('no_workflow');
});
