import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { handover } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type POLICIES, type TestSystem } from '../helpers/system';

// The web console in a real browser: Debian's Chromium (installed by `node scripts/ensure.js
// --browser`, which `npm test` runs) driven by playwright-core, against the real API, worker,
// Temporal server and PostgreSQL of startTestSystem, listening on a port of its own.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CHROMIUM } = require('../../scripts/ensure.js') as { CHROMIUM: string };

export const SIZES = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 860 },
} as const;
export type Size = keyof typeof SIZES;

export interface ConsoleRun {
  system: TestSystem;
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startConsole(policy: keyof typeof POLICIES = 'standard'): Promise<ConsoleRun> {
  const system = await startTestSystem({ policy });
  const url = await system.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--lang=zh-CN',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
    ],
  });
  return {
    system,
    url,
    browser,
    async close() {
      await browser.close();
      await system.close();
    },
  };
}

/** A fresh browser profile at the given size, in Chinese as the users' phones are, logged in as `username`. */
export async function logIn(run: ConsoleRun, size: Size, username: string): Promise<Page> {
  const context = await run.browser.newContext({
    viewport: SIZES[size],
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(run.url);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '退出登录' }).waitFor();
  return page;
}

/** The page fits the screen: nothing to scroll sideways (issue: a 390-px phone). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/**
 * Each role's main screen, kept in data/screenshots/ on every run; `UPDATE_SCREENSHOTS=1` also
 * writes the ones the README shows, in docs/screenshots/.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const root = join(__dirname, '..', '..');
  const dirs = [join(root, 'data', 'screenshots')];
  if (process.env.UPDATE_SCREENSHOTS === '1') dirs.push(join(root, 'docs', 'screenshots'));
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  }
}

/** A handover for a person of this name (each call a new ID number), to open through the API. */
export const named = (name: string) => ({ person: { ...handover().person, name } });

/** Opened and released by the liaison through the API, at `occurredAt` (default: now). */
export async function releasedCase(run: ConsoleRun, name: string, occurredAt?: string): Promise<string> {
  const steps = lifecycle(run.system);
  const id = await steps.open(named(name));
  await steps.expectRecorded(id, 'liaison', { type: 'released', ...(occurredAt ? { occurredAt } : {}) });
  return id;
}
