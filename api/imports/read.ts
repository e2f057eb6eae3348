import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import {
  IMPORT_COLUMNS,
  IMPORT_COLUMN_KEYS,
  REQUIRED_IMPORT_COLUMNS,
  type ImportColumn,
} from '../../schemas/imports';
import { HttpProblem } from '../errors';

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface SheetRow {
  /** The row number a spreadsheet shows: the header is row 1. */
  row: number;
  cells: Partial<Record<ImportColumn, string>>;
}

export interface Sheet {
  rows: SheetRow[];
  ignoredColumns: string[];
}

const HEADER = new Map<string, ImportColumn>(
  IMPORT_COLUMN_KEYS.flatMap((key) => [
    [key.toLowerCase(), key] as const,
    ...IMPORT_COLUMNS[key].map((alias) => [alias, key] as const),
  ]),
);

/** Reads the uploaded file (CSV in UTF-8 with or without a BOM, or an .xlsx workbook's first sheet). */
export async function readSheet(body: Buffer, contentType: string): Promise<Sheet> {
  const table = contentType === XLSX_TYPE ? await readXlsx(body) : readCsv(body);
  const [header = [], ...records] = table;
  const columns = header.map(
    (cell) =>
      HEADER.get(
        cell
          .trim()
          .replace(/^\uFEFF/, '')
          .toLowerCase(),
      ) ?? null,
  );
  const missing = REQUIRED_IMPORT_COLUMNS.filter((key) => !columns.includes(key));
  if (missing.length) {
    throw new HttpProblem(
      422,
      'import_missing_columns',
      `the file lacks the columns ${missing.join(', ')}; the first row must name the columns (see GET /v1/imports/template.csv)`,
      missing.map((column) => ({ path: `body.${column}`, message: 'column missing' })),
    );
  }
  const rows: SheetRow[] = [];
  records.forEach((record, i) => {
    const cells: SheetRow['cells'] = {};
    columns.forEach((key, c) => {
      const value = (record[c] ?? '').trim();
      if (key && value) cells[key] = value;
    });
    if (Object.keys(cells).length) rows.push({ row: i + 2, cells });
  });
  return { rows, ignoredColumns: header.filter((_, c) => columns[c] === null && header[c]!.trim()) };
}

function readCsv(body: Buffer): string[][] {
  try {
    return parse(body, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch {
    throw new HttpProblem(
      422,
      'import_unreadable',
      'the file could not be read as CSV (UTF-8, comma-separated)',
    );
  }
}

async function readXlsx(body: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(body as unknown as ArrayBuffer);
  } catch {
    throw new HttpProblem(422, 'import_unreadable', 'the file could not be read as an .xlsx workbook');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new HttpProblem(422, 'import_unreadable', 'the workbook has no sheet');
  const table: string[][] = [];
  for (let r = 1; r <= sheet.rowCount; r += 1) {
    const row = sheet.getRow(r);
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c += 1) cells.push(cellText(row.getCell(c).value));
    table.push(cells);
  }
  return table;
}

/** A cell as the text a person sees; a date cell without a time of day is its calendar date. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('text' in value) return String(value.text);
    return '';
  }
  return String(value);
}
