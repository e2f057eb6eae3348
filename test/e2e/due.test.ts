import { loadPolicy } from '../../config/policy';
import { startDailyRounds } from '../../worker/worker';
import { dailyRoundsWorkflowId } from '../../workflows/daily-rounds.messages';
import { POLICIES } from '../helpers/system';
import {
  expectUsableByEveryone,
  horizontalOverflow,
  JOURNEY_TIMEOUT,
  logIn,
  releasedCase,
  screenshot,
  startConsole,
  type ConsoleRun,
} from './console';

// Issue 18 item 3 in Chromium, on the standard policy: the caseworker's inbox groups work by when
// it falls due in China time (the browser is in Asia/Shanghai), and the daily summary the worker's
// rounds wrote is shown above it.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CHINA = 8 * HOUR; // Asia/Shanghai: UTC+8 all year
const startOfChinaDay = (ms: number) => Math.floor((ms + CHINA) / DAY) * DAY - CHINA;

let run: ConsoleRun;
let dayAfterTomorrowIsThisWeek: boolean;

/** Released so that the first home visit (R6: 72 h after release) falls due at `dueAt`. */
const homeVisitDueAt = (name: string, dueAt: number) =>
  releasedCase(run, name, new Date(dueAt - 72 * HOUR).toISOString());

beforeAll(async () => {
  run = await startConsole();
  const now = Date.now();
  const today = startOfChinaDay(now);
  // Later today, however late it is now; tomorrow and the day after at noon.
  await homeVisitDueAt('今天某', now + Math.min(HOUR, (today + DAY - now) / 2));
  await homeVisitDueAt('明天某', today + DAY + 12 * HOUR);
  await homeVisitDueAt('后天某', today + 2 * DAY + 12 * HOUR);
  // A week runs Monday to Sunday: the day after tomorrow is still this week from Monday to Friday.
  const weekday = new Date(now + CHINA).getUTCDay(); // 0 is Sunday
  dayAfterTomorrowIsThisWeek = weekday >= 1 && weekday <= 5;
  // The worker's rounds, started now that there is work: the first round writes today's summary.
  await startDailyRounds(run.system.env.client, run.system.taskQueue, loadPolicy(POLICIES.standard).policy);
}, 120_000);

afterAll(async () => {
  await run?.system.env.client.workflow
    .getHandle(dailyRoundsWorkflowId(run.system.taskQueue))
    .terminate('test over');
  await run?.close();
});

describe('what falls due, in the caseworker inbox', () => {
  it('groups the work as overdue, today, tomorrow, this week and later, in China time, on a phone', async () => {
    const page = await logIn(run, 'phone', 'worker.canglang');
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    const group = (heading: RegExp) => page.getByRole('region', { name: heading });
    const visit = (name: string) => new RegExp(`${name}.*首次家访`);

    // Released more than 4 h ago and never met at the gate: the pickups are overdue (R2).
    await group(/已逾期/)
      .getByRole('link', { name: /今天某.*出所接回/ })
      .waitFor();
    await group(/今天到期/)
      .getByRole('link', { name: visit('今天某') })
      .waitFor();
    await group(/明天到期/)
      .getByRole('link', { name: visit('明天某') })
      .waitFor();
    expect(
      await group(/今天到期/)
        .getByRole('link', { name: visit('明天某') })
        .count(),
    ).toBe(0);

    if (dayAfterTomorrowIsThisWeek) {
      await group(/本周到期/)
        .getByRole('link', { name: visit('后天某') })
        .waitFor();
    } else {
      expect(await page.getByRole('link', { name: visit('后天某') }).count()).toBe(0);
      await page.getByRole('button', { name: /显示以后的/ }).click();
      await page.getByRole('link', { name: visit('后天某') }).waitFor();
    }
    // The report-in (R3) is 15 days away: folded under later.
    const later = page.getByRole('button', { name: /显示以后的|收起以后的/ });
    if ((await later.getAttribute('aria-expanded')) === 'false') await later.click();
    await page.getByRole('link', { name: /明天某.*报到/ }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'caseworker-due-phone');
    await page.context().close();
  });

  it(
    "shows the caseworker's daily summary, the same counts the gateways get, in Chinese and English",
    async () => {
      let summaries: { counts: Record<string, number> }[] = [];
      for (let waited = 0; summaries.length === 0 && waited < 30_000; waited += 500) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        summaries = (await run.system.as('worker.canglang', { method: 'GET', url: '/v1/summaries' })).json()
          .items;
      }
      const counts = summaries[0]!.counts;
      // Three home visits are due within the next days and three pickups are overdue: never nothing.
      expect(counts.overdue).toBeGreaterThanOrEqual(3);

      const page = await logIn(run, 'desktop', 'worker.canglang');
      const summary = page.getByRole('region', { name: '每日概要' });
      await summary.waitFor();
      const figure = async (term: string) =>
        Number(
          await summary
            .locator('div', { has: page.getByText(term, { exact: true }) })
            .locator('dd')
            .textContent(),
        );
      expect(await figure('今日到期')).toBe(counts.due);
      expect(await figure('新增逾期')).toBe(counts.wentOverdue);
      expect(await figure('逾期合计')).toBe(counts.overdue);
      expect(await figure('引擎上报')).toBe(counts.escalated);
      await expectUsableByEveryone(page, 'the inbox with the daily summary');

      await page.getByRole('button', { name: '切换到英文' }).click();
      await page.getByRole('region', { name: 'Daily summary' }).getByText('Overdue in all').waitFor();
      await page.getByRole('region', { name: 'Due tomorrow' }).waitFor();
      await page.getByRole('button', { name: 'Switch to Chinese' }).click();
      await page.context().close();
    },
    JOURNEY_TIMEOUT,
  );
});
