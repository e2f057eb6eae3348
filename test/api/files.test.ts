import { execFileSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { neutralise } from '../../api/files/case-export';
import { zhCN } from '../../web/src/i18n/zh-CN';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Issue 15 items 4 and 5: the case list as a spreadsheet for the 禁毒办, and the standard forms
// (R26) as PDFs to print and sign, read back as a person receiving them would: Excel's reading of
// the workbook (exceljs) and the PDF's text (pdftotext, from Debian's poppler-utils).

let system: TestSystem;
const opened: { id: string; name: string; idNumber: string; jurisdiction: string }[] = [];

async function open(name: string, destination = 'suzhou.gusu.canglang') {
  const body = handover({ destination });
  body.person.name = name;
  const reply = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
  expect(reply.statusCode).toBe(201);
  const entry = {
    id: reply.json().id as string,
    name,
    idNumber: body.person.idNumber,
    jurisdiction: destination,
  };
  opened.push(entry);
  return entry;
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function workbookRows(buffer: Buffer): Promise<(string | number)[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const rows: (string | number)[][] = [];
  sheet.eachRow((row) => {
    const cells: (string | number)[] = [];
    row.eachCell({ includeEmpty: true }, (cell) => {
      expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
      cells.push((cell.value ?? '') as string | number);
    });
    rows.push(cells);
  });
  return rows;
}

/** Read as a spreadsheet program reads it: RFC 4180 after the BOM. */
const parseCsv = (text: string): string[][] => parse(text, { bom: true, relax_column_count: false });

const pdfText = (pdf: Buffer) =>
  execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8');

beforeAll(async () => {
  system = await startTestSystem();
  await open('陈某某');
  await open('林某某', 'suzhou.gusu.shuangta');
  await open('赵某某', 'suzhou.wuzhong.changqiao');
}, 60_000);
afterAll(async () => {
  await system?.close();
});

describe('exports of the case list (supervisor)', () => {
  it('the xlsx holds exactly what GET /v1/cases shows the supervisor, in Chinese, within their jurisdictions only', async () => {
    const reply = await system.as('supervisor.gusu', { method: 'GET', url: '/v1/cases/export?format=xlsx' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe(XLSX);
    const list = (await system.as('supervisor.gusu', { method: 'GET', url: '/v1/cases?limit=200' })).json();

    const [header, ...rows] = await workbookRows(reply.rawPayload);
    expect(header!.slice(0, 8)).toEqual([
      '姓名',
      '身份证号',
      '措施',
      '阶段',
      '风险等级',
      '状态',
      '辖区',
      '辖区代码',
    ]);
    const at = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => r[at('案件编号')])).toEqual(list.items.map((c: { id: string }) => c.id));
    list.items.forEach(
      (
        item: {
          person: { name: string; idNumber: string };
          phase: string;
          tier: string;
          jurisdiction: string;
        },
        i: number,
      ) => {
        const row = rows[i]!;
        expect(row[at('姓名')]).toBe(item.person.name);
        // Supervisors see ID numbers masked, in the file as on screen (R21).
        expect(row[at('身份证号')]).toBe(item.person.idNumber);
        expect(row[at('身份证号')]).toMatch(/^\d{4}\*{10}\d{3}[\dX]$/);
        expect(row[at('阶段')]).toBe(zhCN[`phase.${item.phase}` as keyof typeof zhCN]);
        expect(row[at('风险等级')]).toBe(zhCN[`tier.${item.tier}` as keyof typeof zhCN]);
        expect(row[at('辖区代码')]).toBe(item.jurisdiction);
      },
    );
    const canglang = opened.find((c) => c.jurisdiction === 'suzhou.gusu.canglang')!;
    expect(rows.find((r) => r[at('案件编号')] === canglang.id)![at('辖区')]).toBe('苏州市 姑苏区 沧浪街道');
    // Wuzhong's case is outside Gusu: not in the file.
    const wuzhong = opened.find((c) => c.jurisdiction === 'suzhou.wuzhong.changqiao')!;
    expect(rows.some((r) => r[at('案件编号')] === wuzhong.id)).toBe(false);
  });

  it('the CSV opens in Excel as Chinese (UTF-8 BOM), is not cached, and its file name names no person', async () => {
    const reply = await system.as('supervisor.gusu', {
      method: 'GET',
      url: '/v1/cases/export?format=csv&jurisdiction=suzhou.gusu.canglang',
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['content-disposition']).toMatch(/^attachment; filename="cases-\d{8}-\d{4}\.csv"$/);
    expect([...reply.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(reply.rawPayload.toString('utf8'));
    expect(header![0]).toBe('姓名');
    // The filters of GET /v1/cases apply: Canglang only, not Shuangta.
    const names = rows.map((r) => r[0]);
    expect(names).toContain('陈某某');
    expect(names).not.toContain('林某某');
  });

  it('R21: the export is audited with the cases it contained and who took it', async () => {
    const reply = await system.as('supervisor.gusu', {
      method: 'GET',
      url: '/v1/cases/export?format=csv&jurisdiction=suzhou.gusu.shuangta',
      headers: { 'x-audit-reason': encodeURIComponent('月度报送') },
    });
    expect(reply.statusCode).toBe(200);
    const shuangta = opened.find((c) => c.jurisdiction === 'suzhou.gusu.shuangta')!;
    const trail = (
      await system.as('supervisor.gusu', { method: 'GET', url: `/v1/audit?caseId=${shuangta.id}` })
    ).json();
    const entry = trail.items.find((e: { action: string }) => e.action === 'case.export');
    expect(entry).toMatchObject({
      action: 'case.export',
      caseIds: [shuangta.id],
      reason: '月度报送',
      actor: { username: 'supervisor.gusu', role: 'supervisor' },
    });
  });

  it('a name that a spreadsheet would run as a formula is written as text, in CSV and xlsx', async () => {
    const hostile = ['=HYPERLINK("http://evil.example","点我")', '+1+1', '-2+3', '@SUM(A1:A9)'];
    for (const name of hostile) await open(name, 'suzhou.gusu.canglang');
    const csv = await system.as('supervisor.gusu', {
      method: 'GET',
      url: '/v1/cases/export?format=csv&jurisdiction=suzhou.gusu.canglang',
    });
    const csvNames = parseCsv(csv.rawPayload.toString('utf8')).map((r) => r[0]);
    const xlsx = await system.as('supervisor.gusu', {
      method: 'GET',
      url: '/v1/cases/export?format=xlsx&jurisdiction=suzhou.gusu.canglang',
    });
    const xlsxNames = (await workbookRows(xlsx.rawPayload)).map((r) => r[0]);
    for (const name of hostile) {
      expect(csvNames).toContain(`'${name}`);
      expect(xlsxNames).toContain(`'${name}`);
      expect(csvNames).not.toContain(name);
    }
    expect(neutralise('\t=1+1')).toBe("'\t=1+1");
    expect(neutralise('\r=1+1')).toBe("'\r=1+1");
    expect(neutralise('陈某某')).toBe('陈某某');
    expect(neutralise(-3)).toBe(-3);
  });

  it('R21: a supervisor sees ID numbers masked, so the export may not search by a full one either', async () => {
    const { idNumber } = opened.find((c) => c.jurisdiction === 'suzhou.gusu.canglang')!;
    const reply = await system.as('supervisor.gusu', {
      method: 'GET',
      url: `/v1/cases/export?format=csv&q=${idNumber}`,
    });
    expect(reply.statusCode).toBe(403);
    expect(reply.json().code).toBe('id_number_search_forbidden');
    expect(reply.body).not.toContain(idNumber);
  });

  it('is for supervisors: a caseworker is refused', async () => {
    const reply = await system.as('worker.canglang', { method: 'GET', url: '/v1/cases/export?format=csv' });
    expect(reply.statusCode).toBe(403);
  });
});

describe('R26: printed forms', () => {
  const canglang = () => opened.find((c) => c.name === '陈某某')!;

  it('R26: the caseworker prints the agreement: a PDF whose Chinese is real text, with the person and the fields', async () => {
    const { id, name, idNumber } = canglang();
    const reply = await system.as('worker.canglang', {
      method: 'GET',
      url: `/v1/cases/${id}/documents/agreement`,
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('application/pdf');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['content-disposition']).toBe(`inline; filename="agreement-${id}.pdf"`);
    const text = pdfText(reply.rawPayload);
    for (const expected of [
      '社区戒毒（康复）协议书',
      name,
      idNumber,
      '苏州市姑苏区沧浪街道新市路 1 号',
      '苏州市 姑苏区 沧浪街道',
      '社区康复',
      '甲方',
      '乙方（签名）',
      '执行期限',
    ]) {
      expect(text).toContain(expected);
    }
    // The font travels inside the file: it prints the same on a machine without Chinese fonts.
    const fonts = execFileSync('pdffonts', ['-'], { input: reply.rawPayload }).toString('utf8');
    expect(fonts).toMatch(/NotoSansCJKsc-Regular.*\byes\b/);
  });

  it('R26: the registration form has its boxes filled from the case, and the ID number masked for a supervisor (R21)', async () => {
    const { id, name, idNumber } = canglang();
    const reply = await system.as('supervisor.gusu', {
      method: 'GET',
      url: `/v1/cases/${id}/documents/registration`,
    });
    expect(reply.statusCode).toBe(200);
    const text = pdfText(reply.rawPayload);
    for (const expected of [
      '社区戒毒（康复）人员登记表',
      name,
      '苏州市强制隔离戒毒所',
      '所内待出所',
      '稳定',
      '13800000000',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain(idNumber);
    expect(text).toContain(`${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`);
  });

  it('R21: printing is a read of the person, and audited as one', async () => {
    const { id } = canglang();
    await system.as('liaison', { method: 'GET', url: `/v1/cases/${id}/documents/registration` });
    const trail = (
      await system.as('supervisor.gusu', { method: 'GET', url: `/v1/audit?caseId=${id}` })
    ).json();
    expect(trail.items.map((e: { action: string }) => e.action)).toContain('case.document');
  });

  it('R21: a case outside the caller’s jurisdictions is 404, exactly as one that does not exist', async () => {
    const { id } = canglang();
    const reply = await system.as('worker.changqiao', {
      method: 'GET',
      url: `/v1/cases/${id}/documents/agreement`,
    });
    const missing = await system.as('worker.changqiao', {
      method: 'GET',
      url: '/v1/cases/00000000-0000-4000-8000-000000000000/documents/agreement',
    });
    expect(reply.statusCode).toBe(404);
    expect(reply.body).toBe(missing.body);
  });

  it('R19: the end-of-control proposal before three years without relapse is refused with a stable code', async () => {
    const { id } = canglang();
    const reply = await system.as('supervisor.gusu', {
      method: 'GET',
      url: `/v1/cases/${id}/documents/end-of-control-proposal`,
    });
    expect(reply.statusCode).toBe(409);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.json()).toMatchObject({ status: 409, code: 'end_of_control_not_due' });
  });

  it('an unknown form is a 400 naming the kinds there are', async () => {
    const { id } = canglang();
    const reply = await system.as('worker.canglang', {
      method: 'GET',
      url: `/v1/cases/${id}/documents/receipt`,
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json().errors[0].path).toBe('params.kind');
  });
});
