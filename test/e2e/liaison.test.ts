import { makeIdNumber } from '../helpers/fixtures';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import {
  SIZES,
  expectUsableByEveryone,
  horizontalOverflow,
  logIn,
  screenshot,
  startConsole,
  type ConsoleRun,
  type Size,
} from './console';

// The facility liaison's journey in the console, in Chinese: open a handover with the ID number
// checked as it is typed, record an intervention, confirm the release date (R1), see the person in
// the release list with the time left, and record the release (R3, R6).

let run: ConsoleRun;
beforeAll(async () => {
  run = await startConsole();
}, 120_000);
afterAll(async () => run?.close());

describe.each<Size>(['phone', 'desktop'])('liaison on a %s', (size) => {
  it('opens a handover, confirms the release date and records the release', async () => {
    const page = await logIn(run, size, 'liaison');
    await page.getByRole('heading', { name: '待出所人员' }).waitFor();
    await page.getByText('目前没有待出所人员。').waitFor(); // each run ends with its person released
    await expectUsableByEveryone(page, 'the release list, empty');

    await page.getByRole('navigation').getByRole('link', { name: '新建交接' }).click();
    const name = `交接${size}`;
    const idNumber = makeIdNumber(
      Math.floor(Math.random() * 1000),
      size === 'phone' ? '1990-05-17' : '1985-11-02',
    );
    await page.getByLabel('姓名').fill(name);
    const wrongCheck = idNumber.slice(0, 17) + (idNumber[17] === '0' ? '1' : '0');
    await page.getByLabel('身份证号').fill(wrongCheck);
    await page.getByText('校验码不符，请核对').waitFor();
    await page.getByLabel('身份证号').fill(idNumber.slice(0, 10));
    await page.getByText('已输入10位').waitFor();
    await page.getByLabel('身份证号').fill(idNumber);
    await page.getByText(/校验通过：出生日期 \d{4}-\d\d-\d\d/).waitFor();
    await page.getByLabel('现住址').fill('苏州市姑苏区沧浪街道新市路 8 号');
    await page.getByLabel('戒毒所名称').fill('苏州市强制隔离戒毒所');
    await page.getByLabel('接收辖区（街道）').selectOption({ label: '苏州市 › 姑苏区 › 沧浪街道' });
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the handover form, filled in');
    await screenshot(page, `liaison-handover-${size}`);
    await page.getByRole('button', { name: '建立交接' }).click();

    await page.getByRole('heading', { name }).waitFor();
    await page.getByText('所内待出所').first().waitFor();
    expect(await page.getByText('3205********' + idNumber.slice(-4)).count()).toBe(0); // the liaison sees it in full
    await page.getByText(idNumber).waitFor();
    await expectUsableByEveryone(page, 'the case, just opened');

    await page.getByRole('button', { name: '所内干预' }).click();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：所内干预').waitFor();
    await page.getByRole('list').getByText('所内干预').first().waitFor();

    // A step that makes no sense now is refused with the reason, in Chinese.
    await page.getByRole('button', { name: '签订协议' }).click();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('alert').getByText('社区协议须在报到之后签订。').waitFor();
    await expectUsableByEveryone(page, 'a refused step in its form');
    // Corrected in the same form, it is sent again and recorded (a new Idempotency-Key: the
    // refusal is kept under the first one).
    await page.getByRole('radio', { name: '帮扶协议' }).check();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：签订协议').waitFor();

    await page.getByRole('button', { name: '确认出所日期' }).first().click();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：确认出所日期').waitFor();
    await page.getByText('等待出所').first().waitFor();

    await page.getByRole('navigation').getByRole('link', { name: '待出所' }).click();
    const row = page.getByRole('link', { name: new RegExp(name) });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/天后出所|后出所/);
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the release list');
    await screenshot(page, `liaison-releases-${size}`);

    await row.click();
    await page.getByRole('region', { name: '待办任务' }).getByRole('button', { name: '已出所' }).click();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：已出所').waitFor();
    await page.getByText('已出所待报到').first().waitFor();
    expect(await horizontalOverflow(page)).toBe(0);

    // The same person again: refused, with the way to the open case.
    await page.getByRole('navigation').getByRole('link', { name: '新建交接' }).click();
    await page.getByLabel('姓名').fill(name);
    await page.getByLabel('身份证号').fill(idNumber);
    await page.getByLabel('现住址').fill('苏州市姑苏区沧浪街道新市路 8 号');
    await page.getByLabel('戒毒所名称').fill('苏州市强制隔离戒毒所');
    await page.getByLabel('接收辖区（街道）').selectOption({ label: '苏州市 › 姑苏区 › 沧浪街道' });
    await page.getByRole('button', { name: '建立交接' }).click();
    await page.getByRole('alert').getByText('此人已有在办案件。').waitFor();
    await expectUsableByEveryone(page, 'a refused handover');
    await page.getByRole('link', { name: '查看该案件' }).click();
    await page.getByRole('heading', { name }).waitFor();

    // What the console showed is what the API holds.
    const list = await run.system.as('liaison', { method: 'GET', url: `/v1/cases?q=${idNumber}` });
    expect(list.json().items).toEqual([
      expect.objectContaining({ phase: 'released_awaiting_report', jurisdiction: 'suzhou.gusu.canglang' }),
    ]);
    await page.context().close();
  });
});

describe('the login screen', () => {
  it('is usable by everyone: axe-core in Chinese and English, 320 px, text at 200 % (issue 18)', async () => {
    const context = await run.browser.newContext({ viewport: SIZES.phone, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(run.url);
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await expectUsableByEveryone(page, 'the login screen');
    await page.getByLabel('用户名').fill('liaison');
    await page.getByLabel('密码').fill(`${DEMO_PASSWORD}-wrong`);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').waitFor();
    await expectUsableByEveryone(page, 'the login screen with a refusal');
    await context.close();
  });
});
