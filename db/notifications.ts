import { and, desc, eq, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { caseInScope } from './cases';
import { cases, notifications, type NotificationRow } from './schema';

export interface NotificationFilter {
  status?: 'pending' | 'delivered';
  caseId?: string;
  /** Only the police notifications named to this officer or to no one. */
  officer?: string;
  limit: number;
}

/** The case's named police officer (R24): its latest police_officer party with a username. */
const officerOfCase = sql<string | null>`(select p.username from parties p
  where p.case_id = ${notifications.caseId} and p.role = 'police_officer' and p.username is not null
  order by p.created_at desc limit 1)`;

/** Notifications about cases within the caller's scope, newest first. */
export async function listNotifications(
  db: Db,
  filter: NotificationFilter,
  scope: readonly string[],
): Promise<{ notification: NotificationRow; jurisdiction: string; officer: string | null }[]> {
  const conditions: (SQL | undefined)[] = [caseInScope(scope)];
  if (filter.status) conditions.push(eq(notifications.status, filter.status));
  if (filter.caseId) conditions.push(eq(notifications.caseId, filter.caseId));
  if (filter.officer) {
    conditions.push(eq(notifications.recipient, 'police'));
    conditions.push(or(isNull(officerOfCase), eq(officerOfCase, filter.officer)));
  }
  const rows = await db
    .select({ notification: notifications, jurisdiction: cases.jurisdiction, officer: officerOfCase })
    .from(notifications)
    .innerJoin(cases, eq(cases.id, notifications.caseId))
    .where(and(...conditions))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(filter.limit);
  return rows.map((r) => ({ ...r, officer: r.notification.recipient === 'police' ? r.officer : null }));
}
