import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ImportSkipReason } from '../schemas/imports';
import type { Db } from './client';
import { cases, importJobs, importRows, users, type ImportJobRow, type ImportRowRow } from './schema';

type NewJob = typeof importJobs.$inferInsert;
type NewRow = typeof importRows.$inferInsert;

const CHUNK = 1_000;

/** Records a job and all its rows in one transaction: a job exists whole or not at all. */
export async function insertImportJob(db: Db, job: NewJob, rows: NewRow[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(importJobs).values(job);
    for (let i = 0; i < rows.length; i += CHUNK) await tx.insert(importRows).values(rows.slice(i, i + CHUNK));
  });
}

export async function findImportJob(db: Db, id: string): Promise<ImportJobRow | null> {
  const [row] = await db.select().from(importJobs).where(eq(importJobs.id, id));
  return row ?? null;
}

/** The same file from the same person, not finished yet: sending it again resumes it. */
export async function findUnfinishedImport(
  db: Db,
  contentHash: string,
  createdById: string,
): Promise<ImportJobRow | null> {
  const [row] = await db
    .select()
    .from(importJobs)
    .where(
      and(
        eq(importJobs.contentHash, contentHash),
        eq(importJobs.createdById, createdById),
        isNull(importJobs.finishedAt),
      ),
    )
    .limit(1);
  return row ?? null;
}

export async function unfinishedImports(db: Db): Promise<string[]> {
  const rows = await db.select({ id: importJobs.id }).from(importJobs).where(isNull(importJobs.finishedAt));
  return rows.map((r) => r.id);
}

export async function pendingImportRows(db: Db, importId: string): Promise<ImportRowRow[]> {
  return db
    .select()
    .from(importRows)
    .where(and(eq(importRows.importId, importId), eq(importRows.status, 'pending')))
    .orderBy(asc(importRows.row));
}

/** A row is done. Its data stays until the job is, so a crash just after this still resumes. */
export async function finishImportRow(
  db: Db,
  importId: string,
  row: number,
  status: 'created' | 'skipped',
  caseId: string | null,
  skipReason: ImportSkipReason | null = null,
): Promise<void> {
  await db
    .update(importRows)
    .set({ status, caseId, skipReason })
    .where(and(eq(importRows.importId, importId), eq(importRows.row, row)));
}

/**
 * The planner's statistics of the tables an import fills (migration 0013), taken when a job ends:
 * a caseload loaded at once leaves them describing nearly empty tables until autovacuum comes
 * round (PGlite never does), and the stalled view took 15 s instead of 0.1 s so at 97,140 cases
 * (docs/performance.md, the 100,000-case run).
 */
export async function analyzeReadModel(db: Db): Promise<void> {
  await db.execute(sql`select analyze_read_model()`);
}

export async function setImportStatus(
  db: Db,
  id: string,
  status: ImportJobRow['status'],
  at: Date,
  finished: boolean,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(importJobs)
      .set({ status, updatedAt: at, ...(finished ? { finishedAt: at } : {}) })
      .where(eq(importJobs.id, id));
    // A finished job keeps each row's outcome, not the person's data (R21).
    if (finished) await tx.update(importRows).set({ data: null }).where(eq(importRows.importId, id));
  });
}

export async function importRowsOf(
  db: Db,
  importId: string,
): Promise<Pick<ImportRowRow, 'row' | 'status' | 'caseId' | 'errors' | 'skipReason'>[]> {
  return db
    .select({
      row: importRows.row,
      status: importRows.status,
      caseId: importRows.caseId,
      errors: importRows.errors,
      skipReason: importRows.skipReason,
    })
    .from(importRows)
    .where(eq(importRows.importId, importId))
    .orderBy(asc(importRows.row));
}

export interface OpenCaseOf {
  id: string;
  jurisdiction: string;
}

/** The open case of each ID number among `idNumbers` that has one, with where it is held. */
export async function openCasesByIdNumber(db: Db, idNumbers: string[]): Promise<Map<string, OpenCaseOf>> {
  const open = new Map<string, OpenCaseOf>();
  for (let i = 0; i < idNumbers.length; i += CHUNK) {
    const rows = await db
      .select({ id: cases.id, idNumber: cases.idNumber, jurisdiction: cases.jurisdiction })
      .from(cases)
      .where(and(inArray(cases.idNumber, idNumbers.slice(i, i + CHUNK)), eq(cases.status, 'open')));
    for (const r of rows) open.set(r.idNumber, { id: r.id, jurisdiction: r.jurisdiction });
  }
  return open;
}

export async function activeCaseworkers(
  db: Db,
): Promise<{ username: string; displayName: string; jurisdictions: string[] }[]> {
  return db
    .select({ username: users.username, displayName: users.displayName, jurisdictions: users.jurisdictions })
    .from(users)
    .where(and(eq(users.role, 'caseworker'), isNull(users.disabledAt)));
}
