import { z } from 'zod';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { listCases } from '../../../db/cases';
import { CaseExportQuery } from '../../../schemas/files';
import { Problem } from '../../../schemas/problem';
import type { RouteDeps } from '../../deps';
import { casesOf } from '../../audit';
import { HttpProblem } from '../../errors';
import { casesCsv, casesXlsx } from '../../files/case-export';
import { chinaTime, jurisdictionNames } from '../../files/labels';
import { isIdNumberSearch } from '../../views';

/** More than this many matching cases is refused: the file is built in memory (README "Exports"). */
export const EXPORT_ROW_CAP = 10_000;

const MEDIA = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

const exportRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, clock }) => {
  app.get(
    '/export',
    {
      config: { roles: ['supervisor'], heavy: true },
      schema: {
        tags: ['cases'],
        summary: 'The case list, with the filters of GET /v1/cases, as a CSV or xlsx file in Chinese',
        querystring: CaseExportQuery,
        produces: [MEDIA.csv, MEDIA.xlsx],
        response: {
          200: z.unknown().meta({ description: 'the file: CSV (UTF-8 with BOM) or xlsx' }),
          400: Problem,
          422: Problem,
        },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query;
      // Supervisors see ID numbers masked: the file may not recover them by search either (R21).
      isIdNumberSearch(query.q, request.user.role);
      const now = new Date(await clock());
      const rows = await listCases(
        db.db,
        {
          phase: query.phase,
          tier: query.tier,
          jurisdiction: query.jurisdiction,
          assignee: query.assignee,
          overdueAt: query.overdue === 'true' ? now : undefined,
          text: query.q,
          limit: EXPORT_ROW_CAP + 1,
        },
        request.user.jurisdictions,
      );
      if (rows.length > EXPORT_ROW_CAP) {
        throw new HttpProblem(
          422,
          'export_too_large',
          `more than ${EXPORT_ROW_CAP} cases match; narrow the filters (jurisdiction, phase, tier…)`,
        );
      }
      const names = await jurisdictionNames(db.db);
      const file =
        format === 'csv'
          ? casesCsv(rows, names, request.user.role)
          : await casesXlsx(rows, names, request.user.role);
      await request.audit({ action: 'case.export', cases: casesOf(rows) });
      // The name says what and when, never who (R21): it shows in download folders and mail.
      const stamp = chinaTime(now)
        .replace(/[-: ]/g, '')
        .replace(/^(\d{8})/, '$1-');
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="cases-${stamp}.${format}"`)
        .type(MEDIA[format])
        .send(file);
    },
  );
};

export default exportRoutes;
