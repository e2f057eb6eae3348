import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { axeFindings, logIn, startConsole, type ConsoleRun } from './console';

// api.md v1.2 "Sessions and accounts" in the browser, in Chinese: the caseworker changes their
// password from the header (a weak one refused in words, the user's other sessions ended), and
// logging out ends the token at the server, not only in this browser (R32).

let run: ConsoleRun;
beforeAll(async () => {
  run = await startConsole();
}, 120_000);
afterAll(async () => run?.close());

/** The bearer token this browser tab holds. */
const tokenOf = (page: Page) =>
  page.evaluate<string>('JSON.parse(sessionStorage.getItem("console.session")).token');

const casesWith = (token: string) =>
  run.system.app.inject({ method: 'GET', url: '/v1/cases', headers: { authorization: `Bearer ${token}` } });

it('R32: the caseworker changes the password from the header; a weak one is refused in Chinese, the other session ends, this one goes on; logging out ends the token at the server', async () => {
  const elsewhere = await run.system.tokenFor('worker.canglang');
  const page = await logIn(run, 'phone', 'worker.canglang');
  await page.getByRole('link', { name: '修改密码' }).click();
  await page.getByRole('heading', { name: '修改密码', level: 1 }).waitFor();
  expect(await axeFindings(page)).toEqual([]);

  await page.getByLabel('当前密码').fill(DEMO_PASSWORD);
  await page.getByLabel(/^新密码/).fill('woaini1314520');
  await page.getByLabel('再次输入新密码').fill('woaini1314520');
  await page.getByRole('button', { name: '修改密码' }).click();
  await page.getByText('新密码太弱：至少 12 个字符，不能与用户名相同，也不能是常见密码。').waitFor();

  await page.getByLabel('当前密码').fill('not my password');
  await page.getByLabel(/^新密码/).fill('沧浪街道社工站今年的新密码');
  await page.getByLabel('再次输入新密码').fill('沧浪街道社工站今年的新密码');
  await page.getByRole('button', { name: '修改密码' }).click();
  await page.getByText('当前密码不正确。').waitFor();

  await page.getByLabel('当前密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '修改密码' }).click();
  await page.getByText('密码已修改。您在其他浏览器和设备上的登录已退出。').waitFor();
  expect((await casesWith(elsewhere)).statusCode).toBe(401);
  const mine = await tokenOf(page);
  expect((await casesWith(mine)).statusCode).toBe(200);

  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByText('您已退出登录。').waitFor();
  expect((await casesWith(mine)).statusCode).toBe(401);
  const again = await run.system.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { username: 'worker.canglang', password: '沧浪街道社工站今年的新密码' },
  });
  expect(again.statusCode).toBe(200);
}, 180_000);
