import { lifecycle } from '../helpers/lifecycle';
import {
  expectUsableByEveryone,
  horizontalOverflow,
  logIn,
  named,
  releasedCase,
  screenshot,
  startConsole,
  type ConsoleRun,
  type Size,
} from './console';

// The caseworker's journey on a phone and at a desk, in Chinese: the inbox of today's work, one
// tap from a task to its form, the pickup (R2), report-in (R3, R7) and first home visit (R6)
// recorded, and the inbox and the case page showing the result.

let run: ConsoleRun;
beforeAll(async () => {
  run = await startConsole();
  // Released four days ago and never met: the pickup (R2) and the first home visit (R6) are overdue.
  await releasedCase(run, '逾期某', new Date(Date.now() - 4 * 86_400_000).toISOString());
}, 120_000);
afterAll(async () => run?.close());

describe.each<Size>(['phone', 'desktop'])('caseworker on a %s', (size) => {
  it('works through the inbox from pickup to first home visit', async () => {
    const name = `社区${size}`;
    const id = await releasedCase(run, name); // the pickup is due at the gate today (R2)
    const page = await logIn(run, size, 'worker.canglang');

    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    // Overdue work comes first, under its own heading.
    const overdue = page.getByRole('heading', { name: /已逾期/ });
    await overdue.waitFor();
    expect(await page.locator('h2, .card-title').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/已逾期/), '逾期某']),
    );
    expect(await page.locator('.card.task.overdue .card-title').first().textContent()).toBe('逾期某');
    const pickup = page.getByRole('link', { name: new RegExp(`${name}.*出所接回`) });
    await pickup.waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the inbox');
    await screenshot(page, `caseworker-inbox-${size}`);

    await pickup.click();
    await page.getByRole('heading', { name }).waitFor();
    await page.getByLabel('接回人').fill('沧浪街道禁毒社工');
    await expectUsableByEveryone(page, 'the pickup form on the case');
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：出所接回').waitFor();

    const tasks = page.getByRole('region', { name: '待办任务' });
    await tasks.getByRole('button', { name: '报到' }).click();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：报到').waitFor();
    await page.getByText('社区执行中').first().waitFor();

    await tasks.getByRole('button', { name: '家访' }).click();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('status').getByText('已记录：家访').waitFor();
    await tasks.getByText('首次家访').waitFor({ state: 'detached' });
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the case after the first home visit');
    await screenshot(page, `caseworker-case-${size}`);

    const view = (await run.system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` })).json();
    expect(view.phase).toBe('community');
    expect(view.openTasks.map((t: { kind: string }) => t.kind)).not.toContain('first_home_visit');

    await page.getByRole('navigation').getByRole('link', { name: '待办' }).click();
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    expect(await page.getByRole('link', { name: new RegExp(`${name}.*出所接回`) }).count()).toBe(0);
    await page.context().close();
  });
});

describe('caseworker session and language', () => {
  it('an expired session asks to log in again and returns to the same page', async () => {
    const page = await logIn(run, 'phone', 'worker.canglang');
    await page.getByRole('navigation').getByRole('link', { name: '案件' }).click();
    await page.getByRole('heading', { name: '案件' }).waitFor();
    await expectUsableByEveryone(page, 'the case list');
    // The server no longer accepts the token (as when it has expired): the next call answers 401.
    await page.evaluate(`sessionStorage.setItem('console.session', JSON.stringify({
      ...JSON.parse(sessionStorage.getItem('console.session')), token: 'expired' }))`);
    await page.reload();
    await page.getByText('登录已过期，请重新登录。').waitFor();
    await page.getByLabel('用户名').fill('worker.canglang');
    await page.getByLabel('密码').fill('demo-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '案件' }).waitFor();
    await page.context().close();
  });

  it('switches to English and keeps the choice', async () => {
    const page = await logIn(run, 'phone', 'worker.canglang');
    await page.getByRole('button', { name: '切换到英文' }).click();
    await page.getByRole('heading', { name: 'My inbox' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'My inbox' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.getByRole('button', { name: 'Switch to Chinese' }).click();
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    await page.context().close();
  });

  it('a wrong password is refused in Chinese', async () => {
    const context = await run.browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(run.url);
    await page.getByLabel('用户名').fill('worker.canglang');
    await page.getByLabel('密码').fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').getByText('用户名或密码错误。').waitFor();
    await context.close();
  });
});

describe('a transfer between two streets (R15)', () => {
  it('the sending caseworker starts it; the receiving one records the report-in from their inbox', async () => {
    const name = '移交某';
    const id = await lifecycle(run.system).inCommunity(named(name));
    const sender = await logIn(run, 'phone', 'worker.canglang');
    await sender.goto(`${run.url}/#/cases/${id}`);
    await sender.getByRole('region', { name: '案件操作' }).getByRole('button', { name: '移交' }).click();
    await sender.getByLabel('接收辖区').selectOption({ label: '苏州市 › 吴中区 › 长桥街道' });
    await sender.getByLabel('原因').fill('迁居吴中区');
    await expectUsableByEveryone(sender, 'the transfer form');
    await sender.getByRole('button', { name: '提交' }).click();
    await sender.getByRole('status').getByText('已记录：移交').waitFor();
    await sender.locator('.heading .phase-in_transfer').waitFor();

    const receiver = await logIn(run, 'phone', 'worker.changqiao');
    await receiver.getByRole('button', { name: /显示以后的/ }).click(); // due within 15 days (R15)
    await receiver.getByRole('link', { name: new RegExp(`${name}.*移交后报到`) }).click();
    // The report-in form starts at the receiving street.
    expect(await receiver.getByLabel('报到辖区').inputValue()).toBe('suzhou.wuzhong.changqiao');
    await receiver.getByRole('button', { name: '提交' }).click();
    await receiver.getByRole('status').getByText('已记录：报到').waitFor();
    await receiver.locator('.heading .phase-community').waitFor();

    const view = (await run.system.as('worker.changqiao', { method: 'GET', url: `/v1/cases/${id}` })).json();
    expect(view).toMatchObject({
      jurisdiction: 'suzhou.wuzhong.changqiao',
      phase: 'community',
      transferTo: null,
    });
    // The sender no longer sees the case: outside their street, a 404 like any other.
    await sender.reload();
    await sender.getByText('没有这个案件，或它不在您的辖区内。').waitFor();
    for (const page of [sender, receiver]) await page.context().close();
  });
});

describe('keyboard and screen readers', () => {
  it('logs in with the keyboard alone, and every control of the main screens has a name', async () => {
    const context = await run.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(run.url);
    await page.keyboard.press('Tab'); // the language switch
    await page.keyboard.press('Tab');
    await page.keyboard.type('worker.canglang');
    await page.keyboard.press('Tab');
    await page.keyboard.type('demo-password');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '我的待办' }).waitFor();

    const unnamed = `[...document.querySelectorAll('input, select, textarea, button, a[href]')]
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
      .map((el) => el.outerHTML)`;
    expect(await page.evaluate(unnamed)).toEqual([]);
    const id = await lifecycle(run.system).inCommunity(named('无障碍某'));
    await page.goto(`${run.url}/#/cases/${id}`);
    await page.getByRole('heading', { name: '无障碍某' }).waitFor();
    await page.getByRole('button', { name: '检测' }).first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '检测' }).waitFor();
    expect(await page.evaluate(unnamed)).toEqual([]);
    await expectUsableByEveryone(page, 'the test form');
    await context.close();
  });
});
