import { inflateRawSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import {
  IMPORT_COLUMNS,
  IMPORT_COLUMN_KEYS,
  REQUIRED_IMPORT_COLUMNS,
  type ImportColumn,
} from '../../schemas/imports';
import type { RefusalCode } from '../../schemas/refusal-codes';

// Runs in the parse worker (parse-worker.ts), never on the request thread: everything a file
// contains is bounded here by count (rows, columns, unpacked bytes) and there by memory and time.

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** api.md v1.2 "Heavy and bulk requests are bounded". */
export const IMPORT_MAX_ROWS = 50_000;
export const IMPORT_MAX_COLUMNS = IMPORT_COLUMN_KEYS.length + 10;
/** What a workbook may unpack to: a 50,000-row one with long addresses is about 60 MB of XML. */
export const XLSX_MAX_UNPACKED = 128 * 1024 * 1024;
const XLSX_MAX_ENTRIES = 1_000;

/** A refusal of the whole file, made in the worker and answered by the route as problem+json. */
export class ImportRefusal extends Error {
  constructor(
    readonly status: 413 | 415 | 422,
    readonly code: RefusalCode,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface SheetRow {
  /** The row number a spreadsheet shows: the header is row 1. */
  row: number;
  cells: Partial<Record<ImportColumn, string>>;
}

export interface Sheet {
  rows: SheetRow[];
  ignoredColumns: string[];
}

/** A line of the file as read: its row number and its cells' text. */
interface Line {
  row: number;
  cells: string[];
}

const HEADER = new Map<string, ImportColumn>(
  IMPORT_COLUMN_KEYS.flatMap((key) => [
    [key.toLowerCase(), key] as const,
    ...IMPORT_COLUMNS[key].map((alias) => [alias, key] as const),
  ]),
);

const unreadable = (detail: string) => new ImportRefusal(422, 'import_unreadable', detail);
const tooWide = () =>
  new ImportRefusal(
    422,
    'import_too_wide',
    `the sheet is wider than ${IMPORT_MAX_COLUMNS} columns (the template's ${IMPORT_COLUMN_KEYS.length} and 10 more)`,
  );
const tooManyRows = () =>
  new ImportRefusal(422, 'import_too_many_rows', `the file has more than ${IMPORT_MAX_ROWS} rows`);
const badEncoding = (detail: string) => new ImportRefusal(422, 'import_encoding', detail);

/**
 * Reads the uploaded file: a CSV (UTF-8 with or without a BOM, GB18030/GBK, or UTF-16 with its
 * BOM; detected, or named by the content type's `charset`), or an .xlsx workbook's first sheet.
 */
export async function readSheet(body: Uint8Array, contentType: string): Promise<Sheet> {
  const [media = '', ...parameters] = contentType.split(';');
  const charset = parameters
    .map((p) => p.trim().split('='))
    .find(([key]) => key?.trim().toLowerCase() === 'charset')?.[1]
    ?.replace(/"/g, '')
    .trim()
    .toLowerCase();
  const lines =
    media.trim().toLowerCase() === XLSX_TYPE
      ? await readXlsx(Buffer.from(body))
      : readCsv(decodeText(body, charset));
  const [first, ...records] = lines;
  const header = first?.row === 1 ? first.cells : [];
  const data = first?.row === 1 ? records : lines;
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
    throw new ImportRefusal(
      422,
      'import_missing_columns',
      `the file lacks the columns ${missing.join(', ')}; the first row must name the columns (see GET /v1/imports/template.csv)`,
    );
  }
  const rows: SheetRow[] = [];
  for (const { row, cells: record } of data) {
    const cells: SheetRow['cells'] = {};
    columns.forEach((key, c) => {
      const value = (record[c] ?? '').trim();
      if (key && value) cells[key] = value;
    });
    if (Object.keys(cells).length) rows.push({ row, cells });
  }
  return { rows, ignoredColumns: header.filter((_, c) => columns[c] === null && header[c]!.trim()) };
}

const GB = new Set(['gb18030', 'gbk', 'gb2312', 'x-gbk', 'cp936', 'windows-936']);
const UTF8 = new Set(['utf-8', 'utf8']);

/**
 * The file's text. A BOM decides (UTF-8, UTF-16LE/BE); else a `charset` parameter (UTF-8 or
 * GB18030 and its subsets GBK/GB2312); else valid UTF-8 is UTF-8 and anything else is read as
 * GB18030, what Excel on Chinese Windows saves. Text that would hold a replacement character is
 * refused: it would become a name or address with `�` in it.
 */
export function decodeText(bytes: Uint8Array, charset?: string): string {
  const starts = (...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
  let encoding: string;
  let fatal = false;
  if (starts(0xef, 0xbb, 0xbf)) [encoding, fatal] = ['utf-8', true];
  else if (starts(0xff, 0xfe)) encoding = 'utf-16le';
  else if (starts(0xfe, 0xff)) encoding = 'utf-16be';
  else if (charset !== undefined && UTF8.has(charset)) [encoding, fatal] = ['utf-8', true];
  else if (charset !== undefined && GB.has(charset)) encoding = 'gb18030';
  else if (charset !== undefined)
    throw badEncoding(`the charset ${charset} is not one the import reads: send UTF-8 or GB18030 (GBK)`);
  else {
    try {
      return refuseReplacement(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
      if (error instanceof ImportRefusal) throw error;
      encoding = 'gb18030';
    }
  }
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal }).decode(bytes);
  } catch {
    throw badEncoding(`the file is not valid ${encoding}`);
  }
  return refuseReplacement(text);
}

function refuseReplacement(text: string): string {
  if (text.includes('\uFFFD'))
    throw badEncoding(
      'the file holds characters that cannot be read (shown as �): save it as UTF-8 or GB18030 (GBK)',
    );
  return text;
}

function readCsv(text: string): Line[] {
  let records = 0;
  try {
    const table = parse(text, {
      relax_column_count: true,
      skip_empty_lines: false,
      // Each record is checked as it is read: a wide header or a million lines stop here.
      on_record: (record: string[]) => {
        if (record.length > IMPORT_MAX_COLUMNS) throw tooWide();
        if ((records += 1) > IMPORT_MAX_ROWS + 1) throw tooManyRows();
        return record;
      },
    }) as string[][];
    return table.map((cells, i) => ({ row: i + 1, cells }));
  } catch (error) {
    const refusal = [error, (error as { cause?: unknown }).cause].find((e) => e instanceof ImportRefusal);
    if (refusal) throw refusal;
    throw unreadable('the file could not be read as CSV (comma-separated)');
  }
}

/**
 * The sizes and shapes a workbook unpacks to, checked from its own zip directory before any
 * library reads it: every entry is inflated against what is left of XLSX_MAX_UNPACKED (so a zip
 * bomb stops at the bound whatever sizes it declares), and each sheet's XML is scanned for its
 * rows and the widest cell holding a value.
 */
export function checkWorkbook(zip: Buffer): void {
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 0xffff); p -= 1) {
    if (zip.readUInt32LE(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw unreadable('the file could not be read as an .xlsx workbook (not a zip)');
  const count = zip.readUInt16LE(eocd + 10);
  const directory = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || directory === 0xffffffff) throw unreadable('the workbook is a ZIP64 archive');
  if (count > XLSX_MAX_ENTRIES) throw unreadable(`the workbook has more than ${XLSX_MAX_ENTRIES} parts`);
  let left = XLSX_MAX_UNPACKED;
  let p = directory;
  for (let i = 0; i < count; i += 1) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50)
      throw unreadable('the workbook’s zip directory is damaged');
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    if (flags & 1) throw unreadable('the workbook is encrypted');
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50)
      throw unreadable('the workbook’s zip entries are damaged');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (start + size > zip.length) throw unreadable('the workbook is cut short');
    const packed = zip.subarray(start, start + size);
    let data: Buffer;
    if (method === 0) data = packed;
    else if (method === 8) {
      try {
        data = inflateRawSync(packed, { maxOutputLength: left + 1 });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') data = Buffer.alloc(left + 1);
        else throw unreadable('the workbook’s zip entries are damaged');
      }
    } else throw unreadable('the workbook uses a zip compression the import does not read');
    if (data.length > left)
      throw unreadable(
        `the workbook unpacks to more than ${XLSX_MAX_UNPACKED / 1024 / 1024} MB; split it into smaller files`,
      );
    left -= data.length;
    // Every XML part, not only xl/worksheets/: a workbook's relationships may put a sheet anywhere.
    if (/\.xml$/i.test(name)) checkSheetXml(data.toString('latin1'));
  }
}

