import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { lifecycle } from '../helpers/lifecycle';
import {
  expectUsableByEveryone,
  horizontalOverflow,
  logIn,
  named,
  screenshot,
  startConsole,
  type ConsoleRun,
  type Size,
} from './console';

// The help half in the browser, in Chinese: a caseworker records a needs assessment and what was
// achieved and sees the service plan and the four-party group on the case (R24); a supervisor
// reads the monthly report with its charts and downloads the workbook.

let run: ConsoleRun;
let steps: ReturnType<typeof lifecycle>;
beforeAll(async () => {
  run = await startConsole();
  steps = lifecycle(run.system);
}, 120_000);
afterAll(async () => run?.close());

describe.each<Size>(['phone', 'desktop'])('on a %s', (size) => {
  it('R24: the caseworker records a needs assessment and a job found, and the case shows the plan', async () => {
    const name = `帮扶${size}`;
    const id = await steps.inCommunity(named(name));
    await run.system.as('worker.canglang', {
      method: 'POST',
      url: `/v1/cases/${id}/parties`,
      payload: { role: 'police_officer', name: '李警官', username: 'police.gusu' },
    });
    const page = await logIn(run, size, 'worker.canglang');
    await page.goto(`${run.url}#/cases/${id}`);
    await page.getByRole('heading', { name }).waitFor();
    const plan = page.getByRole('region', { name: '帮扶计划' });
    await plan.getByText('尚未评估帮扶需求。').waitFor();
    const group = page.getByRole('region', { name: '四方工作小组' });
    await group.getByText('李警官').waitFor();
    await group.getByRole('button', { name: '添加小组成员' }).click();
    await page.getByLabel(/^姓名/).fill('王秀英');
    await page.getByLabel(/^关系/).fill('母亲');
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：添加小组成员').waitFor();
    await group.getByText(/王秀英 · 母亲/).waitFor();

    const record = page.getByRole('region', { name: '记录情况' });
    await record.getByRole('button', { name: '帮扶服务' }).click();
    await page.getByRole('radio', { name: '就业' }).check();
    await page.getByRole('radio', { name: '已评估' }).check();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：帮扶服务').waitFor();
    // The review is in the caseworker's tasks: help first (R24).
    await page.getByRole('region', { name: '待办任务' }).getByText('帮扶需求复评').waitFor();

    await record.getByRole('button', { name: '帮扶服务' }).click();
    await page.getByRole('radio', { name: '就业' }).check();
    await page.getByRole('radio', { name: '已实现' }).check();
    await page.getByLabel('承接机构').fill('区人社局');
    await expectUsableByEveryone(page, 'the help form');
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：帮扶服务').waitFor();
    const row = plan.getByRole('row', { name: /就业/ });
    await row.getByText('区人社局').waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      expect.not.stringMatching(/^—$/), // assessed
      '—',
      '—',
      expect.not.stringMatching(/^—$/), // achieved
      '区人社局',
    ]);
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the case with its service plan');
    await screenshot(page, `caseworker-service-plan-${size}`);
    await page.context().close();
  });

  it('the supervisor reads the month with a chart per figure and downloads the workbook', async () => {
    const page = await logIn(run, size, 'supervisor.gusu');
    await page.getByRole('link', { name: '月报' }).click();
    await page.getByRole('heading', { name: '月度统计报表' }).waitFor();
    await page.locator('.figure canvas').nth(8).waitFor();
    expect(await page.locator('.figure canvas').count()).toBe(9);
    const reply = await run.system.as('supervisor.gusu', { method: 'GET', url: '/v1/reports/monthly' });
    const { figures } = reply.json();
    const tile = page.locator('.figure', { hasText: '新建案件' });
    expect(await tile.locator('.figure-value').textContent()).toBe(String(figures.casesOpened));
    expect(figures.casesOpened).toBeGreaterThan(0);
    await page.getByRole('region', { name: '帮扶服务（4+X）' }).getByRole('row', { name: /就业/ }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the monthly report');
    await screenshot(page, `supervisor-report-${size}`);

    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载 Excel 报表' }).click(),
    ]);
    expect(saved.suggestedFilename()).toMatch(/^monthly-.*\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync((await saved.path())!) as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('月报')!;
    expect(sheet.getRow(5).values).toEqual([undefined, 'casesOpened', '新建案件', figures.casesOpened]);
    await page.context().close();
  });
});

it('R24: the named police officer finds the case’s police notice among their notices (phone)', async () => {
  const id = await steps.inCommunity(named('通知某'));
  await run.system.as('worker.canglang', {
    method: 'POST',
    url: `/v1/cases/${id}/parties`,
    payload: { role: 'police_officer', name: '李警官', username: 'police.gusu' },
  });
  await steps.expectRecorded(id, 'worker.canglang', {
    type: 'test',
    method: 'urine',
    result: 'positive',
    unannounced: false,
  });
  const page = await logIn(run, 'phone', 'police.gusu');
  await page.getByRole('heading', { name: '给我的通知' }).waitFor();
  const notice = page.locator(`a[href="#/cases/${id}"]`);
  await notice.getByText('复吸').waitFor();
  await notice.getByText(/指名给您/).waitFor();
  await expectUsableByEveryone(page, 'the police notices');
  await notice.click();
  await page.getByRole('heading', { name: '通知某' }).waitFor();
  await page.context().close();
});
