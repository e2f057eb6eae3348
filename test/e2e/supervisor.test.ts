import { makeIdNumber } from '../helpers/fixtures';
import { eventually, lifecycle } from '../helpers/lifecycle';
import {
  JOURNEY_TIMEOUT,
  expectUsableByEveryone,
  horizontalOverflow,
  logIn,
  pickWhen,
  named,
  releasedCase,
  screenshot,
  startConsole,
  type ConsoleRun,
  type Size,
} from './console';

// The supervisor's journey, in Chinese, on the accelerated policy (a day lasts a second) so that
// work falls overdue while the test watches: the stalled board with its reasons, caseloads against
// the ratio, the KPI tiles and their trend, then assign, tier, extend and close on the case.

let run: ConsoleRun;
beforeAll(async () => {
  run = await startConsole('accelerated');
  // Two people in the community with their first visit done, so that the KPIs have figures.
  const steps = lifecycle(run.system);
  for (const name of ['张某', '陈某']) {
    const id = await steps.inCommunity(named(name));
    await steps.expectRecorded(id, 'worker.canglang', { type: 'home_visit', reached: true });
  }
}, 120_000);
afterAll(async () => run?.close());

/** Released with nobody at the gate: within a second of policy time the pickup is overdue (R2). */
async function stalledCase(name: string): Promise<string> {
  const id = await releasedCase(run, name);
  await eventually(async () => {
    const reply = await run.system.as('supervisor.gusu', { method: 'GET', url: '/v1/supervisor/stalled' });
    expect(reply.json().map((s: { case: { id: string } }) => s.case.id)).toContain(id);
  });
  return id;
}

