import { and, desc, eq, ilike, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { escapeLike, withinJurisdictions } from './scope';
import { cases, type CaseRow, type NewCaseRow } from './schema';
import { ACCESS } from '../schemas/access';
import type { Phase, Role, Tier } from '../schemas/common';

export type InsertCaseResult = { status: 'recorded' } | { status: 'duplicate'; existingCaseId: string };

function uniqueViolation(error: unknown): string | null {
  for (
    let e = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === '23505') return e.constraint ?? 'unknown';
  }
  return null;
}

/**
 * Records a new case; idempotent by case id (a retried call finds its own row and succeeds).
 * Another open case for the same person is reported, not thrown: it is a business outcome.
 */
export async function insertCase(db: Db, row: NewCaseRow): Promise<InsertCaseResult> {
  try {
    await db.insert(cases).values(row).onConflictDoNothing({ target: cases.id });
    return { status: 'recorded' };
  } catch (error) {
    if (uniqueViolation(error) !== 'cases_open_id_number') throw error;
    const existing = await findOpenCaseByIdNumber(db, row.idNumber);
    if (!existing || existing.id === row.id) throw error;
    return { status: 'duplicate', existingCaseId: existing.id };
  }
}

export async function findOpenCaseByIdNumber(db: Db, idNumber: string): Promise<{ id: string } | null> {
  const [row] = await db
    .select({ id: cases.id })
    .from(cases)
    .where(and(eq(cases.idNumber, idNumber), eq(cases.status, 'open')))
    .limit(1);
  return row ?? null;
}

/**
 * Cases the caller may see: in their jurisdictions or below, in transfer to them (R15), or
 * delegated to them for the daily work (R23) when their role is of the delegate side
 * (schemas/access.ts: not the police). Without a role, only the responsible side's.
 */
export function caseInScope(scope: readonly string[], role?: Role): SQL {
  if (role === undefined || !ACCESS.delegate.roles.includes(role)) return caseResponsibleInScope(scope);
  return or(caseResponsibleInScope(scope), withinJurisdictions(cases.delegatedTo, scope))!;
}

/**
 * Cases the caller's jurisdictions answer for (both sides of a transfer, R15), not those merely
 * delegated to them (R23): what stalled views, caseloads and KPIs count.
 */
export function caseResponsibleInScope(scope: readonly string[]): SQL {
  return or(withinJurisdictions(cases.jurisdiction, scope), withinJurisdictions(cases.transferTo, scope))!;
}

/**
 * A case within the given jurisdictions (and delegated to them, for a role of the delegate side),
 * or null: outside them it does not exist for the caller.
 */
export async function findCase(
  db: Db,
  id: string,
  scope: readonly string[],
  role?: Role,
): Promise<CaseRow | null> {
  const [row] = await db
    .select()
    .from(cases)
    .where(and(eq(cases.id, id), caseInScope(scope, role)))
    .limit(1);
  return row ?? null;
}

/** Where a case is, whoever asks: for auditing an attempt on a case outside the caller's scope. */
export async function findCaseJurisdiction(
  db: Db,
  id: string,
): Promise<{ id: string; jurisdiction: string } | null> {
  const [row] = await db
    .select({ id: cases.id, jurisdiction: cases.jurisdiction })
    .from(cases)
    .where(eq(cases.id, id))
    .limit(1);
  return row ?? null;
}

export interface CaseFilter {
  phase?: Phase;
  tier?: Tier;
  jurisdiction?: string;
  assignee?: string;
  overdueAt?: Date;
  text?: string;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Newest first, keyset-paginated by (createdAt, id); `role` as for findCase. */
export async function listCases(
  db: Db,
  filter: CaseFilter,
  scope: readonly string[],
  role?: Role,
): Promise<CaseRow[]> {
  const conditions: (SQL | undefined)[] = [caseInScope(scope, role)];
  if (filter.phase) conditions.push(eq(cases.phase, filter.phase));
  if (filter.tier) conditions.push(eq(cases.tier, filter.tier));
  if (filter.jurisdiction) conditions.push(withinJurisdictions(cases.jurisdiction, [filter.jurisdiction]));
  if (filter.assignee) conditions.push(eq(cases.assignee, filter.assignee));
  if (filter.overdueAt) conditions.push(lt(cases.nextDueAt, filter.overdueAt));
  if (filter.text) {
    const pattern = `%${escapeLike(filter.text)}%`;
    conditions.push(or(ilike(cases.personName, pattern), eq(cases.idNumber, filter.text.toUpperCase())));
  }
  if (filter.after) {
    const { createdAt, id } = filter.after;
    conditions.push(
      or(lt(cases.createdAt, createdAt), and(eq(cases.createdAt, createdAt), lt(cases.id, id))),
    );
  }
  return db
    .select()
    .from(cases)
    .where(and(...conditions))
    .orderBy(desc(cases.createdAt), desc(cases.id))
    .limit(filter.limit);
}
