import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { escapeLike } from '../scope';
import { auditLog, type AuditRow } from '../schema';

export interface AuditFilter {
  caseId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this id (the list runs newest first). */
  before?: number;
  limit: number;
}

/**
 * Entries about at least one case within the given jurisdictions, and entries that name no case
 * but covered jurisdictions within them (a KPI read, an empty search), newest first.
 */
export async function listAudit(db: Db, filter: AuditFilter, scope: readonly string[]): Promise<AuditRow[]> {
  const within = scope.flatMap((code) => [sql`j = ${code}`, sql`j like ${`${escapeLike(code)}.%`}`]);
  const anyWithin = (column: SQL) =>
    sql`exists (select 1 from unnest(${column}) as j where ${sql.join(within, sql` or `)})`;
  const conditions: (SQL | undefined)[] = [
    within.length
      ? sql`(${anyWithin(sql`${auditLog.caseJurisdictions}`)} or (cardinality(${auditLog.caseIds}) = 0 and ${anyWithin(sql`${auditLog.scope}`)}))`
      : sql`false`,
  ];
  if (filter.caseId) conditions.push(sql`${filter.caseId} = any(${auditLog.caseIds})`);
  if (filter.actor) conditions.push(eq(auditLog.actorUsername, filter.actor));
  if (filter.from) conditions.push(gte(auditLog.at, filter.from));
  if (filter.to) conditions.push(lte(auditLog.at, filter.to));
  if (filter.before !== undefined) conditions.push(lt(auditLog.id, filter.before));
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit);
}
