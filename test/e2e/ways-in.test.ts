import { makeIdNumber } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import {
  expectUsableByEveryone,
  horizontalOverflow,
  logIn,
  pickWhen,
  named,
  startConsole,
  type ConsoleRun,
} from './console';

// The new ways in and who does the work, in Chinese on a phone: a caseworker registers a
// police-ordered community detox (R22); a supervisor delegates a case to the street where the
// person lives, whose caseworker finds it in their inbox, then ends the delegation (R23).

let run: ConsoleRun;
beforeAll(async () => {
  run = await startConsole();
}, 120_000);
afterAll(async () => run?.close());

describe('a police-ordered community detox (R22)', () => {
  it('R22: the caseworker registers the decision; the case awaits report-in with the decision shown, no pickup', async () => {
    const page = await logIn(run, 'phone', 'worker.canglang');
    await page.getByRole('link', { name: '登记责令社区戒毒' }).click();
    await page.getByRole('heading', { name: '登记责令社区戒毒' }).waitFor();
    const idNumber = makeIdNumber(701, '1990-05-12');
    await page.getByLabel('姓名').fill('责令某');
    await page.getByLabel('身份证号').fill(idNumber);
    await page.getByLabel('现住址').fill('苏州市姑苏区沧浪街道新市路 9 号');
    await page.getByLabel('户籍地址').fill('苏州市吴中区长桥街道龙西路 8 号');
    await page.getByLabel('决定机关').fill('苏州市公安局姑苏分局');
    await page.getByLabel('决定书文号').fill('姑公禁决字〔2026〕21号');
    await page.getByLabel('接收辖区（街道）').selectOption({ label: '苏州市 › 姑苏区 › 沧浪街道' });
    expect(await horizontalOverflow(page)).toBe(0);
    await expectUsableByEveryone(page, 'the police-order form');
    await page.getByRole('button', { name: '登记' }).click();

    await page.getByRole('heading', { name: '责令某' }).waitFor();
    await page.getByText('公安责令社区戒毒').waitFor();
    await page.getByText(/苏州市公安局姑苏分局.*姑公禁决字〔2026〕21号/).waitFor();
    await page.getByText('苏州市吴中区长桥街道龙西路 8 号').waitFor();
    await expectUsableByEveryone(page, 'the police-ordered case');
    await page.locator('.heading .phase-released_awaiting_report').waitFor();
    const id = /#\/cases\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const view = (await run.system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` })).json();
    expect(view).toMatchObject({ origin: 'police_order', facility: null, person: { idNumber } });
    expect(view.openTasks.map((t: { kind: string }) => t.kind).sort()).toEqual([
      'first_home_visit',
      'report_in',
    ]);
    await page.context().close();
  });

  it('R22: a decision dated tomorrow is refused in Chinese, next to the date', async () => {
    const page = await logIn(run, 'phone', 'supervisor.gusu');
    await page.getByRole('link', { name: '登记责令社区戒毒' }).click();
    await page.getByLabel('姓名').fill('未来某');
    await page.getByLabel('身份证号').fill(makeIdNumber(702, '1991-06-13'));
    await page.getByLabel('现住址').fill('苏州市姑苏区沧浪街道新市路 10 号');
    await page.getByLabel('决定机关').fill('苏州市公安局姑苏分局');
    const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 16);
    await pickWhen(page, '决定日期', tomorrow);
    await page.getByLabel('接收辖区（街道）').selectOption({ label: '苏州市 › 姑苏区 › 沧浪街道' });
    await page.getByRole('button', { name: '登记' }).click();
    await page
      .getByRole('alert')
      .getByText(/时间超出允许范围/)
      .waitFor();
    await expectUsableByEveryone(page, 'the police-order form with a refused date');
    await page.context().close();
  });
});

describe('delegated management (R23)', () => {
  it('R23: the supervisor delegates; the delegate caseworker finds it in their inbox and records a test; the supervisor ends it', async () => {
    const name = '委托某';
    const id = await lifecycle(run.system).inCommunity(named(name));
    const supervisor = await logIn(run, 'desktop', 'supervisor.gusu');
    await supervisor.goto(`${run.url}/#/cases/${id}`);
    const actions = supervisor.getByRole('region', { name: '案件操作' });
    await actions.getByRole('button', { name: '委托管理' }).click();
    await supervisor.getByLabel('受托街道（现居住地）').selectOption({ label: '苏州市 › 吴中区 › 长桥街道' });
    await supervisor.getByLabel('原因').fill('人户分离，现居长桥街道');
    await expectUsableByEveryone(supervisor, 'the delegate form');
    await supervisor.getByRole('button', { name: '提交' }).click();
    await supervisor.getByRole('status').getByText('已记录：委托管理').waitFor();
    await supervisor.getByText('委托管理（受托街道）').waitFor();

    const delegate = await logIn(run, 'phone', 'worker.changqiao');
    await delegate.getByRole('button', { name: /显示以后的/ }).click();
    const line = delegate.getByRole('link', { name: new RegExp(`${name}.*受.*沧浪街道委托`) }).first();
    await line.waitFor();
    await expectUsableByEveryone(delegate, 'the inbox with later work shown');
    await line.click();
    await delegate.getByRole('heading', { name }).waitFor();
    await delegate.getByRole('region', { name: '记录情况' }).getByRole('button', { name: '检测' }).click();
    await delegate.getByRole('button', { name: '提交' }).click();
    await delegate.getByRole('status').getByText('已记录：检测').waitFor();

    await supervisor.reload();
    await actions.getByRole('button', { name: '结束委托' }).click();
    await supervisor.getByLabel('原因').fill('已回户籍地居住');
    await supervisor.getByRole('button', { name: '提交' }).click();
    await supervisor.getByRole('status').getByText('已记录：结束委托').waitFor();
    const view = (await run.system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${id}` })).json();
    expect(view).toMatchObject({ delegatedTo: null, jurisdiction: 'suzhou.gusu.canglang' });
    await delegate.reload();
    await delegate.getByText('没有这个案件，或它不在您的辖区内。').waitFor();
    for (const page of [supervisor, delegate]) await page.context().close();
  });
});
