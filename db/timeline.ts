import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './client';
import { timeline, type TimelineRow } from './schema';

export async function timelineOfCase(db: Db, caseId: string, type?: string): Promise<TimelineRow[]> {
  return db
    .select()
    .from(timeline)
    .where(and(eq(timeline.caseId, caseId), type ? eq(timeline.type, type) : undefined))
    .orderBy(asc(timeline.seq));
}
