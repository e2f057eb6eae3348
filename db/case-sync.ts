import { and, eq, gte, sql } from 'drizzle-orm';
import type { Db } from './client';
import { cases, notifications, tasks, timeline } from './schema';
import type { CaseSync } from '../workflows/case/messages';

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

/**
 * Which batch a case's read model holds: the workflow time of the task that wrote it, then its
 * revision. A batch is written by the workflow task that made it (a local activity, issue 16), so
 * a task that never completed (its worker killed after the write) leaves a batch its history does
 * not have; the retried task makes it again at a later workflow time, with the same revision and
 * possibly other content. Later (at, revision) wins; an earlier one (an attempt retried late) is
 * dropped.
 */
function compare(a: { at: number; revision: number }, b: { at: number; revision: number }): number {
  return a.at !== b.at ? a.at - b.at : a.revision - b.revision;
}

/**
 * Applies one batch of a case workflow's changes in one transaction, holding the case row, so a
 * case's batches are applied one at a time.
 * - A batch older than the one written (see `compare`) changes nothing.
 * - The same batch again (a retry after a lost reply) changes nothing either: entries and
 *   notifications are keyed by their ids.
 * - A newer batch whose revision was already written replaces what that revision and later ones
 *   wrote: those came from a workflow task that never completed. Its entries and undelivered
 *   notifications are deleted, its tasks written over. (A task only such a batch touched keeps
 *   that change until the case's next write of it; `npm run resync` puts it right at once.)
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
  await db.transaction(async (tx) => {
    const [held] = await tx
      .select({ revision: cases.revision, at: cases.updatedAt })
      .from(cases)
      .where(eq(cases.id, batch.caseId))
      .for('update');
    if (!held) return;
    const written = { at: held.at.getTime(), revision: held.revision };
    const order = options.rebuild ? batch.revision - written.revision : compare(batch, written);
    // Revision 0 is the record as opened, before any batch: the first batch always applies.
    if (held.revision > 0 && order < 0) return;
    if (order === 0 && !options.rebuild) return;
    if (!options.rebuild && batch.revision <= written.revision) {
      await tx
        .delete(timeline)
        .where(and(eq(timeline.caseId, batch.caseId), gte(timeline.revision, batch.revision)));
      await tx
        .delete(notifications)
        .where(
          and(
            eq(notifications.caseId, batch.caseId),
            gte(notifications.revision, batch.revision),
            eq(notifications.status, 'pending'),
          ),
        );
    }
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
      .where(eq(cases.id, batch.caseId));
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
        .onConflictDoUpdate({ target: [tasks.caseId, tasks.id], set: row });
    }
    if (batch.timeline.length) {
      await tx
        .insert(timeline)
        .values(
          batch.timeline.map((e) => ({
            ...e,
            caseId: batch.caseId,
            at: new Date(e.at),
            revision: batch.revision,
          })),
        )
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
            revision: batch.revision,
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