describe.each<Size>(['desktop', 'phone'])('supervisor on a %s', (size) => {
  it(
    'finds a stalled case on the board and assigns, tiers, extends and closes it',
    async () => {
      const name = `督导${size}`;
      const id = await stalledCase(name);
      const page = await logIn(run, size, 'supervisor.gusu');

      await page.getByRole('heading', { name: '督导看板' }).waitFor();
      await page.getByRole('button', { name: /报到率/ }).waitFor();
      await page.getByText('报到率：近六个月').waitFor();
      await page.locator('.trend canvas').waitFor();
      await page.getByRole('rowheader', { name: '（未分派）' }).waitFor();
      const stalled = page.getByRole('link', { name: new RegExp(name) });
      await stalled.waitFor();
      expect(await stalled.textContent()).toMatch(/出所接回.*到期，.*仍未处理/);
      await page.getByRole('button', { name: /管控率/ }).click();
      await page.getByText('管控率：近六个月').waitFor();
      await page.locator('.trend canvas').waitFor();
      expect(await horizontalOverflow(page)).toBe(0);
      await expectUsableByEveryone(page, 'the supervisor board');
      await screenshot(page, `supervisor-board-${size}`);

      await stalled.click();
      await page.getByRole('heading', { name }).waitFor();
      await page.getByRole('button', { name: '分派社工' }).click();
      await page
        .getByLabel('社工', { exact: false })
        .and(page.locator('select'))
        .selectOption({ value: 'worker.canglang' });
      await expectUsableByEveryone(page, 'the assign form');
      await page.getByRole('button', { name: '提交' }).click();
      await page.getByRole('status').getByText('已记录：分派社工').waitFor();
      await page.getByText('worker.canglang').first().waitFor();

      await page.getByRole('button', { name: '调整分级' }).click();
      await page.getByLabel('分级').and(page.locator('select')).selectOption({ label: '重点' });
      await page.getByLabel('原因').fill('出所未接回，列为重点');
      await page.getByRole('button', { name: '提交' }).click();
      await page.getByRole('status').getByText('已记录：调整分级').waitFor();
      await page.locator('.heading .tier-key').waitFor();

      await page.getByRole('button', { name: '任务延期' }).click();
      await page.getByLabel('原因').fill('家属陪同，延后报到');
      await expectUsableByEveryone(page, 'the extend form');
      await page.getByRole('button', { name: '提交' }).click();
      await page.getByRole('status').getByText('已记录：任务延期').waitFor();

      await page.getByRole('button', { name: '结案' }).click();
      await page.getByLabel('原因').fill('演示结案');
      await expectUsableByEveryone(page, 'the close form');
      await page.getByRole('button', { name: '提交' }).click();
      await page.getByRole('status').getByText('已记录：结案').waitFor();
      await page.locator('.heading .phase-closed').waitFor();
      expect(await horizontalOverflow(page)).toBe(0);

      const view = (await run.system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${id}` })).json();
      expect(view).toMatchObject({ assignee: 'worker.canglang', tier: 'key', phase: 'closed' });
      await page.context().close();
    },
    JOURNEY_TIMEOUT,
  );
});

describe('a whole case in the console, on the accelerated policy', () => {
  it(
    'goes from handover to closing through the three roles’ screens',
    async () => {
      const name = '全程某';
      const liaison = await logIn(run, 'phone', 'liaison');
      await liaison.getByRole('navigation').getByRole('link', { name: '新建交接' }).click();
      await liaison.getByLabel('姓名').fill(name);
      await liaison.getByLabel('身份证号').fill(makeIdNumber(Math.floor(Math.random() * 1000), '1992-02-29'));
      await liaison.getByLabel('现住址').fill('苏州市姑苏区沧浪街道人民路 3 号');
      await liaison.getByLabel('戒毒所名称').fill('苏州市强制隔离戒毒所');
      await liaison.getByLabel('接收辖区（街道）').selectOption({ label: '苏州市 › 姑苏区 › 沧浪街道' });
      await liaison.getByRole('button', { name: '建立交接' }).click();
      await liaison.getByRole('heading', { name }).waitFor();
      // The gate appointment is the confirmed release time (R1, R2): a minute from now, on the minute.
      const inAMinute = await liaison.evaluate<string>(
        'new Date(Date.now() + 60000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16)',
      );
      for (const step of ['确认出所日期', '已出所']) {
        await liaison.getByRole('region', { name: '记录情况' }).getByRole('button', { name: step }).click();
        if (step === '确认出所日期') await pickWhen(liaison, '出所时间', inAMinute);
        await liaison.getByRole('button', { name: '提交' }).click();
        await liaison.getByRole('status').getByText(`已记录：${step}`).waitFor();
      }
      const id = /#\/cases\/([0-9a-f-]{36})/.exec(liaison.url())![1]!;

      const worker = await logIn(run, 'phone', 'worker.canglang');
      await worker.getByRole('link', { name: new RegExp(`${name}.*出所接回`) }).click();
      await worker.getByLabel('接回人').fill('沧浪街道禁毒社工');
      await worker.getByRole('button', { name: '提交' }).click();
      await worker.getByRole('status').getByText('已记录：出所接回').waitFor();
      const tasks = worker.getByRole('region', { name: '待办任务' });
      for (const [button, recorded] of [
        ['报到', '报到'],
        ['签订协议', '签订协议'],
        ['家访', '家访'],
      ]) {
        await tasks.getByRole('button', { name: button }).first().click();
        await worker.getByRole('button', { name: '提交' }).click();
        await worker.getByRole('status').getByText(`已记录：${recorded}`).waitFor();
      }
      await worker.getByRole('region', { name: '记录情况' }).getByRole('button', { name: '检测' }).click();
      await worker.getByRole('button', { name: '提交' }).click();
      await worker.getByRole('status').getByText('已记录：检测').waitFor();

      const supervisor = await logIn(run, 'phone', 'supervisor.gusu');
      const urls: string[] = [];
      supervisor.on('request', (request) => urls.push(decodeURIComponent(request.url())));
      await supervisor.getByRole('navigation').getByRole('link', { name: '案件' }).click();
      await supervisor.getByRole('searchbox').fill(name);
      await supervisor.getByRole('button', { name: '查找' }).click();
      await supervisor.getByRole('link', { name: new RegExp(name) }).waitFor();
      await expectUsableByEveryone(supervisor, 'the case search');
      await supervisor.getByRole('link', { name: new RegExp(name) }).click();
      // R21: the name searched for went in a POST body, never into a URL (issue 13).
      expect(urls.filter((url) => url.includes('/v1/cases/search'))).not.toEqual([]);
      expect(urls.filter((url) => url.includes(name))).toEqual([]);
      await supervisor
        .getByRole('region', { name: '案件操作' })
        .getByRole('button', { name: '结案' })
        .click();
      await supervisor.getByLabel('原因').fill('演示：全程走完');
      await supervisor.getByRole('button', { name: '提交' }).click();
      await supervisor.locator('.heading .phase-closed').waitFor();

      const timeline = (
        await run.system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${id}/timeline` })
      )
        .json()
        .items.filter((entry: { kind: string }) => entry.kind === 'event')
        .map((entry: { type: string }) => entry.type);
      expect(timeline).toEqual([
        'release_date_confirmed',
        'released',
        'picked_up',
        'reported_in',
        'agreement_signed',
        'home_visit',
        'test',
        'case_closed',
      ]);
      for (const page of [liaison, worker, supervisor]) await page.context().close();
    },
    JOURNEY_TIMEOUT,
  );
});
