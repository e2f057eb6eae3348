import type { TaskKind } from '../schemas/catalogue';
import { and, asc, desc, eq, inArray, isNull, lt, ne, or, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { caseInScope, caseResponsibleInScope } from './cases';
import { withinJurisdictions } from './scope';
import { cases, tasks, type TaskRow } from './schema';
import type { Phase, Role, Tier } from '../schemas/common';

const OPEN = ['open', 'overdue'] as const;

export async function openTasksOfCase(db: Db, caseId: string): Promise<TaskRow[]> {
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.caseId, caseId), inArray(tasks.status, [...OPEN])))
    .orderBy(asc(tasks.dueAt));
}

export interface InboxFilter {
  role?: Role;
  assignee?: string;
  status?: 'open' | 'overdue';
  dueBefore?: Date;
  now: Date;
  limit: number;
}

/** Open tasks of cases within the caller's scope, soonest due first. */
export async function inbox(
  db: Db,
  filter: InboxFilter,
  scope: readonly string[],
  callerRole?: Role,
): Promise<
  {
    task: TaskRow;
    jurisdiction: string;
    delegatedTo: string | null;
    personName: string;
    phase: Phase;
    tier: Tier;
  }[]
> {
  const conditions: (SQL | undefined)[] = [caseInScope(scope, callerRole), inArray(tasks.status, [...OPEN])];
  if (filter.role) conditions.push(eq(tasks.role, filter.role));
  // Mine: assigned to me, or unassigned work of my role in my jurisdictions. A delegated case's
  // caseworker tasks are the delegate street's; the rest stays with the responsible side (R23).
  if (filter.assignee) {
    const assignedToMe = or(eq(tasks.assignee, filter.assignee), isNull(tasks.assignee));
    const street = eq(tasks.role, 'caseworker');
    conditions.push(
      or(
        and(street, isNull(cases.delegatedTo), assignedToMe),
        and(street, withinJurisdictions(cases.delegatedTo, scope)),
        and(ne(tasks.role, 'caseworker'), assignedToMe, caseResponsibleInScope(scope)),
      ),
    );
  }
  if (filter.status === 'overdue') conditions.push(lt(tasks.dueAt, filter.now));
  if (filter.dueBefore) conditions.push(lt(tasks.dueAt, filter.dueBefore));
  return db
    .select({
      task: tasks,
      jurisdiction: cases.jurisdiction,
      delegatedTo: cases.delegatedTo,
      personName: cases.personName,
      phase: cases.phase,
      tier: cases.tier,
    })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(and(...conditions))
    .orderBy(asc(tasks.dueAt), asc(tasks.caseId), asc(tasks.id))
    .limit(filter.limit);
}

/** The case's latest task of a kind, whatever its status, or null: has the engine ever asked for it? */
export async function latestTaskOfKind(db: Db, caseId: string, kind: TaskKind): Promise<TaskRow | null> {
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.caseId, caseId), eq(tasks.kind, kind)))
    .orderBy(desc(tasks.createdAt))
    .limit(1);
  return row ?? null;
}
