import { asc, eq } from 'drizzle-orm';
import type { Db } from './client';
import { timeline, type TimelineRow } from './schema';

export async function timelineOfCase(db: Db, caseId: string): Promise<TimelineRow[]> {
  return db.select().from(timeline).where(eq(timeline.caseId, caseId)).orderBy(asc(timeline.seq));
}
