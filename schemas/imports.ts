import { z } from 'zod';

// R25: importing a caseload already under way (api.md "Ways into the programme").

/** The template's columns, in order (api.md), each with the Chinese headers accepted for it. */
export const IMPORT_COLUMNS = {
  name: ['姓名'],
  idNumber: ['身份证号', '身份证号码', '公民身份号码'],
  measure: ['措施', '类别', '人员类别'],
  residenceAddress: ['现住址', '居住地址', '现居住地址'],
  registeredAddress: ['户籍地址', '户籍地'],
  jurisdiction: ['街道', '所属街道', '街道（乡镇）', '辖区'],
  caseworker: ['社工', '禁毒社工', '责任社工'],
  decidedAt: ['决定日期', '责令日期'],
  releasedAt: ['出所日期'],
  reportedInAt: ['报到日期'],
  termStartsAt: ['起算日期', '期限起算日期'],
  tier: ['风险等级', '等级'],
  testsRefused: ['拒绝检测次数', '拒检次数'],
  leavesWithoutNotice: ['未报告离开次数', '擅自离开次数'],
  daysAwayWithoutNotice: ['未报告离开天数', '擅自离开天数'],
  lastTestAt: ['最近检测日期', '末次尿检日期'],
  lastTestResult: ['最近检测结果', '末次尿检结果'],
  lastContactAt: ['最近联系日期'],
  note: ['备注'],
} as const;
export type ImportColumn = keyof typeof IMPORT_COLUMNS;
export const IMPORT_COLUMN_KEYS = Object.keys(IMPORT_COLUMNS) as ImportColumn[];
export const REQUIRED_IMPORT_COLUMNS: ImportColumn[] = [
  'name',
  'idNumber',
  'measure',
  'residenceAddress',
  'jurisdiction',
];

/** Why a row cannot be imported: a stable code the console translates, and the English words. */
export const IMPORT_ROW_ERROR_CODES = [
  'required',
  'too_long',
  'id_number_invalid',
  'duplicate_in_file',
  'invalid_value',
  'unknown_jurisdiction',
  'unknown_caseworker',
  'invalid_date',
  'date_in_future',
  'date_out_of_order',
  'term_ended',
  'not_a_count',
  'invalid_character',
  'date_out_of_range',
  'destination_not_a_street',
] as const;
export type ImportRowErrorCode = (typeof IMPORT_ROW_ERROR_CODES)[number];

export const ImportRowError = z.object({
  column: z.string(),
  code: z.enum(IMPORT_ROW_ERROR_CODES),
  message: z.string(),
});
export type ImportRowError = z.infer<typeof ImportRowError>;

export const InvalidRow = z.object({ row: z.number().int(), errors: z.array(ImportRowError) });
export type InvalidRow = z.infer<typeof InvalidRow>;

/**
 * Why a valid row was not imported: its person has an open case within the importer's
 * jurisdictions (the dry run named it), or elsewhere (api.md v1.2 "Existence is not an oracle":
 * only the import says so, and audits it).
 */
export const IMPORT_SKIP_REASONS = ['already_open', 'open_case_elsewhere'] as const;
export type ImportSkipReason = (typeof IMPORT_SKIP_REASONS)[number];

export const ImportQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() });

export const DryRunReport = z
  .object({
    total: z.number().int(),
    valid: z.number().int(),
    invalid: z.array(InvalidRow),
    alreadyOpen: z.array(z.number().int()).meta({
      description:
        'rows whose person already has an open case within your jurisdictions: skipped by the import (an open case elsewhere is not named here)',
    }),
    ignoredColumns: z.array(z.string()),
  })
  .meta({ id: 'ImportDryRun' });

export const ImportAccepted = z.object({ id: z.string() }).meta({ id: 'ImportAccepted' });

export const ImportParams = z.strictObject({ id: z.uuid({ error: 'must be an import id (a UUID)' }) });

export const ImportView = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    total: z.number().int(),
    created: z.number().int(),
    skipped: z.number().int(),
    skippedRows: z.array(z.object({ row: z.number().int(), reason: z.enum(IMPORT_SKIP_REASONS) })),
    pending: z.number().int(),
    invalid: z.array(InvalidRow),
    cases: z.array(z.string()),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Import' });
export type ImportView = z.infer<typeof ImportView>;

/** A row that passed every check: what the runner turns into a case. */
export interface ValidImportRow {
  row: number;
  name: string;
  idNumber: string;
  measure: 'community_rehabilitation' | 'community_detox';
  residenceAddress: string;
  registeredAddress: string | null;
  jurisdiction: string;
  caseworker: string | null;
  decidedAt: string | null;
  releasedAt: string | null;
  reportedInAt: string | null;
  termStartsAt: string | null;
  tier: 'stable' | 'key' | 'abnormal';
  testsRefused: number;
  leavesWithoutNotice: number;
  daysAwayWithoutNotice: number;
  lastTestAt: string | null;
  lastTestResult: 'negative' | 'positive' | 'refused' | 'missed' | null;
  lastContactAt: string | null;
  note: string | null;
}
