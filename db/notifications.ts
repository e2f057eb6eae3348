import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { caseInScope } from './cases';
import { cases, notifications, type NotificationRow } from './schema';

export interface NotificationFilter {
  status?: 'pending' | 'delivered';
  caseId?: string;
  limit: number;
}

/** Notifications about cases within the caller's scope, newest first. */
export async function listNotifications(
  db: Db,
  filter: NotificationFilter,
  scope: readonly string[],
): Promise<{ notification: NotificationRow; jurisdiction: string }[]> {
  const conditions: (SQL | undefined)[] = [caseInScope(scope)];
  if (filter.status) conditions.push(eq(notifications.status, filter.status));
  if (filter.caseId) conditions.push(eq(notifications.caseId, filter.caseId));
  return db
    .select({ notification: notifications, jurisdiction: cases.jurisdiction })
    .from(notifications)
    .innerJoin(cases, eq(cases.id, notifications.caseId))
    .where(and(...conditions))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(filter.limit);
}
