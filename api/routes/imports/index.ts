import { createHash, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { allJurisdictions } from '../../../db/jurisdictions';
import {
  activeCaseworkers,
  findImportJob,
  findUnfinishedImport,
  idNumbersWithOpenCase,
  importRowsOf,
  insertImportJob,
} from '../../../db/imports';
import { isWithin } from '../../../db/scope';
import {
  DryRunReport,
  IMPORT_COLUMN_KEYS,
  ImportAccepted,
  ImportParams,
  ImportQuery,
  ImportView,
  type InvalidRow,
} from '../../../schemas/imports';
import { Problem } from '../../../schemas/problem';
import type { RouteDeps } from '../../app';
import { HttpProblem, notFound } from '../../errors';
import { CSV_TYPE, readSheet, XLSX_TYPE } from '../../imports/read';
import { validateRows } from '../../imports/validate';
import type { ImportRunner } from '../../imports/runner';

/** A 25,000-row workbook with long addresses stays well below this. */
const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

const importRoutes: FastifyPluginAsyncZod<RouteDeps & { imports: ImportRunner }> = async (
  app,
  { db, policy, clock, imports },
) => {
  app.addContentTypeParser(
    [CSV_TYPE, XLSX_TYPE],
    { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT },
    (_r, body, done) => done(null, body),
  );

  app.get(
    '/template.csv',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['imports'],
        summary: 'The import template: the header row, one column per field (R25)',
        produces: ['text/csv; charset=utf-8'],
        response: { 200: z.string() },
      },
    },
    async (_request, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="import-template.csv"')
        .send(`${IMPORT_COLUMN_KEYS.join(',')}\r\n`),
  );

  app.post(
    '',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      config: { roles: ['supervisor'], heavy: true },
      schema: {
        tags: ['imports'],
        summary: 'Import a caseload already under way from CSV or .xlsx; ?dryRun=true checks it only (R25)',
        querystring: ImportQuery,
        consumes: [CSV_TYPE, XLSX_TYPE],
        body: z.any().meta({ description: 'the file: CSV (UTF-8, BOM or not) or an .xlsx workbook' }),
        response: {
          200: DryRunReport,
          202: ImportAccepted,
          400: Problem,
          413: Problem,
          415: Problem,
          422: Problem,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body))
        throw new HttpProblem(415, 'unsupported_media_type', `send the file as ${CSV_TYPE} or ${XLSX_TYPE}`);
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const sheet = await readSheet(body, contentType);
      if (!sheet.rows.length)
        throw new HttpProblem(422, 'import_no_rows', 'the file has no rows below its header');
      const caller = request.user;
      const { valid, invalid } = validateRows(sheet.rows, {
        scope: caller.jurisdictions,
        jurisdictions: await allJurisdictions(db.db),
        caseworkers: await activeCaseworkers(db.db),
        policy,
        now: await clock(),
      });
      const open = await idNumbersWithOpenCase(
        db.db,
        valid.map((row) => row.idNumber),
      );
      if (request.query.dryRun === 'true') {
        return reply.code(200).send({
          total: sheet.rows.length,
          valid: valid.length,
          invalid,
          alreadyOpen: valid.filter((row) => open.has(row.idNumber)).map((row) => row.row),
          ignoredColumns: sheet.ignoredColumns,
        });
      }

      const contentHash = createHash('sha256').update(body).digest('hex');
      const unfinished = await findUnfinishedImport(db.db, contentHash, caller.sub);
      if (unfinished) {
        imports.resume(unfinished.id);
        return reply.code(202).header('location', `/v1/imports/${unfinished.id}`).send({ id: unfinished.id });
      }
      const id = randomUUID();
      const now = new Date();
      await insertImportJob(
        db.db,
        {
          id,
          status: 'running',
          contentHash,
          createdById: caller.sub,
          createdBy: caller.username,
          createdByRole: caller.role,
          scope: [...caller.jurisdictions],
          total: sheet.rows.length,
          createdAt: now,
          updatedAt: now,
        },
        [
          ...invalid.map((row) => ({
            importId: id,
            row: row.row,
            status: 'invalid' as const,
            errors: row.errors,
          })),
          ...valid.map((row) =>
            open.has(row.idNumber)
              ? { importId: id, row: row.row, status: 'skipped' as const }
              : { importId: id, row: row.row, status: 'pending' as const, data: { ...row } },
          ),
        ],
      );
      imports.resume(id);
      return reply.code(202).header('location', `/v1/imports/${id}`).send({ id });
    },
  );

  app.get(
    '/:id',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['imports'],
        summary: 'An import: its status, counts, invalid rows and the cases it created',
        params: ImportParams,
        response: { 200: ImportView, 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      const job = await findImportJob(db.db, request.params.id);
      // Only someone who sees every jurisdiction the importer did follows the job.
      if (!job || !job.scope.every((code) => isWithin(code, request.user.jurisdictions)))
        throw notFound('import');
      const rows = await importRowsOf(db.db, job.id);
      const count = (status: string) => rows.filter((r) => r.status === status).length;
      return {
        id: job.id,
        status: job.status,
        total: job.total,
        created: count('created'),
        skipped: count('skipped'),
        pending: count('pending'),
        invalid: rows
          .filter((r) => r.status === 'invalid')
          .map((r) => ({ row: r.row, errors: r.errors ?? [] }) satisfies InvalidRow),
        cases: rows.flatMap((r) => (r.status === 'created' && r.caseId ? [r.caseId] : [])),
        createdAt: job.createdAt.toISOString(),
        finishedAt: job.finishedAt?.toISOString() ?? null,
      };
    },
  );
};

export default importRoutes;
