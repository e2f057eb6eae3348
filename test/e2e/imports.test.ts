import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeIdNumber } from '../helpers/fixtures';
import { daysBefore, importCsv } from '../helpers/imports';
import {
  expectUsableByEveryone,
  horizontalOverflow,
  logIn,
  startConsole,
  type ConsoleRun,
  type Size,
} from './console';

// R25 in the console: a supervisor checks a caseload file, reads what is wrong in Chinese, row by
// row, then imports it and watches it finish.

let run: ConsoleRun;
beforeAll(async () => {
  run = await startConsole();
}, 120_000);
afterAll(async () => run?.close());

describe.each<Size>(['desktop', 'phone'])('supervisor on a %s', (size) => {
  it('R25: checks a file, sees the bad row in Chinese, imports the rest and sees it done', async () => {
    const now = Date.now();
    const serial = size === 'phone' ? 40 : 20;
    const good = makeIdNumber(serial, '1983-02-14');
    const file = join(mkdtempSync(join(tmpdir(), 'import-')), '在册人员.csv');
    writeFileSync(
      file,
      importCsv(
        [
          {
            name: '导入甲',
            idNumber: good,
            measure: '社区康复',
            residenceAddress: '沧浪街道 1 号',
            jurisdiction: '沧浪街道',
            releasedAt: daysBefore(now, 60),
            reportedInAt: daysBefore(now, 55),
          },
          {
            name: '导入乙',
            idNumber: makeIdNumber(serial + 1, '1984-02-14'),
            measure: '社区康复',
            residenceAddress: '某街道 2 号',
            jurisdiction: '无此街道',
            releasedAt: daysBefore(now, 30),
          },
        ],
        { bom: true },
      ),
    );
    const page = await logIn(run, size, 'supervisor.gusu');
    await page.goto(`${run.url}/#/imports`);
    await page.getByRole('heading', { name: '导入在册人员' }).waitFor();
    await expectUsableByEveryone(page, 'the import screen');
    await page.getByLabel('文件（CSV 或 .xlsx）').setInputFiles(file);
    await page.getByRole('button', { name: '检查文件' }).click();
    await page.getByText('检查结果：共 2 行，1 行可导入，1 行有误，0 行已有在办案件（将跳过）。').waitFor();
    const problem = page.getByRole('row').filter({ hasText: '不是您辖区内已知的街道（乡镇）' });
    await problem.waitFor();
    expect(await problem.textContent()).toContain('3街道');
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the checked file with its bad row');

    await page.getByRole('button', { name: '开始导入' }).click();
    await page.getByText('导入完成。').waitFor({ timeout: 30_000 });
    await page.getByText('已处理 2/2 行：新建 1，跳过 0，有误 1').waitFor();
    await expectUsableByEveryone(page, 'the finished import');
    await page.getByRole('link', { name: '查看案件' }).click();
    await page
      .getByRole('link', { name: /导入甲/ })
      .first()
      .waitFor();
  });
});
