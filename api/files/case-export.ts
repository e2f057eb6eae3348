import ExcelJS from 'exceljs';
import type { CaseRow } from '../../db/schema';
import type { Role } from '../../schemas/common';
import { idNumberFor } from '../views';
import { chinaTime, zhLabel } from './labels';

// The case list as a spreadsheet for the 禁毒办: the columns of `GET /v1/cases`, in Chinese.

type Cell = string | number;

interface Column {
  header: string;
  width: number;
  value(row: CaseRow, names: (code: string | null) => string, role: Role): Cell;
}

export const EXPORT_COLUMNS: readonly Column[] = [
  { header: '姓名', width: 12, value: (row) => row.personName },
  { header: '身份证号', width: 22, value: (row, _, role) => idNumberFor(row, role) },
  { header: '措施', width: 10, value: (row) => zhLabel('measure', row.measure) },
  { header: '阶段', width: 14, value: (row) => zhLabel('phase', row.phase) },
  { header: '风险等级', width: 8, value: (row) => zhLabel('tier', row.tier) },
  { header: '状态', width: 8, value: (row) => (row.status === 'open' ? '在管' : '已结案') },
  { header: '辖区', width: 24, value: (row, names) => names(row.jurisdiction) },
  { header: '辖区代码', width: 24, value: (row) => row.jurisdiction },
  { header: '责任社工', width: 16, value: (row) => row.assignee ?? '' },
  { header: '预计出所时间', width: 17, value: (row) => chinaTime(row.expectedReleaseAt) },
  { header: '出所时间', width: 17, value: (row) => chinaTime(row.releasedAt) },
  { header: '执行期开始', width: 17, value: (row) => chinaTime(row.termStartsAt) },
  { header: '执行期届满', width: 17, value: (row) => chinaTime(row.termEndsAt) },
  { header: '拒绝/逃避检测次数', width: 10, value: (row) => row.testsRefused },
  { header: '下次到期', width: 17, value: (row) => chinaTime(row.nextDueAt) },
  { header: '建档时间', width: 17, value: (row) => chinaTime(row.createdAt) },
  { header: '案件编号', width: 38, value: (row) => row.id },
];

/**
 * A text cell a spreadsheet would read as a formula (or that hides one behind a tab or carriage
 * return) gets a leading apostrophe, so it shows as the text it is (OWASP "CSV injection").
 */
export function neutralise(cell: Cell): Cell {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function table(rows: CaseRow[], names: (code: string | null) => string, role: Role): Cell[][] {
  return rows.map((row) => EXPORT_COLUMNS.map((column) => neutralise(column.value(row, names, role))));
}

const csvField = (cell: Cell) => {
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** RFC 4180 with CRLF, and a UTF-8 BOM so that Excel reads the Chinese as Chinese. */
export function casesCsv(rows: CaseRow[], names: (code: string | null) => string, role: Role): Buffer {
  const lines = [EXPORT_COLUMNS.map((c) => c.header), ...table(rows, names, role)].map((cells) =>
    cells.map(csvField).join(','),
  );
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

export async function casesXlsx(
  rows: CaseRow[],
  names: (code: string | null) => string,
  role: Role,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('案件清单', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = EXPORT_COLUMNS.map((c) => ({ header: c.header, width: c.width }));
  sheet.getRow(1).font = { bold: true };
  sheet.addRows(table(rows, names, role));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
