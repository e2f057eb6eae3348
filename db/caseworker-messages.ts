import { and, asc, desc, eq, gte, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from './client';
import { withinJurisdictions } from './scope';
import { cases, caseworkerMessages, notifications, users, type CaseworkerMessageRow } from './schema';

export type NewCaseworkerMessage = typeof caseworkerMessages.$inferInsert;

/** Every caseworker who can log in, with the jurisdictions their inbox covers. */
export async function activeCaseworkers(db: Db): Promise<{ username: string; jurisdictions: string[] }[]> {
  return db
    .select({ username: users.username, jurisdictions: users.jurisdictions })
    .from(users)
    .where(and(eq(users.role, 'caseworker'), isNull(users.disabledAt)))
    .orderBy(asc(users.username));
}

/** Idempotent by id: a message written once is never written again, nor changed. */
export async function insertCaseworkerMessages(db: Db, rows: NewCaseworkerMessage[]): Promise<void> {
  if (rows.length) await db.insert(caseworkerMessages).values(rows).onConflictDoNothing();
}

/** Messages still to deliver, oldest first. */
export async function pendingCaseworkerMessageIds(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: caseworkerMessages.id })
    .from(caseworkerMessages)
    .where(eq(caseworkerMessages.status, 'pending'))
    .orderBy(asc(caseworkerMessages.createdAt), asc(caseworkerMessages.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function findCaseworkerMessage(db: Db, id: string): Promise<CaseworkerMessageRow | null> {
  const [row] = await db.select().from(caseworkerMessages).where(eq(caseworkerMessages.id, id));
  return row ?? null;
}

export async function markCaseworkerMessageDelivered(db: Db, id: string, at: Date): Promise<void> {
  await db
    .update(caseworkerMessages)
    .set({ status: 'delivered', deliveredAt: at, attempts: sql`${caseworkerMessages.attempts} + 1` })
    .where(and(eq(caseworkerMessages.id, id), eq(caseworkerMessages.status, 'pending')));
}

export async function countCaseworkerMessageAttempt(db: Db, id: string): Promise<void> {
  await db
    .update(caseworkerMessages)
    .set({ attempts: sql`${caseworkerMessages.attempts} + 1` })
    .where(eq(caseworkerMessages.id, id));
}

/**
 * Notifications the engine sent in [from, to) about a caseworker's cases: those of their streets
 * assigned to them or to no one, and those delegated to their streets (as their inbox, R23).
 */
export async function escalationsOfCaseworker(
  db: Db,
  username: string,
  scope: readonly string[],
  from: Date,
  to: Date,
) {
  return db
    .select({
      caseId: notifications.caseId,
      notificationId: notifications.id,
      reason: notifications.reason,
      rule: notifications.rule,
      createdAt: notifications.createdAt,
    })
    .from(notifications)
    .innerJoin(cases, eq(cases.id, notifications.caseId))
    .where(
      and(
        gte(notifications.createdAt, from),
        lt(notifications.createdAt, to),
        or(
          and(
            isNull(cases.delegatedTo),
            withinJurisdictions(cases.jurisdiction, scope),
            or(eq(cases.assignee, username), isNull(cases.assignee)),
          ),
          withinJurisdictions(cases.delegatedTo, scope),
        ),
      ),
    )
    .orderBy(asc(notifications.createdAt), asc(notifications.id));
}

/** A caseworker's own messages of a kind, newest first. */
export async function listCaseworkerMessages(
  db: Db,
  username: string,
  kind: CaseworkerMessageRow['kind'],
  limit: number,
): Promise<CaseworkerMessageRow[]> {
  return db
    .select()
    .from(caseworkerMessages)
    .where(and(eq(caseworkerMessages.username, username), eq(caseworkerMessages.kind, kind)))
    .orderBy(desc(caseworkerMessages.createdAt), desc(caseworkerMessages.id))
    .limit(limit);
}
