import { and, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Recipient } from '../schemas/catalogue';
import type { Db } from './client';
import { caseResponsibleInScope } from './cases';
import { withinJurisdictions } from './scope';
import { cases, engineFaults, tasks, users, type CaseRow } from './schema';

// The supervisor's board (issue "Supervision"): stalled cases, caseloads and KPIs, all in
// SQL over the read model, scoped to the caller's jurisdictions.

export interface StallFilter {
  jurisdiction?: string;
  caseworker?: string;
}

function caseConditions(scope: readonly string[], filter: StallFilter): SQL[] {
  const conditions = [caseResponsibleInScope(scope), eq(cases.status, 'open')];
  if (filter.jurisdiction) conditions.push(withinJurisdictions(cases.jurisdiction, [filter.jurisdiction]));
  if (filter.caseworker) conditions.push(eq(cases.assignee, filter.caseworker));
  return conditions;
}

/**
 * Who the task's latest escalation told: the recipients of its newest notifications, as the
 * case's own policy chose them when it escalated (a stall is worded from what happened, not from
 * a ladder assumed here).
 */
const latestRecipients = sql<Recipient[]>`coalesce((select array_agg(n.recipient order by n.recipient)
  from notifications n where n.case_id = ${tasks.caseId} and n.task_id = ${tasks.id}
  and n.created_at = (select max(m.created_at) from notifications m
    where m.case_id = ${tasks.caseId} and m.task_id = ${tasks.id})), '{}')`;

export async function overdueTasks(db: Db, scope: readonly string[], filter: StallFilter, now: Date) {
  return db
    .select({
      caseId: tasks.caseId,
      id: tasks.id,
      kind: tasks.kind,
      dueAt: tasks.dueAt,
      escalationLevel: tasks.escalationLevel,
      told: latestRecipients,
    })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(
      and(inArray(tasks.status, ['open', 'overdue']), lt(tasks.dueAt, now), ...caseConditions(scope, filter)),
    );
}

export async function faults(db: Db, scope: readonly string[], filter: StallFilter) {
  return db
    .select({
      caseId: engineFaults.caseId,
      activity: engineFaults.activity,
      attempts: engineFaults.attempts,
      error: engineFaults.error,
      since: engineFaults.since,
    })
    .from(engineFaults)
    .innerJoin(cases, eq(cases.id, engineFaults.caseId))
    .where(and(...caseConditions(scope, filter)));
}

export async function casesByIds(db: Db, ids: string[]): Promise<CaseRow[]> {
  return ids.length ? db.select().from(cases).where(inArray(cases.id, ids)) : [];
}

export async function caseworkers(db: Db) {
  return db
    .select({ username: users.username, displayName: users.displayName, jurisdictions: users.jurisdictions })
    .from(users)
    .where(eq(users.role, 'caseworker'));
}

export async function openCasesByAssignee(db: Db, scope: readonly string[]) {
  return db
    .select({
      assignee: cases.assignee,
      tier: cases.tier,
      count: sql<number>`count(*)::int`,
      delegated: sql<number>`(count(*) filter (where ${cases.delegatedTo} is not null))::int`,
    })
    .from(cases)
    .where(and(caseResponsibleInScope(scope), eq(cases.status, 'open')))
    .groupBy(cases.assignee, cases.tier);
}

export async function overdueTasksByAssignee(db: Db, scope: readonly string[], now: Date) {
  return db
    .select({ assignee: cases.assignee, count: sql<number>`count(*)::int` })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(
      and(caseResponsibleInScope(scope), inArray(tasks.status, ['open', 'overdue']), lt(tasks.dueAt, now)),
    )
    .groupBy(cases.assignee);
}

export interface KpiWindow {
  from: Date;
  to: Date;
  now: Date;
  jurisdiction?: string;
  reportInMs: number;
  firstVisitMs: number;
  abstinenceMs: number;
}

export interface KpiCounts {
  reportIn: [number, number];
  execution: [number, number];
  control: [number, number];
  consolidation: [number, number];
  firstVisitOnTime: [number, number];
  testCompletion: [number, number];
  releaseToFirstVisit: { medianMs: number | null; visited: number; released: number };
}

// Qualified by hand: inside a correlated subquery an unqualified "id" would be the inner table's.
const CASE_ID = sql.raw('"cases"."id"');

const ms = (value: number) => sql`(${value}::double precision * interval '1 millisecond')`;

