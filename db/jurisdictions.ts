import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { jurisdictions } from './schema';

export async function upsertJurisdiction(db: Db, row: typeof jurisdictions.$inferInsert): Promise<void> {
  await db
    .insert(jurisdictions)
    .values(row)
    .onConflictDoUpdate({ target: jurisdictions.code, set: { name: row.name, parentCode: row.parentCode } });
}

export async function jurisdictionExists(db: Db, code: string): Promise<boolean> {
  const [row] = await db
    .select({ code: jurisdictions.code })
    .from(jurisdictions)
    .where(eq(jurisdictions.code, code));
  return row !== undefined;
}

export async function allJurisdictions(db: Db): Promise<(typeof jurisdictions.$inferSelect)[]> {
  return db.select().from(jurisdictions).orderBy(jurisdictions.code);
}
