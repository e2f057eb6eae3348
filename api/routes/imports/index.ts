import { createHash, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { FastifyError } from 'fastify';
import { z } from 'zod';
import { allJurisdictions } from '../../../db/jurisdictions';
import {
  activeCaseworkers,
  findImportJob,
  findUnfinishedImport,
  importRowsOf,
  insertImportJob,
  openCasesByIdNumber,
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
import { casesOf } from '../../audit';
import type { RouteDeps } from '../../deps';
import { errorHandler, HttpProblem, notFound } from '../../errors';
import { DEFAULT_PARSE_LIMITS, parseImport } from '../../imports/parse';
import { CSV_TYPE, XLSX_TYPE } from '../../imports/read';
import type { ImportRunner } from '../../imports/runner';

/** IMPORT_MAX_BYTES' default: a 25,000-row workbook with long addresses stays well below it. */
export const DEFAULT_IMPORT_MAX_BYTES = 20 * 1024 * 1024;

const importRoutes: FastifyPluginAsyncZod<RouteDeps & { imports: ImportRunner }> = async (
  app,
  { db, policy, clock, imports, importMaxBytes = DEFAULT_IMPORT_MAX_BYTES, importParseLimits },
) => {
  app.addContentTypeParser(
    [CSV_TYPE, XLSX_TYPE],
    { parseAs: 'buffer', bodyLimit: importMaxBytes },
    (_r, body, done) => done(null, body),
  );
  // A file over the bound is refused by its declared length, or as soon as it passes it.
  app.setErrorHandler((error: FastifyError, request, reply) =>
    errorHandler(
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new HttpProblem(
            413,
            'import_too_large',
            `the file is larger than ${importMaxBytes} bytes (IMPORT_MAX_BYTES); split it into smaller files`,
          )
        : error,
      request,
      reply,
    ),
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
      bodyLimit: importMaxBytes,
      config: { roles: ['supervisor'], heavy: true },
      schema: {
        tags: ['imports'],
        summary: 'Import a caseload already under way from CSV or .xlsx; ?dryRun=true checks it only (R25)',
        querystring: ImportQuery,
        consumes: [CSV_TYPE, XLSX_TYPE],
        body: z.any().meta({
          description:
            'the file: CSV (UTF-8 with or without a BOM, or GB18030/GBK, detected or named by `charset`) or an .xlsx workbook',
        }),
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
      const caller = request.user;
      const { total, valid, invalid, ignoredColumns } = await parseImport(
        body,
        request.headers['content-type'] ?? '',
        {
          scope: caller.jurisdictions,
          jurisdictions: await allJurisdictions(db.db),
          caseworkers: await activeCaseworkers(db.db),
          policy,
          now: await clock(),
        },
        importParseLimits ?? DEFAULT_PARSE_LIMITS,
      );
      if (!total) throw new HttpProblem(422, 'import_no_rows', 'the file has no rows below its header');
      // Existence is not an oracle: an open case outside the caller's jurisdictions is named by
      // no dry run, only skipped by the import, and that skip is audited.
      const open = await openCasesByIdNumber(
        db.db,
        valid.map((row) => row.idNumber),
      );
      const met = valid.flatMap((row) => {
        const found = open.get(row.idNumber);
        return found
          ? [{ row: row.row, ...found, ours: isWithin(found.jurisdiction, caller.jurisdictions) }]
          : [];
      });
      const ours = met.filter((m) => m.ours);
      const elsewhere = met.filter((m) => !m.ours);
      if (request.query.dryRun === 'true') {
        await request.audit({ action: 'import.check', cases: casesOf(ours) });
        return reply.code(200).send({
          total,
          valid: valid.length,
          invalid,
          alreadyOpen: ours.map((o) => o.row),
          ignoredColumns,
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
          total,
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
          ...valid.map((row) => {
            const found = open.get(row.idNumber);
            if (!found) return { importId: id, row: row.row, status: 'pending' as const, data: { ...row } };
            const skipReason = isWithin(found.jurisdiction, caller.jurisdictions)
              ? ('already_open' as const)
              : ('open_case_elsewhere' as const);
            return { importId: id, row: row.row, status: 'skipped' as const, skipReason };
          }),
        ],
      );
      if (elsewhere.length)
        await request.audit({ action: 'import.skip_elsewhere', cases: casesOf(elsewhere) });
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
        skippedRows: rows.flatMap((r) =>
          r.status === 'skipped' ? [{ row: r.row, reason: r.skipReason ?? ('already_open' as const) }] : [],
        ),
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