/** Every KPI's numerator and denominator in one pass over the read model (docs/kpis.md). */
export async function kpiCounts(db: Db, scope: readonly string[], w: KpiWindow): Promise<KpiCounts> {
  const inScope = and(
    caseResponsibleInScope(scope),
    w.jurisdiction ? withinJurisdictions(cases.jurisdiction, [w.jurisdiction]) : undefined,
  );
  const firstVisit = cases.firstHomeVisitAt;
  const released = sql`${cases.releasedAt} >= ${w.from} and ${cases.releasedAt} < ${w.to}`;
  const [row] = (await db
    .select({
      reportInNum: sql<number>`count(*) filter (where ${released} and ${cases.termStartsAt} <= ${cases.releasedAt} + ${ms(w.reportInMs)})::int`,
      reportInDen: sql<number>`count(*) filter (where ${released} and (${cases.termStartsAt} is not null or ${cases.releasedAt} + ${ms(w.reportInMs)} <= ${w.now}))::int`,
      executionNum: sql<number>`count(*) filter (where ${cases.releasedAt} + ${ms(w.reportInMs)} <= ${w.to} and ${cases.termStartsAt} < ${w.to})::int`,
      executionDen: sql<number>`count(*) filter (where ${cases.releasedAt} + ${ms(w.reportInMs)} <= ${w.to})::int`,
      controlNum: sql<number>`count(*) filter (where ${cases.status} = 'open' and ${cases.phase} in ('community', 'in_transfer', 'paused') and not exists (select 1 from tasks k where k.case_id = ${CASE_ID} and k.kind = 'contact' and k.status in ('open', 'overdue') and k.due_at < ${w.now}))::int`,
      controlDen: sql<number>`count(*) filter (where ${cases.status} = 'open' and ${cases.phase} in ('community', 'in_transfer', 'paused'))::int`,
      consolidationNum: sql<number>`count(*) filter (where ${cases.releasedAt} + ${ms(w.abstinenceMs)} <= ${w.to} and (${cases.firstPositiveAt} is null or ${cases.firstPositiveAt} >= ${cases.releasedAt} + ${ms(w.abstinenceMs)}))::int`,
      consolidationDen: sql<number>`count(*) filter (where ${cases.releasedAt} + ${ms(w.abstinenceMs)} <= ${w.to})::int`,
      visitNum: sql<number>`count(*) filter (where ${released} and ${firstVisit} <= ${cases.releasedAt} + ${ms(w.firstVisitMs)})::int`,
      visitDen: sql<number>`count(*) filter (where ${released} and (${firstVisit} is not null or ${cases.releasedAt} + ${ms(w.firstVisitMs)} <= ${w.now}))::int`,
      visited: sql<number>`count(*) filter (where ${released} and ${firstVisit} is not null)::int`,
      releasedCount: sql<number>`count(*) filter (where ${released})::int`,
      medianMs: sql<
        number | null
      >`(percentile_cont(0.5) within group (order by extract(epoch from (${firstVisit} - ${cases.releasedAt}))) filter (where ${released} and ${firstVisit} is not null)) * 1000`,
    })
    .from(cases)
    .where(inScope)) as Record<string, number | null>[];
  const [tests] = await db
    .select({
      done: sql<number>`count(*) filter (where ${tasks.status} = 'done')::int`,
      due: sql<number>`count(*)::int`,
    })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(
      and(
        inScope,
        inArray(tasks.kind, ['test', 'unannounced_test']),
        sql`${tasks.status} <> 'cancelled'`,
        sql`${tasks.dueAt} >= ${w.from} and ${tasks.dueAt} < ${w.to}`,
      ),
    );
  const n = (key: string) => Number(row?.[key] ?? 0);
  return {
    reportIn: [n('reportInNum'), n('reportInDen')],
    execution: [n('executionNum'), n('executionDen')],
    control: [n('controlNum'), n('controlDen')],
    consolidation: [n('consolidationNum'), n('consolidationDen')],
    firstVisitOnTime: [n('visitNum'), n('visitDen')],
    testCompletion: [Number(tests?.done ?? 0), Number(tests?.due ?? 0)],
    releaseToFirstVisit: {
      medianMs: row?.medianMs === null || row?.medianMs === undefined ? null : Number(row.medianMs),
      visited: n('visited'),
      released: n('releasedCount'),
    },
  };
}
