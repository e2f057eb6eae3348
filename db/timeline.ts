import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './client';
import { timeline, type TimelineRow } from './schema';

/** What a timeline entry shows; the batch revision that wrote it is the engine's bookkeeping. */
export type TimelineEntryRow = Omit<TimelineRow, 'revision'>;

export async function timelineOfCase(db: Db, caseId: string, type?: string): Promise<TimelineEntryRow[]> {
  return db
    .select({
      caseId: timeline.caseId,
      seq: timeline.seq,
      at: timeline.at,
      kind: timeline.kind,
      type: timeline.type,
      actor: timeline.actor,
      data: timeline.data,
    })
    .from(timeline)
    .where(and(eq(timeline.caseId, caseId), type ? eq(timeline.type, type) : undefined))
    .orderBy(asc(timeline.seq));
}
