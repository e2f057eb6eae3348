import type { Locator, Page } from 'playwright-core';
import { makeIdNumber } from '../helpers/fixtures';
import {
  expectUsableByEveryone,
  logIn,
  pickWhen,
  startConsole,
  switchLanguage,
  type ConsoleRun,
} from './console';

// Issue 18: dates and times are asked in the console's language, not the browser's. A native
// `<input type="datetime-local">` draws "mm/dd/yyyy, --:-- --" on an English phone even when the
// caseworker works in Chinese; the console's own date field speaks the console's language on any
// browser, here a Chromium set to en-US with the console in Chinese, and one set to zh-CN with the
// console in English.

let run: ConsoleRun;
beforeAll(async () => {
  run = await startConsole();
}, 120_000);
afterAll(async () => run?.close());

const NATIVE =
  'input[type=date], input[type=datetime-local], input[type=month], input[type=time], input[type=week]';
const CJK = /[\u4e00-\u9fff]/;
const ENGLISH_MONTHS =
  /January|February|March|April|May|June|July|August|September|October|November|December/;

/** What a user sees in a date field: its question and the chosen option of each select. */
async function visibleWords(group: Locator): Promise<string> {
  const legend = (await group.locator('legend, span').first().textContent()) ?? '';
  const chosen = await group
    .getByRole('combobox')
    .evaluateAll((selects) =>
      selects.map(
        (s) =>
          (s as unknown as { selectedOptions: { textContent: string }[] }).selectedOptions[0]?.textContent ??
          '',
      ),
    );
  return [legend, ...(chosen as string[])].join(' ');
}

async function noNativeDateInputs(page: Page): Promise<void> {
  expect(await page.locator(NATIVE).count()).toBe(0);
}

describe('an English browser with the console in Chinese', () => {
  it('the liaison picks the expected release in Chinese words and the API gets that wall-clock time (R1)', async () => {
    const page = await logIn(run, 'phone', 'liaison', 'en-US');
    expect(await page.evaluate('navigator.language')).toBe('en-US');
    await page.getByRole('navigation').getByRole('link', { name: '新建交接' }).click();
    const when = page.getByRole('group', { name: '预计出所时间' });
    await when.waitFor();
    await noNativeDateInputs(page);
    await pickWhen(page, '预计出所时间', '2027-03-09T14:05');
    const words = await visibleWords(when);
    expect(words).toBe('预计出所时间 * 2027年 3月 9日 14时 05分');
    expect(words).not.toMatch(ENGLISH_MONTHS);
    // February has no 30th: the days follow the month chosen.
    await pickWhen(page, '预计出所时间', '2027-02');
    expect(await when.getByRole('combobox', { name: '日' }).locator('option').count()).toBe(28);
    await pickWhen(page, '预计出所时间', '2027-03-09T14:05');

    const name = '日期某';
    await page.getByLabel('姓名').fill(name);
    await page.getByLabel('身份证号').fill(makeIdNumber(Math.floor(Math.random() * 1000), '1988-08-08'));
    await page.getByLabel('现住址').fill('苏州市姑苏区沧浪街道新市路 12 号');
    await page.getByLabel('戒毒所名称').fill('苏州市强制隔离戒毒所');
    await page.getByLabel('接收辖区（街道）').selectOption({ label: '苏州市 › 姑苏区 › 沧浪街道' });
    await page.getByRole('button', { name: '建立交接' }).click();
    await page.getByRole('heading', { name }).waitFor();
    const id = /#\/cases\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const view = (await run.system.as('liaison', { method: 'GET', url: `/v1/cases/${id}` })).json();
    // The browser is in Asia/Shanghai (logIn): 14:05 there is 06:05 UTC.
    expect(new Date(view.expectedReleaseAt).toISOString()).toBe('2027-03-09T06:05:00.000Z');

    // The event form's times too: the release time is offered in Chinese words.
    await page
      .getByRole('region', { name: '记录情况' })
      .getByRole('button', { name: '确认出所日期' })
      .click();
    const releaseAt = page.getByRole('group', { name: '出所时间' });
    expect(await visibleWords(releaseAt)).toBe('出所时间 * 2027年 3月 9日 14时 05分');
    await noNativeDateInputs(page);
    await expectUsableByEveryone(page, 'the release-date form with its date field');
    await page.context().close();
  });
});

describe('a Chinese browser with the console in English', () => {
  it('the caseworker registers a police order with the decision date in English words (R22)', async () => {
    const page = await logIn(run, 'phone', 'worker.canglang', 'zh-CN');
    await switchLanguage(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Register a police order' }).click();
    const when = page.getByRole('group', { name: 'Date of the decision' });
    await when.waitFor();
    await noNativeDateInputs(page);
    await pickWhen(page, 'Date of the decision', '2026-11-30T09:30');
    const words = await visibleWords(when);
    expect(words).toBe('Date of the decision * 2026 November 30 09 h 30 min');
    expect(words).not.toMatch(CJK);
    await expectUsableByEveryone(page, 'the police-order form in English');
    await page.context().close();
  });

  it('the supervisor chooses the report month in English words, and no month after this one', async () => {
    const page = await logIn(run, 'desktop', 'supervisor.gusu', 'zh-CN');
    await switchLanguage(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Monthly report' }).click();
    const month = page.getByRole('group', { name: 'Month' });
    await month.waitFor();
    await noNativeDateInputs(page);
    const words = await visibleWords(month);
    expect(words).toMatch(ENGLISH_MONTHS);
    expect(words).not.toMatch(CJK);
    const years = await month.getByRole('combobox', { name: 'Year' }).locator('option').allTextContents();
    const thisYear = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
    expect(years.at(-1)).toBe(String(thisYear));
    await page.getByRole('heading', { name: 'Monthly statistical report' }).waitFor();
    await page.locator('.figure canvas').first().waitFor();
    await pickWhen(page, 'Month', `${thisYear - 1}-06`);
    await page.getByText(new RegExp(`${thisYear - 1}-06, each figure`)).waitFor();
    await expectUsableByEveryone(page, 'the monthly report in English');
    await page.context().close();
  });
});
