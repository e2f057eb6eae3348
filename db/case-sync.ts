import { and, eq, lt, lte, sql } from 'drizzle-orm';
import type { Db } from './client';
import { cases, notifications, tasks, timeline } from './schema';
import type { CaseSync } from '../workflows/case-follow-up.messages';

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

/**
 * Applies one batch of a case workflow's changes in one transaction. Idempotent: timeline
 * entries and notifications are keyed by their ids, and the case and its tasks only move
 * forward (an older revision, retried late, never overwrites a newer one).
 */
export async function applyCaseSync(
  db: Db,
  batch: CaseSync,
  options: {
    /**
     * `npm run resync`: the workflow's whole read model, written over rows of the same revision
     * too (a damaged or wrongly computed row is put right), never over a newer one, and without
     * touching `updated_at`, so a second run changes nothing.
     */
    rebuild?: boolean;
  } = {},
): Promise<void> {
  const p = batch.projection;
  const older = options.rebuild ? lte : lt;
  await db.transaction(async (tx) => {
    await tx
      .update(cases)
      .set({
        phase: p.phase,
        tier: p.tier,
        status: p.status,
        jurisdiction: p.jurisdiction,
        transferTo: p.transferTo,
        delegatedTo: p.delegatedTo,
        assignee: p.assignee,
        releasedAt: date(p.releasedAt),
        firstHomeVisitAt: date(p.firstHomeVisitAt),
        firstPositiveAt: date(p.firstPositiveAt),
        termStartsAt: date(p.termStartsAt),
        termEndsAt: date(p.termEndsAt),
        termPausedDays: p.termPausedDays,
        testsRefused: p.testsRefused,
        leavesWithoutNotice: p.leavesWithoutNotice,
        daysAwayWithoutNotice: p.daysAwayWithoutNotice,
        nextDueAt: date(p.nextDueAt),
        revision: batch.revision,
        ...(!options.rebuild && { updatedAt: new Date(batch.at) }),
      })
      .where(and(eq(cases.id, batch.caseId), older(cases.revision, batch.revision)));
    for (const task of batch.tasks) {
      const row = {
        caseId: batch.caseId,
        id: task.id,
        kind: task.kind,
        role: task.role,
        assignee: task.assignee,
        dueAt: new Date(task.dueAt),
        status: task.status,
        escalationLevel: task.escalationLevel,
        createdAt: new Date(task.createdAt),
        closedAt: date(task.closedAt),
        revision: batch.revision,
      };
      await tx
        .insert(tasks)
        .values(row)
        .onConflictDoUpdate({
          target: [tasks.caseId, tasks.id],
          set: row,
          setWhere: older(tasks.revision, batch.revision),
        });
    }
    if (batch.timeline.length) {
      await tx
        .insert(timeline)
        .values(batch.timeline.map((e) => ({ ...e, caseId: batch.caseId, at: new Date(e.at) })))
        .onConflictDoNothing();
    }
    if (batch.notifications.length) {
      await tx
        .insert(notifications)
        .values(
          batch.notifications.map((n) => ({
            ...n,
            caseId: batch.caseId,
            createdAt: new Date(n.createdAt),
            status: 'pending' as const,
          })),
        )
        .onConflictDoNothing();
    }
  });
}

export async function findNotification(db: Db, id: string) {
  const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
  return row ?? null;
}

export async function markDelivered(db: Db, id: string, at: Date): Promise<void> {
  await db
    .update(notifications)
    .set({ status: 'delivered', deliveredAt: at, attempts: sql`${notifications.attempts} + 1` })
    .where(and(eq(notifications.id, id), eq(notifications.status, 'pending')));
}

export async function countAttempt(db: Db, id: string): Promise<void> {
  await db
    .update(notifications)
    .set({ attempts: sql`${notifications.attempts} + 1` })
    .where(eq(notifications.id, id));
}
