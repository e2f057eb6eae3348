import { z } from 'zod';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { findCase, findCaseJurisdiction } from '../../../db/cases';
import { latestTaskOfKind } from '../../../db/tasks';
import { timelineOfCase } from '../../../db/timeline';
import { findUserByUsername } from '../../../db/users';
import { DocumentParams } from '../../../schemas/files';
import { Problem } from '../../../schemas/problem';
import type { RouteDeps } from '../../deps';
import { rolesFor } from '../../../schemas/access';
import { authorize } from '../../access';
import { HttpProblem, notFound } from '../../errors';
import type { FormPrinter } from '../../files/form-printer';
import { FontMissingError } from '../../files/forms';
import { chinaDate, jurisdictionNames, zhLabel } from '../../files/labels';
import { idNumberFor } from '../../views';

const documentRoutes: FastifyPluginAsyncZod<RouteDeps & { forms: FormPrinter }> = async (
  app,
  { db, clock, forms },
) => {
  app.get(
    '/:id/documents/:kind',
    {
      config: { roles: rolesFor('document'), heavy: true },
      schema: {
        tags: ['cases'],
        summary: 'A standard form of the case as a PDF to print and sign (R26)',
        params: DocumentParams,
        produces: ['application/pdf'],
        response: {
          200: z.unknown().meta({ description: 'the form as a PDF (application/pdf)' }),
          400: Problem,
          403: Problem,
          404: Problem,
          409: Problem,
          503: Problem,
        },
      },
    },
    async (request, reply) => {
      const { id, kind } = request.params;
      const found = await findCase(db.db, id, request.user.jurisdictions, request.user.role);
      if (!found) {
        const elsewhere = await findCaseJurisdiction(db.db, id);
        await request.audit({ action: 'case.read.denied', cases: elsewhere ? [elsewhere] : [] });
        throw notFound();
      }
      // R23: the forms are the responsible side's paperwork; R15: the receiving side's after arrival.
      authorize(request.user, found, 'document');
      const row = found;
      let abstinentSince: Date | null = null;
      if (kind === 'end-of-control-proposal') {
        // R19: the proposal exists once the engine has drafted it, three years without relapse.
        if (!(await latestTaskOfKind(db.db, row.id, 'end_of_control_proposal'))) {
          throw new HttpProblem(
            409,
            'end_of_control_not_due',
            'the end-of-control proposal is not due: the engine drafts it after three years without relapse (R19)',
          );
        }
        const drafted = (await timelineOfCase(db.db, row.id))
          .filter((entry) => entry.type === 'end_of_control_drafted')
          .at(-1);
        const since = (drafted?.data as { abstinentSince?: string } | undefined)?.abstinentSince;
        abstinentSince = since ? new Date(since) : null;
      }
      const names = await jurisdictionNames(db.db);
      const caseworker = row.assignee ? await findUserByUsername(db.db, row.assignee) : null;
      let pdf: Buffer;
      try {
        pdf = await forms.print(kind, {
          row,
          idNumber: idNumberFor(row, request.user.role),
          measure: zhLabel('measure', row.measure),
          tier: zhLabel('tier', row.tier),
          phase: zhLabel('phase', row.phase),
          jurisdiction: names(row.jurisdiction),
          caseworker: caseworker ? caseworker.displayName : (row.assignee ?? ''),
          dates: {
            expectedRelease: chinaDate(row.expectedReleaseAt),
            released: chinaDate(row.releasedAt),
            termStarts: chinaDate(row.termStartsAt),
            termEnds: chinaDate(row.termEndsAt),
            abstinentSince: chinaDate(abstinentSince),
            printed: chinaDate(new Date(await clock())),
          },
        });
      } catch (error) {
        if (!(error instanceof FontMissingError)) throw error;
        request.log.error(error.message);
        throw new HttpProblem(
          503,
          'forms_font_missing',
          'printed forms are unavailable: the Chinese font is not installed on the server',
        );
      }
      await request.audit({ action: 'case.document', cases: [row] });
      // A file name with the form and the case id, never the person's name (R21).
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="${kind}-${row.id}.pdf"`)
        .type('application/pdf')
        .send(pdf);
    },
  );
};

export default documentRoutes;
