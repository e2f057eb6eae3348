import ExcelJS from 'exceljs';
import { FIGURES, type MonthlyFigures, type MonthlyReport } from '../../../schemas/report-figures';
import { SERVICE_ACTIONS, SERVICE_AREAS } from '../../../schemas/services';

// The monthly report as the spreadsheet a 禁毒办 keeps: one row per figure, its key (the JSON
// field, services as services.<area>.<action>) beside its Chinese name; a second sheet with the
// thirteen months side by side.

const NAMES: Record<string, string> = {
  casesOpened: '新建案件',
  releases: '出所',
  reportedIn: '报到',
  homeVisits: '家访',
  contacts: '联系',
  tests: '检测（已检）',
  testsPositive: '检测阳性',
  testsRefused: '拒绝或逃避检测',
  activeCases: '月末在册案件',
  employment: '就业',
  social_assistance: '低保救助',
  counselling: '心理辅导',
  medical: '医疗',
  methadone: '美沙酮维持治疗',
  family: '家庭关系',
  schooling: '子女就学',
  legal: '法律援助',
  other: '其他',
  assessed: '已评估',
  referred: '已转介',
  provided: '已提供',
  achieved: '已实现',
};

/** Every cell of the report: [key, Chinese name, value]. */
export function reportRows(figures: MonthlyFigures): [string, string, number][] {
  return [
    ...FIGURES.map((f): [string, string, number] => [f, NAMES[f]!, figures[f]]),
    ...SERVICE_AREAS.flatMap((area) =>
      SERVICE_ACTIONS.map((action): [string, string, number] => [
        `services.${area}.${action}`,
        `帮扶·${NAMES[area]!}·${NAMES[action]!}`,
        figures.services[area][action],
      ]),
    ),
  ];
}

export async function toWorkbook(report: MonthlyReport): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('月报');
  sheet.addRow(['辖区', report.jurisdiction]);
  sheet.addRow(['月份', report.month]);
  sheet.addRow([]);
  sheet.addRow(['key', '项目', '数量']).font = { bold: true };
  for (const row of reportRows(report.figures)) sheet.addRow(row);
  sheet.getColumn(1).width = 32;
  sheet.getColumn(2).width = 28;

  const trend = book.addWorksheet('近13个月');
  const months = [...report.previous, { month: report.month, figures: report.figures }];
  trend.addRow(['key', '项目', ...months.map((m) => m.month)]).font = { bold: true };
  const columns = months.map((m) => reportRows(m.figures));
  reportRows(report.figures).forEach(([key, name], i) =>
    trend.addRow([key, name, ...columns.map((rows) => rows[i]![2])]),
  );
  trend.getColumn(1).width = 32;
  trend.getColumn(2).width = 28;
  return Buffer.from(await book.xlsx.writeBuffer());
}
