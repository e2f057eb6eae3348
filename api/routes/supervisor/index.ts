import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { isWithin } from '../../../db/scope';
import {
  caseworkers,
  casesByIds,
  faults,
  kpiCounts,
  openCasesByAssignee,
  overdueTasks,
  overdueTasksByAssignee,
} from '../../../db/supervisor-board';
import { Problem } from '../../../schemas/problem';
import {
  CaseloadList,
  KpiQuery,
  Kpis,
  ScopeQuery,
  StalledList,
  StalledQuery,
  type StallReason,
} from '../../../schemas/supervisor-board';
import { scopeOf } from '../../access';
import type { RouteDeps } from '../../deps';
import { HttpProblem } from '../../errors';
import { toCaseSummary } from '../../views';
import { faultStall, taskStall } from './stalls';

const DAY = 86_400_000;

const rate = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000,
  numerator,
  denominator,
});

const supervisorRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, policy, clock }) => {
  app.get(
    '/stalled',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['supervision'],
        summary: 'Cases that are slipping, each with its reasons; oldest stall first',
        querystring: StalledQuery,
        response: { 200: StalledList, 400: Problem },
      },
    },
    async (request) => {
      const { reason, caseworker, limit } = request.query;
      const scope = scopeOf(request.user, request.query.jurisdiction);
      const now = new Date(await clock());
      const filter = { caseworker };
      const reasons = new Map<string, StallReason[]>();
      const add = (caseId: string, stall: StallReason) => {
        if (reason && stall.kind !== reason) return;
        reasons.set(caseId, [...(reasons.get(caseId) ?? []), stall]);
      };
      for (const task of await overdueTasks(db.db, scope, filter, now))
        add(task.caseId, taskStall(task, now));
      for (const fault of await faults(db.db, scope, filter)) add(fault.caseId, faultStall(fault));

      const oldest = (list: StallReason[]) => Math.min(...list.map((r) => Date.parse(r.since)));
      const ids = [...reasons.keys()]
        .sort((a, b) => oldest(reasons.get(a)!) - oldest(reasons.get(b)!))
        .slice(0, limit);
      const rows = new Map((await casesByIds(db.db, ids)).map((row) => [row.id, row]));
      await request.audit({ action: 'supervisor.stalled', cases: [...rows.values()] });
      return ids.map((id) => ({
        case: toCaseSummary(rows.get(id)!, request.user.role),
        reasons: reasons.get(id)!.sort((a, b) => Date.parse(a.since) - Date.parse(b.since)),
      }));
    },
  );

  app.get(
    '/caseloads',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['supervision'],
        summary:
          'Open cases by tier and overdue tasks per caseworker, against the policy ratio; over it first',
        querystring: ScopeQuery,
        response: { 200: CaseloadList, 400: Problem },
      },
    },
    async (request) => {
      const scope = scopeOf(request.user, request.query.jurisdiction);
      const ratio = policy.caseload.personsPerCaseworker;
      const loads = new Map<
        string | null,
        { displayName: string | null; byTier: Record<string, number>; overdue: number; delegated: number }
      >();
      const load = (username: string | null, displayName: string | null = null) => {
        if (!loads.has(username))
          loads.set(username, {
            displayName,
            byTier: { stable: 0, key: 0, abnormal: 0 },
            overdue: 0,
            delegated: 0,
          });
        return loads.get(username)!;
      };
      for (const worker of await caseworkers(db.db)) {
        if (worker.jurisdictions.some((code) => isWithin(code, scope)))
          load(worker.username, worker.displayName);
      }
      for (const row of await openCasesByAssignee(db.db, scope)) {
        const l = load(row.assignee);
        l.byTier[row.tier] = row.count;
        l.delegated += row.delegated;
      }
      for (const row of await overdueTasksByAssignee(db.db, scope, new Date(await clock())))
        load(row.assignee).overdue = row.count;
      await request.audit({ action: 'supervisor.caseloads', cases: [], scope });
      return [...loads.entries()]
        .map(([caseworker, l]) => {
          const openCases = l.byTier.stable! + l.byTier.key! + l.byTier.abnormal!;
          return {
            caseworker,
            displayName: l.displayName,
            openCases,
            byTier: { stable: l.byTier.stable!, key: l.byTier.key!, abnormal: l.byTier.abnormal! },
            overdueTasks: l.overdue,
            delegatedCases: l.delegated,
            ratio: `1:${ratio}`,
            overRatio: caseworker !== null && openCases > ratio,
          };
        })
        .sort((a, b) => Number(b.overRatio) - Number(a.overRatio) || b.openCases - a.openCases);
    },
  );

  app.get(
    '/kpis',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['supervision'],
        summary: 'The programme KPIs (docs/kpis.md), each as value, numerator and denominator',
        querystring: KpiQuery,
        response: { 200: Kpis, 400: Problem },
      },
    },
    async (request) => {
      const now = new Date(await clock());
      const to = request.query.to ? new Date(request.query.to) : now;
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - 365 * DAY);
      if (from >= to) {
        throw new HttpProblem(400, 'date_range_invalid', 'from must be before to', [
          { path: 'querystring.from', message: 'must be before to' },
        ]);
      }
      const scope = scopeOf(request.user, request.query.jurisdiction);
      const k = await kpiCounts(db.db, scope, {
        from,
        to,
        now,
        reportInMs: policy.deadlines.reportInWithin,
        firstVisitMs: policy.deadlines.firstHomeVisitWithin,
        abstinenceMs: policy.endOfControlAfterAbstinence,
      });
      await request.audit({ action: 'supervisor.kpis', cases: [], scope });
      const median = k.releaseToFirstVisit;
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        reportInRate: rate(...k.reportIn),
        executionRate: rate(...k.execution),
        controlRate: rate(...k.control),
        consolidationRate: rate(...k.consolidation),
        firstVisitOnTimeRate: rate(...k.firstVisitOnTime),
        testCompletionRate: rate(...k.testCompletion),
        medianHoursReleaseToFirstVisit: {
          value: median.medianMs === null ? null : Math.round((median.medianMs / 3_600_000) * 100) / 100,
          numerator: median.visited,
          denominator: median.released,
        },
      };
    },
  );
};

export default supervisorRoutes;
