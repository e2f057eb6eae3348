import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { activeAt, countEntries, type CountRow } from '../../../db/reports';
import { Problem } from '../../../schemas/problem';
import {
  XLSX_TYPE,
  type MonthlyFigures,
  type MonthlyReport as Report,
} from '../../../schemas/report-figures';
import { MonthlyQuery, MonthlyReport } from '../../../schemas/reports';
import { SERVICE_ACTIONS, SERVICE_AREAS } from '../../../schemas/services';
import { scopeOf } from '../../access';
import type { RouteDeps } from '../../deps';
import { toWorkbook } from './workbook';

/** A month's first instant in China Standard Time (UTC+8, no daylight saving). */
const monthStart = (month: string) => new Date(`${month}-01T00:00:00+08:00`);
const addMonths = (month: string, n: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
};
const thisMonth = (now: number) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 7);

function figuresOf(rows: CountRow[], activeCases: number): MonthlyFigures {
  const sum = (match: (r: CountRow) => boolean) => rows.filter(match).reduce((n, r) => n + r.n, 0);
  const services = Object.fromEntries(
    SERVICE_AREAS.map((area) => [
      area,
      Object.fromEntries(
        SERVICE_ACTIONS.map((action) => [
          action,
          sum((r) => r.type === 'service' && r.area === area && r.action === action),
        ]),
      ),
    ]),
  ) as MonthlyFigures['services'];
  return {
    casesOpened: sum((r) => r.type === 'case_opened'),
    releases: sum((r) => r.type === 'released'),
    reportedIn: sum((r) => r.type === 'reported_in'),
    homeVisits: sum((r) => r.type === 'home_visit'),
    contacts: sum((r) => r.type === 'contact'),
    tests: sum((r) => r.type === 'test' && (r.result === 'negative' || r.result === 'positive')),
    testsPositive: sum((r) => r.type === 'test' && r.result === 'positive'),
    testsRefused: sum((r) => r.type === 'test' && (r.result === 'refused' || r.result === 'missed')),
    activeCases,
    services,
  };
}

const reportRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, clock }) => {
  app.get(
    '/monthly',
    {
      config: { roles: ['supervisor'], heavy: true },
      schema: {
        tags: ['supervision'],
        summary:
          'The month’s figures for the 禁毒办, with the twelve months before; as JSON, or as a workbook (?format=xlsx or Accept)',
        querystring: MonthlyQuery,
        produces: ['application/json', XLSX_TYPE],
        response: { 200: MonthlyReport, 400: Problem },
      },
    },
    async (request, reply) => {
      const [jurisdiction] = scopeOf(
        request.user,
        request.query.jurisdiction ?? request.user.jurisdictions[0],
      ) as [string];
      const month = request.query.month ?? thisMonth(await clock());
      const months = Array.from({ length: 13 }, (_, i) => addMonths(month, i - 12));
      const rows = await countEntries(
        db.db,
        jurisdiction,
        monthStart(months[0]!),
        monthStart(addMonths(month, 1)),
      );
      const all = await Promise.all(
        months.map(async (m) => ({
          month: m,
          figures: figuresOf(
            rows.filter((r) => r.month === m),
            await activeAt(db.db, jurisdiction, monthStart(addMonths(m, 1))),
          ),
        })),
      );
      const report: Report = { jurisdiction, month, figures: all[12]!.figures, previous: all.slice(0, 12) };
      await request.audit({ action: 'report.monthly', cases: [] });
      const xlsx = request.query.format === 'xlsx' || (request.headers.accept ?? '').includes(XLSX_TYPE);
      if (!xlsx) return report;
      return (
        reply
          .type(XLSX_TYPE)
          .header('content-disposition', `attachment; filename="monthly-${jurisdiction}-${month}.xlsx"`)
          // A Buffer is sent as it is: the JSON schema above is not applied to it.
          .send((await toWorkbook(report)) as unknown as Report)
      );
    },
  );
};

export default reportRoutes;
