import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { cases, timeline } from './schema';

// The monthly report's counts (docs/reports.md), straight from the timeline: each figure is a
// count of recorded entries, so it can be recomputed from GET /v1/cases/:id/timeline.

/** The report's time zone: the programme's months are China Standard Time months. */
export const REPORT_TIME_ZONE = 'Asia/Shanghai';

export const COUNTED_TYPES = [
  'case_opened',
  'released',
  'reported_in',
  'home_visit',
  'contact',
  'test',
  'service',
];

// Qualified by hand: inside the correlated subqueries an unqualified column would be the inner table's.
const OUTER = {
  caseId: sql.raw('"timeline"."case_id"'),
  at: sql.raw('"timeline"."at"'),
  id: sql.raw('"cases"."id"'),
};

/**
 * Who held the case at `at`: the side a later transfer left (its `from`), else where the case is
 * now. A transfer is the only thing that moves a case's jurisdiction; a delegation (R23) does not,
 * so delegated work counts for the responsible jurisdiction by this same rule.
 */
const heldAt = (caseId: SQL, at: SQL | Date): SQL<string> =>
  sql<string>`coalesce((select h.data->>'from' from timeline h
    where h.case_id = ${caseId} and h.type = 'transfer_completed' and h.at > ${at}
    order by h.at, h.seq limit 1), ${cases.jurisdiction})`;

const within = (code: SQL, jurisdiction: string): SQL =>
  sql`(${code} = ${jurisdiction} or starts_with(${code}, ${`${jurisdiction}.`}))`;

export interface CountRow {
  month: string;
  type: string;
  area: string | null;
  action: string | null;
  result: string | null;
  n: number;
}

/** Counted entries of [from, to) held by `jurisdiction` or below, per month, type, area, action and result. */
export async function countEntries(db: Db, jurisdiction: string, from: Date, to: Date): Promise<CountRow[]> {
  const month = sql<string>`to_char(${timeline.at} at time zone ${sql.raw(`'${REPORT_TIME_ZONE}'`)}, 'YYYY-MM')`;
  const area = sql<string | null>`${timeline.data}->>'area'`;
  const action = sql<string | null>`${timeline.data}->>'action'`;
  const result = sql<string | null>`${timeline.data}->>'result'`;
  const rows = await db
    .select({ month, type: timeline.type, area, action, result, n: sql<number>`count(*)::int` })
    .from(timeline)
    .innerJoin(cases, eq(cases.id, timeline.caseId))
    .where(
      and(
        inArray(timeline.type, COUNTED_TYPES),
        gte(timeline.at, from),
        lt(timeline.at, to),
        within(heldAt(OUTER.caseId, OUTER.at), jurisdiction),
      ),
    )
    .groupBy(month, timeline.type, area, action, result);
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/** Cases open at `end`: opened (case_opened, or imported: R25) before it and not closed (case_closed) before it, held by `jurisdiction`. */
export async function activeAt(db: Db, jurisdiction: string, end: Date): Promise<number> {
  const entry = (...types: string[]) =>
    sql`exists (select 1 from timeline e where e.case_id = ${OUTER.id} and e.type in ${types} and e.at < ${end})`;
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(cases)
    .where(
      and(
        entry('case_opened'),
        sql`not ${entry('case_closed')}`,
        within(heldAt(OUTER.id, end), jurisdiction),
      ),
    );
  return Number(row?.n ?? 0);
}