const CELL_OR_ROW = /<(?:[\w-]+:)?(row|c|mergeCell|dataValidation)(?=[\s/>])([^>]*?)(\/?)>/g;
/** Cells that merged ranges and data validations may cover: exceljs builds each one. */
const XLSX_MAX_RANGE_CELLS = 2_000_000;

/**
 * Rows and the widest cell holding something, read from the XML before any cell is built; and
 * the ranges exceljs would expand cell by cell (a merge or a validation over A1:XFD1048576 held
 * a parse for minutes).
 */
function checkSheetXml(xml: string): void {
  let rows = 0;
  let column = 0;
  let rangeCells = 0;
  for (const [, tag, attributes = '', empty] of xml.matchAll(CELL_OR_ROW)) {
    if (tag === 'row') {
      if ((rows += 1) > IMPORT_MAX_ROWS + 1) throw tooManyRows();
      column = 0;
    } else if (tag === 'c') {
      const ref = /\br="([A-Za-z]{1,3})\d*"/.exec(attributes);
      column = ref ? columnNumber(ref[1]!) : column + 1;
      if (!empty && column > IMPORT_MAX_COLUMNS) throw tooWide();
    } else {
      const ranges = /\b(?:sq)?ref="([^"]*)"/.exec(attributes)?.[1] ?? '';
      for (const range of ranges.split(/\s+/).filter(Boolean)) {
        const [from, to = from] = range.split(':').map(cellAt);
        if (!from || !to) continue;
        const width = Math.abs(to.column - from.column) + 1;
        if (width > IMPORT_MAX_COLUMNS) throw tooWide();
        if ((rangeCells += width * (Math.abs(to.row - from.row) + 1)) > XLSX_MAX_RANGE_CELLS)
          throw unreadable(
            `the sheet's merged cells or data validations cover more than ${XLSX_MAX_RANGE_CELLS} cells; limit them to the rows in use`,
          );
      }
    }
  }
}

function cellAt(ref: string | undefined): { column: number; row: number } | null {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(ref ?? '');
  return match ? { column: columnNumber(match[1]!), row: Number(match[2]) } : null;
}

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

async function readXlsx(body: Buffer): Promise<Line[]> {
  checkWorkbook(body);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(body as unknown as ArrayBuffer);
  } catch {
    throw unreadable('the file could not be read as an .xlsx workbook');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw unreadable('the workbook has no sheet');
  const lines: Line[] = [];
  try {
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      const width = Math.min(row.cellCount, IMPORT_MAX_COLUMNS);
      for (let c = 1; c <= width; c += 1) cells.push(cellText(row.getCell(c).value));
      lines.push({ row: row.number, cells });
    });
  } catch {
    throw unreadable('the workbook’s first sheet could not be read');
  }
  if (lines.length > IMPORT_MAX_ROWS + 1) throw tooManyRows();
  if (lines.some((line) => line.cells.some((cell) => cell.includes('\uFFFD')))) refuseReplacement('\uFFFD');
  return lines;
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
