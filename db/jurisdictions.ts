import { eq, or } from 'drizzle-orm';
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

/**
 * Where a case may be held (api.md v1.2 "Jurisdictions where people live"): a known jurisdiction
 * with no jurisdiction below it, i.e. a street office (街道/乡镇). 'unknown' and 'not_a_street' let
 * callers keep their own refusal for an unknown code.
 */
export async function streetStatus(db: Db, code: string): Promise<'street' | 'not_a_street' | 'unknown'> {
  const rows = await db
    .select({ code: jurisdictions.code })
    .from(jurisdictions)
    .where(or(eq(jurisdictions.code, code), eq(jurisdictions.parentCode, code)))
    .limit(2);
  if (!rows.some((r) => r.code === code)) return 'unknown';
  return rows.some((r) => r.code !== code) ? 'not_a_street' : 'street';
}
