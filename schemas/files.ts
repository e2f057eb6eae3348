import { z } from 'zod';
import { CaseListQuery } from './case';
import { CaseId } from './common';

/** `GET /v1/cases/export`: the filters of `GET /v1/cases`, and the file's format. */
export const CaseExportQuery = CaseListQuery.omit({ cursor: true, limit: true }).extend({
  format: z.enum(['csv', 'xlsx']),
});
export type CaseExportQuery = z.infer<typeof CaseExportQuery>;

/** The standard forms (R26) the engine prints. */
export const DOCUMENT_KINDS = ['registration', 'agreement', 'end-of-control-proposal'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const DocumentParams = z.strictObject({ id: CaseId, kind: z.enum(DOCUMENT_KINDS) });
