import { asc, eq } from 'drizzle-orm';
import type { Db } from './client';
import { parties, type PartyRow } from './schema';

export type NewParty = Omit<PartyRow, 'id'>;

export async function addParty(db: Db, party: NewParty): Promise<PartyRow> {
  const [row] = await db.insert(parties).values(party).returning();
  return row!;
}

export async function partiesOfCase(db: Db, caseId: string): Promise<PartyRow[]> {
  return db.select().from(parties).where(eq(parties.caseId, caseId)).orderBy(asc(parties.createdAt));
}
