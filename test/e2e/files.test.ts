import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { lifecycle } from '../helpers/lifecycle';
import {
  expectUsableByEveryone,
  horizontalOverflow,
  logIn,
  named,
  screenshot,
  startConsole,
  type ConsoleRun,
} from './console';

// Paper out of the console: the supervisor exports the case list for the 禁毒办 (a download the
// browser saves), and the caseworker prints the agreement (R26), which opens as a PDF in a new
// window, fetched with the token in a header, never in a URL.

let run: ConsoleRun;
let caseId: string;
beforeAll(async () => {
  run = await startConsole();
  caseId = await lifecycle(run.system).open(named('打印某'));
  await lifecycle(run.system).open(named('=1+2'));
}, 120_000);
afterAll(async () => run?.close());

/** Every URL the page and its popups ask for, to check that no token travels in one. */
function requestedUrls(page: Page): string[] {
  const urls: string[] = [];
  page.context().on('request', (request) => urls.push(request.url()));
  return urls;
}

it('the supervisor exports the case list as Excel and CSV from the case list, in Chinese, formulas as text', async () => {
  const page = await logIn(run, 'desktop', 'supervisor.gusu');
  await page.getByRole('link', { name: '案件' }).click();
  await page.getByRole('heading', { name: '案件' }).waitFor();
  await expectUsableByEveryone(page, 'the case list with its export');

  const [xlsx] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '导出 Excel' }).click(),
  ]);
  expect(xlsx.suggestedFilename()).toMatch(/^cases-\d{8}-\d{4}\.xlsx$/);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(readFileSync((await xlsx.path())!) as unknown as ArrayBuffer);
  const names = workbook.worksheets[0]!.getColumn(1).values.filter(Boolean);
  expect(names[0]).toBe('姓名');
  expect(names).toEqual(expect.arrayContaining(['打印某', "'=1+2"]));
  await page
    .getByRole('status')
    .filter({ hasText: /已导出/ })
    .waitFor();

  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '导出 CSV' }).click(),
  ]);
  const rows: string[][] = parse(readFileSync((await csv.path())!, 'utf8'), { bom: true });
  expect(rows[0]![0]).toBe('姓名');
  expect(rows.map((r) => r[0])).toEqual(expect.arrayContaining(['打印某', "'=1+2"]));
});

it('a caseworker does not see the export, which is for supervisors', async () => {
  const page = await logIn(run, 'phone', 'worker.canglang');
  await page.getByRole('link', { name: '案件' }).click();
  await page.getByRole('heading', { name: '案件' }).waitFor();
  await page.getByText('打印某').waitFor();
  expect(await page.getByRole('button', { name: /导出/ }).count()).toBe(0);
});

it('R26: the caseworker prints the agreement from the case page: a PDF opens in a new window, no token in any URL', async () => {
  const page = await logIn(run, 'phone', 'worker.canglang');
  const urls = requestedUrls(page);
  await page.goto(`${run.url}/#/cases/${caseId}`);
  await page.getByRole('heading', { name: '打印表格' }).waitFor();
  expect(await page.getByRole('button', { name: '解除动态管控建议' }).count()).toBe(0); // not due (R19)
  expect(await horizontalOverflow(page)).toBe(0);
  await expectUsableByEveryone(page, 'the case page with its forms to print');

  // What the server sent, as it passes (the browser keeps no copy of a body it turned into a blob).
  let bytes: Buffer = Buffer.alloc(0);
  let type = '';
  await page.context().route('**/documents/**', async (route) => {
    const response = await route.fetch();
    bytes = await response.body();
    type = response.headers()['content-type'] ?? '';
    await route.fulfill({ response });
  });
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: '协议书' }).click(),
  ]);
  // The new window shows the file the console fetched, from memory (a blob: URL, no token).
  await popup.waitForURL(/^blob:/);
  expect(type).toBe('application/pdf');
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: bytes }).toString('utf8');
  expect(text).toContain('社区戒毒（康复）协议书');
  expect(text).toContain('打印某');

  const token = await run.system.tokenFor('worker.canglang');
  const session = await page.evaluate<string>("sessionStorage.getItem('console.session') ?? ''");
  const browserToken = (JSON.parse(session) as { token: string }).token;
  for (const url of urls) {
    expect(url).not.toContain(browserToken);
    expect(url).not.toContain(token);
  }
  expect(urls.some((url) => url.includes(`/v1/cases/${caseId}/documents/agreement`))).toBe(true);

  if (process.env.UPDATE_SCREENSHOTS === '1') {
    // The README shows the first page as it prints (pdftoppm, from Debian's poppler-utils).
    const out = join(__dirname, '..', '..', 'docs', 'screenshots', 'agreement-page');
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', '-', out], {
      input: bytes,
    });
  }
  await screenshot(page, 'caseworker-print-phone');
});
