import { and, eq } from 'drizzle-orm';
import type { Db } from './client';
import { engineFaults } from './schema';

export async function recordFault(
  db: Db,
  fault: { caseId: string; activity: string; attempts: number; error: string; at: Date },
): Promise<void> {
  await db
    .insert(engineFaults)
    .values({ ...fault, since: fault.at, updatedAt: fault.at })
    .onConflictDoUpdate({
      target: [engineFaults.caseId, engineFaults.activity],
      set: { attempts: fault.attempts, error: fault.error, updatedAt: fault.at },
    });
}

export async function clearFault(db: Db, caseId: string, activity: string): Promise<void> {
  await db
    .delete(engineFaults)
    .where(and(eq(engineFaults.caseId, caseId), eq(engineFaults.activity, activity)));
}
