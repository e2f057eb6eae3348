import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { loadPolicy } from '../../config/policy';
import type { CaseSync } from '../../workflows/case/messages';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { handover, projection } from '../helpers/fixtures';
import { POLICIES } from '../helpers/system';

// The read model written from inside the workflow task (issue 16): a worker killed after its
// local write but before Temporal heard of the task leaves a batch the history never kept. The
// retried task makes that batch again, later, with the same revision; the read model must then
// show what the history kept, once, and a batch retried late must never undo a newer one.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const T0 = Date.parse('2026-12-01T02:00:00Z');

function batch(
  caseId: string,
  revision: number,
  at: number,
  events: string[],
  phase = 'community',
): CaseSync {
  return {
    caseId,
    revision,
    at,
    projection: projection({ phase: phase as CaseSync['projection']['phase'] }),
    tasks: [
      {
        id: `t${revision}`,
        kind: 'contact',
        role: 'caseworker',
        assignee: 'worker.canglang',
        dueAt: at + 86_400_000,
        status: 'open',
        escalationLevel: 0,
        createdAt: at,
        closedAt: null,
      } as CaseSync['tasks'][number],
    ],
    timeline: events.map((type, i) => ({
      seq: revision * 10 + i,
      at,
      kind: 'event' as const,
      type,
      actor: 'worker.canglang',
      data: {},
    })),
    notifications: events.map((type, i) => ({
      id: `${caseId}:n${revision * 10 + i}`,
      recipient: 'police' as const,
      reason: 'drug_use' as const,
      rule: `R13/${type}`,
      taskId: null,
      createdAt: at,
    })),
  };
}

async function openCase() {
  const activities = createActivities({ db: db.database.db, channels: [] });
  const caseId = randomUUID();
  const { policy } = loadPolicy(POLICIES.standard);
  await activities.recordCase({
    caseId,
    opening: handover(),
    openedBy: 'liaison',
    openedAt: new Date(T0 - 60_000).toISOString(),
    policy,
  });
  return { caseId, sync: activities.syncCase };
}

async function readModel(caseId: string) {
  const q = async (text: string) => {
    const result = (await db.database.db.execute(sql.raw(text.replace('$1', `'${caseId}'`)))) as unknown as {
      rows: Record<string, unknown>[];
    };
    return result.rows;
  };
  return {
    timeline: (await q('select seq, type, at from timeline where case_id = $1 order by seq')).map(
      (r) => `${r.seq}:${r.type}@${new Date(r.at as string).getTime() - T0}`,
    ),
    notifications: (await q('select rule from notifications where case_id = $1 order by id')).map(
      (r) => r.rule,
    ),
    tasks: (await q('select id, due_at from tasks where case_id = $1 order by id')).map(
      (r) => `${r.id}@${new Date(r.due_at as string).getTime() - T0}`,
    ),
    phase: (await q('select phase, revision from cases where id = $1'))[0],
  };
}

it('a batch written by a workflow task that never completed is replaced by the one its retry made, once', async () => {
  const { caseId, sync } = await openCase();
  await sync(batch(caseId, 1, T0, ['released']));
  // The killed task wrote revision 2 (a home visit) and 3 (what the loop did next) at T0+1s.
  await sync(batch(caseId, 2, T0 + 1_000, ['home_visit']));
  await sync(batch(caseId, 3, T0 + 1_000, ['test'], 'detained'));
  // The retried task, 10 s later, made revision 2 again with what the history kept.
  await sync(batch(caseId, 2, T0 + 11_000, ['contact']));

  expect(await readModel(caseId)).toEqual({
    timeline: ['10:released@0', '20:contact@11000'],
    notifications: ['R13/released', 'R13/contact'],
    // The retry made t2 again (written over); t3 only the killed task made stays until resync.
    tasks: ['t1@86400000', 't2@86411000', 't3@86401000'],
    phase: { phase: 'community', revision: 2 },
  });
});

it('the same batch again, or an older one retried late, changes nothing', async () => {
  const { caseId, sync } = await openCase();
  await sync(batch(caseId, 1, T0, ['released']));
  await sync(batch(caseId, 2, T0 + 5_000, ['home_visit']));
  const before = await readModel(caseId);

  await sync(batch(caseId, 2, T0 + 5_000, ['home_visit']));
  await sync(batch(caseId, 1, T0, ['released'], 'pre_release'));
  expect(await readModel(caseId)).toEqual(before);
  expect(before.timeline).toEqual(['10:released@0', '20:home_visit@5000']);
});
