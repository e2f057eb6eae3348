import type { Policy } from '../../config/policy';
import { isWithin } from '../../db/scope';
import { idNumberProblem } from '../../schemas/id-number';
import type {
  ImportColumn,
  ImportRowError,
  ImportRowErrorCode,
  InvalidRow,
  ValidImportRow,
} from '../../schemas/imports';
import type { SheetRow } from './read';

export interface ImportContext {
  scope: readonly string[];
  jurisdictions: { code: string; name: string; parentCode: string | null }[];
  caseworkers: { username: string; displayName: string; jurisdictions: string[] }[];
  policy: Policy;
  now: number;
}

const MEASURES: Record<string, ValidImportRow['measure']> = {
  community_detox: 'community_detox',
  community_rehabilitation: 'community_rehabilitation',
  社区戒毒: 'community_detox',
  社区康复: 'community_rehabilitation',
};
const TIERS: Record<string, ValidImportRow['tier']> = {
  stable: 'stable',
  key: 'key',
  abnormal: 'abnormal',
  稳定: 'stable',
  重点: 'key',
  异常: 'abnormal',
};
const RESULTS: Record<string, NonNullable<ValidImportRow['lastTestResult']>> = {
  negative: 'negative',
  positive: 'positive',
  refused: 'refused',
  missed: 'missed',
  阴性: 'negative',
  阳性: 'positive',
  拒绝: 'refused',
  拒检: 'refused',
  未到: 'missed',
  未检: 'missed',
};
const LIMITS: Partial<Record<ImportColumn, number>> = {
  name: 100,
  residenceAddress: 300,
  registeredAddress: 300,
  note: 2000,
};
/** Four years, the standard policy's deadlines.maxCaseAge (P1461D), for policies before 2026.4. */
const MAX_CASE_AGE_MS = 1461 * 86_400_000;
/**
 * Control characters no cell of a register holds: C0 (NUL …) and DEL, and C1 (what a file
 * decoded in the wrong code page shows). Tab and line breaks are kept in a note only.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LINE_BREAK_OR_TAB = /[\t\n\r]/;

/** A calendar date is midnight in China (UTC+8), where the workbooks are kept. */
const DATE_ONLY = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a date cell to epoch ms, or null when it is not a real date. */
export function parseImportDate(text: string): number | null {
  const date = DATE_ONLY.exec(text);
  if (date) {
    const [, y, m, d] = date;
    const iso = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
    const ms = Date.parse(`${iso}T00:00:00+08:00`);
    return Number.isNaN(ms) || new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10) !== iso ? null : ms;
  }
  if (!WITH_OFFSET.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Checks every row with the API's rules (R25): the ID number and its check digit, a known
 * jurisdiction within the importer's, a caseworker of that jurisdiction, dates real, in order and
 * not in the future, counters whole and not negative. Each error names its column.
 */
export function validateRows(
  rows: SheetRow[],
  context: ImportContext,
): { valid: ValidImportRow[]; invalid: InvalidRow[] } {
  const valid: ValidImportRow[] = [];
  const invalid: InvalidRow[] = [];
  const seen = new Map<string, number>();
  const byName = new Map<string, string[]>();
  for (const j of context.jurisdictions) byName.set(j.name, [...(byName.get(j.name) ?? []), j.code]);
  const codes = new Set(context.jurisdictions.map((j) => j.code));
  // A street is a known jurisdiction with none below it (db/jurisdictions.ts streetStatus).
  const parents = new Set(context.jurisdictions.map((j) => j.parentCode));
  const oldest = context.now - (context.policy.deadlines.maxCaseAge ?? MAX_CASE_AGE_MS);

  for (const { row, cells } of rows) {
    const errors: ImportRowError[] = [];
    const fail = (column: ImportColumn, code: ImportRowErrorCode, words: string) =>
      errors.push({ column, code, message: `${column}: ${words}` });
    const text = (column: ImportColumn, required = false): string | null => {
      const value = cells[column] ?? null;
      if (value === null) {
        if (required) fail(column, 'required', 'is required');
        return null;
      }
      if (CONTROL.test(value) || (column !== 'note' && LINE_BREAK_OR_TAB.test(value))) {
        fail(column, 'invalid_character', 'holds a control character (such as NUL)');
        return null;
      }
      const limit = LIMITS[column];
      if (limit && value.length > limit) fail(column, 'too_long', `is longer than ${limit} characters`);
      return value;
    };
    const pick = <T>(
      column: ImportColumn,
      table: Record<string, T>,
      fallback: T | null,
      required = false,
    ) => {
      const value = text(column, required);
      if (value === null) return fallback;
      const found = table[value] ?? table[value.toLowerCase()];
      if (found === undefined)
        fail(column, 'invalid_value', `must be one of ${Object.keys(table).join(', ')}`);
      return found ?? fallback;
    };
    const date = (column: ImportColumn): number | null => {
      const value = text(column);
      if (value === null) return null;
      const ms = parseImportDate(value);
      if (ms === null) fail(column, 'invalid_date', 'is not a date such as 2026-03-15');
      else if (ms > context.now) fail(column, 'date_in_future', 'is in the future');
      else if (ms < oldest)
        fail(
          column,
          'date_out_of_range',
          'is older than the policy allows for a case (deadlines.maxCaseAge)',
        );
      return ms;
    };
    const count = (column: ImportColumn): number => {
      const value = text(column);
      if (value === null) return 0;
      if (!/^\d{1,6}$/.test(value)) {
        fail(column, 'not_a_count', 'must be a whole number, 0 or more');
        return 0;
      }
      return Number(value);
    };

    const name = text('name', true);
    const idNumber = text('idNumber', true)?.toUpperCase() ?? null;
    if (idNumber !== null) {
      const problem = idNumberProblem(idNumber);
      if (problem) fail('idNumber', 'id_number_invalid', problem);
      else if (seen.has(idNumber))
        fail('idNumber', 'duplicate_in_file', `the same person is already on row ${seen.get(idNumber)}`);
      else seen.set(idNumber, row);
    }
    const measure = pick('measure', MEASURES, null, true);
    const residenceAddress = text('residenceAddress', true);
    const registeredAddress = text('registeredAddress');

    let jurisdiction: string | null = null;
    const place = text('jurisdiction', true);
    if (place !== null) {
      const candidates = codes.has(place) ? [place] : (byName.get(place) ?? []);
      const within = candidates.filter((code) => isWithin(code, context.scope));
      if (within.length === 1 && parents.has(within[0]!))
        fail('jurisdiction', 'destination_not_a_street', `${place} is not a street office (街道/乡镇)`);
      else if (within.length === 1) jurisdiction = within[0]!;
      else
        fail(
          'jurisdiction',
          'unknown_jurisdiction',
          within.length > 1
            ? `${place} names more than one jurisdiction; give its code`
            : `${place} is not a known jurisdiction within yours`,
        );
    }
    let caseworker: string | null = null;
    const worker = text('caseworker');
    if (worker !== null && jurisdiction !== null) {
      const found = context.caseworkers.find(
        (u) =>
          (u.username === worker || u.displayName === worker) && isWithin(jurisdiction!, u.jurisdictions),
      );
      if (found) caseworker = found.username;
      else fail('caseworker', 'unknown_caseworker', `${worker} is not a caseworker of ${jurisdiction}`);
    }

    const decidedAt = date('decidedAt');
    const releasedAt = date('releasedAt');
    const reportedInAt = date('reportedInAt');
    const termStartsAt = date('termStartsAt');
    const lastTestAt = date('lastTestAt');
    const lastContactAt = date('lastContactAt');
    const anchor = releasedAt ?? decidedAt;
    if (cells.releasedAt === undefined && cells.decidedAt === undefined)
      fail(
        'releasedAt',
        'required',
        'give the release date, or the decision date (decidedAt) of a police order',
      );
    else if (cells.releasedAt === undefined && measure === 'community_rehabilitation')
      fail(
        'measure',
        'invalid_value',
        'without a release date the case is a police order (R22), which is community_detox',
      );
    const order = (column: ImportColumn, at: number | null, after: number | null, what: string) => {
      if (at !== null && after !== null && at < after) fail(column, 'date_out_of_order', `is before ${what}`);
    };
    order('releasedAt', releasedAt, decidedAt, 'decidedAt');
    order('reportedInAt', reportedInAt, anchor, releasedAt !== null ? 'releasedAt' : 'decidedAt');
    order('termStartsAt', termStartsAt, anchor, releasedAt !== null ? 'releasedAt' : 'decidedAt');
    order('lastTestAt', lastTestAt, anchor, releasedAt !== null ? 'releasedAt' : 'decidedAt');
    order('lastContactAt', lastContactAt, anchor, releasedAt !== null ? 'releasedAt' : 'decidedAt');
    if (cells.termStartsAt !== undefined && cells.reportedInAt === undefined)
      fail(
        'termStartsAt',
        'date_out_of_order',
        'a term starts only once the person has reported in (reportedInAt)',
      );
    const startsAt = termStartsAt ?? reportedInAt;
    if (startsAt !== null && measure !== null && startsAt + context.policy.term[measure] <= context.now)
      fail(
        termStartsAt !== null ? 'termStartsAt' : 'reportedInAt',
        'term_ended',
        'the term has already ended; a finished case is not imported',
      );

    const tier = pick('tier', TIERS, 'stable');
    const testsRefused = count('testsRefused');
    const leavesWithoutNotice = count('leavesWithoutNotice');
    const daysAwayWithoutNotice = count('daysAwayWithoutNotice');
    const lastTestResult = pick('lastTestResult', RESULTS, null);
    if (lastTestResult !== null && cells.lastTestAt === undefined)
      fail('lastTestAt', 'required', 'is required with lastTestResult');
    const note = text('note');

    if (errors.length) {
      invalid.push({ row, errors });
      continue;
    }
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    valid.push({
      row,
      name: name!,
      idNumber: idNumber!,
      measure: measure!,
      residenceAddress: residenceAddress!,
      registeredAddress,
      jurisdiction: jurisdiction!,
      caseworker,
      decidedAt: iso(decidedAt),
      releasedAt: iso(releasedAt),
      reportedInAt: iso(reportedInAt),
      termStartsAt: iso(termStartsAt),
      tier: tier!,
      testsRefused,
      leavesWithoutNotice,
      daysAwayWithoutNotice,
      lastTestAt: iso(lastTestAt),
      lastTestResult,
      lastContactAt: iso(lastContactAt),
      note,
    });
  }
  return { valid, invalid };
}
